package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
)

// A call is a call in flight on a link: what the server sends while it
// runs goes to its caller's session.
type call struct {
	id      uint64
	token   string // the progress token sent to the server; "" for none
	ctx     context.Context
	session *toolgate.Session

	// guarded by the link's mu
	answered bool          // the server has answered it
	ended    bool          // and it is returning: nothing more goes through it
	held     int           // requests relayed through it, not yet answered
	freed    chan struct{} // closed and replaced when held drops
}

// begin registers c on the link until the returned func is called.
func (l *link) begin(c *call) (done func()) {
	c.freed = make(chan struct{})
	l.mu.Lock()
	l.calls[c.id] = c
	l.recent = c.session
	if c.token != "" {
		l.tokens[c.token] = c
	}
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		c.ended = true
		delete(l.calls, c.id)
		delete(l.tokens, c.token)
		l.mu.Unlock()
		l.touch()
	}
}

// latest is the call that started last among those the server has not
// answered yet (else among all in flight), or nil. Requests and log
// messages from the server say nothing of the call they belong to, but
// the call that asks is one still waiting for its answer: when only one
// is, the choice is exact. On a caller's own backend session every call
// is that caller's; on a shared session this is the best guess
// (docs/mcpserver.md).
func (l *link) latest() *call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.latestLocked()
}

func (l *link) latestLocked() *call {
	var c *call
	for _, x := range l.calls {
		switch {
		case x.ended:
		case c == nil, c.answered && !x.answered, x.answered == c.answered && x.id > c.id:
			c = x
		}
	}
	return c
}

// carrier returns the call to relay a request through (latest), held so
// that it does not end while the request waits for the caller's answer,
// which travels on that call's request; release frees it.
func (l *link) carrier() (c *call, release func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c = l.latestLocked()
	if c == nil {
		return nil, nil
	}
	c.held++
	return c, func() {
		l.mu.Lock()
		c.held--
		close(c.freed)
		c.freed = make(chan struct{})
		l.mu.Unlock()
	}
}

