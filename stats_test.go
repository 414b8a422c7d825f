package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/callstats"
)

func TestStatsClass(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outcome Outcome
		res     *Result
		want    callstats.Class
	}{
		{"failed", OutcomeFailed, ErrorResult("no"), callstats.Failed},
		{"throttled", OutcomeThrottled, ErrorResult("no"), callstats.Throttled},
		{"refused by policy", OutcomeRefusedPolicy, nil, callstats.Refused},
		{"tool error", OutcomeToolError, ErrorResult("no"), callstats.ToolError},
		{"ok", OutcomeOK, TextResult("yes"), callstats.OK},
		{"not yet said: isError result", "", ErrorResult("no"), callstats.ToolError},
		{"not yet said: result", "", TextResult("yes"), callstats.OK},
		{"not yet said: nil result", "", nil, callstats.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statsClass(tc.outcome, tc.res); got != tc.want {
				t.Errorf("statsClass = %v, want %v", got, tc.want)
			}
		})
	}
}

// outcomesTarget has a tool for each way a call can end.
func outcomesTarget() *FuncTarget {
	raw := func(name string, fn func(context.Context, json.RawMessage) (*Result, error)) FuncTool {
		return RawFunc(Tool{Name: name, InputSchema: json.RawMessage(`{"type":"object"}`)}, fn)
	}
	return Funcs("out",
		raw("ok", func(context.Context, json.RawMessage) (*Result, error) { return TextResult("fine"), nil }),
		raw("toolerr", func(context.Context, json.RawMessage) (*Result, error) { return ErrorResult("no such city"), nil }),
		raw("err", func(context.Context, json.RawMessage) (*Result, error) { return nil, errors.New("backend down") }),
		raw("panic", func(context.Context, json.RawMessage) (*Result, error) { panic("kaboom") }),
		raw("slow", func(ctx context.Context, _ json.RawMessage) (*Result, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}),
		Func("typed", "takes a number", func(_ context.Context, in struct {
			N int `json:"n"`
		}) (int, error) {
			return in.N, nil
		}),
	)
}

// TestCallStats checks that every call through invoke counts once, in the
// right class, for its target and for the gateway.
func TestCallStats(t *testing.T) {
	ctx := context.Background()
	bt := newBlockTarget()
	gw := mustGateway(t, &Options{MaxConcurrentCalls: 1, CallTimeout: 100 * time.Millisecond}, outcomesTarget(), bt)
	t.Cleanup(func() { _ = gw.Close() })
	if err := gw.AddBuiltin(Tool{Name: "version", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(context.Context, *CallRequest) (*Result, error) { return TextResult(Version), nil }); err != nil {
		t.Fatal(err)
	}
	call := func(name, args string) {
		t.Helper()
		if _, err := gw.Call(ctx, name, json.RawMessage(args)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	call("out___ok", "")
	call("out___ok", "")
	call("out___toolerr", "")
	call("out___err", "")
	call("out___panic", "")
	call("out___slow", "")           // times out: Failed
	call("out___typed", `{"n":"x"}`) // invalid arguments: not counted
	call("version", "")              // a builtin: the gateway's count only

	// The one slot is held: a call that may wait 20ms is Throttled.
	held := make(chan struct{})
	go func() {
		defer close(held)
		_, _ = gw.Call(context.Background(), "slow___wait", nil)
	}()
	<-bt.started
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if r, err := gw.Call(short, "out___ok", nil); err != nil || !r.IsError {
		t.Fatalf("throttled call: %v %v", r, err)
	}
	<-held // the holder timed out: a Failed call of "slow"

	gw.draining.Store(true)
	call("out___ok", "") // refused while shutting down: Failed, untimed
	gw.draining.Store(false)

	want := map[string]CallStats{
		"out":  {Calls: 8, ToolErrors: 1, Failed: 4, Throttled: 1},
		"slow": {Calls: 1, Failed: 1},
	}
	for _, st := range gw.Status() {
		c := st.Calls
		w := want[st.Name]
		if c.Calls != w.Calls || c.ToolErrors != w.ToolErrors || c.Failed != w.Failed || c.Throttled != w.Throttled || c.Refused != 0 {
			t.Errorf("%s: %+v, want counts %+v", st.Name, c, w)
		}
		if c.PerMinute <= 0 || c.P50 <= 0 || c.P99 < c.P90 || c.P90 < c.P50 || c.Mean <= 0 {
			t.Errorf("%s: rate and latencies %+v", st.Name, c)
		}
	}
	if s := gw.Status()[0].Calls; s.P99 < 100*time.Millisecond {
		t.Errorf("out: P99 %v below the timed-out call's 100ms", s.P99)
	}
	all := gw.callStats(time.Now())
	if all.Calls != 10 || all.Failed != 5 || all.ToolErrors != 1 || all.Throttled != 1 {
		t.Errorf("gateway: %+v, want 10 calls: 5 failed, 1 tool error, 1 throttled", all)
	}
}

func TestCallStatsAllocateNothing(t *testing.T) {
	gw := mustGateway(t, nil, outcomesTarget())
	t.Cleanup(func() { _ = gw.Close() })
	e := gw.cat.Load().byName["out___ok"]
	if n := testing.AllocsPerRun(100, func() {
		gw.recordInvoke(e, nil, time.Now(), time.Millisecond, nil)
	}); n != 0 {
		t.Errorf("recording a call allocates %v times", n)
	}
}
