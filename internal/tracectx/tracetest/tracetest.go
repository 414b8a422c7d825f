// Package tracetest gives tests a span of the real OpenTelemetry SDK, as
// the gateway starts one per target call, and checks the W3C traceparent a
// backend received against it.
package tracetest

import (
	"context"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Start returns a context holding a new recording span of its own tracer
// provider, and the span's context. Both end with the test.
func Start(tb testing.TB) (context.Context, trace.SpanContext) {
	tb.Helper()
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("toolgate-test").Start(tb.Context(), "target call")
	tb.Cleanup(func() {
		span.End()
		_ = tp.Shutdown(context.Background())
	})
	sc := span.SpanContext()
	if !sc.IsValid() {
		tb.Fatal("the SDK started a span without a valid context")
	}
	return ctx, sc
}

// Check reports an error unless traceparent names sc as the parent:
// version 00, sc's trace id, sc's span id as the parent id, sc's flags.
func Check(tb testing.TB, traceparent string, sc trace.SpanContext) {
	tb.Helper()
	parts := strings.Split(traceparent, "-")
	if len(parts) != 4 || parts[0] != "00" {
		tb.Errorf("traceparent %q is not a W3C version 00 traceparent", traceparent)
		return
	}
	if parts[1] != sc.TraceID().String() {
		tb.Errorf("traceparent %q: trace id %s, want the span's %s", traceparent, parts[1], sc.TraceID())
	}
	if parts[2] != sc.SpanID().String() {
		tb.Errorf("traceparent %q: parent id %s, want the span's id %s", traceparent, parts[2], sc.SpanID())
	}
	if parts[3] != sc.TraceFlags().String() {
		tb.Errorf("traceparent %q: flags %s, want the span's %s", traceparent, parts[3], sc.TraceFlags())
	}
}
