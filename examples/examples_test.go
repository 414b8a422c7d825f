package examples_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv/program"
)

// TestExamplesServe builds and runs each example program as a user would
// and talks to it with the go-sdk client.
func TestExamplesServe(t *testing.T) {
	for _, ex := range []string{"quickstart", "mount"} {
		t.Run(ex, func(t *testing.T) {
			proc := program.Run(t, "./"+ex)
			url := proc.URL

			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c := mcp.NewClient(&mcp.Implementation{Name: "examples-test", Version: "0"}, nil)
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "units___convert", Arguments: map[string]any{"value": 100, "from": "C", "to": "F"}})
			if err != nil || res.IsError {
				t.Fatalf("call: %v %+v", err, res)
			}
			if b, _ := res.StructuredContent.(map[string]any); b["value"] != 212.0 {
				t.Fatalf("100 C = %v F", b["value"])
			}
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "clock___now", Arguments: map[string]any{"timezone": "Mars/Olympus"}})
			if err != nil || !res.IsError {
				t.Fatalf("bad time zone: %v %+v", err, res)
			}
			if ex == "mount" {
				base := strings.TrimSuffix(url, "mcp")
				for _, c := range []struct{ path, want string }{
					{"status?format=json", `"name": "clock"`},
					{"status", "<html"},
					{"metrics", `Invocations_total{Method="tools/call",Name="units___convert",Operation="InvokeGateway",Protocol="MCP",Resource="example-app"} 1`},
				} {
					resp, err := http.Get(base + c.path)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || !strings.Contains(string(body), c.want) {
						t.Fatalf("%s: %d, no %s in:\n%s", c.path, resp.StatusCode, c.want, body)
					}
				}
				if !strings.Contains(proc.Stderr.String(), `"tool":"units___convert","target":"units"`) {
					t.Fatalf("no audit line in:\n%s", proc.Stderr)
				}
			}

			// Ctrl-C stops the program gracefully: exit status 0, after
			// saying so, with the client's session still open.
			if err := proc.Interrupt(15 * time.Second); err != nil {
				t.Fatalf("after SIGINT: %v\n%s", err, proc.Stderr)
			}
			if !strings.Contains(proc.Stderr.String(), "shutting down") {
				t.Fatalf("no shutdown message:\n%s", proc.Stderr)
			}
		})
	}
}
