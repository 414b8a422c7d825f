package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
)

// A link is one backend session with the server, kept up by its own
// supervisor goroutine: connected, reconnected with backoff when lost
// (for a command: the process restarted), closed when its context ends.
type link struct {
	t      *Target
	key    string // the caller's session id; "" for the shared link
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	cs       *mcp.ClientSession // nil while down
	err      error              // why it is down, once an attempt failed
	changed  chan struct{}      // closed and replaced when cs or err change
	calls    map[uint64]*call   // calls in flight
	tokens   map[string]*call   // the same, by the progress token sent to the server
	lastUsed time.Time
	users    int               // calls between linkFor and their end (see acquire)
	recent   *toolgate.Session // the caller's session of the latest call, for what comes after it
	elicited elicitations      // URL-mode elicitations relayed, by id

	caller     atomic.Pointer[toolgate.Principal] // whom the link acts for (see caller.go); nil unless the credentials act for the caller
	callerCaps *mcp.ClientCapabilities            // what the caller of a caller's own session can do (see declared); nil if nothing

	received atomic.Int64  // relayed notifications read (see barrier.go)
	handled  int64         // and handled
	relayed  chan struct{} // closed and replaced when handled grows
}

// startLink starts the supervisor of a new link, acting for caller if
// not nil, for a caller whose client can do caps.
func (t *Target) startLink(key string, caller *toolgate.Principal, caps *mcp.ClientCapabilities) *link {
	l := &link{t: t, key: key, changed: make(chan struct{}), relayed: make(chan struct{}), calls: map[uint64]*call{},
		tokens: map[string]*call{}, lastUsed: time.Now(), callerCaps: caps}
	l.caller.Store(caller)
	l.ctx, l.cancel = context.WithCancel(t.ctx)
	t.wg.Add(1)
	go l.run()
	return l
}

// session returns the link's session. While the first attempt to connect
// runs it waits for it (or ctx); when the server is down it fails at once.
func (l *link) session(ctx context.Context) (*mcp.ClientSession, error) {
	for {
		l.mu.Lock()
		cs, err, ch := l.cs, l.err, l.changed
		l.mu.Unlock()
		switch {
		case cs != nil:
			return cs, nil
		case err != nil:
			return nil, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("still connecting: %w", ctx.Err())
		}
	}
}

func (l *link) set(cs *mcp.ClientSession, err error) {
	l.mu.Lock()
	if cs != nil {
		// What the last session read and never handled is gone with it.
		l.handled = max(l.handled, l.received.Load())
	}
	l.cs, l.err = cs, err
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// failed closes cs after a request on it failed without an answer from the
// server: the supervisor then connects again. A caller's session failing
// has the gateway list the target, which shows in Status whether the
// server is down; not when the session acts for its caller (caller.go),
// whose failure may be its caller's token alone: the shared session tells
// whether the server is down.
func (l *link) failed(cs *mcp.ClientSession, err error) {
	l.t.log.Warn("mcpserver: request failed; reconnecting", "target", l.t.opts.Name, "err", err)
	_ = cs.Close()
	if l.key != "" && l.caller.Load() == nil {
		l.t.toolsChanged() // the listing tells whether the server is down
	}
}

// touch marks the link as used now.
func (l *link) touch() {
	l.mu.Lock()
	l.lastUsed = time.Now()
	l.mu.Unlock()
}

// acquire marks the link as used by a call from now until release: it is
// not idle meanwhile, however long its connecting takes.
func (l *link) acquire() {
	l.mu.Lock()
	l.users++
	l.lastUsed = time.Now()
	l.mu.Unlock()
}

// release ends a use that acquire began.
func (l *link) release() {
	l.mu.Lock()
	l.users--
	l.lastUsed = time.Now()
	l.mu.Unlock()
}

// idle reports whether the link has no call, and since when.
func (l *link) idle() (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.users == 0 && len(l.calls) == 0, l.lastUsed
}

// idleSince reports whether the link has had no call in flight for d.
func (l *link) idleSince(d time.Duration) bool {
	idle, since := l.idle()
	return idle && time.Since(since) >= d
}

// run keeps the link connected until its context ends.
func (l *link) run() {
	defer l.t.wg.Done()
	o := l.t.opts
	backoff := o.MinBackoff
	for attempt := 0; ; attempt++ {
		cs, flush, err := l.dial()
		if err != nil {
			if l.ctx.Err() != nil {
				l.set(nil, errClosed)
				return
			}
			l.set(nil, err)
			l.t.log.Warn("mcpserver: cannot reach the server", "target", o.Name, "retry_in", backoff, "err", err)
			if attempt > 0 && l.key == "" {
				l.t.toolsChanged() // Status shows it unhealthy
			}
		} else {
			l.set(cs, nil)
			if attempt > 0 && l.key == "" {
				l.t.log.Info("mcpserver: connected again", "target", o.Name)
				l.t.toolsChanged() // a restarted server may offer other tools
			}
			up := time.Now()
			stop := context.AfterFunc(l.ctx, func() { _ = cs.Close() })
			werr := cs.Wait()
			stop()
			flush()
			if l.ctx.Err() != nil {
				l.set(nil, errClosed)
				return
			}
			if werr == nil {
				werr = errors.New("the server closed the session")
			}
			l.set(nil, fmt.Errorf("connection lost: %w", werr))
			l.t.log.Warn("mcpserver: connection lost", "target", o.Name, "retry_in", backoff, "err", werr)
			if l.key == "" {
				l.t.toolsChanged()
			}
			if time.Since(up) > o.MaxBackoff {
				backoff = o.MinBackoff
			}
		}
		select {
		case <-l.ctx.Done():
			l.set(nil, errClosed)
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, o.MaxBackoff)
	}
}

// dial connects a new session: a new process for a command. flush logs
// the rest of the command's standard error once the session has ended.
func (l *link) dial() (cs *mcp.ClientSession, flush func(), err error) {
	ctx, cancel := context.WithTimeout(l.ctx, l.t.opts.ConnectTimeout)
	defer cancel()
	tr, flush := l.t.transport(l)
	client := mcp.NewClient(&mcp.Implementation{Name: "toolgate", Version: toolgate.Version}, l.clientOptions())
	client.AddReceivingMiddleware(l.elicitAsIs)
	cs, err = client.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: protocolVersion})
	if err != nil {
		flush()
		return nil, nil, fmt.Errorf("connecting: %w", err)
	}
	if caps := cs.InitializeResult().Capabilities; caps != nil && caps.Logging != nil {
		// Every message is relayed; the caller's own level filters them.
		//lint:ignore SA1019 logging stays part of the protocol versions the gateway serves
		if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
			l.t.log.Debug("mcpserver: logging/setLevel failed", "target", l.t.opts.Name, "err", err)
		}
	}
	return cs, flush, nil
}
