package mcpserver_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
	"github.com/toolgate/toolgate/mcpserver/internal/testserver"
)

// TestSSETransport federates a server that speaks the 2024-11-05 HTTP+SSE
// transport: its tools are listed and called, and its progress and log
// messages reach the caller.
func TestSSETransport(t *testing.T) {
	s := testserver.New(nil)
	srv := httptest.NewServer(mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(srv.Close)
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "old", URL: srv.URL, SSE: true}))
	c := &caller{}
	cs := connect(t, gwURL, c.options())
	ctx := callCtx(t)
	if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "old___echo", Arguments: map[string]any{"text": "over SSE"}})
	if err != nil || res.IsError || text(res) != "over SSE" {
		t.Fatalf("call: %v %+v", err, res)
	}
	p := &mcp.CallToolParams{Name: "old___progress", Arguments: map[string]any{"text": "x"}}
	p.SetProgressToken("mine")
	if res, err := cs.CallTool(ctx, p); err != nil || res.IsError {
		t.Fatalf("progress: %v %+v", err, res)
	}
	if res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "old___ask", Arguments: map[string]any{"text": "x"}}); err != nil || res.IsError {
		t.Fatalf("ask: %v %+v", err, res)
	}
	testenv.WaitFor(t, "three progress notifications under the caller's token", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.progress) == 3 && c.progress[2].ProgressToken == "mine"
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.asked) != 2 {
		t.Fatalf("sampling and elicitation reaching the caller: %q", c.asked)
	}
}
