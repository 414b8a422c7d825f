package demo

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
)

// Main runs an example: run gets a context that ends on SIGINT or
// SIGTERM, and an error it returns is printed as "name: error" before the
// program exits with status 1.
func Main(name string, run func(ctx context.Context) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Serve listens on TOOLGATE_ADDR (default 127.0.0.1:8080), calls announce
// with the gateway's URL (http://HOST:PORT/mcp, the line users and tests
// look for), and serves h until ctx is done; then it shuts the server down
// gracefully.
func Serve(ctx context.Context, h http.Handler, announce func(url string)) error {
	ln, err := net.Listen("tcp", Env("TOOLGATE_ADDR", "127.0.0.1:8080"))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	announce("http://" + ln.Addr().String() + "/mcp")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
		slog.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

// Env returns the environment variable k, or def when it is unset or empty.
func Env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
