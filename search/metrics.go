package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/toolgate/toolgate"
)

// instrumentationName names the search tool's meter.
const instrumentationName = "github.com/toolgate/toolgate/search"

// Why a hybrid searcher answered lexically, as the metrics say it.
const (
	reasonWarming  = "warming"        // the catalogue's first tools are being embedded
	reasonFailed   = "embedder_error" // the embedder failed this search
	reasonBackOff  = "backing_off"    // it failed lately: not tried until RetryAfter
	purposeRequest = "request"
	purposeTools   = "catalogue"
)

// errBackingOff marks a search that did not try the embedder, which
// failed lately.
var errBackingOff = errors.New("embedder unavailable, retrying later")

// metrics are the search tool's instruments; a nil *metrics records
// nothing.
type metrics struct {
	searches  metric.Int64Counter
	embedTime metric.Float64Histogram
	texts     metric.Int64Counter
	calls     metric.Int64Counter
	reg       metric.Registration

	// Measurement options, made once.
	hybrid, lexical                          metric.AddOption
	lexicalBy                                map[string]metric.AddOption
	requestOK, requestErr, toolsOK, toolsErr metric.RecordOption
	fromCache, fromEmbedder                  metric.AddOption
	byRank                                   map[string]metric.AddOption
}

// embedBuckets are the bounds, in seconds, of the embedder's durations: a
// local model's request takes tens of milliseconds, a catalogue call of
// 64 tools seconds.
var embedBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// newMetrics creates the instruments of s on mp and registers the gauges
// of s's index and vectors.
func newMetrics(mp metric.MeterProvider, s *Service) (*metrics, error) {
	m := mp.Meter(instrumentationName, metric.WithInstrumentationVersion(toolgate.Version))
	var errs [7]error
	var tools, embedded metric.Int64ObservableGauge
	mt := &metrics{}
	mt.searches, errs[0] = m.Int64Counter("toolgate.search.requests", metric.WithUnit("{request}"),
		metric.WithDescription("Searches of the search tool (gen_ai.tool.name), by how they were ranked (ranking: hybrid or lexical) and, for a lexical answer of a hybrid searcher, why (reason: warming, embedder_error, backing_off)."))
	mt.embedTime, errs[1] = m.Float64Histogram("toolgate.search.embedder.duration", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(embedBuckets...),
		metric.WithDescription("Calls to the embedder, for a request or for the catalogue's tools (purpose), failed ones with error.type."))
	tools, errs[2] = m.Int64ObservableGauge("toolgate.search.tools", metric.WithUnit("{tool}"),
		metric.WithDescription("Tools the search index holds."))
	embedded, errs[3] = m.Int64ObservableGauge("toolgate.search.tools.embedded", metric.WithUnit("{tool}"),
		metric.WithDescription("Tools whose vectors hybrid ranking searches."))
	mt.texts, errs[4] = m.Int64Counter("toolgate.search.request.texts", metric.WithUnit("{text}"),
		metric.WithDescription("Request texts ranked by vector (a request's parts: the whole, its sentences and clauses), by where their vector came from (source: cache or embedder)."))
	mt.calls, errs[5] = m.Int64Counter("toolgate.search.calls", metric.WithUnit("{call}"),
		metric.WithDescription("Tools an MCP session called after a search, each once per search, by the rank the search returned it at (rank: 1, 2-5, 6+, or none: not returned)."))
	if err := errors.Join(errs[:6]...); err != nil {
		return nil, fmt.Errorf("search: creating metric instruments: %w", err)
	}
	// Every measurement names the search tool: two services on one
	// MeterProvider report apart.
	tool := attribute.String("gen_ai.tool.name", s.opts.ToolName)
	toolOnly := metric.WithAttributeSet(attribute.NewSet(tool))
	mt.reg, errs[6] = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(tools, int64(s.ix.Len()), toolOnly)
		if s.hybrid != nil {
			o.ObserveInt64(embedded, int64(s.hybrid.embeddedTools()), toolOnly)
		}
		return nil
	}, tools, embedded)
	if errs[6] != nil {
		return nil, fmt.Errorf("search: registering metric callbacks: %w", errs[6])
	}
	ranking := func(r string, more ...attribute.KeyValue) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue{tool, attribute.String("ranking", r)}, more...)...))
	}
	mt.hybrid, mt.lexical = ranking(ModeHybrid), ranking(ModeLexical)
	mt.lexicalBy = map[string]metric.AddOption{}
	for _, r := range []string{reasonWarming, reasonFailed, reasonBackOff} {
		mt.lexicalBy[r] = ranking(ModeLexical, attribute.String("reason", r))
	}
	call := func(purpose string, failed bool) metric.MeasurementOption {
		kv := []attribute.KeyValue{tool, attribute.String("purpose", purpose)}
		if failed {
			kv = append(kv, attribute.String("error.type", "embedder_error"))
		}
		return metric.WithAttributeSet(attribute.NewSet(kv...))
	}
	source := func(s string) metric.MeasurementOption {
		return metric.WithAttributeSet(attribute.NewSet(tool, attribute.String("source", s)))
	}
	mt.fromCache, mt.fromEmbedder = source("cache"), source("embedder")
	mt.byRank = map[string]metric.AddOption{}
	for _, r := range []string{rankFirst, rankTop5, rankLater, rankMissing} {
		mt.byRank[r] = metric.WithAttributeSet(attribute.NewSet(tool, attribute.String("rank", r)))
	}
	mt.requestOK, mt.requestErr = call(purposeRequest, false), call(purposeRequest, true)
	mt.toolsOK, mt.toolsErr = call(purposeTools, false), call(purposeTools, true)
	return mt, nil
}

