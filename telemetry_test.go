package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// auditLog collects audit records.
type auditLog struct {
	mu   sync.Mutex
	recs []AuditRecord
}

func (a *auditLog) record(_ context.Context, r *AuditRecord) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recs = append(a.recs, *r)
}

func (a *auditLog) all() []AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AuditRecord(nil), a.recs...)
}

func (a *auditLog) last(t *testing.T) AuditRecord {
	t.Helper()
	all := a.all()
	if len(all) == 0 {
		t.Fatal("no audit record")
	}
	return all[len(all)-1]
}

// sumOf returns the sum of the counter called name over the points whose
// attributes include want, and the count of a histogram's points.
func sumOf(t *testing.T, rm metricdata.ResourceMetrics, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if hasAttrs(p.Attributes, want) {
						n += p.Value
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if hasAttrs(p.Attributes, want) {
						n += int64(p.Count)
					}
				}
			default:
				t.Fatalf("metric %s has data %T", name, m.Data)
			}
		}
	}
	return n
}

func hasAttrs(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func collect(t *testing.T, r *sdkmetric.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

func toolErrorTarget() *FuncTarget {
	return Funcs("t", RawFunc(Tool{Name: "refuse", Description: "Answers with isError"},
		func(context.Context, json.RawMessage) (*Result, error) { return ErrorResult("no such order"), nil }))
}

// TestMetricsCountEveryCall: after N calls of one tool its invocation
// counter moved by exactly N, over HTTP (the fast path and go-sdk's path)
// and in process, with the latency histograms exported and errors counted
// in their class.
func TestMetricsCountEveryCall(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts Options
	}{
		{"stateful", Options{}},
		{"stateless json", Options{Stateless: true, JSONResponse: true}},
		{"go-sdk path", Options{DisableFastPath: true}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			var log auditLog
			opts := mode.opts
			opts.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			opts.Audit = log.record
			opts.Resource = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/gw-1"
			gw := mustGateway(t, &opts, mathTarget(), toolErrorTarget())
			cs := connect(t, serve(t, gw), nil)
			ctx := context.Background()
			const n = 17
			for i := range n {
				if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___add", Arguments: map[string]any{"a": i, "b": 1}}); err != nil {
					t.Fatal(err)
				}
			}
			for range 3 {
				_, _ = cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___fail"})
			}
			for range 2 {
				_, _ = cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___convert", Arguments: map[string]any{"value": 1, "unit": "parsec"}})
			}
			_, _ = cs.CallTool(ctx, &mcp.CallToolParams{Name: "t___refuse"})
			_, _ = cs.CallTool(ctx, &mcp.CallToolParams{Name: "no_such_tool"})
			if _, err := gw.Call(ctx, "math___add", json.RawMessage(`{"a":1,"b":2}`)); err != nil {
				t.Fatal(err)
			}
			if _, err := cs.ListTools(ctx, nil); err != nil {
				t.Fatal(err)
			}

			rm := collect(t, reader)
			call := attribute.String("Method", "tools/call")
			add := attribute.String("Name", "math___add")
			res := attribute.String("Resource", opts.Resource)
			checks := []struct {
				metric string
				attrs  []attribute.KeyValue
				want   int64
			}{
				{"Invocations", []attribute.KeyValue{call, add, res, attribute.String("Operation", "InvokeGateway"), attribute.String("Protocol", "MCP")}, n + 1},
				{"Latency", []attribute.KeyValue{call, add}, n + 1},
				{"Duration", []attribute.KeyValue{call, add}, n + 1},
				{"TargetExecutionTime", []attribute.KeyValue{call, add, attribute.String("TargetType", "Function"), attribute.String("Target", "math")}, n + 1},
				{"TargetType", []attribute.KeyValue{attribute.String("TargetType", "Function"), add}, n + 1},
				{"mcp.server.operation.duration", []attribute.KeyValue{attribute.String("gen_ai.tool.name", "math___add"), attribute.String("mcp.method.name", "tools/call")}, n + 1},
				{"SystemErrors", []attribute.KeyValue{call, attribute.String("Name", "math___fail")}, 3},
				{"UserErrors", []attribute.KeyValue{call, attribute.String("Name", "math___convert")}, 2},
				{"UserErrors", []attribute.KeyValue{call, attribute.String("Name", "")}, 1}, // the unknown tool, not named
				{"SystemErrors", []attribute.KeyValue{attribute.String("Name", "t___refuse")}, 0},
				{"UserErrors", []attribute.KeyValue{attribute.String("Name", "t___refuse")}, 0},
				{"Invocations", []attribute.KeyValue{attribute.String("Name", "t___refuse")}, 1},
				{"Throttles", nil, 0},
				{"Invocations", []attribute.KeyValue{attribute.String("Method", "tools/list")}, 1},
			}
			if !opts.Stateless { // stateless, go-sdk answers initialize outside the middleware
				checks = append(checks, struct {
					metric string
					attrs  []attribute.KeyValue
					want   int64
				}{"Invocations", []attribute.KeyValue{attribute.String("Method", "initialize")}, 1})
			}
			// Duration is recorded once the answer is written, which may be
			// just after the client has read it.
			for i := 0; i < 100 && sumOf(t, rm, "Duration", call, add) < n+1; i++ {
				time.Sleep(10 * time.Millisecond)
				rm = collect(t, reader)
			}
			for _, c := range checks {
				if got := sumOf(t, rm, c.metric, c.attrs...); got != c.want {
					t.Errorf("%s %v = %d, want %d", c.metric, c.attrs, got, c.want)
				}
			}
			named := 0
			for _, r := range log.all() {
				if r.Tool == "math___add" && r.Outcome == OutcomeOK && r.Target == "math" {
					named++
				}
			}
			if named != n+1 {
				t.Errorf("%d audit records name math___add, want %d", named, n+1)
			}
		})
	}
}

