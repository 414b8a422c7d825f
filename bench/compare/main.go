// Command compare drives the same tools/call load over loopback HTTP
// against a bare go-sdk server and against toolgate serving the same
// in-process tool, in the same transport mode, alternating rounds so both
// see the same machine, and prints calls/s, latency percentiles,
// allocations per call and the toolgate/bare ratios.
//
//	go run ./bench/compare [-mode stateless-json|stateless-sse|stateful-sse] [-c 8] [-d 5s] [-rounds 3]
//
// With -telemetry it compares toolgate with its telemetry off and on
// instead: metrics (an OpenTelemetry SDK MeterProvider, as
// telemetry.Prometheus makes), an audit line per call, and a span per request
// and per target call with the sampler -sample (the fraction of traces
// recorded; 0 for no tracer).
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/toolgate/toolgate/internal/benchkit"
)

type result struct {
	calls     int
	errors    int64
	elapsed   time.Duration
	lat       []time.Duration
	allocs    uint64
	allocByte uint64
}

func main() {
	modeName := flag.String("mode", "stateless-json", "transport mode: stateless-json, stateless-sse or stateful-sse")
	conc := flag.Int("c", 8, "concurrent clients")
	dur := flag.Duration("d", 5*time.Second, "duration of each round")
	rounds := flag.Int("rounds", 3, "rounds per server, alternating")
	telemetry := flag.Bool("telemetry", false, "compare toolgate with telemetry off and on, not with bare go-sdk")
	sample := flag.Float64("sample", 1, "with -telemetry: the fraction of traces sampled, 0 for no tracing")
	flag.Parse()
	if *dur > 2*time.Minute || *conc < 1 || *conc > 256 {
		fmt.Fprintln(os.Stderr, "compare: -d at most 2m, -c 1..256")
		os.Exit(2)
	}
	var mode benchkit.Mode
	for _, m := range benchkit.Modes {
		if m.Name == *modeName {
			mode = m
		}
	}
	if mode.Name == "" {
		fmt.Fprintln(os.Stderr, "compare: unknown mode", *modeName)
		os.Exit(2)
	}

	servers := []struct {
		name string
		mk   func(benchkit.Mode) (http.Handler, string)
	}{{"bare go-sdk", benchkit.Bare}, {"toolgate", benchkit.Gateway}}
	if *telemetry {
		servers[0].name, servers[0].mk = "toolgate", benchkit.Gateway
		servers[1].name, servers[1].mk = "+telemetry", func(m benchkit.Mode) (http.Handler, string) {
			return benchkit.GatewayWith(m, telemetryOptions(*sample))
		}
	}
	totals := make([]result, len(servers))
	for r := 0; r < *rounds; r++ {
		for i, s := range servers {
			h, tool := s.mk(mode)
			res, err := run(h, tool, *conc, *dur)
			if err != nil {
				fmt.Fprintln(os.Stderr, "compare:", s.name, err)
				os.Exit(1)
			}
			t := &totals[i]
			t.calls += res.calls
			t.errors += res.errors
			t.elapsed += res.elapsed
			t.lat = append(t.lat, res.lat...)
			t.allocs += res.allocs
			t.allocByte += res.allocByte
		}
	}

	fmt.Printf("mode %s, %d clients, %d x %v rounds per server, GOMAXPROCS=%d, GOGC=%s\n",
		mode.Name, *conc, *rounds, *dur, runtime.GOMAXPROCS(0), envOr("GOGC", "100"))
	fmt.Printf("%-12s %10s %9s %9s %9s %12s %10s %7s\n", "server", "calls/s", "p50", "p90", "p99", "allocs/call", "B/call", "errors")
	rate := make([]float64, len(servers))
	p50 := make([]time.Duration, len(servers))
	for i, s := range servers {
		t := totals[i]
		slices.Sort(t.lat)
		rate[i] = float64(t.calls) / t.elapsed.Seconds()
		p50[i] = pct(t.lat, 50)
		fmt.Printf("%-12s %10.0f %9v %9v %9v %12.0f %10.0f %7d\n", s.name, rate[i], p50[i], pct(t.lat, 90), pct(t.lat, 99),
			float64(t.allocs)/float64(t.calls), float64(t.allocByte)/float64(t.calls), t.errors)
	}
	if *telemetry {
		fmt.Printf("telemetry on/off: calls/s %.3fx (goal >= 0.95x), p50 %.2fx\n", rate[1]/rate[0], float64(p50[1])/float64(p50[0]))
	} else {
		fmt.Printf("toolgate/bare: calls/s %.2fx (goal >= 2.5x at 16 clients), p50 %.2fx (goal <= 1.10x)\n",
			rate[1]/rate[0], float64(p50[1])/float64(p50[0]))
	}
	if totals[0].errors+totals[1].errors > 0 {
		os.Exit(1)
	}
}

// run serves h on a loopback port and drives it with conc clients for d.
// Allocations are counted for the whole process (server and client).
func run(h http.Handler, tool string, conc int, d time.Duration) (result, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{}, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/mcp"
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}

	clients := make([]*benchkit.Client, conc)
	for i := range clients {
		clients[i] = &benchkit.Client{Do: hc.Do, URL: url}
		if err := clients[i].Connect(); err != nil {
			return result{}, err
		}
	}
	body := benchkit.CallBody(tool)
	// Warm up.
	for range 200 {
		if _, err := clients[0].Call(body); err != nil {
			return result{}, err
		}
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var errs atomic.Int64
	lats := make([][]time.Duration, conc)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if _, err := clients[i].Call(body); err != nil {
					errs.Add(1)
					continue
				}
				lats[i] = append(lats[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return result{
		calls: len(all), errors: errs.Load(), elapsed: elapsed, lat: all,
		allocs: after.Mallocs - before.Mallocs, allocByte: after.TotalAlloc - before.TotalAlloc,
	}, nil
}

func pct(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[(len(s)-1)*p/100].Round(time.Microsecond)
}

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}
