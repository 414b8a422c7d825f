package toolgate

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestRelayGivenUpBeforeAnswer: a tool that asks the caller something and
// gives the request up just before it answers (as a federated server's
// request is given up when the server answers the call) has the caller's
// request cancelled: the caller gets notifications/cancelled on the call's
// stream before the call's answer closes it, every time.
func TestRelayGivenUpBeforeAnswer(t *testing.T) {
	for _, tc := range []struct {
		ask  string
		opts Options
	}{
		{"sampling", Options{}},
		{"elicitation", Options{}},
		// Plain-JSON answers: the requests and their cancellations go on
		// the session's own stream, which the answer does not close.
		{"sampling", Options{JSONResponse: true}},
	} {
		ask := tc.ask
		t.Run(fmt.Sprintf("%s json=%v", ask, tc.opts.JSONResponse), func(t *testing.T) {
			asked := make(chan struct{}, 1)
			tool := Func("ask", "Asks, then gives up", func(ctx context.Context, _ struct{}) (string, error) {
				actx, cancel := context.WithCancel(ctx)
				done := make(chan error, 1)
				go func() {
					var err error
					if ask == "sampling" {
						_, err = SessionFrom(ctx).Sample(actx, &mcp.CreateMessageParams{MaxTokens: 1,
							Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "?"}}}})
					} else {
						_, err = SessionFrom(ctx).Elicit(actx, &mcp.ElicitParams{Message: "?", RequestedSchema: map[string]any{"type": "object"}})
					}
					done <- err
				}()
				<-asked // the caller has the request
				cancel()
				return fmt.Sprint("gave up: ", <-done), nil
			}).WithSession()
			gw := mustGateway(t, &tc.opts, Funcs("s", tool))
			ended := make(chan error, 1)
			wait := func(ctx context.Context) {
				asked <- struct{}{}
				select {
				case <-ctx.Done():
					ended <- ctx.Err()
				case <-time.After(5 * time.Second):
					ended <- errors.New("still waiting after 5 s")
				}
			}
			cs := connect(t, serve(t, gw), &mcp.ClientOptions{
				CreateMessageHandler: func(ctx context.Context, _ *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					wait(ctx)
					return nil, ctx.Err()
				},
				ElicitationHandler: func(ctx context.Context, _ *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					wait(ctx)
					return nil, ctx.Err()
				},
			})
			for i := range 20 {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "s___ask", Arguments: map[string]any{}})
				cancel()
				if err != nil || res.IsError {
					t.Fatalf("call %d: %v %+v", i, err, res)
				}
				if err := <-ended; !errors.Is(err, context.Canceled) {
					t.Fatalf("call %d: the caller's handler ended with %v, want its request cancelled", i, err)
				}
			}
		})
	}
}