// answeredCall marks c answered by the server, then waits until no
// relayed request holds it, or ctx ends (which ends the requests).
func (l *link) answeredCall(ctx context.Context, c *call) {
	for {
		l.mu.Lock()
		c.answered = true
		held, ch := c.held, c.freed
		c.ended = held == 0
		l.mu.Unlock()
		if held == 0 {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

var errNoCall = errors.New("no call is in flight to relay the request to its caller")

// clientOptions are the handlers of the link's go-sdk client: they relay
// what the server sends to the caller of a call in flight.
func (l *link) clientOptions() *mcp.ClientOptions {
	return &mcp.ClientOptions{
		Logger: l.t.log,
		// No roots; sampling and elicitation (form and URL) are relayed.
		Capabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{
			Form: &mcp.FormElicitationCapabilities{}, URL: &mcp.URLElicitationCapabilities{}}},
		//lint:ignore SA1019 sampling stays part of the protocol versions the gateway serves
		CreateMessageHandler:   l.sample,
		ElicitationHandler:     l.elicit,
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { l.t.toolsChanged() },
		// A change of the prompts or resources lists the target again too.
		PromptListChangedHandler:   func(context.Context, *mcp.PromptListChangedRequest) { l.t.toolsChanged() },
		ResourceListChangedHandler: func(context.Context, *mcp.ResourceListChangedRequest) { l.t.toolsChanged() },
		ResourceUpdatedHandler: func(_ context.Context, r *mcp.ResourceUpdatedNotificationRequest) {
			if r.Params != nil {
				l.t.resourceUpdated(r.Params.URI)
			}
		},
		//lint:ignore SA1019 logging stays part of the protocol versions the gateway serves
		LoggingMessageHandler:       l.logMessage,
		ProgressNotificationHandler: l.progress,
		ElicitationCompleteHandler:  l.elicitationComplete,
	}
}

// elicitationComplete relays the server's notifications/elicitation/complete
// to the caller whose call asked: that of the call in flight or, as it
// usually comes after the call, of the link's latest call. Over streamable
// HTTP a link serves one caller's session, so that is the caller; a shared
// (stdio or SSE) link relays it to the latest caller.
func (l *link) elicitationComplete(ctx context.Context, req *mcp.ElicitationCompleteNotificationRequest) {
	if req.Params == nil {
		return
	}
	l.mu.Lock()
	s := l.recent
	if c := l.latestLocked(); c != nil {
		s = c.session
	}
	l.mu.Unlock()
	if s == nil {
		l.t.log.Debug("mcpserver: an elicitation completed with no caller to tell", "target", l.t.opts.Name)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), relayTimeout)
	defer cancel()
	if err := s.ElicitationComplete(ctx, req.Params.ElicitationID); err != nil {
		l.t.log.Debug("mcpserver: relaying an elicitation's completion", "target", l.t.opts.Name, "err", err)
	}
}

// relayTimeout bounds a notification relayed after its call ended.
const relayTimeout = 10 * time.Second

// progress relays the server's progress for a call to its caller, under
// the caller's own progress token.
func (l *link) progress(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
	defer l.handledOne()
	l.relayProgress(req.Params)
}

// relayProgress relays p to the call it belongs to, if any is in flight.
func (l *link) relayProgress(p *mcp.ProgressNotificationParams) {
	if p == nil {
		return
	}
	tok, _ := p.ProgressToken.(string)
	l.mu.Lock()
	c := l.tokens[tok]
	l.mu.Unlock()
	if c == nil {
		return
	}
	if err := c.session.Progress(c.ctx, p.Progress, p.Total, p.Message); err != nil {
		l.t.log.Debug("mcpserver: relaying progress", "target", l.t.opts.Name, "err", err)
	}
}

// logMessage relays the server's log message to the caller of a call in
// flight; without one it is logged here, at debug level.
func (l *link) logMessage(_ context.Context, req *mcp.LoggingMessageRequest) {
	defer l.handledOne()
	l.relayLog(req.Params)
}

// relayLog relays p to the caller of a call in flight (see logMessage).
func (l *link) relayLog(p *mcp.LoggingMessageParams) {
	if p == nil {
		return
	}
	c := l.latest()
	if c == nil {
		l.t.log.Debug("mcpserver: server log message", "target", l.t.opts.Name, "level", p.Level, "logger", p.Logger)
		return
	}
	if err := c.session.Log(c.ctx, p.Level, p.Logger, p.Data); err != nil {
		l.t.log.Debug("mcpserver: relaying a log message", "target", l.t.opts.Name, "err", err)
	}
}

// sample relays the server's sampling/createMessage to the caller.
func (l *link) sample(ctx context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
	c, release := l.carrier()
	if c == nil {
		return nil, errNoCall
	}
	defer release()
	ctx, cancel := during(ctx, c)
	defer cancel()
	res, err := c.session.Sample(ctx, req.Params)
	if err != nil {
		return nil, fmt.Errorf("relaying sampling/createMessage: %w", err)
	}
	return res, nil
}

// elicit relays the server's elicitation/create to the caller.
func (l *link) elicit(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	c, release := l.carrier()
	if c == nil {
		return nil, errNoCall
	}
	defer release()
	ctx, cancel := during(ctx, c)
	defer cancel()
	res, err := c.session.RelayElicit(ctx, req.Params)
	if err != nil {
		return nil, fmt.Errorf("relaying elicitation/create: %w", err)
	}
	return res, nil
}

// elicitAsIs is the backend client's receiving middleware: the server's
// elicitation/create goes to elicit as the server sent it. go-sdk's client
// would first check the requested schema with its own rules, stricter than
// the specification's (a titled multi-select whose items also say "type":
// "string" is refused), then check and complete the caller's answer: the
// caller's client and the server do both for what they send.
func (l *link) elicitAsIs(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if er, ok := req.(*mcp.ElicitRequest); ok && method == "elicitation/create" && er.Params != nil {
			res, err := l.elicit(ctx, er)
			if err != nil {
				return nil, err
			}
			return res, nil
		}
		return next(ctx, method, req)
	}
}

// during returns the context of a request relayed to the caller of c:
// the call's own, so that the gateway sends the request on the call's
// stream (as the specification asks of requests that relate to a call, and
// reachable by a client that opened no other stream), ended also when the
// server's request (ctx) ends.
func during(ctx context.Context, c *call) (context.Context, context.CancelFunc) {
	rctx, cancel := context.WithCancel(c.ctx)
	stop := context.AfterFunc(ctx, cancel)
	return rctx, func() { stop(); cancel() }
}
