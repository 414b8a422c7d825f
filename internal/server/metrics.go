package server

import (
	"sync"

	"go.opentelemetry.io/otel/metric"
)

// retiringProvider is the MeterProvider of one gateway generation. The
// gateway registers callbacks that report its counts; when a reload
// replaces the gateway, retire unregisters them, so that the metrics
// report the new gateway's counts alone (Prometheus sees a counter reset).
type retiringProvider struct {
	metric.MeterProvider
	mu   sync.Mutex
	regs []metric.Registration
}

func (p *retiringProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	return &retiringMeter{Meter: p.MeterProvider.Meter(name, opts...), p: p}
}

func (p *retiringProvider) retire() {
	p.mu.Lock()
	regs := p.regs
	p.regs = nil
	p.mu.Unlock()
	for _, r := range regs {
		_ = r.Unregister()
	}
}

type retiringMeter struct {
	metric.Meter
	p *retiringProvider
}

func (m *retiringMeter) RegisterCallback(f metric.Callback, instruments ...metric.Observable) (metric.Registration, error) {
	r, err := m.Meter.RegisterCallback(f, instruments...)
	if err == nil {
		m.p.mu.Lock()
		m.p.regs = append(m.p.regs, r)
		m.p.mu.Unlock()
	}
	return r, err
}
