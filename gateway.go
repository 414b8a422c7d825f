package toolgate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/schema"
)

// Version is the toolgate release, reported as the MCP server version.
const Version = "0.1.0"

// Defaults for Options fields left at zero.
const (
	DefaultMaxBodyBytes       = 6 << 20 // 6 MB, as AgentCore Gateway
	DefaultCallTimeout        = 60 * time.Second
	DefaultMaxConcurrentCalls = 256
	DefaultPageSize           = 1000
)

// Options configure a Gateway. The zero value is a working gateway:
// stateful sessions, SSE responses, the default guards, anonymous callers.
type Options struct {
	// Name and Version are the implementation reported to clients;
	// defaults "toolgate" and Version.
	Name, Version string
	// Instructions are optional instructions for connected clients.
	Instructions string

	// Separator joins target and tool names; default DefaultSeparator.
	// It may use only A-Z, a-z, 0-9, '_', '-', '.'.
	Separator string
	// MaxNameLength caps published tool names. Zero means 128, MCP's
	// limit; set 64 for clients bound by Bedrock's or OpenAI's
	// function-name limit. Longer names are shortened stably (see README).
	MaxNameLength int
	// PageSize is the number of tools per tools/list page; default
	// DefaultPageSize.
	PageSize int

	// Stateless serves every request on its own: no Mcp-Session-Id, no
	// session affinity, so any replica behind a load balancer can answer.
	// Stateless servers cannot push tools/list_changed notifications.
	Stateless bool
	// JSONResponse answers POSTs with application/json instead of an SSE
	// stream.
	JSONResponse bool
	// SessionTimeout closes stateful sessions idle this long; zero keeps
	// them until the client ends them.
	SessionTimeout time.Duration

	// MaxBodyBytes limits request bodies; default DefaultMaxBodyBytes,
	// negative for no limit.
	MaxBodyBytes int64
	// CallTimeout bounds each tool call; default DefaultCallTimeout,
	// negative for none.
	CallTimeout time.Duration
	// MaxConcurrentCalls caps target tool calls running at once across
	// the gateway; a call beyond it waits for a slot until its timeout.
	// Builtins take no slot.
	// Default DefaultMaxConcurrentCalls, negative for no cap.
	MaxConcurrentCalls int

	// Authorizer authenticates every HTTP request. Nil serves everyone as
	// an anonymous principal, with a warning in the log; say so explicitly
	// with auth.None() to silence it.
	Authorizer Authorizer
	// ToolFilter, if set, decides which tools a principal may see and
	// call. Tools it hides are absent from tools/list and calls to them
	// fail exactly like calls to tools that do not exist.
	ToolFilter func(ctx context.Context, p *Principal, t *ToolInfo) bool
	// Interceptors wrap every tool call, the first outermost.
	Interceptors []Interceptor
	// ListBuiltinsOnly makes tools/list show only builtin tools (see
	// AddBuiltin); target tools stay callable by name. This keeps a client's
	// context small when the catalogue is huge and a builtin finds tools.
	ListBuiltinsOnly bool

	// RefreshInterval, if positive, re-lists every target's tools this
	// often in the background (stopped by Close).
	RefreshInterval time.Duration
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
}

