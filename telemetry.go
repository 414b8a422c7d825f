package toolgate

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// instrumentationName names the gateway's meter and tracer.
const instrumentationName = "github.com/toolgate/toolgate"

// telemetry holds the gateway's instruments; a nil *telemetry (no
// MeterProvider, no TracerProvider) records nothing.
type telemetry struct {
	tracer trace.Tracer // nil without a TracerProvider
	// Start options of the spans, made once.
	serverSpan, internalSpan, clientSpan []trace.SpanStartOption
	metrics                              bool
	resource                             string

	// AgentCore Gateway's invocation metrics. The counters are
	// observable: a request adds to its attrSets' atomic counts, and the
	// SDK reads them when it collects.
	invocations  metric.Int64ObservableCounter
	throttles    metric.Int64ObservableCounter
	systemErrors metric.Int64ObservableCounter
	userErrors   metric.Int64ObservableCounter
	latency      metric.Float64Histogram // ms: until the answer is ready
	duration     metric.Float64Histogram // ms: until it is written
	targetTime   metric.Float64Histogram // ms: in the target
	targetType   metric.Int64ObservableCounter
	// OpenTelemetry's MCP convention.
	operation metric.Float64Histogram // s

	sets sync.Map // attrKey -> *attrSets
}

// attrKey identifies one combination of metric attributes. Name is a
// published tool's name or "": never a name a caller made up, which would
// let callers grow the metrics without bound.
type attrKey struct {
	method, name, target, targetType string
	outcome                          Outcome
	inProcess                        bool // Gateway.Call: no network
}

// attrSets are the measurement options of one attrKey, built once, and
// the counts of the counters under them.
type attrSets struct {
	agent   metric.MeasurementOption // AgentCore's dimensions
	target  metric.MeasurementOption // those and the target's
	semconv metric.MeasurementOption // mcp.server.operation.duration's
	// The same as Record's variadic options, made once: a slice built at
	// each Record would escape to the heap.
	agentRec, targetRec, semconvRec []metric.RecordOption

	invocations, throttles, systemErrors, userErrors atomic.Int64 // under agent
	targetCalls                                      atomic.Int64 // TargetType, under target
}

// msBuckets are the histogram bounds of the millisecond metrics.
var msBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000}

// sBuckets are OpenTelemetry's advised bounds for MCP durations.
var sBuckets = []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}

func newTelemetry(o *Options) (*telemetry, error) {
	if o.MeterProvider == nil && o.TracerProvider == nil {
		return nil, nil
	}
	t := &telemetry{resource: o.Resource}
	if t.resource == "" {
		t.resource = o.Name
	}
	if o.TracerProvider != nil {
		t.tracer = o.TracerProvider.Tracer(instrumentationName, trace.WithInstrumentationVersion(Version))
		t.serverSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
		t.internalSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal)}
		t.clientSpan = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient)}
	}
	if o.MeterProvider == nil {
		return t, nil
	}
	t.metrics = true
	m := o.MeterProvider.Meter(instrumentationName, metric.WithInstrumentationVersion(Version))
	var errs [10]error
	t.invocations, errs[0] = m.Int64ObservableCounter("Invocations", metric.WithUnit("{request}"),
		metric.WithDescription("Requests made to the gateway, whatever their answer."))
	t.throttles, errs[1] = m.Int64ObservableCounter("Throttles", metric.WithUnit("{request}"),
		metric.WithDescription("Requests refused by a rate limit or a concurrency cap (HTTP 429)."))
	t.systemErrors, errs[2] = m.Int64ObservableCounter("SystemErrors", metric.WithUnit("{request}"),
		metric.WithDescription("Requests that failed on the gateway's or the target's side (5xx)."))
	t.userErrors, errs[3] = m.Int64ObservableCounter("UserErrors", metric.WithUnit("{request}"),
		metric.WithDescription("Requests refused for the caller's fault: authentication, policy, unknown tools, invalid arguments (4xx other than 429)."))
	t.latency, errs[4] = m.Float64Histogram("Latency", metric.WithUnit("ms"), metric.WithExplicitBucketBoundaries(msBuckets...),
		metric.WithDescription("Time from receiving a request to having its answer ready."))
	t.duration, errs[5] = m.Float64Histogram("Duration", metric.WithUnit("ms"), metric.WithExplicitBucketBoundaries(msBuckets...),
		metric.WithDescription("Time from receiving a request to having written its answer."))
	t.targetTime, errs[6] = m.Float64Histogram("TargetExecutionTime", metric.WithUnit("ms"), metric.WithExplicitBucketBoundaries(msBuckets...),
		metric.WithDescription("Time a tool call spent in its target (Lambda, OpenAPI, MCP server, ...)."))
	t.targetType, errs[7] = m.Int64ObservableCounter("TargetType", metric.WithUnit("{request}"),
		metric.WithDescription("Calls served by each type of target."))
	t.operation, errs[8] = m.Float64Histogram("mcp.server.operation.duration", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(sBuckets...),
		metric.WithDescription("MCP request duration as observed on the receiver from the time it was received until the result is ready."))
	_, errs[9] = m.RegisterCallback(t.observe, t.invocations, t.throttles, t.systemErrors, t.userErrors, t.targetType)
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("toolgate: creating metric instruments: %w", err)
		}
	}
	return t, nil
}

