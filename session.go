package toolgate

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/fastpath"
)

// ErrNoSession is returned by the methods of a Session that cannot reach
// the caller's client: a call made in process (Gateway.Call), a tool that
// does not declare Tool.UsesSession, or (for Elicit and Sample, which ask
// the client and wait for its answer) a gateway in stateless mode, where
// the server cannot send requests to the client.
var ErrNoSession = errors.New("no client session to reach")

// Session is the caller's MCP session as a tool sees it while its call
// runs: a way to report progress, send log messages, ask the user
// (elicitation) or the client's model (sampling), and learn what the client
// can do. It is CallRequest.Session, and for Func tools SessionFrom(ctx).
//
// A tool that uses it must declare Tool.UsesSession (FuncTool.WithSession):
// its calls then take go-sdk's full protocol path, which relates what the
// tool sends to the client's request. go-sdk's ServerSession does the wire
// work; Session adds only the checks that keep a tool from waiting forever.
// A tool that also declares Tool.RelaysSession has its calls answered by
// the gateway itself, with an event stream of the call's own that carries
// what the tool sends (sessionstream.go).
//
// Every method is safe to call on a Session that cannot reach a client: it
// returns an error wrapping ErrNoSession, never blocks.
type Session struct {
	ss    *mcp.ServerSession // nil when no client can be reached
	token any                // the request's progressToken, if any
	err   error              // why no client can be reached
	// stateless servers cannot send requests to the client
	stateless bool
	// stateless plain-JSON answers carry no notifications either
	noStream bool
	// a stateless call the gateway answered directly, as the client asked
	// for nothing: notifications are dropped, as go-sdk would drop them
	quiet bool
	// the requests sent to the client during the call (relaycancel.go);
	// nil for a Session that sends none
	relays *relays
	// the call's own event stream, when the gateway answers the call
	// itself (Tool.RelaysSession); nil when go-sdk does
	stream *fastpath.Stream
	// the tool declared Tool.RelaysSession: Elicit is refused
	relayOnly bool
}

// ask sends a request to the client with send, tracked so that the call's
// answer never overtakes its cancellation (relaycancel.go).
func ask[R any](ctx context.Context, s *Session, send func(context.Context) (R, error)) (R, error) {
	if s.relays == nil {
		return send(ctx)
	}
	ctx, done, err := s.relays.begin(ctx)
	if err != nil {
		var zero R
		return zero, err
	}
	res, err := send(ctx)
	done(err)
	return res, err
}

// noSession returns a Session whose methods all fail with why.
func noSession(why string) *Session {
	return &Session{err: fmt.Errorf("toolgate: %w: %s", ErrNoSession, why)}
}

// Progress sends notifications/progress for the call: progress so far, the
// total if known (0 if not), and an optional message. It does nothing when
// the client asked for no progress (its request has no progressToken).
func (s *Session) Progress(ctx context.Context, progress, total float64, message string) error {
	if s.err != nil {
		return s.err
	}
	if s.token == nil || s.quiet {
		return nil
	}
	if s.noStream {
		return errNoStream
	}
	p := &mcp.ProgressNotificationParams{ProgressToken: s.token, Progress: progress, Total: total, Message: message}
	var err error
	if s.stream != nil {
		err = s.stream.Notify("notifications/progress", p)
	} else {
		err = s.ss.NotifyProgress(ctx, p)
	}
	if err != nil {
		return fmt.Errorf("toolgate: sending progress: %w", err)
	}
	return nil
}

// Log sends a log message to the client (notifications/message), if the
// client has asked for messages of that level (logging/setLevel); a client
// that set no level gets none.
func (s *Session) Log(ctx context.Context, level mcp.LoggingLevel, logger string, data any) error {
	if s.err != nil {
		return s.err
	}
	if s.noStream {
		return errNoStream
	}
	if s.quiet {
		return nil // the client asked for no log messages
	}
	p := &mcp.LoggingMessageParams{Level: level, Logger: logger, Data: data}
	var err error
	if s.stream != nil {
		if !s.stream.Logs(level) {
			return nil
		}
		err = s.stream.Notify("notifications/message", p)
	} else {
		//lint:ignore SA1019 logging stays part of the protocol versions the gateway serves
		err = s.ss.Log(ctx, p)
	}
	if err != nil {
		return fmt.Errorf("toolgate: sending a log message: %w", err)
	}
	return nil
}

// Elicit asks the user, through the client, for information (a form) or
// to visit a URL, and returns the answer. It fails at once when the client
// declared no elicitation capability (or not the mode asked for); it
// returns when the client answers or ctx ends.
func (s *Session) Elicit(ctx context.Context, params *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	if err := s.canAsk("elicitation"); err != nil {
		return nil, err
	}
	if s.relayOnly {
		return nil, errors.New("toolgate: elicitation: a tool that declares Tool.RelaysSession relays elicitation with RelayElicit")
	}
	caps := s.ClientCapabilities()
	if caps == nil || caps.Elicitation == nil {
		return nil, errors.New("toolgate: the client does not support elicitation")
	}
	res, err := ask(ctx, s, func(ctx context.Context) (*mcp.ElicitResult, error) { return s.ss.Elicit(ctx, params) })
	if err != nil {
		return nil, fmt.Errorf("toolgate: elicitation: %w", err)
	}
	return res, nil
}

