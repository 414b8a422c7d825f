// Command mount shows toolgate inside an application: the gateway serves
// MCP at /mcp of the app's own router, next to the app's routes, and the
// app exposes the gateway's target health at /status.
//
//	go run ./examples/mount          (TOOLGATE_ADDR overrides 127.0.0.1:8080)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/internal/demo"
)

func main() {
	ctx := context.Background()
	gw, err := toolgate.New(&toolgate.Options{Instructions: "Tools of the example app.", Authorizer: auth.None()})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	if err := gw.AddTarget(ctx, demo.Clock(nil)); err != nil {
		log.Fatal(err)
	}
	if err := gw.AddTarget(ctx, demo.Units()); err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	// The app's own routes.
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "example app: MCP tools at /mcp, target health at /status")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(gw.Status())
	})
	// The gateway, mounted like any http.Handler.
	mux.Handle("/mcp", gw)

	addr := os.Getenv("TOOLGATE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("example app at http://%s/ with MCP at http://%s/mcp\n", ln.Addr(), ln.Addr())
	srv := &http.Server{Handler: logRequests(mux), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

// logRequests is the app's own middleware, wrapping the gateway too.
func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		log.Printf("%s %s %v", r.Method, r.URL.Path, time.Since(start).Round(time.Microsecond))
	})
}
