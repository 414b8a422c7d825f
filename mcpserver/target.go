package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/every"
	"github.com/toolgate/toolgate/internal/httpx"
)

// protocolVersion is the MCP version the target speaks to servers: the
// stateful protocol, in which a server sends its requests and
// notifications for a call while the call runs.
const protocolVersion = "2025-11-25"

// Target is another MCP server as a toolgate Target. Create one with New;
// it is safe for concurrent use. Close it when it is no longer served.
type Target struct {
	opts   Options
	log    *slog.Logger
	client *http.Client // for URL; nil for Command
	// forCaller: the credentials act on behalf of the caller (caller.go),
	// and the shared link uses sharedClient, with ListingCredentials.
	forCaller    bool
	sharedClient *http.Client

	ctx    context.Context // ends on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // supervisors and the reaper

	shared *link // listing, calls without a caller's session, all calls of a command without ProcessPerSession

	mu     sync.Mutex
	links  map[string]*link // per caller's session id (HTTP; a command with ProcessPerSession)
	closed bool

	noLean      bool          // every call through go-sdk's client (tests)
	resumeDelay time.Duration // the first backoff of a resumed stream (resume.go)

	refresh atomic.Pointer[func()]
	updated atomic.Pointer[func(uri string)] // see OnResourceUpdated
	seq     atomic.Uint64                    // numbers calls, and their progress tokens
}

