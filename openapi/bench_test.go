package openapi

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKubernetes measures loading and converting the largest corpus
// spec (Kubernetes, Swagger 2.0, 1,123 operations) into tools; the goal is
// at most 1 s per conversion.
func BenchmarkKubernetes(b *testing.B) {
	data, err := os.ReadFile(corpusFile(b, "kubernetes/kubernetes-swagger.json"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := cpuTime()
	start := time.Now()
	var tools int
	for b.Loop() {
		tg, err := New(ctx, data, &Options{Logger: quietLogger(), BaseURL: "http://127.0.0.1:1"})
		if err != nil {
			b.Fatal(err)
		}
		tools = len(tg.tools)
	}
	wall := time.Since(start) / time.Duration(b.N)
	cpu := (cpuTime() - cpu0) / time.Duration(b.N)
	b.ReportMetric(float64(tools), "tools")
	b.ReportMetric(cpu.Seconds(), "cpu-s/op")
	// CPU time is reported beside wall time because on a shared machine
	// the wall time mostly measures the other processes.
	b.Logf("kubernetes: %d tools, %v per conversion (wall), %v CPU (all threads, GC included)", tools, wall.Round(time.Millisecond), cpu.Round(time.Millisecond))
}
