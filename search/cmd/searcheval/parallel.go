package main

import (
	"errors"
	"runtime"
	"sync"
)

// parallel calls f(0) … f(n-1) on GOMAXPROCS goroutines and returns their
// errors joined.
func parallel(n int, f func(i int) error) error {
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				errs[i] = f(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return errors.Join(errs...)
}
