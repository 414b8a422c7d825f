package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/mcpserver"
)

// BenchmarkProxiedCall measures what the gateway adds to a call of another
// MCP server on loopback: the same tool called directly with the go-sdk
// client and through a gateway whose target is that server, alternating
// call by call; it reports both medians, their difference (goal: at most
// 200 µs added) and both 99th percentiles. For scale it also calls
// through net/http/httputil's ReverseProxy in front of the same server, a
// proxy that only copies bytes, and reports what that adds (proxy-added),
// and through a gateway whose target sends with net/http's own
// http.Transport instead of the default transport (transport-added).
//
//	go test -run '^$' -bench ProxiedCall -benchtime 2000x ./mcpserver
func BenchmarkProxiedCall(b *testing.B) {
	_, url := backend(b, nil)
	_, gwURL := gateway(b, newTarget(b, mcpserver.Options{Name: "up", URL: url}))
	std := http.DefaultTransport.(*http.Transport).Clone()
	std.MaxIdleConnsPerHost = 64
	_, stdURL := gateway(b, newTarget(b, mcpserver.Options{Name: "up", URL: url, HTTPClient: &http.Client{Transport: std}}))
	u, err := neturl.Parse(url)
	if err != nil {
		b.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // pass each event on at once
	proxy := httptest.NewServer(rp)
	b.Cleanup(proxy.Close)
	direct, proxied, copied, viaStd := dial(b, url), dial(b, gwURL), dial(b, proxy.URL), dial(b, stdURL)
	call := func(cs *mcp.ClientSession, name string) time.Duration {
		return timedCall(b, cs, &mcp.CallToolParams{Name: name, Arguments: map[string]any{"text": "hi"}})
	}
	for range 50 { // warm up every path
		call(direct, "echo")
		call(proxied, "up___echo")
		call(copied, "echo")
		call(viaStd, "up___echo")
	}
	var d, p, c, s []time.Duration
	rotated(b, func() { d = append(d, call(direct, "echo")) },
		func() { p = append(p, call(proxied, "up___echo")) },
		func() { c = append(c, call(copied, "echo")) },
		func() { s = append(s, call(viaStd, "up___echo")) })
	md, mp, mc := quantile(d, 0.5), quantile(p, 0.5), quantile(c, 0.5)
	b.ReportMetric(float64((quantile(s, 0.5) - md).Microseconds()), "transport-added-µs")
	b.ReportMetric(float64(quantile(d, 0.99).Microseconds()), "direct-p99-µs")
	b.ReportMetric(float64(quantile(p, 0.99).Microseconds()), "proxied-p99-µs")
	b.ReportMetric(float64(md.Microseconds()), "direct-µs")
	b.ReportMetric(float64(mp.Microseconds()), "proxied-µs")
	b.ReportMetric(float64((mp - md).Microseconds()), "added-µs")
	b.ReportMetric(float64((mc - md).Microseconds()), "proxy-added-µs")
}

// BenchmarkProxiedCallCapable is BenchmarkProxiedCall for a caller that
// can be asked (it declares sampling) and sends a progress token, as many
// clients do: the gateway answers its call itself with an event stream of
// the call's own (the target's tools relay the session), as it answers a
// quiet call, and the target takes the lean path.
//
//	go test -run '^$' -bench ProxiedCallCapable -benchtime 2000x ./mcpserver
func BenchmarkProxiedCallCapable(b *testing.B) {
	_, url := backend(b, nil)
	_, gwURL := gateway(b, newTarget(b, mcpserver.Options{Name: "up", URL: url}))
	capable := dialWith(b, gwURL, &mcp.ClientOptions{
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return nil, errors.New("no model here")
		}})
	direct := dial(b, url)
	call := func(cs *mcp.ClientSession, name string) time.Duration {
		params := &mcp.CallToolParams{Name: name, Arguments: map[string]any{"text": "hi"}}
		params.SetProgressToken("p")
		return timedCall(b, cs, params)
	}
	for range 50 {
		call(direct, "echo")
		call(capable, "up___echo")
	}
	var d, p []time.Duration
	rotated(b, func() { d = append(d, call(direct, "echo")) },
		func() { p = append(p, call(capable, "up___echo")) })
	md, mp := quantile(d, 0.5), quantile(p, 0.5)
	b.ReportMetric(float64(md.Microseconds()), "direct-µs")
	b.ReportMetric(float64(mp.Microseconds()), "proxied-µs")
	b.ReportMetric(float64((mp - md).Microseconds()), "added-µs")
}

// rotated runs the calls once each for every iteration of b, each taking
// every place in the order in turn: a call that follows another finds the
// machine still busy with the end of it (the servers' and clients'
// goroutines finishing the exchange, its garbage), so that measured
// always second pays more than the one measured first.
func rotated(b *testing.B, calls ...func()) {
	for i := 0; b.Loop(); i++ {
		for k := range calls {
			calls[(i+k)%len(calls)]()
		}
	}
}

// quantile returns the q quantile of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// dial connects a go-sdk client to url, closed when the benchmark ends.
func dial(b *testing.B, url string) *mcp.ClientSession { return dialWith(b, url, nil) }

// dialWith is dial with the client's options.
func dialWith(b *testing.B, url string, opts *mcp.ClientOptions) *mcp.ClientSession {
	b.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "0"}, opts)
	cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cs.Close() })
	return cs
}

// timedCall makes the call params on cs, which must succeed, and returns
// how long it took.
func timedCall(b *testing.B, cs *mcp.ClientSession, params *mcp.CallToolParams) time.Duration {
	b.Helper()
	start := time.Now()
	res, err := cs.CallTool(context.Background(), params)
	if err != nil || res.IsError {
		b.Fatalf("%s: %v %+v", params.Name, err, res)
	}
	return time.Since(start)
}

