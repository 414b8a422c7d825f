package mcpserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
)

// sessionServer starts scripts/mcp/session-server.mjs, a server built on
// the official TypeScript SDK that keeps state per session, and returns
// its MCP URL. It is stopped when the test ends.
func sessionServer(t *testing.T) string {
	t.Helper()
	return nodeScript(t, "session-server.mjs", "@modelcontextprotocol/sdk/package.json", nil).URL
}

// closedSessions is the number of sessions the server at url saw end with
// a DELETE.
func closedSessions(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(strings.TrimSuffix(url, "/mcp") + "/__sessions")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Closed []string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return len(s.Closed)
}

// TestTypeScriptSession: what the gateway relays of a caller's session,
// against a server built on the official TypeScript SDK. Its sampling
// with tools reaches a caller that declares it (two rounds: the model's
// tool calls, then their results) and is refused, by the server itself,
// for a caller that does not; a prompt is answered from the backend
// session the caller's calls opened; and a caller's closed session ends
// its backend session at once (the server sees the DELETE). By both paths
// of a call.
func TestTypeScriptSession(t *testing.T) {
	url := sessionServer(t)
	withTools := &mcp.ClientOptions{
		CreateMessageWithToolsHandler: func(_ context.Context, r *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
			msgs := r.Params.Messages
			if len(r.Params.Tools) != 1 || r.Params.Tools[0].Name != "weather" {
				return nil, fmt.Errorf("tools offered: %+v", r.Params.Tools)
			}
			if len(msgs) == 1 {
				return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "m", StopReason: "toolUse", Content: []mcp.Content{
					&mcp.ToolUseContent{ID: "u1", Name: "weather", Input: map[string]any{"city": "Oslo"}},
					&mcp.ToolUseContent{ID: "u2", Name: "weather", Input: map[string]any{"city": "Rome"}},
				}}, nil
			}
			var said []string // the tool results sent back, in order
			for _, c := range msgs[len(msgs)-1].Content {
				tr, ok := c.(*mcp.ToolResultContent)
				if !ok || len(tr.Content) != 1 {
					return nil, fmt.Errorf("last message holds %T", c)
				}
				said = append(said, tr.ToolUseID+"="+tr.Content[0].(*mcp.TextContent).Text)
			}
			return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "m", StopReason: "endTurn",
				Content: []mcp.Content{&mcp.TextContent{Text: strings.Join(said, ", ")}}}, nil
		},
	}
	withoutTools := &mcp.ClientOptions{
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "?"}}, nil
		},
	}
	for _, noLean := range []bool{false, true} {
		t.Run(fmt.Sprintf("noLean=%v", noLean), func(t *testing.T) {
			tg := newTarget(t, mcpserver.Options{Name: "ts", URL: url})
			if noLean {
				mcpserver.NoLean(tg)
			}
			_, gwURL := gateway(t, tg)

			t.Run("sampling with tools", func(t *testing.T) {
				cs := connect(t, gwURL, withTools)
				res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "ts___plan"})
				const want = "round 1: toolUse weather(Oslo) weather(Rome); round 2: endTurn u1=sunny in Oslo, u2=sunny in Rome"
				if err != nil || res.IsError || text(res) != want {
					t.Fatalf("%v %+v\n got %q\nwant %q", err, res, text(res), want)
				}
			})
			t.Run("sampling without tools declared", func(t *testing.T) {
				cs := connect(t, gwURL, withoutTools)
				res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "ts___plan"})
				if err != nil || !res.IsError || !strings.Contains(text(res), "does not support sampling tools") {
					t.Fatalf("%v %+v %q", err, res, text(res))
				}
			})
			t.Run("prompt on the caller's session", func(t *testing.T) {
				a, b := connect(t, gwURL, nil), connect(t, gwURL, nil)
				for cs, v := range map[*mcp.ClientSession]string{a: "alpha", b: "beta"} {
					res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "ts___remember", Arguments: map[string]any{"value": v}})
					if err != nil || res.IsError {
						t.Fatalf("%v %+v", err, res)
					}
				}
				for cs, v := range map[*mcp.ClientSession]string{a: "alpha", b: "beta"} {
					p, err := cs.GetPrompt(callCtx(t), &mcp.GetPromptParams{Name: "ts___recall"})
					if err != nil || len(p.Messages) != 1 {
						t.Fatalf("%v %+v", err, p)
					}
					if got := p.Messages[0].Content.(*mcp.TextContent).Text; got != "kept: "+v {
						t.Errorf("recall: %q, want %q", got, "kept: "+v)
					}
				}
			})
			t.Run("session end", func(t *testing.T) {
				cs := connect(t, gwURL, nil)
				res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "ts___remember", Arguments: map[string]any{"value": "x"}})
				if err != nil || res.IsError {
					t.Fatalf("%v %+v", err, res)
				}
				before := closedSessions(t, url)
				if err := cs.Close(); err != nil {
					t.Fatal(err)
				}
				testenv.WaitFor(t, "the server to see the backend session closed", func() bool { return closedSessions(t, url) > before })
			})
		})
	}
}
