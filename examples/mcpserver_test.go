package examples_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// TestExampleMCPServer runs the mcpserver example in front of the stdio
// test server, configured only by its environment, and calls the
// federated tools with the go-sdk client, sampling and elicitation
// included.
func TestExampleMCPServer(t *testing.T) {
	server := testenv.StdioServer(t)
	proc := program.Run(t, "./mcpserver", "TOOLGATE_MCP_COMMAND="+server, "TOOLGATE_TARGET_NAME=fed")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "examples-test", Version: "0"}, &mcp.ClientOptions{
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "green"}}, nil
		},
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Grace"}}, nil
		},
	})
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: proc.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for _, tc := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"fed___echo", map[string]any{"text": "hello"}, "hello"},
		{"fed___ask", nil, "model=green user=accept/Grace"},
	} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tc.tool, Arguments: tc.args})
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", tc.tool, err, res)
		}
		if got := res.Content[0].(*mcp.TextContent).Text; got != tc.want {
			t.Fatalf("%s: %q, want %q", tc.tool, got, tc.want)
		}
	}

	if err := proc.Interrupt(15 * time.Second); err != nil {
		t.Fatalf("after SIGINT: %v\n%s", err, proc.Stderr)
	}
	if !strings.Contains(proc.Stderr.String(), "shutting down") {
		t.Fatalf("no shutdown message:\n%s", proc.Stderr)
	}
}