// ElicitationComplete tells the client that the out-of-band (URL mode)
// elicitation with the id it was sent has completed
// (notifications/elicitation/complete). It may be sent after the call that
// asked has ended; it needs a stateful session.
func (s *Session) ElicitationComplete(ctx context.Context, elicitationID string) error {
	if err := s.canAsk("elicitation completion"); err != nil {
		return err
	}
	if err := s.ss.NotifyElicitationComplete(ctx, &mcp.ElicitationCompleteParams{ElicitationID: elicitationID}); err != nil {
		return fmt.Errorf("toolgate: sending elicitation completion: %w", err)
	}
	return nil
}

// Sample asks the client's model for a message (sampling/createMessage)
// and returns it. It fails at once when the client declared no sampling
// capability; it returns when the client answers or ctx ends.
func (s *Session) Sample(ctx context.Context, params *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	if _, err := s.canSample(); err != nil {
		return nil, err
	}
	if s.stream != nil {
		return s.streamSample(ctx, params)
	}
	//lint:ignore SA1019 sampling stays part of the protocol versions the gateway serves
	res, err := ask(ctx, s, func(ctx context.Context) (*mcp.CreateMessageResult, error) {
		return s.ss.CreateMessage(ctx, params)
	})
	if err != nil {
		return nil, fmt.Errorf("toolgate: sampling: %w", err)
	}
	return res, nil
}

// canSample returns the client's sampling capabilities, or why it cannot
// be asked for sampling.
func (s *Session) canSample() (*mcp.SamplingCapabilities, error) {
	if err := s.canAsk("sampling"); err != nil {
		return nil, err
	}
	caps := s.ClientCapabilities()
	if caps == nil || caps.Sampling == nil {
		return nil, errors.New("toolgate: the client does not support sampling")
	}
	return caps.Sampling, nil
}

// SampleWithTools is Sample for a request that may offer the model tools
// (tools, toolChoice) and messages of several content blocks (tool_use,
// tool_result), as sampling with tools (protocol 2025-11-25) has them; the
// answer may hold several blocks. A request with tools fails at once when
// the client declared sampling without tools.
func (s *Session) SampleWithTools(ctx context.Context, params *mcp.CreateMessageWithToolsParams) (*mcp.CreateMessageWithToolsResult, error) {
	caps, err := s.canSample()
	if err != nil {
		return nil, err
	}
	if params != nil && (len(params.Tools) > 0 || params.ToolChoice != nil) && caps.Tools == nil {
		return nil, errors.New("toolgate: the client does not support sampling with tools")
	}
	if s.stream != nil {
		return s.streamSampleWithTools(ctx, params)
	}
	//lint:ignore SA1019 sampling stays part of the protocol versions the gateway serves
	res, err := ask(ctx, s, func(ctx context.Context) (*mcp.CreateMessageWithToolsResult, error) {
		return s.ss.CreateMessageWithTools(ctx, params)
	})
	if err != nil {
		return nil, fmt.Errorf("toolgate: sampling: %w", err)
	}
	return res, nil
}

// ClientCapabilities returns what the client declared it can do when it
// initialized the session, or nil when that is unknown (no session, or a
// stateless gateway, where each request stands alone).
func (s *Session) ClientCapabilities() *mcp.ClientCapabilities {
	if s.ss == nil {
		return nil
	}
	if p := s.ss.InitializeParams(); p != nil {
		return p.Capabilities
	}
	return nil
}

var errNoStream = fmt.Errorf("toolgate: %w: notifications need a stream, and the gateway answers stateless requests with plain JSON", ErrNoSession)

// canAsk reports whether a request (what) may be sent to the client.
func (s *Session) canAsk(what string) error {
	if s.err != nil {
		return s.err
	}
	if s.stateless {
		return fmt.Errorf("toolgate: %w: %s needs a stateful session; the gateway is stateless", ErrNoSession, what)
	}
	return nil
}

type sessionKey struct{}

// SessionFrom returns the caller's session in ctx, which a Func tool's
// handler receives; without one it returns a Session whose methods fail
// with ErrNoSession.
func SessionFrom(ctx context.Context) *Session {
	if s, ok := ctx.Value(sessionKey{}).(*Session); ok && s != nil {
		return s
	}
	return noSession("the context carries no session (a Func tool declares that it uses one with WithSession)")
}

// withSession returns ctx carrying s, for Func tools that use it.
func withSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}
