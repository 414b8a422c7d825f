package toolgate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestSessionSampleWithTools: a tool offers the client's model a tool
// (sampling with tools); a client that declares sampling.tools answers
// with two tool_use blocks, one that declares plain sampling is not asked
// with tools, and is asked without.
func TestSessionSampleWithTools(t *testing.T) {
	weather := &mcp.Tool{Name: "weather", InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}
	tool := Func("plan", "Lets the client's model call a tool", func(ctx context.Context, in struct {
		Tools bool `json:"tools"`
	}) (string, error) {
		p := &mcp.CreateMessageWithToolsParams{MaxTokens: 50, Messages: []*mcp.SamplingMessageV2{
			{Role: "user", Content: []mcp.Content{&mcp.TextContent{Text: "weather in Oslo and Rome?"}}}}}
		if in.Tools {
			p.Tools = []*mcp.Tool{weather}
		}
		res, err := SessionFrom(ctx).SampleWithTools(ctx, p)
		if err != nil {
			return "", err
		}
		var out []string
		for _, c := range res.Content {
			switch c := c.(type) {
			case *mcp.ToolUseContent:
				out = append(out, c.Name+"("+c.Input["city"].(string)+")")
			case *mcp.TextContent:
				out = append(out, c.Text)
			}
		}
		return res.StopReason + ": " + strings.Join(out, " "), nil
	}).WithSession()
	gw := mustGateway(t, nil, Funcs("s", tool))
	url := serve(t, gw)
	withTools := connect(t, url, &mcp.ClientOptions{
		CreateMessageWithToolsHandler: func(_ context.Context, r *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
			if len(r.Params.Tools) != 1 || r.Params.Tools[0].Name != "weather" {
				return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "m", Content: []mcp.Content{&mcp.TextContent{Text: "no tools"}}}, nil
			}
			return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "m", StopReason: "toolUse", Content: []mcp.Content{
				&mcp.ToolUseContent{ID: "1", Name: "weather", Input: map[string]any{"city": "Oslo"}},
				&mcp.ToolUseContent{ID: "2", Name: "weather", Input: map[string]any{"city": "Rome"}},
			}}, nil
		}})
	plain := connect(t, url, &mcp.ClientOptions{
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: "assistant", Model: "m", StopReason: "endTurn", Content: &mcp.TextContent{Text: "sunny"}}, nil
		}})
	for _, tc := range []struct {
		name    string
		cs      *mcp.ClientSession
		tools   bool
		want    string
		isError bool
	}{
		{"tools, to a client that takes them", withTools, true, "toolUse: weather(Oslo) weather(Rome)", false},
		{"no tools, to a client that takes them", withTools, false, ": no tools", false},
		{"tools, to a client without", plain, true, "the client does not support sampling with tools", true},
		{"no tools, to a client without", plain, false, "endTurn: sunny", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "s___plan", Arguments: map[string]any{"tools": tc.tools}})
			if err != nil || res.IsError != tc.isError || !strings.Contains(textOf(res), tc.want) {
				t.Fatalf("%v %+v: %q, want %q", err, res, textOf(res), tc.want)
			}
		})
	}
}
