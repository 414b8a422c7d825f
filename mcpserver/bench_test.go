package mcpserver_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/mcpserver"
)

// BenchmarkProxiedCall measures what the gateway adds to a call of another
// MCP server on loopback: the same tool called directly with the go-sdk
// client and through a gateway whose target is that server, alternating
// call by call; it reports both medians, their difference (goal: at most
// 200 µs added) and both 99th percentiles.
//
//	go test -run '^$' -bench ProxiedCall -benchtime 2000x ./mcpserver
func BenchmarkProxiedCall(b *testing.B) {
	_, url := backend(b, nil)
	_, gwURL := gateway(b, newTarget(b, mcpserver.Options{Name: "up", URL: url}))
	ctx := context.Background()
	direct, proxied := dial(b, url), dial(b, gwURL)
	call := func(cs *mcp.ClientSession, name string) time.Duration {
		start := time.Now()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{"text": "hi"}})
		if err != nil || res.IsError {
			b.Fatalf("%s: %v %+v", name, err, res)
		}
		return time.Since(start)
	}
	for range 50 { // warm up both paths
		call(direct, "echo")
		call(proxied, "up___echo")
	}
	var d, p []time.Duration
	for b.Loop() {
		d = append(d, call(direct, "echo"))
		p = append(p, call(proxied, "up___echo"))
	}
	md, mp := quantile(d, 0.5), quantile(p, 0.5)
	b.ReportMetric(float64(quantile(d, 0.99).Microseconds()), "direct-p99-µs")
	b.ReportMetric(float64(quantile(p, 0.99).Microseconds()), "proxied-p99-µs")
	b.ReportMetric(float64(md.Microseconds()), "direct-µs")
	b.ReportMetric(float64(mp.Microseconds()), "proxied-µs")
	b.ReportMetric(float64((mp - md).Microseconds()), "added-µs")
}

// quantile returns the q quantile of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// dial connects a go-sdk client to url, closed when the benchmark ends.
func dial(b *testing.B, url string) *mcp.ClientSession {
	b.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "0"}, nil)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cs.Close() })
	return cs
}

// BenchmarkProxiedCallPaths compares, call by call, the two ways a target
// sends a quiet call: the lean path and go-sdk's client (two gateways on
// the same server). It reports the time each adds over a direct call.
//
//	go test -run '^$' -bench ProxiedCallPaths -benchtime 2000x ./mcpserver
func BenchmarkProxiedCallPaths(b *testing.B) {
	_, url := backend(b, nil)
	_, leanURL := gateway(b, newTarget(b, mcpserver.Options{Name: "up", URL: url}))
	sdk := newTarget(b, mcpserver.Options{Name: "up", URL: url})
	mcpserver.NoLean(sdk)
	_, sdkURL := gateway(b, sdk)
	ctx := context.Background()
	direct, lean, viaSDK := dial(b, url), dial(b, leanURL), dial(b, sdkURL)
	call := func(cs *mcp.ClientSession, name string) time.Duration {
		start := time.Now()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{"text": "hi"}})
		if err != nil || res.IsError {
			b.Fatalf("%s: %v %+v", name, err, res)
		}
		return time.Since(start)
	}
	for range 50 {
		call(direct, "echo")
		call(lean, "up___echo")
		call(viaSDK, "up___echo")
	}
	var d, l, s []time.Duration
	for b.Loop() {
		d = append(d, call(direct, "echo"))
		l = append(l, call(lean, "up___echo"))
		s = append(s, call(viaSDK, "up___echo"))
	}
	md := quantile(d, 0.5)
	b.ReportMetric(float64(md.Microseconds()), "direct-µs")
	b.ReportMetric(float64((quantile(l, 0.5) - md).Microseconds()), "lean-added-µs")
	b.ReportMetric(float64((quantile(s, 0.5) - md).Microseconds()), "sdk-added-µs")
}
