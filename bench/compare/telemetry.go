package main

import (
	"context"
	"io"

	"github.com/toolgate/toolgate"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// discardSpans is a span exporter that drops what it gets.
type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

// telemetryOptions turns every kind of telemetry on: metrics, audit, and
// traces sampled at the fraction sample (none at 0).
func telemetryOptions(sample float64) toolgate.Options {
	o := toolgate.Options{
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
		Audit:         toolgate.AuditJSON(io.Discard),
	}
	if sample > 0 {
		o.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithBatcher(discardSpans{}),
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(sample))))
	}
	return o
}
