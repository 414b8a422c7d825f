package tracectx

import (
	"context"
	"net/http"
	"slices"
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

// TestInjectHeaderReplaces: trace headers already on a request (a caller's,
// forwarded) give way to ctx's, one value each; a tracestate without one in
// ctx is dropped, as it belongs to the other trace.
func TestInjectHeaderReplaces(t *testing.T) {
	const other = "00-11111111111111111111111111111111-2222222222222222-01"
	tests := []struct {
		name      string
		state     string // ctx's tracestate
		wantState []string
	}{
		{"ctx with tracestate", "k=v", []string{"k=v"}},
		{"ctx without tracestate", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := http.Header{"Traceparent": {parent}}
			if tt.state != "" {
				in.Set("Tracestate", tt.state)
			}
			ctx := FromHeader(context.Background(), in)
			h := http.Header{"Traceparent": {other, other}, "Tracestate": {"old=1"}, "X-Other": {"x"}}
			InjectHeader(ctx, h)
			if got := h.Values("Traceparent"); len(got) != 1 || got[0] != parent {
				t.Errorf("traceparent %q, want [%s]", got, parent)
			}
			if got := h.Values("Tracestate"); !slices.Equal(got, tt.wantState) {
				t.Errorf("tracestate %q, want %q", got, tt.wantState)
			}
			if h.Get("X-Other") != "x" {
				t.Error("another header was touched")
			}
		})
	}
}
