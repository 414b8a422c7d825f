package toolgate

import (
	"context"
	"sync"
	"time"
)

// A ChangeNotifier is a Target that learns by itself when its tools change
// (another MCP server's notifications/tools/list_changed, a watched file).
// When such a target is added, the gateway calls OnToolsChanged once, before
// listing its tools, with a func that lists the target's tools again.
//
// The func returns at once and is safe to call from any goroutine, any
// number of times: the listing runs in the background (Refresh with a
// context of 30 s), calls made while one runs are
// folded into a single listing after it, and it does nothing once the
// target has been removed or the gateway closed.
type ChangeNotifier interface {
	OnToolsChanged(refresh func())
}

// A SessionCloser is a Target that keeps something for a client's MCP
// session (another MCP server's backend session, a process): the gateway
// calls CloseSession with the session's id (CallRequest.SessionID) when
// the session ends, closed by its client (DELETE) or timed out
// (Options.SessionTimeout), so that the target frees it at once rather
// than when it has been idle long enough. Stateful mode only. It must not
// block.
type SessionCloser interface {
	CloseSession(sessionID string)
}

// sessionEnded tells the targets that keep something per session that
// the session with id has ended.
func (g *Gateway) sessionEnded(id string) {
	g.mu.Lock()
	var closers []SessionCloser
	for _, ts := range g.targets {
		if sc, ok := ts.target.(SessionCloser); ok {
			closers = append(closers, sc)
		}
	}
	g.mu.Unlock()
	for _, sc := range closers {
		sc.CloseSession(id)
	}
}

// A ResourceNotifier is a ResourceTarget that learns when a resource it
// serves changes (another MCP server's notifications/resources/updated).
// When it is added, the gateway calls OnResourceUpdated once with a func
// that tells the sessions subscribed to the URI; the func returns at once,
// is safe from any goroutine, and does nothing once the target has been
// removed or the gateway closed.
type ResourceNotifier interface {
	OnResourceUpdated(updated func(uri string))
}

// resourceUpdated tells the sessions subscribed to uri, while the target
// is served.
func (r *notifyRefresher) resourceUpdated(uri string) {
	if r.current() {
		_ = r.g.ResourceUpdated(r.g.life, uri)
	}
}

// notifyRefreshTimeout bounds each listing that a ChangeNotifier's refresh
// func starts.
const notifyRefreshTimeout = 30 * time.Second

// notifyRefresher runs the listings a ChangeNotifier asks for.
type notifyRefresher struct {
	g    *Gateway
	name string
	ts   *targetState // the target it refreshes; another under the same name is not

	mu             sync.Mutex
	running, again bool
}

// trigger starts a listing, or asks for one more after the running one.
func (r *notifyRefresher) trigger() {
	r.mu.Lock()
	if r.running {
		r.again = true
		r.mu.Unlock()
		return
	}
	r.running = true
	r.mu.Unlock()
	go r.loop()
}

func (r *notifyRefresher) loop() {
	for {
		if r.current() {
			ctx, cancel := context.WithTimeout(context.Background(), notifyRefreshTimeout)
			stop := context.AfterFunc(r.g.life, cancel)
			_ = r.g.Refresh(ctx, r.name) // failures are logged and shown in Status
			stop()
			cancel()
		}
		r.mu.Lock()
		if !r.again || !r.current() {
			r.running, r.again = false, false
			r.mu.Unlock()
			return
		}
		r.again = false
		r.mu.Unlock()
	}
}

// current reports whether the gateway is open and still has the target.
func (r *notifyRefresher) current() bool {
	if r.g.life.Err() != nil {
		return false
	}
	r.g.mu.Lock()
	defer r.g.mu.Unlock()
	return r.g.targets[r.name] == r.ts
}
