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
	owner   string // the caller's session id; "" for a call of no session
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

// Requests and log messages the server sends on a session say nothing of
// the call they belong to. The lean path knows it when they come in the
// call's own stream; otherwise (go-sdk's client, stdio, HTTP+SSE, the
// session's own stream) the call that asks is one still waiting for its
// answer: when all those calls are one caller's, that caller is the one
// to relay to. On a caller's own backend session every call is that
// caller's. On a shared session with unanswered calls of several callers
// the sender cannot be told: the request gets an error and the log
// message is dropped, rather than reach another caller
// (docs/mcpserver.md).

var (
	errNoCall    = errors.New("no call is in flight to relay the request to its caller")
	errAmbiguous = errors.New("calls of several callers are in flight on the shared backend session: the request cannot be related to its caller")
)

// pick returns the call to relay to (see above): the call that started
// last among those the server has not answered yet (else among all in
// flight), provided every other call of that kind has the same caller.
func (l *link) pick() (*call, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pickLocked()
}

func (l *link) pickLocked() (*call, error) {
	var c *call
	for _, x := range l.calls {
		switch {
		case x.ended:
		case c == nil, c.answered && !x.answered, x.answered == c.answered && x.id > c.id:
			c = x
		}
	}
	if c == nil {
		return nil, errNoCall
	}
	if l.key != "" {
		return c, nil // a caller's own session
	}
	for _, x := range l.calls {
		if x != c && !x.ended && x.answered == c.answered && (c.owner == "" || x.owner != c.owner) {
			return nil, errAmbiguous
		}
	}
	return c, nil
}

// carrier returns the call to relay a request through, via if known (the
// request came in its stream), else pick's, held so that it does not end
// while the request waits for the caller's answer, which travels on that
// call's request; release frees it.
func (l *link) carrier(via *call) (c *call, release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case via == nil:
		if c, err = l.pickLocked(); err != nil {
			return nil, nil, err
		}
	case via.ended:
		return nil, nil, errNoCall
	default:
		c = via
	}
	c.held++
	return c, func() {
		l.mu.Lock()
		c.held--
		close(c.freed)
		c.freed = make(chan struct{})
		l.mu.Unlock()
	}, nil
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

// clientOptions are the handlers of the link's go-sdk client: they relay
// what the server sends to the caller of a call in flight. The link
// declares what it can relay (declared).
func (l *link) clientOptions() *mcp.ClientOptions {
	caps := l.declared()
	opts := &mcp.ClientOptions{
		Logger:                 l.t.log,
		Capabilities:           caps,
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
	// go-sdk declares sampling and elicitation when their handlers are
	// set: set them only when the link declares them.
	if caps.Sampling != nil {
		//lint:ignore SA1019 sampling stays part of the protocol versions the gateway serves
		opts.CreateMessageWithToolsHandler = func(ctx context.Context, req *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
			return l.sample(ctx, nil, req.Params)
		}
	}
	if caps.Elicitation != nil {
		opts.ElicitationHandler = func(ctx context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return l.elicit(ctx, nil, req)
		}
	}
	return opts
}

// elicitationComplete relays the server's notifications/elicitation/complete
// to the caller whose call relayed the URL-mode elicitation with that id.
// A server may also complete an elicitation it sent on another session:
// on a caller's own backend session that is the same caller, told
// through the call in flight or the session's latest one. On a shared
// session an id the target did not relay is dropped.
func (l *link) elicitationComplete(ctx context.Context, req *mcp.ElicitationCompleteNotificationRequest) {
	if req.Params == nil {
		return
	}
	s := l.elicited.take(req.Params.ElicitationID)
	if s == nil && l.key != "" {
		l.mu.Lock()
		s = l.recent
		if c, err := l.pickLocked(); err == nil {
			s = c.session
		}
		l.mu.Unlock()
	}
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
// flight; without one (or without one sure caller) it is logged here, at
// debug level.
func (l *link) logMessage(_ context.Context, req *mcp.LoggingMessageRequest) {
	defer l.handledOne()
	l.relayLog(nil, req.Params)
}

// relayLog relays p to the caller of via, or if nil of pick's call (see
// logMessage).
func (l *link) relayLog(via *call, p *mcp.LoggingMessageParams) {
	if p == nil {
		return
	}
	c, err := via, error(nil)
	if c == nil {
		c, err = l.pick()
	}
	if err != nil {
		l.t.log.Debug("mcpserver: server log message not relayed", "target", l.t.opts.Name, "level", p.Level, "logger", p.Logger, "why", err)
		return
	}
	if err := c.session.Log(c.ctx, p.Level, p.Logger, p.Data); err != nil {
		l.t.log.Debug("mcpserver: relaying a log message", "target", l.t.opts.Name, "err", err)
	}
}

// sample relays the server's sampling/createMessage (with or without
// tools) to the caller of via, or if nil of the call carrier picks.
func (l *link) sample(ctx context.Context, via *call, p *mcp.CreateMessageWithToolsParams) (*mcp.CreateMessageWithToolsResult, error) {
	c, release, err := l.carrier(via)
	if err != nil {
		return nil, err
	}
	defer release()
	ctx, cancel := during(ctx, c)
	defer cancel()
	res, err := c.session.SampleWithTools(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("relaying sampling/createMessage: %w", err)
	}
	return res, nil
}

// elicit relays the server's elicitation/create to the caller of via, or
// if nil of the call carrier picks.
func (l *link) elicit(ctx context.Context, via *call, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	c, release, err := l.carrier(via)
	if err != nil {
		return nil, err
	}
	defer release()
	if req.Params.Mode == "url" && req.Params.ElicitationID != "" {
		l.elicited.put(req.Params.ElicitationID, c.session)
	}
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
		if er, ok := req.(*mcp.ElicitRequest); ok && method == "elicitation/create" && er.Params != nil && l.declared().Elicitation != nil {
			res, err := l.elicit(ctx, nil, er)
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
