package toolgate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
)

// askClient connects an MCP client to url whose model answers every
// sampling request with answer, and whose progress messages go to
// progress.
func askClient(ctx context.Context, url, answer string, progress chan<- string) *mcp.ClientSession {
	client := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "1"}, &mcp.ClientOptions{
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: "assistant", Model: "example-model", Content: &mcp.TextContent{Text: answer}}, nil
		},
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			progress <- req.Params.Message
		},
	})
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		log.Fatal(err)
	}
	return cs
}

// serveTools serves a gateway with target over loopback HTTP and returns
// its URL and what stops it.
func serveTools(ctx context.Context, target toolgate.Target) (string, func()) {
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	if err := gw.AddTarget(ctx, target); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	return srv.URL, func() { srv.Close(); _ = gw.Close() }
}

// callShowingProgress calls the tool name at url with args and a progress
// token, as a client whose model answers answer, and prints the progress
// message it got and the answer's text.
func callShowingProgress(ctx context.Context, url, answer, name string, args map[string]any) {
	progress := make(chan string, 1)
	cs := askClient(ctx, url, answer, progress)
	defer cs.Close()
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	params.SetProgressToken("p1")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("progress:", <-progress)
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
}

// A tool that uses the caller's session while it runs: it reports
// progress and asks the client's model (sampling). It declares so with
// WithSession and finds the session with SessionFrom.
func ExampleSessionFrom() {
	ctx := context.Background()
	type question struct {
		Text string `json:"text"`
	}
	ask := toolgate.Func("ask", "Asks the client's model", func(ctx context.Context, in question) (string, error) {
		s := toolgate.SessionFrom(ctx)
		if err := s.Progress(ctx, 1, 2, "asking the model"); err != nil {
			return "", err
		}
		res, err := s.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 50,
			Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Text}}}})
		if err != nil {
			return "", err
		}
		return "the model says " + res.Content.(*mcp.TextContent).Text, nil
	}).WithSession()
	url, stop := serveTools(ctx, toolgate.Funcs("model", ask))
	defer stop()
	callShowingProgress(ctx, url, "42", "model___ask", map[string]any{"text": "6 times 7?"})
	// Output:
	// progress: asking the model
	// the model says 42
}

// A tool that passes on what another server asks of the caller declares
// Tool.RelaysSession besides Tool.UsesSession (every tool of an MCP server
// target does): its calls are answered by the gateway itself, with an
// event stream of the call's own, even for a caller that can be asked
// something. Here the "other server" is a function that wants one sampling
// answer.
func ExampleTool_relaysSession() {
	ctx := context.Background()
	upstream := func(ctx context.Context, s *toolgate.Session) (string, error) {
		_ = s.Progress(ctx, 1, 1, "relaying")
		res, err := s.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 50,
			Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "a colour?"}}}})
		if err != nil {
			return "", err
		}
		return res.Content.(*mcp.TextContent).Text, nil
	}
	relay := toolgate.RawFunc(toolgate.Tool{
		Name:          "relay",
		Description:   "Relays another server's questions to the caller",
		InputSchema:   json.RawMessage(`{"type":"object"}`),
		UsesSession:   true,
		RelaysSession: true,
	}, func(ctx context.Context, _ json.RawMessage) (*toolgate.Result, error) {
		out, err := upstream(ctx, toolgate.SessionFrom(ctx))
		if err != nil {
			return nil, err
		}
		return toolgate.TextResult("upstream got " + out), nil
	})
	url, stop := serveTools(ctx, toolgate.Funcs("up", relay))
	defer stop()
	callShowingProgress(ctx, url, "teal", "up___relay", map[string]any{})
	// Output:
	// progress: relaying
	// upstream got teal
}
