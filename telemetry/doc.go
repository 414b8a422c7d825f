// Package telemetry connects a gateway's telemetry to the usual back ends
// without global state: Prometheus builds the MeterProvider for
// toolgate.Options.MeterProvider and the http.Handler that serves its
// metrics in Prometheus's text format (mount it at /metrics).
//
// For OTLP, give the gateway an SDK MeterProvider and TracerProvider with
// OpenTelemetry's OTLP exporters (go.opentelemetry.io/otel/exporters/otlp);
// docs/operations.md shows how.
package telemetry