// Gateway is an MCP server (an http.Handler speaking streamable HTTP) whose
// tools come from its targets. Create one with New; it is safe for
// concurrent use, and targets may be added, removed and refreshed while it
// serves.
type Gateway struct {
	opts    Options
	log     *slog.Logger
	server  *mcp.Server
	mcpHTTP http.Handler // go-sdk streamable handler
	inject  http.Handler // carries request info into go-sdk's handlers
	call    CallFunc     // interceptors around dispatch
	sem     chan struct{}

	mu       sync.Mutex // serializes changes to targets, builtins, watchers
	targets  map[string]*targetState
	builtins map[string]*prepared
	watchers map[int]func()
	nextW    int
	cat      atomic.Pointer[catalog]

	nonce string // for tools/list placeholders, see listsplice.go

	sessions   sync.Map      // session id -> *fastSession, see fastcall.go
	noFastCall bool          // send every tools/call through go-sdk
	fastCalls  atomic.Uint64 // calls answered by serveFastCall
	pageSeq    atomic.Uint64 // numbers placeholders

	running  atomic.Int64 // calls in dispatch, see Shutdown
	draining atomic.Bool  // Shutdown has begun: refuse new calls

	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// targetState is what the gateway knows of one target.
type targetState struct {
	target      Target
	tools       []*prepared // last good listing
	fingerprint [32]byte
	healthy     bool
	lastErr     error
	lastRefresh time.Time
	problems    []string
}

// prepared is a tool whose schemas are normalized and compiled.
type prepared struct {
	tool      Tool
	validator *schema.Validator
	fn        CallFunc                    // builtins only
	encoded   atomic.Pointer[encodedTool] // its tools/list JSON, see encodeTool
}

// entry is one published tool.
type entry struct {
	info   ToolInfo
	mcp    *mcp.Tool
	prep   *prepared
	target Target // nil for builtins
}

// catalog is an immutable snapshot of the published tools.
type catalog struct {
	byName map[string]*entry
	sorted []*entry // by published name: what tools/list shows
	all    []*entry // every entry, by published name
}

// New returns a gateway configured by opts (nil means defaults). Add
// targets with AddTarget.
func New(opts *Options) (*Gateway, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = "toolgate"
	}
	if o.Version == "" {
		o.Version = Version
	}
	if o.Separator == "" {
		o.Separator = DefaultSeparator
	}
	for i := 0; i < len(o.Separator); i++ {
		if !validToolNameChar(o.Separator[i]) {
			return nil, fmt.Errorf("toolgate: separator %q has character %q; use A-Z, a-z, 0-9, '_', '-' or '.'", o.Separator, o.Separator[i])
		}
	}
	switch {
	case o.MaxNameLength == 0:
		o.MaxNameLength = maxNameLen
	case o.MaxNameLength < 16 || o.MaxNameLength > maxNameLen:
		return nil, fmt.Errorf("toolgate: MaxNameLength %d is outside 16..%d", o.MaxNameLength, maxNameLen)
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.MaxBodyBytes == 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.MaxConcurrentCalls == 0 {
		o.MaxConcurrentCalls = DefaultMaxConcurrentCalls
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}

	g := &Gateway{
		opts:     o,
		log:      o.Logger,
		targets:  make(map[string]*targetState),
		builtins: make(map[string]*prepared),
		watchers: make(map[int]func()),
		stop:     make(chan struct{}),
		nonce:    newNonce(),
		// go-sdk's compatibility settings change answers the fast call
		// path does not reproduce (see fastcall.go).
		noFastCall: os.Getenv("MCPGODEBUG") != "",
	}
	if o.MaxConcurrentCalls > 0 {
		g.sem = make(chan struct{}, o.MaxConcurrentCalls)
	}
	g.cat.Store(&catalog{byName: map[string]*entry{}})

	g.call = g.dispatch
	for i := len(o.Interceptors) - 1; i >= 0; i-- {
		g.call = o.Interceptors[i](g.call)
	}

	g.server = mcp.NewServer(&mcp.Implementation{Name: o.Name, Version: o.Version}, &mcp.ServerOptions{
		Instructions: o.Instructions,
		Logger:       o.Logger,
		Capabilities: &mcp.ServerCapabilities{
			Tools:   &mcp.ToolCapabilities{ListChanged: !o.Stateless},
			Logging: &mcp.LoggingCapabilities{},
		},
	})
	g.server.AddReceivingMiddleware(g.middleware)
	g.mcpHTTP = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return g.server }, &mcp.StreamableHTTPOptions{
		Stateless:           o.Stateless,
		JSONResponse:        o.JSONResponse,
		SessionTimeout:      o.SessionTimeout,
		MaxRequestBodyBytes: o.MaxBodyBytes,
		Logger:              o.Logger,
	})
	// go-sdk hands each JSON-RPC request the auth.TokenInfo of the HTTP
	// request that carried it, including in long-lived stateful sessions.
	// That is the one per-request channel into its handlers, so the
	// gateway uses it for the principal and the HTTP request's context.
	verify := func(ctx context.Context, _ string, _ *http.Request) (*sdkauth.TokenInfo, error) {
		ti, _ := ctx.Value(requestInfoKey{}).(*sdkauth.TokenInfo)
		if ti == nil {
			return nil, sdkauth.ErrInvalidToken
		}
		return ti, nil
	}
	g.inject = sdkauth.RequireBearerToken(verify, &sdkauth.RequireBearerTokenOptions{AllowMissingExpiration: true})(http.HandlerFunc(g.serveMCP))

	if o.Authorizer == nil {
		g.log.Warn("toolgate: no Authorizer: every caller is anonymous; set Options.Authorizer (auth.None() to make this explicit)")
	}
	if o.RefreshInterval > 0 {
		g.wg.Add(1)
		go g.refreshLoop(o.RefreshInterval)
	}
	return g, nil
}

