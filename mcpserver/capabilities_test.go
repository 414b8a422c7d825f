//go:build unix

package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
)

// TestCallerCapabilities: a caller's own backend session declares to the
// server what the caller declared of sampling (with tools or not) and
// elicitation (form, URL), so a server asks only what the caller can
// answer; the shared session of a command declares all the target relays.
// Sampling with tools reaches a caller that takes it, by both paths, and
// is refused for one that does not.
func TestCallerCapabilities(t *testing.T) {
	_, url := backend(t, nil)
	bin := testenv.StdioServer(t)
	toolUse := func(context.Context, *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
		return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "m", StopReason: "toolUse", Content: []mcp.Content{
			&mcp.ToolUseContent{ID: "1", Name: "weather", Input: map[string]any{"city": "Oslo"}},
			&mcp.ToolUseContent{ID: "2", Name: "weather", Input: map[string]any{"city": "Rome"}},
		}}, nil
	}
	accept := func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
		return &mcp.ElicitResult{Action: "accept"}, nil
	}
	callers := []struct {
		name     string
		opts     *mcp.ClientOptions
		declared string // what its own backend session declares
		plan     string // the answer of plan, offering the model a tool
	}{
		{"nothing", nil, "sampling=false tools=false elicitation=false form=false url=false", "does not support"},
		{"sampling and form elicitation", &mcp.ClientOptions{
			CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
				return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "?"}}, nil
			},
			ElicitationHandler: accept,
		}, "sampling=true tools=false elicitation=true form=true url=false", "the client does not support sampling with tools"},
		{"sampling with tools and URL elicitation", &mcp.ClientOptions{
			Capabilities:                  &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{URL: &mcp.URLElicitationCapabilities{}}},
			CreateMessageWithToolsHandler: toolUse,
			ElicitationHandler:            accept,
		}, "sampling=true tools=true elicitation=true form=false url=true", "toolUse: weather(Oslo) weather(Rome)"},
	}
	const all = "sampling=true tools=true elicitation=true form=true url=true"
	targets := []struct {
		name   string
		opts   mcpserver.Options
		noLean bool
		shared bool // every caller on one backend session
	}{
		{"streamable HTTP", mcpserver.Options{URL: url}, false, false},
		{"streamable HTTP, go-sdk's client", mcpserver.Options{URL: url}, true, false},
		{"stdio", mcpserver.Options{Command: []string{bin}}, false, true},
		{"stdio, process per session", mcpserver.Options{Command: []string{bin}, ProcessPerSession: true}, false, false},
	}
	for _, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Name = "up"
			tg := newTarget(t, opts)
			if tt.noLean {
				mcpserver.NoLean(tg)
			}
			_, gwURL := gateway(t, tg)
			for _, c := range callers {
				t.Run(c.name, func(t *testing.T) {
					cs := connect(t, gwURL, c.opts)
					res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___caps"})
					if err != nil || res.IsError {
						t.Fatalf("%v %+v", err, res)
					}
					var caps mcp.ClientCapabilities
					if err := json.Unmarshal([]byte(text(res)), &caps); err != nil {
						t.Fatal(err)
					}
					want := c.declared
					if tt.shared {
						want = all
					}
					if got := summary(&caps); got != want {
						t.Errorf("declared %s, want %s (%s)", got, want, text(res))
					}
					res, err = cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___plan"})
					if err != nil || !strings.Contains(text(res), c.plan) || res.IsError != (c.plan != callers[2].plan) {
						t.Errorf("plan: %v %+v %q, want %q", err, res, text(res), c.plan)
					}
				})
			}
		})
	}
}

// summary says which sampling and elicitation capabilities c declares.
func summary(c *mcp.ClientCapabilities) string {
	s, e := c.Sampling, c.Elicitation
	return fmt.Sprintf("sampling=%v tools=%v elicitation=%v form=%v url=%v",
		s != nil, s != nil && s.Tools != nil, e != nil, e != nil && e.Form != nil, e != nil && e.URL != nil)
}
