package mcpserver_test

import (
	"context"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
	"github.com/toolgate/toolgate/search"
)

// withCallTool adds the search package's tools to gw, call_tool among
// them: a builtin that calls tools through Gateway.Call within its own
// call.
func withCallTool(t *testing.T, gw *toolgate.Gateway) {
	t.Helper()
	svc, err := search.Enable(gw, &search.Options{CallTool: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
}

// viaCallTool is call_tool's arguments for a call of tool.
func viaCallTool(tool string) map[string]any { return map[string]any{"name": tool} }

// TestNestedCallSession: a call made through call_tool reaches the
// caller's own backend session, not the one the application's own calls
// share: two callers who call the server through it stay apart, each in
// the session its direct calls use.
func TestNestedCallSession(t *testing.T) {
	_, url := backend(t, nil)
	gw, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	withCallTool(t, gw)
	backendSession := func(cs *mcp.ClientSession, tool string, args map[string]any) string {
		t.Helper()
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil || res.IsError || text(res) == "" {
			t.Fatalf("%s: %v %+v", tool, err, res)
		}
		return text(res)
	}
	a, b := connect(t, gwURL, nil), connect(t, gwURL, nil)
	via := viaCallTool("up___session")
	aDirect, aNested := backendSession(a, "up___session", nil), backendSession(a, search.DefaultCallToolName, via)
	bNested, bDirect := backendSession(b, search.DefaultCallToolName, via), backendSession(b, "up___session", nil)
	if aNested != aDirect || bNested != bDirect {
		t.Errorf("nested calls in backend sessions %s and %s, the callers' own are %s and %s", aNested, bNested, aDirect, bDirect)
	}
	if aNested == bNested {
		t.Errorf("two callers' nested calls share backend session %s", aNested)
	}
	res, err := gw.Call(context.Background(), "up___session", nil) // the application's own: the shared session
	if err != nil || res.IsError || text(res) == aDirect || text(res) == bDirect {
		t.Errorf("the application's call: %v %+v", err, res)
	}
}

// TestNestedCallCapabilities: a caller whose first call of the server is
// made through call_tool has its backend session opened with the
// capabilities it declared, so its direct calls after it find them.
func TestNestedCallCapabilities(t *testing.T) {
	_, url := backend(t, nil)
	gw, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	withCallTool(t, gw)
	cs := connect(t, gwURL, &mcp.ClientOptions{CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
		return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "x"}}, nil
	}})
	for _, c := range []struct {
		tool string
		args map[string]any
	}{{search.DefaultCallToolName, viaCallTool("up___session")}, {"up___caps", map[string]any{}}} {
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", c.tool, err, res)
		}
		if c.tool == "up___caps" && !strings.Contains(text(res), `"sampling"`) {
			t.Errorf("the backend session declares %s: the caller's sampling is lost", text(res))
		}
	}
}

// TestNestedCallReachesClient: a tool of the server called through
// call_tool reaches the caller's client as a direct call of it does, on
// the fast path (a stream of the call's own) and on go-sdk's: sampling
// and elicitation are answered by the caller, progress comes under the
// caller's token, log messages at the level it set.
func TestNestedCallReachesClient(t *testing.T) {
	for _, path := range []struct {
		name string
		opts toolgate.Options
	}{{"fast path", toolgate.Options{}}, {"go-sdk's call path", toolgate.Options{DisableFastPath: true}}} {
		t.Run(path.name, func(t *testing.T) {
			_, url := backend(t, nil)
			opts := path.opts
			opts.Authorizer = auth.None()
			gw, gwURL := gatewayWith(t, &opts, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
			withCallTool(t, gw)
			c := &caller{}
			cs := connect(t, gwURL, c.options())
			//lint:ignore SA1019 logging is relayed
			if err := cs.SetLoggingLevel(callCtx(t), &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct{ tool, want string }{
				{"up___ask", "model=blue user=accept/Ada"},
				{"up___progress", "token=true"},
				{"up___log", "logged"},
			} {
				params := &mcp.CallToolParams{Name: search.DefaultCallToolName, Arguments: viaCallTool(tc.tool)}
				params.SetProgressToken("caller-token")
				res, err := cs.CallTool(callCtx(t), params)
				if err != nil || res.IsError || text(res) != tc.want {
					t.Fatalf("%s through call_tool: %v %+v", tc.tool, err, res)
				}
			}
			// go-sdk's client hands notifications to their handler on its own.
			testenv.WaitFor(t, "3 progress notifications and a log message", func() bool {
				c.mu.Lock()
				defer c.mu.Unlock()
				return len(c.progress) == 3 && len(c.logs) == 1
			})
			c.mu.Lock()
			defer c.mu.Unlock()
			if got := strings.Join(c.asked, "; "); got != "sampling; elicitation: Your name?" {
				t.Errorf("the caller was asked: %s", got)
			}
			for i, p := range c.progress {
				if p.ProgressToken != "caller-token" || p.Progress != float64(i+1) {
					t.Errorf("progress %d: %s", i, jsonOf(t, p))
				}
			}
			if l := c.logs[0]; l.Level != "warning" || jsonOf(t, l.Data) != `{"msg":"careful"}` {
				t.Errorf("log: %s", jsonOf(t, l))
			}
		})
	}
}
