package lambda_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/lambda"
)

// A handler written for AgentCore Gateway: it dispatches on the tool name
// in the client context and receives the arguments as its event.
func greet(ctx context.Context, ev struct {
	Name string `json:"name"`
}) (string, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	tool, _ := lambda.ToolName(lc)
	return fmt.Sprintf("%s, %s (via %s)", tool, ev.Name, lc.ClientContext.Custom[lambda.KeyToolName]), nil
}

// Run an aws-lambda-go handler in-process behind a gateway. lambda.New
// serves the same handler deployed on AWS Lambda.
func ExampleNewInProcess() {
	tools, err := lambda.ParseTools([]byte(`[
		{"name": "hello", "description": "Greets someone.",
		 "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}
	]`))
	if err != nil {
		panic(err)
	}
	t, err := lambda.NewInProcess(greet, &lambda.Options{Name: "greeter", Tools: tools})
	if err != nil {
		panic(err)
	}
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		panic(err)
	}
	defer gw.Close()
	ctx := context.Background()
	if err := gw.AddTarget(ctx, t); err != nil {
		panic(err)
	}
	res, err := gw.Call(ctx, "greeter___hello", []byte(`{"name":"Ada"}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output: hello, Ada (via greeter___hello)
}
