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
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/examples/demotools"
	"github.com/toolgate/toolgate/examples/internal/serve"
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

	return serve.Gateway(ctx, gw, mux, func(url string) {
		fmt.Printf("toolgate auth example: serving MCP at %s (tokens from %s)\n", url, jwt.Issuer())
		fmt.Printf("protected-resource metadata at %s%s\n", strings.TrimSuffix(url, "/mcp"), auth.MetadataPath("/mcp"))
	})
}