// close unregisters the gauges.
func (m *metrics) close() {
	if m != nil {
		_ = m.reg.Unregister()
	}
}

// searched counts one search answered as res says.
func (m *metrics) searched(ctx context.Context, res *Result) {
	if m == nil {
		return
	}
	switch {
	case res.Mode == ModeHybrid:
		m.searches.Add(ctx, 1, m.hybrid)
	case res.Fallback == nil:
		m.searches.Add(ctx, 1, m.lexical)
	case errors.Is(res.Fallback, errWarming):
		m.searches.Add(ctx, 1, m.lexicalBy[reasonWarming])
	case errors.Is(res.Fallback, errBackingOff):
		m.searches.Add(ctx, 1, m.lexicalBy[reasonBackOff])
	default:
		m.searches.Add(ctx, 1, m.lexicalBy[reasonFailed])
	}
}

// followed counts a tool called after a search, at its rank class.
func (m *metrics) followed(ctx context.Context, rank string) {
	if m == nil {
		return
	}
	m.calls.Add(context.WithoutCancel(ctx), 1, m.byRank[rank])
}

// requestTexts counts a request's texts whose vectors were found in the
// cache and those asked of the embedder.
func (m *metrics) requestTexts(ctx context.Context, cached, embedded int) {
	if m == nil {
		return
	}
	if cached > 0 {
		m.texts.Add(ctx, int64(cached), m.fromCache)
	}
	if embedded > 0 {
		m.texts.Add(ctx, int64(embedded), m.fromEmbedder)
	}
}

// embedded records one embedder call that began at start.
func (m *metrics) embedded(ctx context.Context, purpose string, start time.Time, err error) {
	if m == nil {
		return
	}
	opt := m.requestOK
	switch {
	case purpose == purposeTools && err != nil:
		opt = m.toolsErr
	case purpose == purposeTools:
		opt = m.toolsOK
	case err != nil:
		opt = m.requestErr
	}
	m.embedTime.Record(context.WithoutCancel(ctx), time.Since(start).Seconds(), opt)
}