// TestAuditOutcomes: every way a call can end gives one audit record with
// its outcome, over HTTP.
func TestAuditOutcomes(t *testing.T) {
	var log auditLog
	gw := mustGateway(t, &Options{
		Stateless: true, JSONResponse: true,
		Authorizer: keyAuth,
		ToolFilter: func(_ context.Context, p *Principal, ti *ToolInfo) bool {
			return ti.Name != "math___echo" || p.Subject == "alice"
		},
		Interceptors: []Interceptor{func(next CallFunc) CallFunc {
			return func(ctx context.Context, req *CallRequest) (*Result, error) {
				if req.Name == "math___boom" && PrincipalFrom(ctx).Subject == "bob" {
					return nil, errors.New("bob may not")
				}
				return next(ctx, req)
			}
		}},
		ToolRates: map[string]Rate{"t___refuse": {PerSecond: 0.001, Burst: 1}},
		Audit:     log.record,
	}, mathTarget(), toolErrorTarget())
	url := serve(t, gw)
	call := func(key, tool, args string) (int, string) {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, tool, args)
		return rawPost(t, url, []byte(body), map[string]string{"X-Key": key, "Mcp-Protocol-Version": "2025-06-18", "X-Request-Id": "req-42"})
	}
	cases := []struct {
		name, key, tool, args string
		outcome               Outcome
		target                string
		status                int
		body                  string
	}{
		{"ok", "alice", "math___add", `{"a":1,"b":2}`, OutcomeOK, "math", 200, `"sum":3`},
		{"tool error", "alice", "t___refuse", `{}`, OutcomeToolError, "t", 200, "no such order"},
		{"throttled", "alice", "t___refuse", `{}`, OutcomeThrottled, "t", 200, `"code":-32029`},
		{"failed", "alice", "math___fail", `{}`, OutcomeFailed, "math", 200, "backend said no"},
		{"panicked", "alice", "math___boom", `{}`, OutcomeFailed, "math", 200, "internal error"},
		{"invalid arguments", "alice", "math___convert", `{"value":1,"unit":"parsec"}`, OutcomeInvalid, "math", 200, "invalid arguments"},
		{"unknown tool", "alice", "math___nope", `{}`, OutcomeInvalid, "", 200, "unknown tool"},
		{"hidden by the filter", "bob", "math___echo", `{"text":"x"}`, OutcomeRefusedPolicy, "math", 200, "unknown tool"},
		{"refused by an interceptor", "bob", "math___boom", `{}`, OutcomeRefusedPolicy, "math", 200, "bob may not"},
		{"refused by auth", "mallory", "math___add", `{}`, OutcomeRefusedAuth, "", 401, "unauthorized"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(log.all())
			status, body := call(c.key, c.tool, c.args)
			if status != c.status || !strings.Contains(body, c.body) {
				t.Fatalf("answer %d %s, want %d with %q", status, body, c.status, c.body)
			}
			if got := len(log.all()) - before; got != 1 {
				t.Fatalf("%d audit records, want 1", got)
			}
			r := log.last(t)
			want := c.tool
			if c.outcome == OutcomeRefusedAuth {
				want = "" // refused before the body was read
			}
			if r.Outcome != c.outcome || r.Tool != want || r.Target != c.target {
				t.Fatalf("record %+v, want outcome %s tool %q target %q", r, c.outcome, want, c.target)
			}
			if c.outcome != OutcomeOK && r.Reason == "" {
				t.Errorf("no reason for %s", c.outcome)
			}
			if r.RemoteAddr == "" || r.RequestID != "req-42" || r.Time.IsZero() || r.Latency <= 0 {
				t.Errorf("record %+v lacks its transport details", r)
			}
			if c.outcome != OutcomeRefusedAuth && (r.Subject != c.key || r.Method != "tools/call") {
				t.Errorf("record %+v: subject/method", r)
			}
			if r.Arguments != nil {
				t.Errorf("arguments recorded without AuditArguments: %s", r.Arguments)
			}
		})
	}
}