// observe reports the counters' counts, at collection.
func (t *telemetry) observe(_ context.Context, o metric.Observer) error {
	t.sets.Range(func(_, v any) bool {
		s := v.(*attrSets)
		for _, c := range []struct {
			inst metric.Int64ObservableCounter
			n    *atomic.Int64
			opt  metric.MeasurementOption
		}{
			{t.invocations, &s.invocations, s.agent},
			{t.throttles, &s.throttles, s.agent},
			{t.systemErrors, &s.systemErrors, s.agent},
			{t.userErrors, &s.userErrors, s.agent},
			{t.targetType, &s.targetCalls, s.target},
		} {
			if n := c.n.Load(); n > 0 {
				o.ObserveInt64(c.inst, n, c.opt)
			}
		}
		return true
	})
	return nil
}

// attrs returns the measurement options of k, building them once.
func (t *telemetry) attrs(k attrKey) *attrSets {
	if v, ok := t.sets.Load(k); ok {
		return v.(*attrSets)
	}
	agent := []attribute.KeyValue{
		attribute.String("Operation", "InvokeGateway"),
		attribute.String("Protocol", "MCP"),
		attribute.String("Method", k.method),
		attribute.String("Resource", t.resource),
		attribute.String("Name", k.name),
	}
	target := append(agent[:len(agent):len(agent)],
		attribute.String("Target", k.target),
		attribute.String("TargetType", k.targetType))
	semconv := []attribute.KeyValue{attribute.String("mcp.method.name", k.method)}
	if !k.inProcess {
		semconv = append(semconv, attribute.String("network.transport", "tcp"), attribute.String("network.protocol.name", "http"))
	}
	if k.name != "" && k.method == "tools/call" {
		semconv = append(semconv, attribute.String("gen_ai.tool.name", k.name),
			attribute.String("gen_ai.operation.name", "execute_tool"))
	}
	if k.outcome != OutcomeOK {
		semconv = append(semconv, attribute.String("error.type", string(k.outcome)))
	}
	s := &attrSets{
		agent:   metric.WithAttributeSet(attribute.NewSet(agent...)),
		target:  metric.WithAttributeSet(attribute.NewSet(target...)),
		semconv: metric.WithAttributeSet(attribute.NewSet(semconv...)),
	}
	s.agentRec = []metric.RecordOption{s.agent}
	s.targetRec = []metric.RecordOption{s.target}
	s.semconvRec = []metric.RecordOption{s.semconv}
	v, _ := t.sets.LoadOrStore(k, s)
	return v.(*attrSets)
}
