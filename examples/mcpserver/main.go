// Command mcpserver serves a toolgate gateway in front of another MCP
// server, whose tools it publishes under a prefix, at
// http://127.0.0.1:8080/mcp.
//
//	TOOLGATE_MCP_COMMAND="npx -y @modelcontextprotocol/server-everything" go run ./examples/mcpserver
//
// Environment: TOOLGATE_MCP_URL (the server's streamable HTTP URL) or
// TOOLGATE_MCP_COMMAND (a command line, split on spaces, that serves MCP
// over stdio), TOOLGATE_TARGET_NAME (the tools' prefix, default "mcp"),
// TOOLGATE_MCP_SSE=1 (the URL speaks the 2024-11-05 HTTP+SSE transport),
// TOOLGATE_MCP_PREFIX=0 (publish the server's own names, without the
// prefix), TOOLGATE_MCP_LISTING=DYNAMIC (list the server again for every
// listing), TOOLGATE_MCP_PER_SESSION=1 (a process of the command for every
// client session), TOOLGATE_STATELESS=1 (the gateway keeps no client
// sessions), TOOLGATE_ADDR (listen address, default 127.0.0.1:8080).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/examples/internal/serve"
	"github.com/toolgate/toolgate/mcpserver"
)

func main() {
	// Stop on Ctrl-C or SIGTERM: run's context ends, the server drains.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcpserver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	name := os.Getenv("TOOLGATE_TARGET_NAME")
	if name == "" {
		name = "mcp"
	}
	opts := &mcpserver.Options{
		Name:        name,
		URL:         os.Getenv("TOOLGATE_MCP_URL"),
		SSE:         os.Getenv("TOOLGATE_MCP_SSE") == "1",
		Command:     strings.Fields(os.Getenv("TOOLGATE_MCP_COMMAND")),
		Unprefixed:  os.Getenv("TOOLGATE_MCP_PREFIX") == "0",
		ListingMode: mcpserver.ListingMode(os.Getenv("TOOLGATE_MCP_LISTING")),

		ProcessPerSession: os.Getenv("TOOLGATE_MCP_PER_SESSION") == "1",
	}
	if (opts.URL == "") == (len(opts.Command) == 0) {
		return errors.New("set one of TOOLGATE_MCP_URL and TOOLGATE_MCP_COMMAND")
	}
	target, err := mcpserver.New(opts)
	if err != nil {
		return err
	}
	defer target.Close()

	gw, err := toolgate.New(&toolgate.Options{
		Authorizer: auth.None(), // a local demo: anyone may call
		Stateless:  os.Getenv("TOOLGATE_STATELESS") == "1",
	})
	if err != nil {
		return err
	}
	defer gw.Close()
	if err := gw.AddTarget(ctx, target); err != nil {
		// Added all the same: the target reconnects by itself, and is
		// listed again once the server is up.
		slog.Warn("the MCP server is not reachable yet", "err", err)
	}

	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	return serve.Gateway(ctx, gw, mux, func(url string) {
		fmt.Printf("toolgate mcpserver: serving MCP at %s\n", url)
		for _, ti := range gw.Catalog(ctx) {
			fmt.Printf("  tool %-20s %s\n", ti.Name, ti.Tool.Description)
		}
		fmt.Printf("connect with any MCP client over streamable HTTP, for example the MCP Inspector:\n")
		fmt.Printf("  npx -y -p node@22 -p @modelcontextprotocol/inspector@2.12.0 -- mcp-inspector --cli %s --transport http --method tools/list\n", url)
		fmt.Printf("stop with Ctrl-C\n")
	})
}
