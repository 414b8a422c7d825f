package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The server's requests that the lean path answers (it reads them in a
// call's stream) are the link's, not go-sdk's client's: when the server
// gives one up, its notifications/cancelled may come in that stream or on
// the session's own event stream, which go-sdk's client reads. Either way
// the answer's context ends, and with it the request relayed to the
// caller.

// asked registers the server's request id, answered under the returned
// context until done is called.
func (l *link) asked(ctx context.Context, id json.RawMessage) (context.Context, func()) {
	key := string(bytes.TrimSpace(id))
	ctx, cancel := context.WithCancel(ctx)
	l.askMu.Lock()
	if l.asking == nil {
		l.asking = map[string]context.CancelFunc{}
	}
	l.asking[key] = cancel
	l.askMu.Unlock()
	return ctx, func() {
		l.askMu.Lock()
		delete(l.asking, key)
		l.askMu.Unlock()
		cancel()
	}
}

// givenUp ends the answer to the server's request id, if one runs.
func (l *link) givenUp(id json.RawMessage) {
	l.askMu.Lock()
	cancel := l.asking[string(bytes.TrimSpace(id))]
	l.askMu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// cancelAsked is the backend client's receiving middleware that passes the
// server's notifications/cancelled to the lean path's answers too.
func (l *link) cancelAsked(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method == "notifications/cancelled" {
			if p, ok := req.GetParams().(*mcp.CancelledParams); ok && p != nil {
				if id, err := json.Marshal(p.RequestID); err == nil {
					l.givenUp(id)
				}
			}
		}
		return next(ctx, method, req)
	}
}
