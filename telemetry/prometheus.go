package telemetry

import (
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Prometheus returns a MeterProvider for toolgate.Options.MeterProvider
// and the handler that serves its metrics in Prometheus's text format,
// from a registry of its own (with the Go runtime's and the process's
// collectors). Counters get Prometheus's _total suffix and histograms
// their unit: Invocations_total, Latency_milliseconds_bucket,
// mcp_server_operation_duration_seconds_bucket, ...
func Prometheus() (metric.MeterProvider, http.Handler, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(prometheus.NewGoCollector()); err != nil {
		return nil, nil, fmt.Errorf("telemetry: registering the Go collector: %w", err)
	}
	if err := reg.Register(prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{})); err != nil {
		return nil, nil, fmt.Errorf("telemetry: registering the process collector: %w", err)
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, nil, fmt.Errorf("telemetry: creating the Prometheus exporter: %w", err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	return mp, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil
}