// New returns a target for the server opts describes and starts connecting
// to it (starting its command) in the background: New does not block.
func New(opts *Options) (*Target, error) {
	if opts == nil {
		return nil, errors.New("mcpserver: nil Options")
	}
	o := *opts
	if o.Name == "" {
		return nil, errors.New("mcpserver: Options.Name is required")
	}
	if (o.URL == "") == (len(o.Command) == 0) {
		return nil, fmt.Errorf("mcpserver: target %q: set exactly one of URL and Command", o.Name)
	}
	if o.SSE && o.URL == "" {
		return nil, fmt.Errorf("mcpserver: target %q: SSE needs a URL", o.Name)
	}
	if len(o.Command) > 0 && o.Command[0] == "" {
		return nil, fmt.Errorf("mcpserver: target %q: empty command", o.Name)
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = DefaultMinBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	o.MaxBackoff = max(o.MaxBackoff, o.MinBackoff)
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.ProcessPerSession && o.URL != "" {
		return nil, fmt.Errorf("mcpserver: target %q: ProcessPerSession needs a Command", o.Name)
	}
	if o.MaxProcesses <= 0 {
		o.MaxProcesses = DefaultMaxProcesses
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	switch o.ListingMode {
	case "":
		o.ListingMode = Default
	case Default, Dynamic:
	default:
		return nil, fmt.Errorf("mcpserver: target %q: listing mode %q is neither %s nor %s", o.Name, o.ListingMode, Default, Dynamic)
	}
	if o.ResourcePriority == 0 {
		o.ResourcePriority = toolgate.DefaultResourcePriority
	}
	o.Command = append([]string(nil), o.Command...)
	t := &Target{opts: o, log: o.Logger, links: map[string]*link{}, resumeDelay: defaultResumeDelay}
	if o.URL != "" {
		// Trace headers are set after the credentials, as the request
		// leaves: a signature never covers them.
		hc := &http.Client{}
		if o.HTTPClient != nil {
			*hc = *o.HTTPClient
		}
		if hc.Transport == nil {
			hc.Transport = httpx.NewTransport()
		}
		hc.Transport = newTraceTransport(hc.Transport)
		t.client = credentials.Client(hc, o.Credentials)
		t.sharedClient = t.client
		if credentials.ActsForCaller(o.Credentials) {
			t.forCaller = true
			t.sharedClient = credentials.Client(hc, o.ListingCredentials)
		}
	}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.shared = t.startLink("", nil, nil)
	if t.perSession() {
		t.wg.Add(1)
		go t.reap()
	}
	return t, nil
}

// Name returns Options.Name.
func (t *Target) Name() string { return t.opts.Name }

// TargetType reports "MCP", AgentCore Gateway's name for this kind of
// target in its TargetType metric.
func (t *Target) TargetType() string { return "MCP" }

// Description returns Options.Description, or a sentence naming the
// server: its URL without user information, query or fragment, or its
// program without arguments (either may carry a secret).
func (t *Target) Description() string {
	switch {
	case t.opts.Description != "":
		return t.opts.Description
	case t.opts.URL != "":
		u, err := url.Parse(t.opts.URL)
		if err != nil {
			return "MCP server over streamable HTTP"
		}
		return "MCP server at " + (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	return "MCP server: " + filepath.Base(t.opts.Command[0])
}

// OnToolsChanged implements toolgate.ChangeNotifier: the server's
// notifications/tools/list_changed, its loss and its coming back call
// refresh. A Target serves one gateway: a later call replaces refresh.
func (t *Target) OnToolsChanged(refresh func()) { t.refresh.Store(&refresh) }

// toolsChanged asks the gateway to list the target again.
func (t *Target) toolsChanged() {
	if f := t.refresh.Load(); f != nil && t.ctx.Err() == nil {
		(*f)()
	}
}

// Close closes every session with the server and stops its command. Calls
// still running end with an error.
func (t *Target) Close() error {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.cancel()
	t.wg.Wait()
	return nil
}

// ListTools lists every page of the server's tools, as the server
// describes them; each uses the caller's session (Tool.UsesSession), so
// that the gateway relays what the server sends during a call.
func (t *Target) ListTools(ctx context.Context) ([]toolgate.Tool, error) {
	cs, _, err := t.serverCaps(ctx)
	if err != nil {
		return nil, err
	}
	tools, err := listAll(t, cs, "tools/list", func(cursor string) ([]*mcp.Tool, string, error) {
		res, err := cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		return res.Tools, res.NextCursor, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]toolgate.Tool, 0, len(tools))
	for _, mt := range tools {
		tool, err := convertTool(mt)
		if err != nil {
			return nil, fmt.Errorf("mcp server %q: %w", t.opts.Name, err)
		}
		out = append(out, tool)
	}
	return out, nil
}

// convertTool is the server's tool as toolgate describes it, unchanged.
func convertTool(mt *mcp.Tool) (toolgate.Tool, error) {
	tool := toolgate.Tool{
		Name:        mt.Name,
		Title:       mt.Title,
		Description: mt.Description,
		Annotations: mt.Annotations,
		UsesSession: true, RelaysSession: true,
	}
	if len(mt.Meta) > 0 {
		tool.Meta = map[string]any(mt.Meta)
	}
	var err error
	if tool.InputSchema, err = rawJSON(mt.InputSchema); err != nil {
		return tool, fmt.Errorf("tool %q: input schema: %w", mt.Name, err)
	}
	if tool.OutputSchema, err = rawJSON(mt.OutputSchema); err != nil {
		return tool, fmt.Errorf("tool %q: output schema: %w", mt.Name, err)
	}
	return tool, nil
}

func rawJSON(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return v, nil
	}
	return json.Marshal(v)
}

// CallTool forwards the call to the server (arguments and _meta, with the
// call's trace context: see withTrace) and returns its result unchanged.
// While the call runs, what the server sends for it reaches the caller
// through req.Session. A server that cannot be reached gives an isError
// result naming the target.
func (t *Target) CallTool(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
	var caps *mcp.ClientCapabilities
	if req.Session != nil {
		caps = req.Session.ClientCapabilities()
	}
	l, err := t.linkFor(ctx, req.SessionID, caps)
	switch {
	case errors.Is(err, errNoCaller) || errors.Is(err, errOtherCaller) || errors.Is(err, errMaxProcesses):
		return toolgate.ErrorResult(fmt.Sprintf("mcp server %q: %s", t.opts.Name, err)), nil
	case err != nil:
		return t.unavailable(err), nil
	}
	defer l.release()
	cs, err := l.session(ctx)
	if err != nil {
		return t.unavailable(err), nil
	}
	c := &call{id: t.seq.Add(1), owner: req.SessionID, ctx: ctx, session: req.Session}
	meta := forwardedMeta(req.Meta)
	if req.Meta["progressToken"] != nil {
		c.token = fmt.Sprintf("toolgate-%d", c.id)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["progressToken"] = c.token
	}
	meta = withTrace(ctx, meta)
	done := l.begin(c)
	defer done()
	if t.lean(cs) {
		res, err := t.callLean(ctx, l, cs, c, req, meta)
		if res != nil {
			l.drain(ctx)
			l.answeredCall(ctx, c)
		}
		return res, err
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: req.Tool, Arguments: req.Arguments, Meta: meta})
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("mcp server %q: %w", t.opts.Name, ctx.Err())
		case answered(err):
			return nil, fmt.Errorf("mcp server %q: %w", t.opts.Name, err)
		}
		l.failed(cs, err)
		return t.unavailable(err), nil
	}
	l.drain(ctx)
	l.answeredCall(ctx, c)
	return res, nil
}

// go-sdk's codes for requests that never reached the server: the
// transport refused to send them, or the session is closing.
const (
	codeRejected      = -32005
	codeClientClosing = -32003
)

// go-sdk's code for a request its client has no handler for.
const codeUnsupportedMethod = -31001

// answered reports whether err is the server's JSON-RPC error answer,
// rather than a failure to reach it.
func answered(err error) bool {
	var rpcErr *jsonrpc.Error
	return errors.As(err, &rpcErr) && rpcErr.Code != codeRejected && rpcErr.Code != codeClientClosing
}

// unavailable is the result of a call that could not reach the server. A
// URL the error quotes keeps no user information or query values: they may
// hold a credential.
func (t *Target) unavailable(err error) *toolgate.Result {
	return toolgate.ErrorResult(fmt.Sprintf("mcp server %q unavailable: %s", t.opts.Name, httpx.RedactURLs(err.Error())))
}

