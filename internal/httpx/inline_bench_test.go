package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkInline times one small POST answered by an event, as an MCP
// server answers a call, on loopback: by NewTransport's transport and by
// the http.Transport it hands the rest to, alternating, and reports both
// medians.
//
//	go test -run '^$' -bench Inline -benchtime 5000x ./internal/httpx
func BenchmarkInline(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n")
	}))
	b.Cleanup(srv.Close)
	in := NewTransport().(*inline)
	b.Cleanup(in.CloseIdleConnections)
	post := func(rt http.RoundTripper) time.Duration {
		start := time.Now()
		req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`))
		if err != nil {
			b.Fatal(err)
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return time.Since(start)
	}
	for range 100 {
		post(in)
		post(in.std)
	}
	var ti, ts []time.Duration
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			ti = append(ti, post(in))
			ts = append(ts, post(in.std))
		} else {
			ts = append(ts, post(in.std))
			ti = append(ti, post(in))
		}
	}
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Nanoseconds()) / 1e3
	}
	b.ReportMetric(median(ti), "inline-µs")
	b.ReportMetric(median(ts), "transport-µs")
}
