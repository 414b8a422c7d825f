package toolgate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
)

type greetIn struct {
	Name string `json:"name" jsonschema:"who to greet"`
}

type greetOut struct {
	Greeting string `json:"greeting"`
}

// A gateway serving one in-process tool, called by an MCP client over
// HTTP.
func Example() {
	ctx := context.Background()
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	hello := toolgate.Funcs("hello",
		toolgate.Func("greet", "Greet someone by name", func(_ context.Context, in greetIn) (greetOut, error) {
			return greetOut{Greeting: "Hello, " + in.Name + "!"}, nil
		}))
	if err := gw.AddTarget(ctx, hello); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(gw) // in an application: mux.Handle("/mcp", gw)
	defer srv.Close()

	client := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "hello___greet", Arguments: map[string]any{"name": "Ada"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output: {"greeting":"Hello, Ada!"}
}

// Arguments are validated against the tool's schema before the function
// runs; the error names the field, for the model to correct itself.
func ExampleGateway_Call() {
	gw, _ := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	_ = gw.AddTarget(context.Background(), toolgate.Funcs("hello",
		toolgate.Func("greet", "Greet someone", func(_ context.Context, in greetIn) (string, error) {
			return "Hello, " + in.Name, nil
		})))
	res, _ := gw.Call(context.Background(), "hello___greet", json.RawMessage(`{"name": 42}`))
	fmt.Println(res.IsError, res.Content[0].(*mcp.TextContent).Text)
	// Output: true invalid arguments for tool "hello___greet": /name: got number, want string
}

// RawFunc serves a tool described by a hand-written JSON Schema.
func ExampleRawFunc() {
	shout := toolgate.RawFunc(toolgate.Tool{
		Name:        "shout",
		Description: "Upper-case a text",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`),
	}, func(_ context.Context, args json.RawMessage) (*toolgate.Result, error) {
		var in struct{ Text string }
		if err := json.Unmarshal(args, &in); err != nil {
			return nil, err
		}
		return toolgate.TextResult(strings.ToUpper(in.Text)), nil
	})
	gw, _ := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	_ = gw.AddTarget(context.Background(), toolgate.Funcs("text", shout))
	res, _ := gw.Call(context.Background(), "text___shout", json.RawMessage(`{"text":"quiet"}`))
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output: QUIET
}
