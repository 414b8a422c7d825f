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
	"strconv"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/internal/demo"
)

func main() { demo.Main("quickstart", run) }

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
	for _, t := range []toolgate.Target{demo.Clock(nil), demo.Units()} {
		if err := gw.AddTarget(ctx, t); err != nil {
			return err
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	return demo.Serve(ctx, mux, func(url string) {
		fmt.Printf("toolgate quickstart: serving MCP at %s\n", url)
		for _, ti := range gw.Catalog(ctx) {
			fmt.Printf("  tool %-20s %s\n", ti.Name, ti.Tool.Description)
		}
		fmt.Printf("connect with any MCP client over streamable HTTP, for example:\n")
		fmt.Printf("  npx @modelcontextprotocol/inspector --cli %s --transport http --method tools/list\n", url)
		fmt.Printf("  npx @modelcontextprotocol/inspector --cli %s --transport http --method tools/call --tool-name clock___now --tool-arg timezone=Europe/Paris\n", url)
	})
}
