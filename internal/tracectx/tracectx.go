// Package tracectx carries W3C trace context (traceparent, tracestate)
// between a context.Context and the places a call leaves or enters the
// gateway: HTTP headers, an MCP request's _meta, a Lambda client context.
// It uses OpenTelemetry's stateless W3C propagator, never a global one, and
// writes nothing when ctx holds no valid span context.
package tracectx

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Keys are the W3C field names, as HTTP headers (canonical form) and as
// _meta or client-context keys (lower case).
const (
	Traceparent = "traceparent"
	Tracestate  = "tracestate"
)

var w3c propagation.TraceContext

// InjectHeader sets ctx's traceparent and tracestate on h, replacing any the
// caller set (a tracestate is removed when ctx has none: it belongs to
// another trace), or leaves h alone when ctx has no valid span context.
func InjectHeader(ctx context.Context, h http.Header) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	h.Del(Tracestate)
	w3c.Inject(ctx, propagation.HeaderCarrier(h))
}

// Fields returns ctx's traceparent (and tracestate, when there is one) as
// lower-case keys, or nil when ctx has no valid span context.
func Fields(ctx context.Context) map[string]string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	m := make(map[string]string, 2)
	w3c.Inject(ctx, propagation.MapCarrier(m))
	return m
}

// FromHeader returns ctx with the remote span context h carries, if any.
func FromHeader(ctx context.Context, h http.Header) context.Context {
	if h.Get(Traceparent) == "" {
		return ctx
	}
	return w3c.Extract(ctx, propagation.HeaderCarrier(h))
}

// FromMeta returns ctx with the remote span context an MCP request's _meta
// carries under "traceparent" (and "tracestate"), if any. Values that are
// not strings are ignored.
func FromMeta(ctx context.Context, meta map[string]any) context.Context {
	tp, _ := meta[Traceparent].(string)
	if tp == "" {
		return ctx
	}
	m := propagation.MapCarrier{Traceparent: tp}
	if ts, ok := meta[Tracestate].(string); ok && ts != "" {
		m[Tracestate] = ts
	}
	return w3c.Extract(ctx, m)
}
