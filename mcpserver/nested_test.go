package mcpserver_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/mcpserver"
)

// TestNestedCallSession: a call made within another tool's call (a
// builtin that calls tools through Gateway.Call, as the search package's
// call_tool does) reaches the caller's own backend session, not the one
// the application's own calls share: two callers who call the server
// through it stay apart, each in the session its direct calls use.
func TestNestedCallSession(t *testing.T) {
	_, url := backend(t, nil)
	gw, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	relay := toolgate.Tool{Name: "relay", Description: "Calls a tool.", InputSchema: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"}}}`)}
	if err := gw.AddBuiltin(relay, func(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
		var in struct{ Name string }
		if err := json.Unmarshal(req.Arguments, &in); err != nil {
			return nil, err
		}
		return gw.Call(ctx, in.Name, nil)
	}); err != nil {
		t.Fatal(err)
	}
	backendSession := func(cs *mcp.ClientSession, tool string, args map[string]any) string {
		t.Helper()
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil || res.IsError || text(res) == "" {
			t.Fatalf("%s: %v %+v", tool, err, res)
		}
		return text(res)
	}
	a, b := connect(t, gwURL, nil), connect(t, gwURL, nil)
	via := map[string]any{"name": "up___session"}
	aDirect, aNested := backendSession(a, "up___session", nil), backendSession(a, "relay", via)
	bNested, bDirect := backendSession(b, "relay", via), backendSession(b, "up___session", nil)
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
// made within another tool's call has its backend session opened with
// the capabilities it declared, so its direct calls after it find them.
func TestNestedCallCapabilities(t *testing.T) {
	_, url := backend(t, nil)
	gw, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	relay := toolgate.Tool{Name: "relay", Description: "Calls up___session.", InputSchema: json.RawMessage(`{"type":"object"}`)}
	if err := gw.AddBuiltin(relay, func(ctx context.Context, _ *toolgate.CallRequest) (*toolgate.Result, error) {
		return gw.Call(ctx, "up___session", nil)
	}); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, gwURL, &mcp.ClientOptions{CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
		return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "x"}}, nil
	}})
	for _, tool := range []string{"relay", "up___caps"} {
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}})
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", tool, err, res)
		}
		if tool == "up___caps" && !strings.Contains(text(res), `"sampling"`) {
			t.Errorf("the backend session declares %s: the caller's sampling is lost", text(res))
		}
	}
}