// Shutdown stops the gateway gracefully: new tool calls are refused (an
// isError result saying the gateway is shutting down), calls already
// running finish, and then the gateway closes as Close does, which also ends
// the sessions' long-lived SSE streams. If ctx ends first, Shutdown closes
// the gateway anyway and returns ctx's error.
//
// With an http.Server, register it so that the server's Shutdown, which
// waits for requests in flight, is not held up by open streams:
//
//	srv.RegisterOnShutdown(func() { _ = gw.Shutdown(ctx) })
//	err := srv.Shutdown(ctx)
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.draining.Store(true)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var err error
	for g.running.Load() > 0 && err == nil {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-tick.C:
		}
	}
	g.Close()
	return err
}

// Close stops background refreshing and closes every MCP session at once;
// calls still running lose their answers (see Shutdown).
func (g *Gateway) Close() error {
	g.closeOnce.Do(func() {
		close(g.stop)
		g.wg.Wait()
		for ss := range g.server.Sessions() {
			_ = ss.Close()
		}
	})
	return nil
}

func (g *Gateway) refreshLoop(every time.Duration) {
	defer g.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			_ = g.RefreshAll(ctx)
			cancel()
		}
	}
}

// AddTarget adds t and lists its tools. The target is added even if
// listing fails — it is then unhealthy, has no tools until a Refresh
// succeeds, and the listing error is returned. Adding a target whose name
// is taken or invalid fails and changes nothing. Connected sessions are
// notified that the tool list changed.
func (g *Gateway) AddTarget(ctx context.Context, t Target) error {
	name := t.Name()
	if err := validateTargetName(name); err != nil {
		return fmt.Errorf("toolgate: %w", err)
	}
	g.mu.Lock()
	if _, dup := g.targets[name]; dup {
		g.mu.Unlock()
		return fmt.Errorf("toolgate: target %q already exists", name)
	}
	g.targets[name] = &targetState{target: t}
	g.mu.Unlock()
	return g.Refresh(ctx, name)
}

// RemoveTarget removes the named target and its tools, and reports whether
// it was there. Calls already running finish.
func (g *Gateway) RemoveTarget(name string) bool {
	g.mu.Lock()
	_, ok := g.targets[name]
	if ok {
		delete(g.targets, name)
		g.rebuildLocked()
	}
	g.mu.Unlock()
	if ok {
		g.changed()
	}
	return ok
}

// Refresh lists the named target's tools again. If listing fails, the
// target keeps its last good tools, is marked unhealthy in Status, and the
// error is returned; tools/list keeps working. If the tools changed,
// connected sessions are notified.
func (g *Gateway) Refresh(ctx context.Context, name string) error {
	g.mu.Lock()
	ts, ok := g.targets[name]
	g.mu.Unlock()
	if !ok {
		return fmt.Errorf("toolgate: no target %q", name)
	}
	tools, err := listSafely(ctx, ts.target)
	var prep []*prepared
	var problems []string
	var fp [32]byte
	if err == nil {
		prep, problems = prepareTools(tools)
		fp = fingerprint(tools)
	}

	g.mu.Lock()
	if g.targets[name] != ts { // removed or replaced meanwhile
		g.mu.Unlock()
		return fmt.Errorf("toolgate: target %q was removed during refresh", name)
	}
	ts.lastRefresh = time.Now()
	changed := false
	if err != nil {
		ts.healthy, ts.lastErr = false, err
	} else {
		ts.healthy, ts.lastErr = true, nil
		ts.problems = problems
		if fp != ts.fingerprint || ts.tools == nil {
			ts.tools, ts.fingerprint = prep, fp
			g.rebuildLocked()
			changed = true
		}
	}
	g.mu.Unlock()

	for _, p := range problems {
		g.log.Warn("toolgate: tool skipped", "target", name, "problem", p)
	}
	if err != nil {
		g.log.Warn("toolgate: listing tools failed", "target", name, "err", err)
		return fmt.Errorf("toolgate: target %q: listing tools: %w", name, err)
	}
	if changed {
		g.changed()
	}
	return nil
}

