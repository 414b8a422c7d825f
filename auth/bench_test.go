package auth

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/benchkit"
)

// BenchmarkCallWithJWT runs the same tools/call in-process through a
// gateway without an authorizer and through one with the JWT authorizer,
// in one run, and reports the JWT path's cost relative to the plain one
// (goal: at most 5% fewer calls per second) from the median call of each,
// the calls alternating one by one.
func BenchmarkCallWithJWT(b *testing.B) {
	is := newIssuer(b)
	j := newJWT(b, is, func(c *JWTConfig) { c.CustomClaims = nil })
	// One header value for every request: the client's cost stays out of
	// the comparison (the gateway replaces the map entry, never the slice).
	bearer := []string{"Bearer " + is.sign(b, "rsa-1", is.claims(nil))}
	mk := func(a toolgate.Authorizer) *benchkit.Client {
		gw, err := toolgate.New(&toolgate.Options{Authorizer: a, Stateless: true, JSONResponse: true, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if err := gw.AddTarget(context.Background(), toolgate.Funcs("bench", toolgate.Func("echo", "Echo", func(_ context.Context, in benchkit.EchoIn) (string, error) { return in.Text, nil }))); err != nil {
			b.Fatal(err)
		}
		do := benchkit.HandlerDo(gw)
		c := &benchkit.Client{URL: "http://gw.test/mcp", Do: func(r *http.Request) (*http.Response, error) {
			if a != nil {
				r.Header["Authorization"] = bearer
			}
			return do(r)
		}}
		if err := c.Connect(); err != nil {
			b.Fatal(err)
		}
		return c
	}
	plain, withJWT := mk(nil), mk(j)
	body := benchkit.CallBody("bench___echo")
	run := func(c *benchkit.Client, n int) time.Duration {
		start := time.Now()
		for range n {
			if _, err := c.Call(body); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	// Calls alternate one by one between the two gateways, each timed; the
	// figure compares the medians, so a GC cycle or a noisy neighbour
	// spoils a few calls, not the comparison.
	const calls = 20000
	var dp, dj []time.Duration
	for b.Loop() {
		for i := range calls {
			if i%2 == 0 {
				dp = append(dp, run(plain, 1))
				dj = append(dj, run(withJWT, 1))
			} else { // the other first: neither gains from going second
				dj = append(dj, run(withJWT, 1))
				dp = append(dp, run(plain, 1))
			}
		}
	}
	slices.Sort(dp)
	slices.Sort(dj)
	mp, mj := dp[len(dp)/2], dj[len(dj)/2]
	b.ReportMetric(100*(1-float64(mp)/float64(mj)), "%slower")
	b.ReportMetric(float64(mj.Nanoseconds())/1e3, "µs/call-jwt")
	b.ReportMetric(float64(mp.Nanoseconds())/1e3, "µs/call-plain")
}

// BenchmarkVerifyUncached is the cost of verifying a token not seen before
// (signature, claims): what the verified-token cache saves on every later
// request with the same token.
func BenchmarkVerifyUncached(b *testing.B) {
	is := newIssuer(b)
	j := newJWT(b, is, func(c *JWTConfig) { c.CustomClaims, c.CacheSize = nil, -1 })
	tok := is.sign(b, "rsa-1", is.claims(nil))
	r, _ := http.NewRequest("POST", "http://gw.test/mcp", io.NopCloser(nil))
	r.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := j.Authorize(r); err != nil {
			b.Fatal(err)
		}
	}
}
