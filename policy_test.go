package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// stubDecider denies calls whose arguments hold "deny", naming the policy
// "no-deny", and lists no tool whose name holds "hidden".
type stubDecider struct {
	logOnly bool
	seen    atomic.Pointer[PolicyRequest]
}

func (s *stubDecider) Decide(_ context.Context, req *PolicyRequest) PolicyDecision {
	s.seen.Store(req)
	if strings.Contains(string(req.Arguments), "deny") {
		return PolicyDecision{LogOnly: s.logOnly, Policies: []string{"no-deny"}}
	}
	if strings.Contains(string(req.Arguments), "nobody") {
		return PolicyDecision{LogOnly: s.logOnly} // no policy applies
	}
	return PolicyDecision{Allow: true, LogOnly: s.logOnly, Policies: []string{"allow-all"}}
}

func (s *stubDecider) ListFilter(context.Context, *Principal) func(*ToolInfo) bool {
	return func(t *ToolInfo) bool { return !strings.Contains(t.Name, "hidden") }
}

// countTarget counts the calls that reach it.
type countTarget struct{ calls atomic.Int64 }

func (c *countTarget) Name() string { return "t" }
func (c *countTarget) ListTools(context.Context) ([]Tool, error) {
	return []Tool{{Name: "echo", InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}}}`)},
		{Name: "hidden"}}, nil
}
func (c *countTarget) CallTool(_ context.Context, req *CallRequest) (*Result, error) {
	c.calls.Add(1)
	return TextResult(string(req.Arguments)), nil
}

// TestPolicyHook: a denial never reaches the target and is answered with
// AgentCore's JSON-RPC error, on the fast path and through go-sdk; in
// LOG_ONLY mode every call goes through; the decision is in the audit
// record; tools/list shows what the filter lets through; the policy sees
// the arguments the interceptors produced.
func TestPolicyHook(t *testing.T) {
	for _, slow := range []bool{false, true} {
		for _, logOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("goSDK=%v/logOnly=%v", slow, logOnly), func(t *testing.T) {
				var audit auditLog
				dec := &stubDecider{logOnly: logOnly}
				tg := &countTarget{}
				gw := mustGateway(t, &Options{Policy: dec, DisableFastPath: slow, Audit: audit.record,
					Interceptors: []Interceptor{func(next CallFunc) CallFunc {
						return func(ctx context.Context, req *CallRequest) (*Result, error) {
							if string(req.Arguments) == `{"text":"rewrite"}` {
								req.Arguments = json.RawMessage(`{"text":"deny"}`)
							}
							return next(ctx, req)
						}
					}}}, tg)
				cs := connect(t, serve(t, gw), nil)
				ctx := context.Background()
				cases := []struct {
					text, policy string
					denied       bool
				}{
					{"hello", "allow-all", false},
					{"deny", "no-deny", true},
					{"nobody", "", true},
					{"rewrite", "no-deny", true}, // the interceptor's arguments are decided
				}
				for _, c := range cases {
					before := tg.calls.Load()
					res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "t___echo", Arguments: map[string]any{"text": c.text}})
					reached := tg.calls.Load() > before
					rec := audit.last(t)
					wantDecision := "ALLOW"
					if c.denied {
						wantDecision = "DENY"
					}
					if rec.PolicyDecision != wantDecision || (rec.PolicyMode == "LOG_ONLY") != logOnly ||
						!slices.Equal(rec.Policies, nonEmpty(c.policy)) {
						t.Errorf("%s: audit %+v", c.text, rec)
					}
					if !c.denied || logOnly {
						if err != nil || res.IsError || !reached || rec.Outcome != OutcomeOK {
							t.Errorf("%s: err %v, res %v, reached %v, outcome %s", c.text, err, res, reached, rec.Outcome)
						}
						continue
					}
					var we *jsonrpc.Error
					if !errors.As(err, &we) || we.Code != CodePolicyDenied {
						t.Fatalf("%s: want a JSON-RPC error %d, got %v", c.text, CodePolicyDenied, err)
					}
					why := "[No policy applies to the request (denied by default).]"
					if c.policy != "" {
						why = "[Policy evaluation denied due to " + c.policy + "]"
					}
					if want := "Tool Execution Denied: Tool call not allowed due to policy enforcement " + why; we.Message != want {
						t.Errorf("%s: message %q, want %q", c.text, we.Message, want)
					}
					if reached {
						t.Errorf("%s: a denied call reached the target", c.text)
					}
					if rec.Outcome != OutcomeRefusedPolicy {
						t.Errorf("%s: outcome %s", c.text, rec.Outcome)
					}
				}
				wantRefused := uint64(3)
				if logOnly {
					wantRefused = 0
				}
				for _, ts := range gw.Status() {
					if ts.Name == "t" && ts.Calls.Refused != wantRefused {
						t.Errorf("the status page counts %d refused, want %d", ts.Calls.Refused, wantRefused)
					}
				}
				if got := dec.seen.Load(); got == nil || got.Tool.Name != "t___echo" || got.Principal == nil {
					t.Fatalf("decider saw %+v", got)
				}
				lr, err := cs.ListTools(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if len(lr.Tools) != 1 || lr.Tools[0].Name != "t___echo" {
					t.Fatalf("tools/list: %v", lr.Tools)
				}
				// In process: ErrPolicyDenied.
				_, err = gw.Call(ctx, "t___echo", json.RawMessage(`{"text":"deny"}`))
				if logOnly != (err == nil) || !logOnly && !errors.Is(err, ErrPolicyDenied) {
					t.Fatalf("Call: %v", err)
				}
			})
		}
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}