// RefreshAll refreshes every target and returns their errors joined.
func (g *Gateway) RefreshAll(ctx context.Context) error {
	g.mu.Lock()
	names := make([]string, 0, len(g.targets))
	for n := range g.targets {
		names = append(names, n)
	}
	g.mu.Unlock()
	sort.Strings(names)
	var errs []error
	for _, n := range names {
		if err := g.Refresh(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// listSafely calls ListTools, turning a panic into an error.
func listSafely(ctx context.Context, t Target) (tools []Tool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ListTools panicked: %v", r)
		}
	}()
	return t.ListTools(ctx)
}

// prepareTools normalizes and compiles each tool's schemas, spreading
// large batches over the available cores. Tools that cannot be served are
// left out and described in problems.
func prepareTools(tools []Tool) ([]*prepared, []string) {
	preps := make([]*prepared, len(tools))
	errs := make([]error, len(tools))
	workers := min(runtime.GOMAXPROCS(0), 1+len(tools)/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := schema.NewCompiler()
			for i := w; i < len(tools); i += workers {
				preps[i], errs[i] = prepareTool(sc, tools[i])
			}
		}()
	}
	wg.Wait()

	out := make([]*prepared, 0, len(tools))
	var problems []string
	seen := make(map[string]bool, len(tools))
	for i, t := range tools {
		switch {
		case t.Name == "":
			problems = append(problems, "a tool has no name")
		case seen[t.Name]:
			problems = append(problems, fmt.Sprintf("tool %q: listed twice", t.Name))
		case errs[i] != nil:
			problems = append(problems, fmt.Sprintf("tool %q: %v", t.Name, errs[i]))
		default:
			seen[t.Name] = true
			out = append(out, preps[i])
		}
	}
	return out, problems
}

func prepareTool(sc *schema.Compiler, t Tool) (*prepared, error) {
	in, err := schema.NormalizeInput(t.InputSchema)
	if err != nil {
		return nil, err
	}
	v, err := sc.Compile(in)
	if err != nil {
		return nil, fmt.Errorf("input %w", err)
	}
	out, err := schema.NormalizeOutput(t.OutputSchema)
	if err != nil {
		return nil, err
	}
	t.InputSchema, t.OutputSchema = in, out
	return &prepared{tool: t, validator: v}, nil
}

func fingerprint(tools []Tool) [32]byte {
	b, err := json.Marshal(tools)
	if err != nil {
		return [32]byte{1} // never equal to a real digest's first use
	}
	return sha256.Sum256(b)
}

// AddBuiltin publishes a gateway-level tool under its own name, without a
// target prefix (for example a tool-search tool). Builtins are listed
// before target tools win a name: a target tool whose published name
// equals a builtin's is renamed. fn receives calls after validation and
// interceptors, like a target.
func (g *Gateway) AddBuiltin(t Tool, fn CallFunc) error {
	if fn == nil {
		return fmt.Errorf("toolgate: builtin %q: nil handler", t.Name)
	}
	if t.Name == "" || sanitizeName(t.Name) != t.Name || len(t.Name) > g.opts.MaxNameLength {
		return fmt.Errorf("toolgate: builtin name %q must be 1-%d characters of A-Z, a-z, 0-9, '_', '-', '.'", t.Name, g.opts.MaxNameLength)
	}
	p, err := prepareTool(schema.NewCompiler(), t)
	if err != nil {
		return fmt.Errorf("toolgate: builtin %q: %w", t.Name, err)
	}
	p.fn = fn
	g.mu.Lock()
	if _, dup := g.builtins[t.Name]; dup {
		g.mu.Unlock()
		return fmt.Errorf("toolgate: builtin %q already exists", t.Name)
	}
	g.builtins[t.Name] = p
	g.rebuildLocked()
	g.mu.Unlock()
	g.changed()
	return nil
}

