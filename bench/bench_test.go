// Package bench holds the benchmarks: toolgate against a bare go-sdk
// server (internal/benchkit builds both), and tools/list over large
// catalogues. It is not part of the library.
package bench

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/benchkit"
)

// BenchmarkToolsCall measures one tools/call handled in-process (no
// network) by a bare go-sdk server and by toolgate, in each transport mode.
func BenchmarkToolsCall(b *testing.B) {
	for _, m := range benchkit.Modes {
		for _, srv := range []struct {
			name string
			mk   func(benchkit.Mode) (http.Handler, string)
		}{{"bare", benchkit.Bare}, {"toolgate", benchkit.Gateway}} {
			b.Run(m.Name+"/"+srv.name, func(b *testing.B) {
				h, tool := srv.mk(m)
				c := &benchkit.Client{Do: benchkit.HandlerDo(h), URL: "http://127.0.0.1/mcp"}
				if err := c.Connect(); err != nil {
					b.Fatal(err)
				}
				body := benchkit.CallBody(tool)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := c.Call(body); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkToolsList10k lists a 10,000-tool catalogue in full (following
// every cursor, 1000 tools a page) per iteration, in-process, from toolgate
// and from a bare go-sdk server holding the same tools. server-p50-ms is
// the time spent in the server's handler, without the client's decoding.
func BenchmarkToolsList10k(b *testing.B) {
	gw, err := toolgate.New(&toolgate.Options{Stateless: true, JSONResponse: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	if err := gw.AddTarget(context.Background(), benchkit.ManyTools(10000)); err != nil {
		b.Fatal(err)
	}
	bare := mcp.NewServer(&mcp.Implementation{Name: "bare", Version: "0"}, &mcp.ServerOptions{PageSize: 1000, Logger: slog.New(slog.DiscardHandler)})
	for _, ti := range gw.Catalog(context.Background()) {
		bare.AddTool(&mcp.Tool{Name: ti.Name, Description: ti.Tool.Description, InputSchema: ti.Tool.InputSchema}, nil)
	}
	bareH := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return bare }, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
	for _, srv := range []struct {
		name string
		h    http.Handler
	}{{"bare", bareH}, {"toolgate", gw}} {
		b.Run(srv.name, func(b *testing.B) {
			var server time.Duration
			do := benchkit.HandlerDo(srv.h)
			c := &benchkit.Client{URL: "http://127.0.0.1/mcp", Do: func(r *http.Request) (*http.Response, error) {
				start := time.Now()
				resp, err := do(r)
				server += time.Since(start)
				return resp, err
			}}
			if err := c.Connect(); err != nil {
				b.Fatal(err)
			}
			var durs []time.Duration
			b.ReportAllocs()
			for b.Loop() {
				server = 0
				n, _, err := benchkit.ListAll(c)
				if err != nil || n != 10000 {
					b.Fatalf("listed %d tools: %v", n, err)
				}
				durs = append(durs, server)
			}
			sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
			b.ReportMetric(float64(durs[len(durs)/2].Microseconds())/1000, "server-p50-ms")
		})
	}
}

// BenchmarkRegister10k measures adding a 10,000-tool target (schema
// compilation and catalogue build).
func BenchmarkRegister10k(b *testing.B) {
	t := benchkit.ManyTools(10000)
	for b.Loop() {
		gw, err := toolgate.New(&toolgate.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if err := gw.AddTarget(context.Background(), t); err != nil {
			b.Fatal(err)
		}
	}
}

// TestBenchServersAgree checks that both servers answer the benchmark call
// the same way, so the benchmark compares like with like.
func TestBenchServersAgree(t *testing.T) {
	for _, m := range benchkit.Modes {
		for _, mk := range []func(benchkit.Mode) (http.Handler, string){benchkit.Bare, benchkit.Gateway} {
			h, tool := mk(m)
			c := &benchkit.Client{Do: benchkit.HandlerDo(h), URL: "http://127.0.0.1/mcp"}
			if err := c.Connect(); err != nil {
				t.Fatal(err)
			}
			b, err := c.Call(benchkit.CallBody(tool))
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			if got := string(benchkit.SSEPayload(b)); got != `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hello, gateway"}]}}` {
				t.Fatalf("%s %s: %s", m.Name, tool, got)
			}
		}
	}
	gw, _ := toolgate.New(&toolgate.Options{Stateless: true, JSONResponse: true, PageSize: 300, Logger: slog.New(slog.DiscardHandler)})
	if err := gw.AddTarget(context.Background(), benchkit.ManyTools(1000)); err != nil {
		t.Fatal(err)
	}
	c := &benchkit.Client{Do: benchkit.HandlerDo(gw), URL: "http://127.0.0.1/mcp"}
	if n, pages, err := benchkit.ListAll(c); n != 1000 || pages != 4 || err != nil {
		t.Fatalf("ListAll: %d tools in %d pages, %v", n, pages, err)
	}
}