// TestPrincipalRateLimit: a caller over its request rate gets 429 with
// Retry-After, counted as a throttle and audited; another caller is not
// held up.
func TestPrincipalRateLimit(t *testing.T) {
	var log auditLog
	reader := sdkmetric.NewManualReader()
	gw := mustGateway(t, &Options{
		Stateless: true, JSONResponse: true, Authorizer: keyAuth,
		PrincipalRate: Rate{PerSecond: 0.01, Burst: 2},
		Audit:         log.record,
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)),
	}, mathTarget())
	url := serve(t, gw)
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"math___add","arguments":{"a":1,"b":2}}}`)
	hdr := func(key string) map[string]string {
		return map[string]string{"X-Key": key, "Mcp-Protocol-Version": "2025-06-18"}
	}
	for i, want := range []int{200, 200, 429, 429} {
		status, h, b := rawExchange(t, url, body, hdr("alice"))
		if status != want {
			t.Fatalf("request %d: %d %s, want %d", i, status, b, want)
		}
		if want == 429 {
			if ra := h.Get("Retry-After"); ra == "" || ra == "0" {
				t.Fatalf("429 without Retry-After: %v", h)
			}
			if !strings.Contains(b, `"code":-32029`) {
				t.Fatalf("429 body %s", b)
			}
		}
	}
	if status, _ := rawPost(t, url, body, hdr("bob")); status != 200 {
		t.Fatalf("bob: %d", status)
	}
	throttled := 0
	for _, r := range log.all() {
		if r.Outcome == OutcomeThrottled {
			throttled++
			if r.Subject != "alice" {
				t.Errorf("throttle record %+v", r)
			}
		}
	}
	if throttled != 2 {
		t.Fatalf("%d throttle records, want 2", throttled)
	}
	if got := sumOf(t, collect(t, reader), "Throttles"); got != 2 {
		t.Fatalf("Throttles = %d, want 2", got)
	}
}

// TestLimitersForgetIdleCallers: buckets that refilled are dropped when
// the set grows, so a stream of one-off callers does not grow memory.
func TestLimitersForgetIdleCallers(t *testing.T) {
	l := newLimiters(Rate{PerSecond: 1000, Burst: 1})
	now := time.Unix(1e9, 0)
	for i := range 5 * minSweep {
		if ok, _ := l.allow(fmt.Sprint("caller", i), now.Add(time.Duration(i)*time.Millisecond)); !ok {
			t.Fatalf("caller %d refused", i)
		}
	}
	if n := len(l.m); n > 2*minSweep {
		t.Fatalf("%d buckets kept", n)
	}
	// A caller over its limit is remembered across sweeps.
	l2 := newLimiters(Rate{PerSecond: 0.001, Burst: 1})
	l2.allow("hot", now)
	for i := range 3 * minSweep {
		l2.allow(fmt.Sprint("cold", i), now)
	}
	if ok, wait := l2.allow("hot", now); ok || wait <= 0 {
		t.Fatalf("hot caller: ok %v wait %v", ok, wait)
	}
}

// TestTargetLimits: a target's own timeout and concurrency cap replace the
// gateway's for its calls only.
func TestTargetLimits(t *testing.T) {
	bt := newBlockTarget()
	var log auditLog
	gw := mustGateway(t, &Options{
		CallTimeout:  10 * time.Second,
		TargetLimits: map[string]TargetLimit{"slow": {CallTimeout: 50 * time.Millisecond, MaxConcurrentCalls: 1}},
		Audit:        log.record,
	}, bt, mathTarget())
	ctx := context.Background()
	res, err := gw.Call(ctx, "slow___wait", nil)
	if err != nil || !res.IsError || !strings.Contains(textOf(res), "timed out after 50ms") {
		t.Fatalf("slow call: %v %+v", err, res)
	}
	if r := log.last(t); r.Outcome != OutcomeFailed || r.Target != "slow" {
		t.Fatalf("record %+v", r)
	}
	<-bt.started
	// Hold the one slot; the next call waits until its own timeout.
	held := make(chan struct{})
	go func() {
		defer close(held)
		_, _ = gw.Call(ctx, "slow___wait", nil)
	}()
	<-bt.started
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	res, err = gw.Call(short, "slow___wait", nil)
	if err != nil || !strings.Contains(textOf(res), `target "slow" is at its limit of 1 concurrent calls`) {
		t.Fatalf("capped call: %v %s", err, textOf(res))
	}
	if r := log.last(t); r.Outcome != OutcomeThrottled {
		t.Fatalf("record %+v", r)
	}
	<-held
	if r := log.last(t); r.Outcome != OutcomeFailed {
		t.Fatalf("the held call's record %+v", r)
	}
	// Other targets keep the gateway's guards.
	if res, err := gw.Call(ctx, "math___add", json.RawMessage(`{"a":1,"b":1}`)); err != nil || res.IsError {
		t.Fatalf("math: %v %+v", err, res)
	}
}

// TestAuditArguments: with AuditArguments, in-process and refused calls
// carry their arguments too, redacted.
func TestAuditArguments(t *testing.T) {
	var log auditLog
	gw := mustGateway(t, &Options{
		AuditArguments: true, AuditRedact: []string{"text"},
		Interceptors: []Interceptor{func(next CallFunc) CallFunc {
			return func(ctx context.Context, req *CallRequest) (*Result, error) {
				if req.Name == "math___echo" {
					return nil, errors.New("no echo")
				}
				return next(ctx, req)
			}
		}},
		Audit: log.record,
	}, mathTarget())
	ctx := context.Background()
	_, _ = gw.Call(ctx, "math___add", json.RawMessage(`{"a":1,"b":2}`))
	if r := log.last(t); string(r.Arguments) != `{"a":1,"b":2}` {
		t.Fatalf("arguments %s", r.Arguments)
	}
	_, _ = gw.Call(ctx, "math___echo", json.RawMessage(`{"text":"hush"}`))
	if r := log.last(t); r.Outcome != OutcomeRefusedPolicy || string(r.Arguments) != `{"text":"[REDACTED]"}` {
		t.Fatalf("record %+v, arguments %s", r, r.Arguments)
	}
}