// rebuildLocked recomputes the published catalogue. Names are assigned in
// a deterministic order — builtins first, then targets by name, each
// target's tools by name — so the same targets always yield the same
// names. A name already taken gets the smallest free "_N" suffix.
func (g *Gateway) rebuildLocked() {
	n := len(g.builtins)
	for _, ts := range g.targets {
		n += len(ts.tools)
	}
	c := &catalog{byName: make(map[string]*entry, n), all: make([]*entry, 0, n)}
	for _, ts := range g.targets {
		ts.problems = slices.DeleteFunc(ts.problems, isRenameProblem)
	}
	add := func(e *entry, ts *targetState) {
		name := e.info.Name
		for i := 2; c.byName[name] != nil; i++ {
			name = withCounter(e.info.Name, i, g.opts.MaxNameLength)
		}
		if name != e.info.Name && ts != nil {
			ts.problems = append(ts.problems, fmt.Sprintf("%stool %q published as %q: %q is taken", renamePrefix, e.info.Tool.Name, name, e.info.Name))
			g.log.Warn("toolgate: tool name collision", "target", e.info.Target, "tool", e.info.Tool.Name, "published", name)
		}
		e.info.Name = name
		e.mcp = toMCPTool(name, &e.prep.tool)
		c.byName[name] = e
		c.all = append(c.all, e)
	}
	for _, name := range slices.Sorted(maps.Keys(g.builtins)) {
		p := g.builtins[name]
		add(&entry{info: ToolInfo{Name: name, Tool: p.tool}, prep: p}, nil)
	}
	for _, tname := range slices.Sorted(maps.Keys(g.targets)) {
		ts := g.targets[tname]
		tools := slices.Clone(ts.tools)
		slices.SortFunc(tools, func(a, b *prepared) int { return strings.Compare(a.tool.Name, b.tool.Name) })
		for _, p := range tools {
			pub := publishedName(tname, p.tool.Name, g.opts.Separator, g.opts.MaxNameLength)
			add(&entry{info: ToolInfo{Name: pub, Target: tname, Tool: p.tool}, prep: p, target: ts.target}, ts)
		}
	}
	slices.SortFunc(c.all, func(a, b *entry) int { return strings.Compare(a.info.Name, b.info.Name) })
	if g.opts.ListBuiltinsOnly {
		for _, e := range c.all {
			if e.target == nil {
				c.sorted = append(c.sorted, e)
			}
		}
	} else {
		c.sorted = c.all
	}
	g.cat.Store(c)
}

const renamePrefix = "renamed: "

func isRenameProblem(s string) bool { return strings.HasPrefix(s, renamePrefix) }

func toMCPTool(name string, t *Tool) *mcp.Tool {
	mt := &mcp.Tool{
		Name:        name,
		Title:       t.Title,
		Description: t.Description,
		InputSchema: t.InputSchema,
		Annotations: t.Annotations,
		Meta:        t.Meta,
	}
	if t.OutputSchema != nil {
		mt.OutputSchema = t.OutputSchema
	}
	return mt
}

// sentinelTool is registered with the underlying go-sdk server only to
// make it send notifications/tools/list_changed (debounced) to every
// session; the gateway answers tools/list and tools/call itself, so it is
// never listed or callable.
var sentinelSchema = json.RawMessage(`{"type":"object"}`)

func (g *Gateway) changed() {
	g.server.AddTool(&mcp.Tool{Name: "toolgate.list-changed", InputSchema: sentinelSchema}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return nil, errors.New("not callable")
	})
	g.mu.Lock()
	ws := make([]func(), 0, len(g.watchers))
	for _, k := range slices.Sorted(maps.Keys(g.watchers)) {
		ws = append(ws, g.watchers[k])
	}
	g.mu.Unlock()
	for _, w := range ws {
		w()
	}
}

// Watch calls fn after every change to the catalogue (a target added,
// removed or refreshed with different tools, a builtin added). fn runs on
// the goroutine that made the change and must not block. The returned
// func stops the watching.
func (g *Gateway) Watch(fn func()) (stop func()) {
	g.mu.Lock()
	id := g.nextW
	g.nextW++
	g.watchers[id] = fn
	g.mu.Unlock()
	return func() {
		g.mu.Lock()
		delete(g.watchers, id)
		g.mu.Unlock()
	}
}

// Catalog returns the published tools that the principal in ctx may see
// (all of them without a ToolFilter), sorted by name. Builtins are
// included even when ListBuiltinsOnly hides target tools from tools/list.
func (g *Gateway) Catalog(ctx context.Context) []ToolInfo {
	c := g.cat.Load()
	p := PrincipalFrom(ctx)
	out := make([]ToolInfo, 0, len(c.all))
	for _, e := range c.all {
		if g.visible(ctx, p, e) {
			out = append(out, e.info)
		}
	}
	return out
}

// Lookup returns the published tool called name if the principal in ctx
// may see it, as Catalog would list it, without copying the catalogue.
func (g *Gateway) Lookup(ctx context.Context, name string) (ToolInfo, bool) {
	e := g.cat.Load().byName[name]
	if e == nil || !g.visible(ctx, PrincipalFrom(ctx), e) {
		return ToolInfo{}, false
	}
	return e.info, true
}

// Tools returns every published tool, whoever may see it, sorted by name,
// for in-process uses such as indexing the catalogue. To honour a caller's
// visibility use Catalog or Lookup.
func (g *Gateway) Tools() []ToolInfo {
	c := g.cat.Load()
	out := make([]ToolInfo, len(c.all))
	for i, e := range c.all {
		out[i] = e.info
	}
	return out
}

