package tracectx

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

func TestRoundTrips(t *testing.T) {
	tests := []struct {
		name string
		in   func(context.Context) context.Context
		want bool
	}{
		{"header", func(ctx context.Context) context.Context {
			return FromHeader(ctx, http.Header{"Traceparent": {parent}, "Tracestate": {"k=v"}})
		}, true},
		{"meta", func(ctx context.Context) context.Context {
			return FromMeta(ctx, map[string]any{"traceparent": parent, "tracestate": "k=v"})
		}, true},
		{"meta not a string", func(ctx context.Context) context.Context {
			return FromMeta(ctx, map[string]any{"traceparent": 42})
		}, false},
		{"malformed", func(ctx context.Context) context.Context {
			return FromHeader(ctx, http.Header{"Traceparent": {"00-zz-yy-01"}})
		}, false},
		{"none", func(ctx context.Context) context.Context { return ctx }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.in(context.Background())
			sc := trace.SpanContextFromContext(ctx)
			if sc.IsValid() != tt.want {
				t.Fatalf("valid = %v, want %v", sc.IsValid(), tt.want)
			}
			h := http.Header{}
			InjectHeader(ctx, h)
			f := Fields(ctx)
			if !tt.want {
				if len(h) != 0 || f != nil {
					t.Fatalf("injected %v / %v from no span context", h, f)
				}
				return
			}
			if h.Get("Traceparent") != parent || f[Traceparent] != parent {
				t.Fatalf("traceparent: header %q, fields %q", h.Get("Traceparent"), f[Traceparent])
			}
			if h.Get("Tracestate") != "k=v" || f[Tracestate] != "k=v" {
				t.Fatalf("tracestate: header %q, fields %q", h.Get("Tracestate"), f[Tracestate])
			}
		})
	}
}
