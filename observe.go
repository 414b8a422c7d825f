package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/toolgate/toolgate/internal/tracectx"
)

// observation is what the gateway learns of one MCP request while it runs,
// and reports when it ends: metrics, the request's span, the audit record,
// the status page's counts. The call path fills in the tool, the target and
// the outcome as it learns them.
type observation struct {
	g      *Gateway
	start  time.Time
	method string
	called string // the tool name the caller asked for
	entry  *entry // the tool called, once known to exist
	ri     *requestInfo
	p      *Principal
	via    *observation // the call in whose handler this one was made in process (nested.go)
	sessID string
	client *mcp.ServerSession // the client's session (go-sdk's), for the capabilities it declared
	sess   *Session           // the call's Session when it reaches the client, shared by the calls made within it
	meta   map[string]any     // with sess, the request's _meta, which those calls carry too
	args   json.RawMessage

	outcome    Outcome
	reason     string        // why, when the outcome is not ok: the gateway's own words
	targetTime time.Duration // time in the target, for a target call
	span       trace.Span    // nil without a tracer
	// Its metric attributes once ended, and when its answer was written if
	// that came first: a notification's HTTP answer (202) is written while
	// its handler may still run, so end and written can run at once.
	mu      sync.Mutex
	sets    *attrSets
	wrote   time.Duration
	invoked bool // the call reached invoke, which counted it
	policy  *PolicyDecision
}

// setOutcome records how the request ended, unless an earlier step said so.
func (ob *observation) setOutcome(o Outcome, reason string) {
	if ob != nil && ob.outcome == "" {
		ob.outcome, ob.reason = o, reason
	}
}

// observeCall begins the observation of a tools/call of name: its span is
// the returned context's, a child of the trace context in meta or, failing
// that, in the HTTP request's headers (in process, of ctx's span).
func (g *Gateway) observeCall(ctx context.Context, ri *requestInfo, name string, meta map[string]any) (context.Context, *observation) {
	return g.observeRequest(ctx, ri, "tools/call", name, meta)
}

// observeRequest begins the observation of an MCP request: over HTTP (ri
// set) or in process (the principal from ctx).
func (g *Gateway) observeRequest(ctx context.Context, ri *requestInfo, method, name string, meta map[string]any) (context.Context, *observation) {
	ob := &observation{g: g, start: time.Now(), method: method, called: name, ri: ri}
	if ri != nil {
		ob.p = ri.principal
		ri.obs.Store(ob)
	} else {
		ob.p = PrincipalFrom(ctx)
		if ob.via = callOf(ctx); ob.via != nil {
			ob.sessID = ob.via.sessID
		}
	}
	return g.startSpan(ctx, ob, meta), ob
}

// startSpan starts ob's span, if the gateway traces.
func (g *Gateway) startSpan(ctx context.Context, ob *observation, meta map[string]any) context.Context {
	if g.tel == nil || g.tel.tracer == nil {
		return ctx
	}
	parent, kind := ctx, trace.SpanKindInternal
	if ob.ri != nil {
		kind = trace.SpanKindServer
		if _, ok := meta[tracectx.Traceparent]; ok {
			parent = tracectx.FromMeta(ctx, meta)
		} else {
			parent = tracectx.FromHeader(ctx, ob.ri.header)
		}
	}
	opts := g.tel.internalSpan
	if kind == trace.SpanKindServer {
		opts = g.tel.serverSpan
	}
	// Names and attributes only for spans that record: a span the sampler
	// leaves out costs no more than its context.
	method := ob.method
	if method == "" { // refused before the body was read
		method = "mcp"
	}
	ctx, ob.span = g.tel.tracer.Start(parent, method, opts...)
	if !ob.span.IsRecording() {
		return ctx
	}
	if ob.called != "" && ob.method != "resources/read" {
		ob.span.SetName(method + " " + ob.called)
	}
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, attribute.String("mcp.method.name", ob.method))
	if ob.ri != nil {
		attrs = append(attrs, attribute.String("network.transport", "tcp"), attribute.String("network.protocol.name", "http"))
	}
	switch ob.method {
	case "tools/call":
		attrs = append(attrs, attribute.String("gen_ai.tool.name", ob.called), attribute.String("gen_ai.operation.name", "execute_tool"))
	case "prompts/get":
		attrs = append(attrs, attribute.String("gen_ai.prompt.name", ob.called))
	case "resources/read", "resources/subscribe", "resources/unsubscribe":
		attrs = append(attrs, attribute.String("mcp.resource.uri", ob.called))
	}
	ob.span.SetAttributes(attrs...)
	return ctx
}

