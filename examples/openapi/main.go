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
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/openapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	gw, target, err := setup(ctx)
	if err != nil {
		return err
	}
	defer gw.Close()

	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	ln, err := net.Listen("tcp", envOr("TOOLGATE_ADDR", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("toolgate openapi: %s (%s), %d tools, serving MCP at http://%s/mcp\n",
		target.Name(), target.SpecVersion(), len(gw.Catalog(ctx)), ln.Addr())
	for _, s := range target.SecuritySchemes() {
		fmt.Printf("  security scheme %s: %s %s %s\n", s.Name, s.Type, s.In, s.ParamName+s.Scheme)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		slog.Info("shutting down")
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
	return nil
}

// setup builds the gateway and its one OpenAPI target from the environment.
func setup(ctx context.Context) (*toolgate.Gateway, *openapi.Target, error) {
	spec := os.Getenv("TOOLGATE_OPENAPI_SPEC")
	if spec == "" {
		return nil, nil, errors.New("set TOOLGATE_OPENAPI_SPEC to an OpenAPI or Swagger file")
	}
	client := &http.Client{Timeout: 60 * time.Second}
	if os.Getenv("TOOLGATE_API_KEY") != "" {
		key, err := credentials.NewAPIKey(credentials.APIKeyConfig{
			Key:  credentials.FromEnv("TOOLGATE_API_KEY"),
			In:   credentials.Header,
			Name: os.Getenv("TOOLGATE_API_KEY_HEADER"),
		})
		if err != nil {
			return nil, nil, err
		}
		client = credentials.Client(client, key)
	}
	target, err := openapi.LoadFile(ctx, spec, &openapi.Options{
		Name:    os.Getenv("TOOLGATE_TARGET_NAME"),
		BaseURL: os.Getenv("TOOLGATE_OPENAPI_BASE_URL"),
		Client:  client,
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
	gw, err := toolgate.New(nil)
	if err != nil {
		return nil, nil, err
	}
	if err := gw.AddTarget(ctx, target); err != nil {
		gw.Close()
		return nil, nil, err
	}
	return gw, target, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
