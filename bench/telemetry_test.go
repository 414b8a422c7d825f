package bench

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/benchkit"
)

// discardSpans is a span exporter that drops what it gets.
type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

// BenchmarkTelemetry measures tools/call throughput with telemetry off and
// on, with parallel callers (GOMAXPROCS of them), in-process: the cost the
// telemetry adds to each call. "metrics+audit" is the operations setup of
// examples/mount (metrics, an audit line per call); "all" also records a
// span per request and per target call, every trace sampled; "all 1%
// sampled" samples one trace in a hundred. calls/s is
// the throughput; compare it across the sub-benchmarks.
func BenchmarkTelemetry(b *testing.B) {
	configs := []struct {
		name string
		opts func() toolgate.Options
	}{
		{"off", func() toolgate.Options { return toolgate.Options{} }},
		{"metrics", func() toolgate.Options {
			return toolgate.Options{MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))}
		}},
		{"metrics+audit", func() toolgate.Options {
			return toolgate.Options{
				MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
				Audit:         toolgate.AuditJSON(io.Discard),
			}
		}},
		{"all", func() toolgate.Options {
			return toolgate.Options{
				MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
				Audit:          toolgate.AuditJSON(io.Discard),
				TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardSpans{})),
			}
		}},
		{"all 1% sampled", func() toolgate.Options {
			return toolgate.Options{
				MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
				Audit:         toolgate.AuditJSON(io.Discard),
				TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardSpans{}),
					sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.01)))),
			}
		}},
	}
	for _, m := range benchkit.Modes {
		for _, cfg := range configs {
			b.Run(m.Name+"/"+cfg.name, func(b *testing.B) {
				h, tool := benchkit.GatewayWith(m, cfg.opts())
				parallelCalls(b, h, "", benchkit.CallBody(tool))
			})
		}
	}
}

// parallelCalls calls h with body from parallel callers (GOMAXPROCS of
// them), each its own session, after sending first (when not "") once,
// and reports calls/s.
func parallelCalls(b *testing.B, h http.Handler, first, body string) {
	b.ReportAllocs()
	runtime.GC() // what the runs before left behind is not collected in this one's time
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &benchkit.Client{Do: benchkit.HandlerDo(h), URL: "http://127.0.0.1/mcp"}
		if err := c.Connect(); err != nil {
			b.Error(err)
			return
		}
		if first != "" {
			if _, err := c.Call(first); err != nil {
				b.Error(err)
				return
			}
		}
		for pb.Next() {
			if _, err := c.Call(body); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