// classify sets ob's outcome from how the handler ended, unless a step of
// the call path already did.
func (ob *observation) classify(res *Result, err error) {
	var we *jsonrpc.Error
	switch {
	case err == nil && res != nil && res.IsError:
		ob.setOutcome(OutcomeToolError, "the tool answered with an error")
	case err == nil:
		ob.setOutcome(OutcomeOK, "")
	case errors.Is(err, ErrUnknownTool):
		ob.setOutcome(OutcomeInvalid, "unknown tool")
	case errors.As(err, new(*throttleError)):
		ob.setOutcome(OutcomeThrottled, "rate limit")
	case errors.As(err, &we) && (we.Code == jsonrpc.CodeInvalidParams || we.Code == jsonrpc.CodeInvalidRequest ||
		we.Code == jsonrpc.CodeMethodNotFound || we.Code == jsonrpc.CodeParseError):
		ob.setOutcome(OutcomeInvalid, "invalid request")
	case ob.method == "tools/call" && ob.entry != nil:
		// An error that is not the gateway's own is an interceptor's.
		ob.setOutcome(OutcomeRefusedPolicy, "refused by an interceptor")
	default:
		ob.setOutcome(OutcomeFailed, "request failed")
	}
}

// end reports the request: span, metrics, audit record, status counts.
func (ob *observation) end(ctx context.Context, res *Result, err error) {
	ob.classify(res, err)
	g := ob.g
	elapsed := time.Since(ob.start)
	if ob.span != nil {
		ob.endSpan(err)
	}
	if g.tel != nil && g.tel.metrics {
		a := ob.attrSets()
		ob.mu.Lock()
		ob.sets = a
		wrote := ob.wrote
		ob.mu.Unlock()
		if wrote > 0 {
			g.tel.duration.Record(ctx, float64(wrote)/float64(time.Millisecond), a.agentRec...)
		}
		ms := float64(elapsed) / float64(time.Millisecond)
		a.invocations.Add(1)
		g.tel.latency.Record(ctx, ms, a.agentRec...)
		if ob.ri == nil { // in process: nothing more to write
			g.tel.duration.Record(ctx, ms, a.agentRec...)
		}
		switch ob.outcome {
		case OutcomeThrottled:
			a.throttles.Add(1)
		case OutcomeFailed:
			a.systemErrors.Add(1)
		case OutcomeInvalid, OutcomeRefusedAuth, OutcomeRefusedPolicy:
			a.userErrors.Add(1)
		}
		g.tel.operation.Record(ctx, elapsed.Seconds(), a.semconvRec...)
	}
	if ob.method == "tools/call" && !ob.invoked && ob.entry != nil && ob.refused() {
		// Refused before invoke: the status page counts it too.
		g.recordCall(ob.entry.ts, -1, statsClass(ob.outcome, nil))
	}
	if g.auditing() && (ob.method == "tools/call" || ob.refused()) {
		g.audit(ctx, ob, elapsed)
	}
}

// written reports, for a request that came over HTTP, the time its answer
// took to be written (AgentCore's Duration).
func (ob *observation) written(ctx context.Context) {
	d := max(time.Since(ob.start), 1)
	ob.mu.Lock()
	a := ob.sets
	if a == nil {
		ob.wrote = d // not ended yet: end records it
	}
	ob.mu.Unlock()
	if a != nil {
		ob.g.tel.duration.Record(ctx, float64(d)/float64(time.Millisecond), a.agentRec...)
	}
}

// targetCall reports the time one call spent in its target.
func (ob *observation) targetCall(ctx context.Context, e *entry, d time.Duration) {
	ob.targetTime = d
	t := ob.g.tel
	if t == nil || !t.metrics || e.target == nil {
		return
	}
	a := e.targetSets.Load()
	if a == nil {
		a = t.attrs(attrKey{method: ob.method, name: e.info.Name, target: e.info.Target, targetType: targetTypeOf(e.target)})
		e.targetSets.Store(a)
	}
	t.targetTime.Record(ctx, float64(d)/float64(time.Millisecond), a.targetRec...)
	a.targetCalls.Add(1)
}