// errMaxProcesses is the refusal of a call of a new caller's session when
// ProcessPerSession runs MaxProcesses processes already, each with a call
// in flight.
var errMaxProcesses = errors.New("every process of the server is busy")

// perSession reports whether callers' sessions have backend sessions of
// their own: over HTTP, and for a command with ProcessPerSession.
func (t *Target) perSession() bool { return t.opts.URL != "" || t.opts.ProcessPerSession }

// errClosed is the state of a target after Close.
var errClosed = errors.New("the target is closed")

// linkFor returns the backend session for calls of the caller's session
// id, acquired (release it when the call ends): its own over HTTP and with
// ProcessPerSession, the shared one otherwise. When the credentials act
// for the caller (caller.go), every call has a caller's session, the
// principal's own when id is "", bound to the principal of ctx. A new
// caller's session declares caps to the server, what the caller's client
// can do (see declared).
func (t *Target) linkFor(ctx context.Context, id string, caps *mcp.ClientCapabilities) (*link, error) {
	var caller *toolgate.Principal
	if t.forCaller {
		p, err := callerOf(ctx)
		if err != nil {
			return nil, err
		}
		caller = p
		if id == "" {
			id = callerKey(p)
		}
	}
	if id == "" || !t.perSession() {
		t.shared.acquire()
		return t.shared, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, errClosed
	}
	l := t.links[id]
	if l != nil && caller != nil {
		renewed, err := l.bind(caller)
		if err != nil {
			return nil, err
		}
		if renewed && l.down() {
			l.cancel()
			l = nil
		}
	}
	if l == nil {
		if t.opts.URL == "" && len(t.links) >= t.opts.MaxProcesses && !t.stopIdlest() {
			return nil, fmt.Errorf("%w (MaxProcesses %d, one per caller's session, each with a call in flight)", errMaxProcesses, t.opts.MaxProcesses)
		}
		l = t.startLink(id, caller, caps)
		t.links[id] = l
	}
	l.acquire() // under t.mu, so that reap cannot close it now
	return l, nil
}

// stopIdlest closes the caller's backend session (stops the process) that
// has been idle longest, if one is idle, under t.mu, and reports whether
// it did.
func (t *Target) stopIdlest() bool {
	var (
		id     string
		oldest time.Time
	)
	for k, l := range t.links {
		if idle, since := l.idle(); idle && (id == "" || since.Before(oldest)) {
			id, oldest = k, since
		}
	}
	if id == "" {
		return false
	}
	t.dropLocked(id)
	return true
}

// dropLocked closes the backend session of the caller's session id, if
// it has one, and forgets it. t.mu is held.
func (t *Target) dropLocked(id string) {
	if l := t.links[id]; l != nil {
		l.cancel()
		delete(t.links, id)
	}
}

// CloseSession implements toolgate.SessionCloser: the backend session of
// the caller's session with id, if it has one, is closed now (over HTTP
// with a DELETE; a process of ProcessPerSession stopped), rather than
// after IdleTimeout.
func (t *Target) CloseSession(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dropLocked(id)
}

// reap closes the backend sessions of callers idle for IdleTimeout.
func (t *Target) reap() {
	defer t.wg.Done()
	every.Run(t.ctx, max(t.opts.IdleTimeout/4, 10*time.Millisecond), func(context.Context) {
		t.mu.Lock()
		defer t.mu.Unlock()
		for id, l := range t.links {
			if l.idleSince(t.opts.IdleTimeout) {
				t.dropLocked(id)
			}
		}
	})
}

// transport returns a new transport to the server: a new process for a
// command.
func (t *Target) transport(l *link) (mcp.Transport, func()) {
	if t.opts.URL != "" {
		hc := *t.client
		if l.key == "" { // the shared link
			hc = *t.sharedClient
		}
		if hc.Transport == nil {
			hc.Transport = http.DefaultTransport
		}
		if t.forCaller && l.key != "" {
			hc.Transport = callerTransport{base: hc.Transport, l: l}
		}
		if t.opts.SSE {
			return countingTransport{lastingTransport{&mcp.SSEClientTransport{Endpoint: t.opts.URL, HTTPClient: &hc}}, l}, func() {}
		}
		hc.Transport = countingRoundTripper{base: hc.Transport, l: l}
		return &mcp.StreamableClientTransport{Endpoint: t.opts.URL, HTTPClient: &hc}, func() {}
	}
	cmd := exec.Command(t.opts.Command[0], t.opts.Command[1:]...)
	cmd.Env = commandEnv(t.opts.Env, t.opts.InheritEnv, os.Environ())
	cmd.Dir = t.opts.Dir
	stderr := &lineLogger{log: t.log, target: t.opts.Name}
	cmd.Stderr = stderr
	cmd.WaitDelay = 2 * time.Second // a grandchild holding stderr open cannot hold up Close
	detach(cmd)
	return countingTransport{&mcp.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, l}, stderr.flush
}
