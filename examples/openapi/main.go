// Command openapi serves one REST API, described by an OpenAPI 3.0/3.1 or
// Swagger 2.0 document, as MCP tools at http://127.0.0.1:8080/mcp.
//
//	TOOLGATE_OPENAPI_SPEC=petstore.yaml \
//	TOOLGATE_OPENAPI_BASE_URL=https://petstore3.swagger.io/api/v3 \
//	go run ./examples/openapi
//
// Environment:
//
//	TOOLGATE_OPENAPI_SPEC      spec file (JSON or YAML, any supported version); required
//	TOOLGATE_OPENAPI_BASE_URL  API base URL; overrides the spec's servers
//	TOOLGATE_TARGET_NAME       tool name prefix; default from the spec's title
//	TOOLGATE_API_KEY           API key sent with every request (optional)
//	TOOLGATE_API_KEY_HEADER    header for the key; default Authorization
//	TOOLGATE_ADDR              listen address; default 127.0.0.1:8080
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
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/examples/internal/serve"
	"github.com/toolgate/toolgate/openapi"
)

func main() {
	// Stop on Ctrl-C or SIGTERM: run's context ends, the server drains.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
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
		fmt.Printf("toolgate openapi: %s (%s), %d tools, serving MCP at %s\n",
			target.Name(), target.SpecVersion(), len(gw.Catalog(ctx)), url)
		for _, s := range target.SecuritySchemes() {
			fmt.Printf("  security scheme %s: %s %s %s\n", s.Name, s.Type, s.In, s.ParamName+s.Scheme)
		}
	})
}

// setup builds the gateway and its one OpenAPI target from the environment.
func setup(ctx context.Context) (*toolgate.Gateway, *openapi.Target, error) {
	spec := os.Getenv("TOOLGATE_OPENAPI_SPEC")
	if spec == "" {
		return nil, nil, errors.New("set TOOLGATE_OPENAPI_SPEC to an OpenAPI or Swagger file")
	}
	var key credentials.Provider // nil: no credentials
	if os.Getenv("TOOLGATE_API_KEY") != "" {
		var err error
		key, err = credentials.NewAPIKey(credentials.APIKeyConfig{
			Key:  credentials.FromEnv("TOOLGATE_API_KEY"),
			In:   credentials.Header,
			Name: os.Getenv("TOOLGATE_API_KEY_HEADER"),
		})
		if err != nil {
			return nil, nil, err
		}
	}
	target, err := openapi.LoadFile(ctx, spec, &openapi.Options{
		Name:        os.Getenv("TOOLGATE_TARGET_NAME"),
		BaseURL:     os.Getenv("TOOLGATE_OPENAPI_BASE_URL"),
		HTTPClient:  &http.Client{Timeout: 60 * time.Second},
		Credentials: key,
	})
	if err != nil {
		return nil, nil, err
	}
	for _, w := range target.Warnings() {
		slog.Warn("spec warning", "where", w.Where, "message", w.Message)
	}
	for _, s := range target.Skipped() {
		slog.Warn("operation skipped", "method", s.Method, "path", s.Path, "reason", s.Reason)
	}
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None()}) // a local demo: anyone may call
	if err != nil {
		return nil, nil, err
	}
	if err := gw.AddTarget(ctx, target); err != nil {
		gw.Close()
		return nil, nil, err
	}
	return gw, target, nil
}