// attrSets returns ob's metric attributes; those of a successful call are
// kept on its entry.
func (ob *observation) attrSets() *attrSets {
	e := ob.entry
	if e == nil || ob.outcome != OutcomeOK || ob.method != "tools/call" || ob.ri == nil {
		return ob.g.tel.attrs(ob.key())
	}
	a := e.okSets.Load()
	if a == nil {
		a = ob.g.tel.attrs(ob.key())
		e.okSets.Store(a)
	}
	return a
}

// key is ob's metric attributes: a tool's name only once it is known to
// exist.
func (ob *observation) key() attrKey {
	k := attrKey{method: ob.method, outcome: ob.outcome, inProcess: ob.ri == nil}
	if ob.entry != nil {
		k.name, k.target = ob.entry.info.Name, ob.entry.info.Target
		if ob.entry.target != nil {
			k.targetType = targetTypeOf(ob.entry.target)
		}
	}
	return k
}

// refused reports whether the gateway refused the request before it ran.
func (ob *observation) refused() bool {
	switch ob.outcome {
	case OutcomeRefusedAuth, OutcomeRefusedPolicy, OutcomeThrottled:
		return true
	}
	return false
}

func (ob *observation) endSpan(err error) {
	s := ob.span
	defer s.End()
	if !s.IsRecording() {
		return
	}
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs, attribute.String("toolgate.outcome", string(ob.outcome)))
	if ob.entry != nil {
		attrs = append(attrs, attribute.String("toolgate.target", ob.entry.info.Target))
	}
	if ob.sessID != "" {
		attrs = append(attrs, attribute.String("mcp.session.id", ob.sessID))
	}
	switch ob.outcome {
	case OutcomeOK:
	case OutcomeToolError:
		attrs = append(attrs, attribute.String("error.type", "tool_error"))
		s.SetStatus(codes.Error, ob.reason)
	default:
		attrs = append(attrs, attribute.String("error.type", string(ob.outcome)))
		var we *jsonrpc.Error
		if errors.As(err, &we) {
			attrs = append(attrs, attribute.Int64("rpc.response.status_code", we.Code))
		}
		s.SetStatus(codes.Error, ob.reason)
	}
	s.SetAttributes(attrs...)
}

// startTargetSpan starts the span of one call of e's target, a child of the
// request's: the context targets carry to their backends.
func (g *Gateway) startTargetSpan(ctx context.Context, e *entry, req *CallRequest) (context.Context, trace.Span) {
	if g.tel == nil || g.tel.tracer == nil {
		return ctx, nil
	}
	// Under a request span the sampler left out, the target gets that
	// span's context (its traceparent says "not sampled") and no span of
	// its own.
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, nil
	}
	ctx, span := g.tel.tracer.Start(ctx, "execute_tool", g.tel.clientSpan...)
	if !span.IsRecording() {
		return ctx, span
	}
	span.SetName("execute_tool " + req.Name)
	attrs := make([]attribute.KeyValue, 0, 5)
	attrs = append(attrs,
		attribute.String("gen_ai.operation.name", "execute_tool"),
		attribute.String("gen_ai.tool.name", req.Name),
		attribute.String("toolgate.target", e.info.Target))
	if e.target != nil {
		attrs = append(attrs, attribute.String("toolgate.target.type", targetTypeOf(e.target)),
			attribute.String("toolgate.target.tool", req.Tool))
	}
	span.SetAttributes(attrs...)
	return ctx, span
}

// endTargetCall reports one call of e's target that took d.
func (g *Gateway) endTargetCall(ctx context.Context, span trace.Span, ob *observation, e *entry, d time.Duration, res *Result) {
	if ob != nil {
		ob.targetCall(ctx, e, d)
	}
	if span == nil {
		return
	}
	defer span.End()
	if !span.IsRecording() {
		return
	}
	switch {
	case ob != nil && ob.outcome != "" && ob.outcome != OutcomeOK:
		span.SetAttributes(attribute.String("error.type", string(ob.outcome)))
		span.SetStatus(codes.Error, ob.reason)
	case res != nil && res.IsError:
		span.SetAttributes(attribute.String("error.type", "tool_error"))
		span.SetStatus(codes.Error, "the tool answered with an error")
	}
}
