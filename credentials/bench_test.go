package credentials_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
)

// canned is a RoundTripper that answers without a network, so benchmarks
// measure the credential path alone.
type canned struct{}

func (canned) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: req, Header: http.Header{}}, nil
}

// cachedClientCredentials returns a provider whose token is already cached.
func cachedClientCredentials(tb testing.TB) *credentials.ClientCredentials {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": strings.Repeat("t", 800), "token_type": "Bearer", "expires_in": 3600})
	}))
	tb.Cleanup(srv.Close)
	cc, err := credentials.NewClientCredentials(context.Background(), credentials.ClientCredentialsConfig{
		ClientID: "bench", ClientSecret: credentials.Literal("bench-secret"), TokenURL: srv.URL,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := cc.Token(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return cc
}

func benchRoundTrip(b *testing.B, rt http.RoundTripper) {
	benchRequest(b, rt, context.Background(), "")
}

// benchRequest sends a typical GET through rt; with requestID, an
// X-Request-Id header long enough to make the inbound-credential guard
// look at the principal in ctx.
func benchRequest(b *testing.B, rt http.RoundTripper, ctx context.Context, requestID string) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.com/v1/items?limit=10", nil)
	req.Header.Set("Accept", "application/json")
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
	}
}

// BenchmarkTransport compares a bare RoundTripper with the same one behind
// credentials.Transport. The difference between "base" and
// "client_credentials_cached" is the cost the cached-token path adds to a
// request.
func BenchmarkTransport(b *testing.B) {
	b.Run("base", func(b *testing.B) { benchRoundTrip(b, canned{}) })
	b.Run("client_credentials_cached", func(b *testing.B) {
		benchRoundTrip(b, credentials.Transport(canned{}, cachedClientCredentials(b)))
	})
	b.Run("client_credentials_cached_guarded", func(b *testing.B) {
		// The guard searches the request for the caller's token.
		ctx := toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "alice", Token: strings.Repeat("i", 800)})
		benchRequest(b, credentials.Transport(canned{}, cachedClientCredentials(b)), ctx, "0b5c7e0e-8f0e-4d55-9b8a-3d1f1c0f2a11")
	})
	b.Run("api_key", func(b *testing.B) {
		k, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k"), Name: "X-Api-Key"})
		if err != nil {
			b.Fatal(err)
		}
		benchRoundTrip(b, credentials.Transport(canned{}, k))
	})
	b.Run("sigv4", func(b *testing.B) {
		s, err := credentials.NewSigV4(context.Background(), credentials.SigV4Config{Service: "execute-api", Region: "us-east-1", AccessKeyID: testAKID, SecretAccessKey: credentials.Literal(testSecret)})
		if err != nil {
			b.Fatal(err)
		}
		benchRoundTrip(b, credentials.Transport(canned{}, s))
	})
}

// BenchmarkCachedTokenOverhead reports the CPU time the cached-token path
// of OAuth2 client credentials adds to a request (goal: at most 2 µs),
// as the difference of the quietest of nine rounds each of a bare
// transport and of the same transport with the provider.
func BenchmarkCachedTokenOverhead(b *testing.B) {
	const n = 50000
	rt := credentials.Transport(canned{}, cachedClientCredentials(b))
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.example.com/v1/items?limit=10", nil)
	req.Header.Set("Accept", "application/json")
	measure := func(rt http.RoundTripper) time.Duration {
		runtime.GC()
		c0 := cpuTime(b)
		for range n {
			resp, err := rt.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			_ = resp.Body.Close()
		}
		return (cpuTime(b) - c0) / n
	}
	for b.Loop() {
		base, cached := time.Hour, time.Hour
		for range 9 {
			base = min(base, measure(canned{}))
			cached = min(cached, measure(rt))
		}
		b.ReportMetric(float64((cached - base).Nanoseconds()), "overhead-ns/req")
	}
}

// cpuTime is the CPU time the process has used.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
