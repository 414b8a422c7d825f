package every

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestRun: f runs again and again with Run's context, not before the
// first interval, and Run returns once the context is done.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	done := make(chan struct{})
	start := time.Now()
	var first atomic.Int64
	go func() {
		defer close(done)
		Run(ctx, 5*time.Millisecond, func(c context.Context) {
			if c != ctx {
				t.Error("f got another context")
			}
			first.CompareAndSwap(0, int64(time.Since(start)))
			if n.Add(1) == 3 {
				cancel()
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was done")
	}
	if n.Load() != 3 {
		t.Errorf("f ran %d times, want 3", n.Load())
	}
	if d := time.Duration(first.Load()); d < 5*time.Millisecond {
		t.Errorf("first call after %v, before the interval", d)
	}
}
