package mcpserver_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/mcpserver"
)

// TestElicitationAsSent: a server's elicitation whose schema go-sdk's rules
// refuse (a titled multi-select whose items also say "type": "string", as
// the conformance suite's SEP-1330 scenario asks) reaches the caller as the
// server sent it, and the caller's answer reaches the server.
func TestElicitationAsSent(t *testing.T) {
	schema := map[string]any{"type": "object", "properties": map[string]any{
		"colors": map[string]any{"type": "array", "items": map[string]any{"type": "string", "anyOf": []any{
			map[string]any{"const": "r", "title": "Red"}, map[string]any{"const": "g", "title": "Green"}}}},
	}}
	srv, url := backend(t, nil)
	srv.AddTool(&mcp.Tool{Name: "pick", Description: "Asks for colours", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: "Colours?", RequestedSchema: schema})
			if err != nil {
				return nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(res.Action)}}}, nil
		})
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))

	var asked json.RawMessage
	c := mcp.NewClient(&mcp.Implementation{Name: "caller", Version: "0"}, &mcp.ClientOptions{
		Capabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{Form: &mcp.FormElicitationCapabilities{}}},
	})
	// The caller answers before its own go-sdk client would check the schema.
	c.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "elicitation/create" {
				return next(ctx, method, req)
			}
			asked, _ = json.Marshal(req.(*mcp.ElicitRequest).Params.RequestedSchema)
			return &mcp.ElicitResult{Action: "decline"}, nil
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gwURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___pick", Arguments: map[string]any{}})
	if err != nil || res.IsError || len(res.Content) != 1 || res.Content[0].(*mcp.TextContent).Text != "decline" {
		t.Fatalf("call: %v %+v", err, res)
	}
	if want, _ := json.Marshal(schema); string(asked) != string(want) {
		t.Errorf("the caller was asked with\n%s\nwant\n%s", asked, want)
	}
}
