package mcpserver

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// lastingTransport connects with a context that outlives the connect call.
// go-sdk's HTTP+SSE client transport keeps its event stream on the context
// it connects with, and the target connects under ConnectTimeout: the
// stream must not end with it. The connect itself is still bounded by ctx.
type lastingTransport struct{ mcp.Transport }

func (t lastingTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	type result struct {
		conn mcp.Connection
		err  error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := t.Transport.Connect(context.WithoutCancel(ctx))
		done <- result{conn, err}
	}()
	select {
	case r := <-done:
		return r.conn, r.err
	case <-ctx.Done():
		go func() { // a connection that comes too late is closed
			if r := <-done; r.conn != nil {
				_ = r.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
}