func (g *Gateway) visible(ctx context.Context, p *Principal, e *entry) bool {
	return g.opts.ToolFilter == nil || g.opts.ToolFilter(ctx, p, &e.info)
}

// TargetStatus describes one target's health.
type TargetStatus struct {
	// Name and Description of the target.
	Name, Description string
	// Healthy is false when the last listing failed.
	Healthy bool
	// Tools is the number of tools published for the target.
	Tools int
	// LastError is the last listing failure; empty when healthy.
	LastError string
	// LastRefresh is when the tools were last listed.
	LastRefresh time.Time
	// Problems lists tools that were skipped or renamed, and why.
	Problems []string
}

// Status reports every target's health, sorted by name.
func (g *Gateway) Status() []TargetStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]TargetStatus, 0, len(g.targets))
	for _, name := range slices.Sorted(maps.Keys(g.targets)) {
		ts := g.targets[name]
		st := TargetStatus{
			Name:        name,
			Healthy:     ts.healthy,
			Tools:       len(ts.tools),
			LastRefresh: ts.lastRefresh,
			Problems:    slices.Clone(ts.problems),
		}
		if d, ok := ts.target.(Describer); ok {
			st.Description = d.Description()
		}
		if ts.lastErr != nil {
			st.LastError = ts.lastErr.Error()
		}
		out = append(out, st)
	}
	return out
}

// ErrUnknownTool is returned by Call for a tool that does not exist or
// that the caller may not see.
var ErrUnknownTool = errors.New("unknown tool")

// Call calls a published tool in-process, through the same path as an
// MCP tools/call: visibility (for the principal in ctx), argument
// validation, interceptors, guards. args nil means {}.
func (g *Gateway) Call(ctx context.Context, name string, args json.RawMessage) (*Result, error) {
	p := PrincipalFrom(ctx)
	e := g.cat.Load().byName[name]
	if e == nil || !g.visible(ctx, p, e) {
		return nil, fmt.Errorf("toolgate: %w %q", ErrUnknownTool, name)
	}
	return g.callEntry(WithPrincipal(ctx, p), e, &CallRequest{Arguments: args})
}

// callEntry validates and runs one call of e. req carries the transport
// details; its tool fields are filled here.
func (g *Gateway) callEntry(ctx context.Context, e *entry, req *CallRequest) (*Result, error) {
	if len(bytes.TrimSpace(req.Arguments)) == 0 || string(req.Arguments) == "null" {
		req.Arguments = json.RawMessage("{}")
	}
	if err := e.prep.validator.Validate(req.Arguments); err != nil {
		return ErrorResult(fmt.Sprintf("invalid arguments for tool %q: %v", e.info.Name, errText(err))), nil
	}
	req.Target, req.Tool, req.Name = e.info.Target, e.info.Tool.Name, e.info.Name
	return g.call(withEntry(ctx, e), req)
}

func errText(err error) string {
	var se *schema.Error
	if errors.As(err, &se) {
		return joinLines(se.Problems)
	}
	return err.Error()
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l)
	}
	return b.String()
}

type entryKey struct{}

func withEntry(ctx context.Context, e *entry) context.Context {
	return context.WithValue(ctx, entryKey{}, e)
}