// BenchmarkProxiedCallParts splits what a proxied call costs, call by
// call: the direct call with go-sdk's client; the target's own call of
// the server, in process, by the lean path and by go-sdk's client; and a
// call of an in-process tool through a gateway (the gateway's serving
// alone).
//
//	go test -run '^$' -bench ProxiedCallParts -benchtime 2000x ./mcpserver
func BenchmarkProxiedCallParts(b *testing.B) {
	_, url := backend(b, nil)
	lean := newTarget(b, mcpserver.Options{Name: "up", URL: url})
	sdk := newTarget(b, mcpserver.Options{Name: "up", URL: url})
	mcpserver.NoLean(sdk)
	echo := toolgate.RawFunc(toolgate.Tool{Name: "echo", InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}}}`)},
		func(context.Context, json.RawMessage) (*toolgate.Result, error) {
			return toolgate.TextResult("hi"), nil
		})
	_, funcURL := gateway(b, toolgate.Funcs("up", echo))
	ctx := context.Background()
	direct, viaGateway := dial(b, url), dial(b, funcURL)
	call := func(cs *mcp.ClientSession, name string) time.Duration {
		return timedCall(b, cs, &mcp.CallToolParams{Name: name, Arguments: map[string]any{"text": "hi"}})
	}
	target := func(tg *mcpserver.Target) time.Duration {
		start := time.Now()
		res, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "echo", Arguments: json.RawMessage(`{"text":"hi"}`)})
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
		return time.Since(start)
	}
	for range 50 {
		call(direct, "echo")
		call(viaGateway, "up___echo")
		target(lean)
		target(sdk)
	}
	var d, g, l, s []time.Duration
	rotated(b, func() { d = append(d, call(direct, "echo")) },
		func() { g = append(g, call(viaGateway, "up___echo")) },
		func() { l = append(l, target(lean)) },
		func() { s = append(s, target(sdk)) })
	b.ReportMetric(float64(quantile(d, 0.5).Microseconds()), "direct-µs")
	b.ReportMetric(float64(quantile(g, 0.5).Microseconds()), "gateway-func-µs")
	b.ReportMetric(float64(quantile(l, 0.5).Microseconds()), "target-lean-µs")
	b.ReportMetric(float64(quantile(s, 0.5).Microseconds()), "target-sdk-µs")
}

// BenchmarkLeanCallFloor measures the target's own share of a quiet call:
// the lean path against a server that answers tools/call at once with a
// fixed event (go-sdk's handler serves the rest of the session), beside a
// bare POST of net/http to the same server, call by call.
//
//	go test -run '^$' -bench LeanCallFloor -benchtime 3000x ./mcpserver
func BenchmarkLeanCallFloor(b *testing.B) {
	next := streamable()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if r.Method == http.MethodPost && json.Unmarshal(body, &m) == nil && (m.Method == "tools/call" || m.Method == "bare") {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = fmt.Fprintf(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}\n\n", m.ID)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	}))
	b.Cleanup(srv.Close)
	tg := newTarget(b, mcpserver.Options{Name: "up", URL: srv.URL})
	ctx := context.Background()
	bare := func() time.Duration {
		start := time.Now()
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"bare"}`))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return time.Since(start)
	}
	lean := func() time.Duration {
		start := time.Now()
		res, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "echo", Arguments: json.RawMessage(`{"text":"hi"}`)})
		if err != nil || res.IsError {
			b.Fatalf("%v %+v", err, res)
		}
		return time.Since(start)
	}
	for range 50 {
		bare()
		lean()
	}
	var p, l []time.Duration
	rotated(b, func() { p = append(p, bare()) }, func() { l = append(l, lean()) })
	b.ReportMetric(float64(quantile(p, 0.5).Microseconds()), "bare-post-µs")
	b.ReportMetric(float64(quantile(l, 0.5).Microseconds()), "lean-call-µs")
}

// BenchmarkRelayedAsk measures a call of another MCP server whose tool
// asks the caller's model and then the user (two requests relayed to the
// caller, each a round trip): directly, through a gateway whose front
// answers it by its fast path (a stream of the call's own), and through
// one whose front is go-sdk's server (DisableFastPath), call by call.
//
//	go test -run '^$' -bench RelayedAsk -benchtime 1000x ./mcpserver
func BenchmarkRelayedAsk(b *testing.B) {
	_, url := backend(b, nil)
	_, fastURL := gatewayWith(b, &toolgate.Options{Authorizer: auth.None()}, newTarget(b, mcpserver.Options{Name: "up", URL: url}))
	_, sdkURL := gatewayWith(b, &toolgate.Options{Authorizer: auth.None(), DisableFastPath: true}, newTarget(b, mcpserver.Options{Name: "up", URL: url}))
	asked := func(u string) *mcp.ClientSession { return dialWith(b, u, (&caller{}).options()) }
	direct, fast, sdk := asked(url), asked(fastURL), asked(sdkURL)
	call := func(cs *mcp.ClientSession, name string) time.Duration {
		return timedCall(b, cs, &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
	}
	for range 20 {
		call(direct, "ask")
		call(fast, "up___ask")
		call(sdk, "up___ask")
	}
	var d, f, s []time.Duration
	rotated(b, func() { d = append(d, call(direct, "ask")) },
		func() { f = append(f, call(fast, "up___ask")) },
		func() { s = append(s, call(sdk, "up___ask")) })
	md := quantile(d, 0.5)
	b.ReportMetric(float64(md.Microseconds()), "direct-µs")
	b.ReportMetric(float64((quantile(f, 0.5) - md).Microseconds()), "fast-added-µs")
	b.ReportMetric(float64((quantile(s, 0.5) - md).Microseconds()), "sdk-added-µs")
}
