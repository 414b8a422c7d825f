// Command smithy serves one service described by a Smithy JSON AST model as
// MCP tools at http://127.0.0.1:8080/mcp, speaking the service's own
// protocol (restJson1, awsJson1_0, awsJson1_1, restXml, awsQuery,
// ec2Query) and signing AWS requests with SigV4.
//
//	TOOLGATE_SMITHY_MODEL=dynamodb-2012-08-10.json \
//	TOOLGATE_SMITHY_ENDPOINT=http://127.0.0.1:8000 \
//	AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//	go run ./examples/smithy
//
// Environment:
//
//	TOOLGATE_SMITHY_MODEL     Smithy JSON AST model file; required
//	TOOLGATE_SMITHY_ENDPOINT  service base URL; default the AWS regional endpoint
//	TOOLGATE_SMITHY_SERVICE   service shape id (or name) when the model holds several
//	TOOLGATE_TARGET_NAME      tool name prefix; default from the service's sdkId or name
//	TOOLGATE_ADDR             listen address; default 127.0.0.1:8080
//
// AWS region and credentials come from the standard AWS environment
// variables (AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, AWS_PROFILE, ...). Models without aws.auth#sigv4 need
// none. The gateway accepts unauthenticated MCP clients: it is a local demo.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/examples/internal/serve"
	"github.com/toolgate/toolgate/smithy"
)

func main() {
	// Stop on Ctrl-C or SIGTERM: run's context ends, the server drains.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "smithy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {

	gw, target, err := setup(ctx)
	if err != nil {
		return err
	}
	defer gw.Close()

	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	return serve.Gateway(ctx, gw, mux, func(url string) {
		fmt.Printf("toolgate smithy: %s (%s), %d tools, serving MCP at %s\n",
			target.Name(), target.Protocol(), len(gw.Catalog(ctx)), url)
	})
}

// setup builds the gateway and its one Smithy target from the environment.
func setup(ctx context.Context) (*toolgate.Gateway, *smithy.Target, error) {
	path := os.Getenv("TOOLGATE_SMITHY_MODEL")
	if path == "" {
		return nil, nil, errors.New("set TOOLGATE_SMITHY_MODEL to a Smithy JSON AST model file")
	}
	model, err := smithy.LoadFile(path)
	if err != nil {
		return nil, nil, err
	}
	target, err := smithy.New(ctx, model, &smithy.Options{
		Name:       os.Getenv("TOOLGATE_TARGET_NAME"),
		Service:    os.Getenv("TOOLGATE_SMITHY_SERVICE"),
		Endpoint:   os.Getenv("TOOLGATE_SMITHY_ENDPOINT"),
		HTTPClient: &http.Client{Timeout: 60 * time.Second},
		Logger:     slog.Default(),
	})
	if err != nil {
		return nil, nil, err
	}
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None()})
	if err != nil {
		return nil, nil, err
	}
	if err := gw.AddTarget(ctx, target); err != nil {
		gw.Close()
		return nil, nil, err
	}
	return gw, target, nil
}
