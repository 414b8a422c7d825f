// Command mount shows toolgate inside an application: the gateway serves
// MCP at /mcp of the app's own router, next to the app's routes, with its
// operations beside it: Prometheus metrics at /metrics, the status page at
// /status (HTML, or JSON with ?format=json), and an audit line per call on
// standard error. A real app puts /status and /metrics behind its own
// access control.
//
//	go run ./examples/mount          (TOOLGATE_ADDR overrides 127.0.0.1:8080)
//
// Ctrl-C or SIGTERM stops it gracefully: requests in flight finish first.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/examples/demotools"
	"github.com/toolgate/toolgate/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mount:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	meters, metrics, err := telemetry.Prometheus()
	if err != nil {
		return err
	}
	gw, err := toolgate.New(&toolgate.Options{
		Instructions:  "Tools of the example app.",
		Authorizer:    auth.None(),
		MeterProvider: meters,
		Resource:      "example-app",
		Audit:         toolgate.AuditJSON(os.Stderr),
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
	// The app's own routes.
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "example app: MCP tools at /mcp, the status page at /status, metrics at /metrics")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	// The gateway's operations.
	mux.Handle("/status", gw.StatusHandler())
	mux.Handle("GET /metrics", metrics)
	// The gateway, mounted like any http.Handler.
	mux.Handle("/mcp", gw)

	addr := os.Getenv("TOOLGATE_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Printf("example app at http://%s/ with MCP at http://%s/mcp\n", ln.Addr(), ln.Addr())
	srv := &http.Server{Handler: logRequests(mux), ReadHeaderTimeout: 10 * time.Second}
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
	// Calls in flight finish, then the gateway closes its sessions (whose
	// open streams would otherwise hold the server's Shutdown up).
	srv.RegisterOnShutdown(func() { _ = gw.Shutdown(shutdown) })
	return srv.Shutdown(shutdown)
}

// logRequests is the app's own middleware, wrapping the gateway too.
func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		slog.Info("request", "method", r.Method, "path", r.URL.Path, "took", time.Since(start).Round(time.Microsecond))
	})
}
