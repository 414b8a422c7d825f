package mcpserver

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel/trace"

	"github.com/toolgate/toolgate/internal/tracectx"
)

// The call's span (the gateway starts one per target call) is the parent
// of what the server does for it: its W3C trace context goes in the
// request's _meta, which every transport carries to the server's MCP
// layer, and over HTTP also in the headers of the POST that sends the
// request, for the server's HTTP layer. go-sdk sends that POST with the
// call's context, which is where traceTransport finds the span.

// withTrace sets ctx's traceparent and tracestate in meta, replacing any
// the caller sent (whose parent is now the call's span), and returns it.
// meta must be the request's own copy; nil is allowed. Without a span in
// ctx, meta is returned untouched.
func withTrace(ctx context.Context, meta map[string]any) map[string]any {
	fields := tracectx.Fields(ctx)
	if fields == nil {
		return meta
	}
	if meta == nil {
		meta = make(map[string]any, len(fields))
	}
	delete(meta, tracectx.Tracestate)
	for k, v := range fields {
		meta[k] = v
	}
	return meta
}

// traceTransport sends each request with the trace context of its own
// context in its headers (see tracectx.InjectHeader), on a copy: the
// caller's request is never modified. A request whose context has no span
// is sent as it is.
type traceTransport struct{ base http.RoundTripper }

// newTraceTransport wraps base (http.DefaultTransport if nil).
func newTraceTransport(base http.RoundTripper) traceTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	return traceTransport{base: base}
}

func (rt traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return rt.base.RoundTrip(req)
	}
	out := new(http.Request)
	*out = *req
	out.Header = req.Header.Clone()
	if out.Header == nil {
		out.Header = http.Header{}
	}
	tracectx.InjectHeader(ctx, out.Header)
	resp, err := rt.base.RoundTrip(out)
	if resp != nil {
		resp.Request = req
	}
	return resp, err
}
