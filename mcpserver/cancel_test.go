package mcpserver_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/mcpserver"
)

// TestServerCancelsRelayedRequest: when the server gives up a sampling or
// elicitation request it sent during a call (notifications/cancelled), the
// request the gateway relayed to the caller is cancelled too: the caller
// gets notifications/cancelled for it, and its handler's context ends.
func TestServerCancelsRelayedRequest(t *testing.T) {
	s, url := backend(t, nil)
	asks := map[string]func(context.Context, *mcp.ServerSession) error{
		"sample": func(ctx context.Context, ss *mcp.ServerSession) error {
			//lint:ignore SA1019 sampling is what this tests
			_, err := ss.CreateMessage(ctx, &mcp.CreateMessageParams{MaxTokens: 1,
				Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "?"}}}})
			return err
		},
		"elicit": func(ctx context.Context, ss *mcp.ServerSession) error {
			_, err := ss.Elicit(ctx, &mcp.ElicitParams{Message: "?", RequestedSchema: map[string]any{"type": "object"}})
			return err
		},
	}
	// The tool gives up its request, then answers at once or a little
	// later (then its own notifications/cancelled reaches the gateway).
	var names []string
	for name, ask := range asks {
		for _, linger := range []time.Duration{0, 300 * time.Millisecond} {
			tool := fmt.Sprintf("%s-%d", name, linger.Milliseconds())
			names = append(names, tool)
			s.AddTool(&mcp.Tool{Name: tool, InputSchema: map[string]any{"type": "object"}},
				func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
					actx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
					defer cancel()
					err := ask(actx, req.Session)
					time.Sleep(linger)
					return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint("gave up: ", err)}}}, nil
				})
		}
	}
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			ended := make(chan error, 1)
			var endedAt time.Time
			wait := func(ctx context.Context) {
				select {
				case <-ctx.Done():
					endedAt = time.Now()
					ended <- ctx.Err()
				case <-time.After(10 * time.Second):
					ended <- errors.New("still waiting after 10 s")
				}
			}
			cs := connect(t, gwURL, &mcp.ClientOptions{
				CreateMessageHandler: func(ctx context.Context, _ *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					wait(ctx)
					return nil, ctx.Err()
				},
				ElicitationHandler: func(ctx context.Context, _ *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					wait(ctx)
					return nil, ctx.Err()
				},
			})
			res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___" + name, Arguments: map[string]any{}})
			answeredAt := time.Now()
			if err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-ended:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("the caller's handler ended with %v, want its request cancelled", err)
				}
				// A server that gives up its request and answers later:
				// its cancellation reaches the caller at once.
				if strings.HasSuffix(name, "-300") && !endedAt.Before(answeredAt.Add(-200*time.Millisecond)) {
					t.Errorf("the request was cancelled %v before the answer, want at the server's cancellation, 300 ms before", answeredAt.Sub(endedAt))
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("the caller was never asked; the call returned %q", text(res))
			}
		})
	}
}