// dispatch is the innermost CallFunc: guards around the target's CallTool.
func (g *Gateway) dispatch(ctx context.Context, req *CallRequest) (res *Result, err error) {
	e, _ := ctx.Value(entryKey{}).(*entry)
	if e == nil || e.info.Name != req.Name {
		// An interceptor renamed the call: route by the new name.
		e = g.cat.Load().byName[req.Name]
		if e == nil {
			return nil, fmt.Errorf("%w %q", ErrUnknownTool, req.Name)
		}
	}
	// Counted before the check, so that Shutdown, which sets draining and
	// then waits for the count to drop, sees every call it lets through.
	g.running.Add(1)
	defer g.running.Add(-1)
	if g.draining.Load() {
		return ErrorResult(fmt.Sprintf("tool %q not started: the gateway is shutting down", req.Name)), nil
	}
	if g.opts.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.opts.CallTimeout)
		defer cancel()
	}
	// Builtins take no slot: those that call tools (a call-tool builtin)
	// take one for the inner call, through Call.
	if g.sem != nil && e.target != nil {
		select {
		case g.sem <- struct{}{}:
		default:
			select {
			case g.sem <- struct{}{}:
			case <-ctx.Done():
				return ErrorResult(fmt.Sprintf("tool %q not started: the gateway is at its limit of %d concurrent calls", req.Name, cap(g.sem))), nil
			}
		}
		defer func() { <-g.sem }()
		if ctx.Err() != nil { // the slot came free as time ran out
			return ErrorResult(fmt.Sprintf("tool %q not started: the gateway is at its limit of %d concurrent calls", req.Name, cap(g.sem))), nil
		}
	}
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("toolgate: tool panicked", "tool", req.Name, "panic", r, "stack", string(debug.Stack()))
			res, err = ErrorResult(fmt.Sprintf("tool %q failed: internal error", req.Name)), nil
		}
	}()
	if e.target != nil {
		res, err = e.target.CallTool(ctx, req)
	} else {
		res, err = e.prep.fn(ctx, req)
	}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && g.opts.CallTimeout > 0 {
			return ErrorResult(fmt.Sprintf("tool %q timed out after %v", req.Name, g.opts.CallTimeout)), nil
		}
		g.log.Debug("toolgate: tool error", "tool", req.Name, "err", err, "elapsed", time.Since(start))
		return ErrorResult(fmt.Sprintf("tool %q failed: %v", req.Name, err)), nil
	}
	if res == nil {
		res = &Result{}
	}
	return res, nil
}

// requestInfo travels from ServeHTTP into the MCP handlers.
type requestInfo struct {
	principal *Principal
	ctx       context.Context // the HTTP request's context
	header    http.Header     // the request's own headers
	splice    *splicer        // pages of tools/list awaiting their bytes
	auth      []string        // the request's own Authorization values
	hadAuth   bool
}

type requestInfoKey struct{}

const requestInfoExtra = "toolgate.request"

// ServeHTTP serves MCP over streamable HTTP.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if max := g.opts.MaxBodyBytes; max > 0 && r.ContentLength > max {
		writeJSONRPCError(w, http.StatusRequestEntityTooLarge, nil, jsonrpc.CodeInvalidRequest,
			fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, max))
		return
	}
	p := anonymousPrincipal()
	if g.opts.Authorizer != nil {
		ap, err := g.opts.Authorizer.Authorize(r)
		if err != nil {
			g.writeAuthError(w, err)
			return
		}
		if ap != nil {
			p = ap
		}
	}
	ri := &requestInfo{principal: p, ctx: r.Context(), header: r.Header,
		splice: &splicer{nonce: g.nonce, seq: &g.pageSeq}}
	ti := &sdkauth.TokenInfo{Scopes: p.Scopes, Expiration: p.ExpiresAt, Extra: map[string]any{requestInfoExtra: ri}}
	if !p.Anonymous() {
		// go-sdk binds a stateful session to the user that opened it.
		ti.UserID = p.Issuer + "\x00" + p.Subject + "\x00" + p.ClientID
	}
	// The injector wants a bearer header; lend it one and give the request
	// its own back in serveMCP, before go-sdk sees the headers.
	ri.auth, ri.hadAuth = r.Header["Authorization"]
	r.Header["Authorization"] = []string{"Bearer toolgate"}
	g.inject.ServeHTTP(&spliceWriter{ResponseWriter: w, s: ri.splice}, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ti)))
}

// serveMCP restores the request's own headers and hands it to go-sdk.
func (g *Gateway) serveMCP(w http.ResponseWriter, r *http.Request) {
	if ti := sdkauth.TokenInfoFromContext(r.Context()); ti != nil {
		if ri, ok := ti.Extra[requestInfoExtra].(*requestInfo); ok {
			if ri.hadAuth {
				r.Header["Authorization"] = ri.auth
			} else {
				delete(r.Header, "Authorization")
			}
		}
	}
	if g.serveFastCall(w, r) {
		return
	}
	g.mcpHTTP.ServeHTTP(w, r)
}

