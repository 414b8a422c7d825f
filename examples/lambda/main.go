// Command lambda serves one AWS Lambda function as MCP tools, with the
// invocation contract of Amazon Bedrock AgentCore Gateway.
//
//	go run ./examples/lambda                       # the built-in weather handler, in-process
//	TOOLGATE_LAMBDA_FUNCTION=weather AWS_REGION=eu-west-1 \
//	TOOLGATE_LAMBDA_TOOLS=examples/lambda/weather/tools.json go run ./examples/lambda
//
// Environment:
//   - TOOLGATE_ADDR: listen address, default 127.0.0.1:8080
//   - TOOLGATE_LAMBDA_FUNCTION: the function's name or ARN (optionally
//     with ":qualifier"); without it the built-in weather handler
//     (./weather, deployable as ./function) runs in-process
//   - TOOLGATE_LAMBDA_ENDPOINT: Lambda endpoint override, e.g. a local
//     runtime interface emulator
//   - TOOLGATE_LAMBDA_TOOLS: path to a JSON array of tool definitions
//     (AgentCore's inline-payload shape); default the weather tools
//   - TOOLGATE_TARGET_NAME: the target's name, the tools' prefix; default
//     "weather"
//   - the AWS region and credentials: the standard AWS environment
//     variables (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//     AWS_SESSION_TOKEN, AWS_PROFILE, ...)
//
// It prints its MCP URL, http://ADDR/mcp, on stdout.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/examples/internal/serve"
	"github.com/toolgate/toolgate/examples/lambda/weather"
	"github.com/toolgate/toolgate/lambda"
)

func main() {
	// Stop on Ctrl-C or SIGTERM: run's context ends, the server drains.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lambda example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {

	opts := &lambda.Options{
		Name:     env("TOOLGATE_TARGET_NAME", "weather"),
		Function: os.Getenv("TOOLGATE_LAMBDA_FUNCTION"),
		Endpoint: os.Getenv("TOOLGATE_LAMBDA_ENDPOINT"),
		Timeout:  30 * time.Second, // in-process, as a Lambda function timeout
	}
	var err error
	if path := os.Getenv("TOOLGATE_LAMBDA_TOOLS"); path != "" {
		opts.Tools, err = lambda.LoadTools(path)
	} else {
		opts.Tools, err = weather.Tools()
	}
	if err != nil {
		return err
	}
	var target *lambda.Target
	mode := "in-process weather handler"
	if opts.Function != "" {
		target, err = lambda.New(ctx, opts)
		mode = "Lambda function " + opts.Function
	} else {
		target, err = lambda.NewInProcess(weather.Handle, opts)
	}
	if err != nil {
		return err
	}

	gw, err := toolgate.New(&toolgate.Options{
		Authorizer: auth.None(), // a local example: anyone may call
	})
	if err != nil {
		return err
	}
	defer gw.Close()
	if err := gw.AddTarget(ctx, target); err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	return serve.Gateway(ctx, gw, mux, func(url string) {
		fmt.Printf("toolgate lambda example: serving the %s at %s\n", mode, url)
		for _, ti := range gw.Catalog(ctx) {
			fmt.Printf("  tool %-22s %s\n", ti.Name, ti.Tool.Description)
		}
	})
}

// env returns the environment variable k, or def when it is unset or empty.
func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
