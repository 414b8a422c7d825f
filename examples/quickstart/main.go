// Command quickstart serves a toolgate gateway with a few in-process tools
// (the time in any time zone, a unit converter) at http://127.0.0.1:8080/mcp.
//
//	go run ./examples/quickstart
//
// Environment: TOOLGATE_ADDR (listen address, default 127.0.0.1:8080),
// TOOLGATE_STATELESS=1 (no sessions), TOOLGATE_JSON=1 (JSON responses
// instead of SSE), TOOLGATE_PAGE_SIZE (tools per tools/list page).
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
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
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {

	pageSize, _ := strconv.Atoi(os.Getenv("TOOLGATE_PAGE_SIZE"))
	gw, err := toolgate.New(&toolgate.Options{
		Authorizer:   auth.None(), // a local demo: anyone may call
		Stateless:    os.Getenv("TOOLGATE_STATELESS") == "1",
		JSONResponse: os.Getenv("TOOLGATE_JSON") == "1",
		PageSize:     pageSize,
	})
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
	return serve.Gateway(ctx, gw, mux, func(url string) {
		fmt.Printf("toolgate quickstart: serving MCP at %s\n", url)
		for _, ti := range gw.Catalog(ctx) {
			fmt.Printf("  tool %-20s %s\n", ti.Name, ti.Tool.Description)
		}
		fmt.Printf("connect with any MCP client over streamable HTTP, for example the MCP Inspector:\n")
		fmt.Printf("  npx -y -p node@22 -p @modelcontextprotocol/inspector@2.12.0 -- mcp-inspector --cli %s --transport http --method tools/call --tool-name clock___now --tool-arg timezone=Europe/Paris\n", url)
		fmt.Printf("stop with Ctrl-C\n")
	})
}