func (g *Gateway) writeAuthError(w http.ResponseWriter, err error) {
	status := http.StatusUnauthorized
	var he HTTPError
	if errors.As(err, &he) {
		status = he.HTTPStatus()
		for k, vs := range he.HTTPHeader() {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
	}
	msg := "unauthorized"
	if status == http.StatusForbidden {
		msg = "forbidden"
	}
	writeJSONRPCError(w, status, nil, -32001, msg+": "+err.Error())
}

func writeJSONRPCError(w http.ResponseWriter, status int, id any, code int64, msg string) {
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      id,
		"error":   map[string]any{"code": code, "message": msg},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// middleware answers tools/list and tools/call from the gateway's
// catalogue; every other method goes to go-sdk.
func (g *Gateway) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		switch method {
		case "initialize":
			res, err := next(ctx, method, req)
			if err == nil && !g.opts.Stateless {
				g.trackSession(req)
			}
			return res, err
		case "tools/list":
			lr, _ := req.(*mcp.ListToolsRequest)
			ri := infoOf(req)
			cursor := ""
			if lr != nil && lr.Params != nil {
				cursor = lr.Params.Cursor
			}
			return g.listTools(WithPrincipal(ctx, ri.principal), ri.principal, cursor, ri.splice)
		case "tools/call":
			cr, ok := req.(*mcp.CallToolRequest)
			if !ok || cr.Params == nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing params"}
			}
			return g.serveCall(ctx, cr)
		}
		return next(ctx, method, req)
	}
}

// infoOf returns the request info the gateway attached to req, or an
// anonymous one.
func infoOf(req mcp.Request) *requestInfo {
	if ex := req.GetExtra(); ex != nil && ex.TokenInfo != nil {
		if ri, ok := ex.TokenInfo.Extra[requestInfoExtra].(*requestInfo); ok {
			return ri
		}
	}
	return &requestInfo{principal: anonymousPrincipal(), ctx: context.Background()}
}

// listTools answers one page of tools/list for p. With sp, the page's
// tools are written from their cached JSON (see listsplice.go).
func (g *Gateway) listTools(ctx context.Context, p *Principal, cursor string, sp *splicer) (*mcp.ListToolsResult, error) {
	c := g.cat.Load()
	start := 0
	if cursor != "" {
		after, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil || len(after) == 0 {
			return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid cursor"}
		}
		a := string(after)
		start = sort.Search(len(c.sorted), func(i int) bool { return c.sorted[i].info.Name > a })
	}
	n := min(g.opts.PageSize, len(c.sorted)-start)
	page := make([]*entry, 0, n)
	res := &mcp.ListToolsResult{}
	// The answer depends on the caller when a filter decides what it sees.
	res.CacheScope = "public"
	if g.opts.ToolFilter != nil {
		res.CacheScope = "private"
	}
	for i := start; i < len(c.sorted); i++ {
		e := c.sorted[i]
		if !g.visible(ctx, p, e) {
			continue
		}
		if len(page) == g.opts.PageSize {
			res.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1].info.Name))
			break
		}
		page = append(page, e)
	}
	if sp != nil && len(page) > 0 {
		if t, err := g.splicePage(sp, page); err == nil {
			res.Tools = []*mcp.Tool{t}
			return res, nil
		}
	}
	res.Tools = make([]*mcp.Tool, len(page))
	for i, e := range page {
		res.Tools[i] = e.mcp
	}
	return res, nil
}

// splicePage registers the JSON of page with sp and returns its
// placeholder tool.
func (g *Gateway) splicePage(sp *splicer, page []*entry) (*mcp.Tool, error) {
	encs := make([][]byte, len(page))
	size := len(page) + 2
	for i, e := range page {
		b, err := encodeTool(e)
		if err != nil {
			return nil, err
		}
		encs[i] = b
		size += len(b)
	}
	arr := append(make([]byte, 0, size), '[')
	for i, b := range encs {
		if i > 0 {
			arr = append(arr, ',')
		}
		arr = append(arr, b...)
	}
	return sp.placeholder(append(arr, ']'))
}

func (g *Gateway) serveCall(ctx context.Context, cr *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	ri := infoOf(cr)
	p := ri.principal
	name := cr.Params.Name
	e := g.cat.Load().byName[name]
	if e == nil || !g.visible(WithPrincipal(ctx, p), p, e) {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown tool %q", name)}
	}
	// The call ends when the client goes away: the HTTP request that
	// carried it is done.
	ctx, cancel := context.WithCancel(WithPrincipal(ctx, p))
	defer cancel()
	stop := context.AfterFunc(ri.ctx, cancel)
	defer stop()

	req := &CallRequest{
		Arguments: cr.Params.Arguments,
		Meta:      cr.Params.Meta,
		Header:    ri.header,
	}
	if cr.Session != nil {
		req.SessionID = cr.Session.ID()
	}
	res, err := g.callEntry(ctx, e, req)
	if err != nil {
		return nil, err
	}
	if res.Content == nil {
		res.Content = []mcp.Content{}
	}
	return res, nil
}
