// Command auth serves the quickstart tools behind the JWT authorizer, as a
// protected MCP resource: tokens from any standards-compliant OAuth 2.0 /
// OpenID Connect provider, checked against its discovery document.
//
//	TOOLGATE_DISCOVERY_URL=https://idp.example.com/.well-known/openid-configuration \
//	TOOLGATE_AUDIENCE=https://tools.example.com/mcp \
//	go run ./examples/auth
//
// Environment: TOOLGATE_ADDR (default 127.0.0.1:8080), TOOLGATE_DISCOVERY_URL
// (required), TOOLGATE_AUDIENCE (comma-separated; required unless
// TOOLGATE_ALLOWED_CLIENTS is set), TOOLGATE_ALLOWED_CLIENTS and
// TOOLGATE_SCOPES (comma-separated, optional), TOOLGATE_PUBLIC_URL (the
// gateway's public URL, optional), TOOLGATE_TRUST_FORWARDED=1 behind a
// TLS-terminating proxy.
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
	"strings"
	"syscall"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/examples/demotools"
)

func main() {
	// Stop on Ctrl-C or SIGTERM: run's context ends, the server drains.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "auth example:", err)
		os.Exit(1)
	}
}

func list(k string) []string {
	var out []string
	for _, s := range strings.Split(os.Getenv(k), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func run(ctx context.Context) error {
	discovery := os.Getenv("TOOLGATE_DISCOVERY_URL")
	if discovery == "" {
		return errors.New("set TOOLGATE_DISCOVERY_URL to your provider's OpenID Connect discovery URL")
	}
	jwt, err := auth.NewJWT(ctx, auth.JWTConfig{
		DiscoveryURL:          discovery,
		AllowedAudience:       list("TOOLGATE_AUDIENCE"),
		AllowedClients:        list("TOOLGATE_ALLOWED_CLIENTS"),
		AllowedScopes:         list("TOOLGATE_SCOPES"),
		PublicURL:             os.Getenv("TOOLGATE_PUBLIC_URL"),
		TrustForwardedHeaders: os.Getenv("TOOLGATE_TRUST_FORWARDED") == "1",
		ResourceName:          "toolgate auth example",
	})
	if err != nil {
		return err
	}
	defer jwt.Close()

	gw, err := toolgate.New(&toolgate.Options{Authorizer: jwt})
	if err != nil {
		return err
	}
	defer gw.Close()
	for _, t := range []toolgate.Target{demotools.Clock(nil), demotools.Units()} {
		if err := gw.AddTarget(ctx, t); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	mux.Handle(auth.MetadataPath("/mcp"), jwt.MetadataHandler())

	return serve(ctx, gw, mux, func(url string) {
		fmt.Printf("toolgate auth example: serving MCP at %s (tokens from %s)\n", url, jwt.Issuer())
		fmt.Printf("protected-resource metadata at %s%s\n", strings.TrimSuffix(url, "/mcp"), auth.MetadataPath("/mcp"))
	})
}

// serve listens on TOOLGATE_ADDR (default 127.0.0.1:8080), calls ready with
// the MCP URL, and serves h until ctx ends. Then it shuts down gracefully:
// calls in flight finish (up to 10 s), and the gateway's sessions close.
func serve(ctx context.Context, gw *toolgate.Gateway, h http.Handler, ready func(url string)) error {
	addr := os.Getenv("TOOLGATE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ready("http://" + ln.Addr().String() + "/mcp")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.RegisterOnShutdown(func() { _ = gw.Shutdown(shutdown) })
	return srv.Shutdown(shutdown)
}
