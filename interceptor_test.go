package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestInterceptorsCannotBypassChecks: routing is read-only to
// interceptors in effect. Whatever an interceptor does to the request, the
// tool that runs is one the caller may see, with arguments valid for it.
func TestInterceptorsCannotBypassChecks(t *testing.T) {
	type seen struct{ target, tool, args string }
	tests := []struct {
		name    string
		rewrite func(req *CallRequest)
		want    string // the result's text, or "error: ..." for a refused call
		ran     *seen  // what the tool saw, nil if no tool ran
	}{
		{"untouched", func(*CallRequest) {}, "echo:hi", &seen{"math", "echo", `{"text":"hi"}`}},
		{"renamed to a hidden tool", func(r *CallRequest) { r.Name = "secret___reveal" }, `error: calling "tools/call": unknown tool "secret___reveal"`, nil},
		{"renamed to a missing tool", func(r *CallRequest) { r.Name = "nope___x" }, `error: calling "tools/call": unknown tool "nope___x"`, nil},
		{"renamed, arguments invalid for the new tool", func(r *CallRequest) { r.Name = "math___add" },
			`invalid arguments for tool "math___add"`, nil},
		{"renamed with arguments rewritten to fit", func(r *CallRequest) {
			r.Name, r.Arguments = "math___add", json.RawMessage(`{"a":1,"b":2}`)
		}, `{"sum":3}`, nil},
		{"arguments rewritten invalid", func(r *CallRequest) { r.Arguments = json.RawMessage(`{"text":5}`) },
			`invalid arguments for tool "math___echo"`, nil},
		{"arguments rewritten valid", func(r *CallRequest) { r.Arguments = json.RawMessage(`{"text":"bye"}`) },
			"echo:bye", &seen{"math", "echo", `{"text":"bye"}`}},
		{"target and tool fields are not routing", func(r *CallRequest) { r.Target, r.Tool = "secret", "reveal" },
			"echo:hi", &seen{"math", "echo", `{"text":"hi"}`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ran *seen
			record := func(ctx context.Context, req *CallRequest) (*Result, error) {
				ran = &seen{req.Target, req.Tool, string(req.Arguments)}
				return TextResult("echo:" + strings.TrimSuffix(strings.TrimPrefix(string(req.Arguments), `{"text":"`), `"}`)), nil
			}
			echo := RawFunc(Tool{Name: "echo", InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`)},
				func(ctx context.Context, _ json.RawMessage) (*Result, error) {
					return nil, errors.New("replaced below")
				})
			targets := []Target{
				&recordTarget{FuncTarget: Funcs("math", echo, Func("add", "", func(_ context.Context, in addIn) (addOut, error) {
					return addOut{Sum: in.A + in.B}, nil
				})), record: record},
				Funcs("secret", Func("reveal", "", func(context.Context, struct{}) (string, error) { return "the secret", nil })),
			}
			gw := mustGateway(t, &Options{
				ToolFilter: func(_ context.Context, _ *Principal, ti *ToolInfo) bool { return ti.Target != "secret" },
				Interceptors: []Interceptor{func(next CallFunc) CallFunc {
					return func(ctx context.Context, req *CallRequest) (*Result, error) {
						tc.rewrite(req)
						return next(ctx, req)
					}
				}},
			}, targets...)
			cs := connect(t, serve(t, gw), nil)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "math___echo", Arguments: map[string]any{"text": "hi"}})
			got := ""
			switch {
			case err != nil:
				got = "error: " + err.Error()
			case res.IsError:
				got = textOf(res)
			default:
				got = textOf(res)
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if tc.ran != nil && (ran == nil || *ran != *tc.ran) {
				t.Fatalf("the tool saw %+v, want %+v", ran, tc.ran)
			}
			if tc.ran == nil && ran != nil && !strings.Contains(tc.want, "sum") {
				t.Fatalf("the echo tool ran: %+v", ran)
			}
		})
	}
}

// recordTarget runs its echo tool through record; other tools as listed.
type recordTarget struct {
	*FuncTarget
	record CallFunc
}

func (r *recordTarget) CallTool(ctx context.Context, req *CallRequest) (*Result, error) {
	if req.Tool == "echo" {
		return r.record(ctx, req)
	}
	return r.FuncTarget.CallTool(ctx, req)
}
