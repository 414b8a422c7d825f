// Package serve runs the examples' gateways the way an application would:
// on TOOLGATE_ADDR, until interrupted, then shut down gracefully.
package serve

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/toolgate/toolgate"
)

// Gateway listens on TOOLGATE_ADDR (default 127.0.0.1:8080), calls ready
// with the MCP URL, and serves h until ctx ends. Then it shuts down
// gracefully: calls in flight finish (up to 10 s), and the gateway's
// sessions close, so that their open streams do not hold the server up.
func Gateway(ctx context.Context, gw *toolgate.Gateway, h http.Handler, ready func(url string)) error {
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
