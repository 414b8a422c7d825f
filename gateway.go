package toolgate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/toolgate/toolgate/internal/callstats"
	"github.com/toolgate/toolgate/internal/fastpath"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Gateway is an MCP server (an http.Handler speaking streamable HTTP) whose
// tools come from its targets. Create one with New; it is safe for
// concurrent use, and targets may be added, removed and refreshed while it
// serves.
type Gateway struct {
	opts    Options
	log     *slog.Logger
	server  *mcp.Server
	mcpHTTP http.Handler  // go-sdk streamable handler
	inject  http.Handler  // carries request info into go-sdk's handlers
	call    CallFunc      // the interceptors around recheck; nil without any
	ic      *interceptors // GatewayInterceptors by point; nil without any

	limits        limits            // the gateway's guards of a call
	targetLimits  map[string]limits // targets' own guards, by target name
	principalRate *limiters         // PrincipalRate's buckets; nil without
	toolRates     map[string]*limiters
	tel           *telemetry // nil without a MeterProvider or TracerProvider

	mu       sync.Mutex // serializes changes to targets and builtins
	targets  map[string]*targetState
	builtins map[string]*prepared
	watchers callbacks[func()]                              // see Watch
	sections callbacks[func() StatusSection]                // the status page's, see AddStatusSection
	sinks    callbacks[func(context.Context, *AuditRecord)] // see AddAuditSink
	cat      atomic.Pointer[catalog]

	fast      *fastpath.Server  // answers plain tools/call of tools that need no session
	splices   *fastpath.Splices // tools/list placeholders, shared by every request
	spliceOff atomic.Bool       // tools/list pages are encoded by go-sdk

	running  atomic.Int64 // calls in invoke, see Shutdown
	draining atomic.Bool  // Shutdown has begun: refuse new calls

	stats   *callstats.Recorder // every call, builtins included (stats.go)
	started time.Time           // when New returned the gateway

	stop      chan struct{}
	life      context.Context // ends when the gateway closes
	endLife   context.CancelFunc
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// targetState is what the gateway knows of one target.
type targetState struct {
	target      Target
	tools       []*prepared // last good listing
	fingerprint [32]byte
	offers      offers   // prompts, resources, templates: last good listing
	offersFP    [32]byte // their fingerprint
	healthy     bool
	lastErr     error
	lastRefresh time.Time
	problems    []string
	stats       *callstats.Recorder // the target's calls (stats.go)
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
		stop:     make(chan struct{}),
		stats:    callstats.New(),
		started:  time.Now(),
	}
	g.life, g.endLife = context.WithCancel(context.Background())
	g.splices = fastpath.NewSplices(g.spliceBroken)
	g.spliceOff.Store(o.DisableFastPath)
	if o.MaxConcurrentCalls > 0 {
		g.limits.sem = make(chan struct{}, o.MaxConcurrentCalls)
	}
	g.limits.timeout, g.limits.owner = o.CallTimeout, "the gateway is"
	g.targetLimits = newTargetLimits(&o, g.limits)
	g.principalRate = newLimiters(o.PrincipalRate)
	for name, r := range o.ToolRates {
		if l := newLimiters(r); l != nil {
			if g.toolRates == nil {
				g.toolRates = make(map[string]*limiters)
			}
			g.toolRates[name] = l
		}
	}
	tel, err := newTelemetry(&o)
	if err != nil {
		return nil, err
	}
	g.tel = tel
	g.cat.Store(&catalog{byName: map[string]*entry{}})

	ic, err := newInterceptors(o.GatewayInterceptors)
	if err != nil {
		return nil, err
	}
	g.ic = ic
	if len(o.Interceptors) > 0 {
		g.call = g.recheck
		for i := len(o.Interceptors) - 1; i >= 0; i-- {
			g.call = o.Interceptors[i](g.call)
		}
	}

	g.server = mcp.NewServer(&mcp.Implementation{Name: o.Name, Version: o.Version}, &mcp.ServerOptions{
		Instructions:       o.Instructions,
		SubscribeHandler:   g.subscribe,
		UnsubscribeHandler: g.unsubscribe,
		Logger:             o.Logger,
		Capabilities: &mcp.ServerCapabilities{
			Tools:       &mcp.ToolCapabilities{ListChanged: !o.Stateless},
			Prompts:     &mcp.PromptCapabilities{ListChanged: !o.Stateless},
			Resources:   &mcp.ResourceCapabilities{ListChanged: !o.Stateless, Subscribe: !o.Stateless},
			Logging:     &mcp.LoggingCapabilities{},
			Completions: &mcp.CompletionCapabilities{},
		},
	})
	g.server.AddReceivingMiddleware(g.middleware)
	g.server.AddSendingMiddleware(relayedSchema)
	g.fast = fastpath.New(fastpath.Config{
		Stateless:      o.Stateless,
		JSONResponse:   o.JSONResponse,
		SessionTimeout: o.SessionTimeout,
		MaxBodyBytes:   o.MaxBodyBytes,
		Server:         &mcp.Implementation{Name: o.Name, Version: o.Version},
		Direct:         g.direct,
		Streams:        g.streams,
		Call:           g.serveCall,
		Ended:          g.sessionEnded,
		Off:            o.DisableFastPath,
	})
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
		g.endLife()
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
// notified that the tool list changed. A target that is a ChangeNotifier
// is given, before its first listing, the func that lists it again.
func (g *Gateway) AddTarget(ctx context.Context, t Target) error {
	name := t.Name()
	if err := validateTargetName(name, g.opts.Separator); err != nil {
		return fmt.Errorf("toolgate: %w", err)
	}
	g.mu.Lock()
	if _, dup := g.targets[name]; dup {
		g.mu.Unlock()
		return fmt.Errorf("toolgate: target %q already exists", name)
	}
	ts := &targetState{target: t, stats: callstats.New()}
	g.targets[name] = ts
	if _, live := t.(LiveLister); live {
		g.rebuildLocked() // listed live from now on, even if this listing fails
	}
	g.mu.Unlock()
	r := &notifyRefresher{g: g, name: name, ts: ts}
	if cn, ok := t.(ChangeNotifier); ok {
		cn.OnToolsChanged(r.trigger)
	}
	if rn, ok := t.(ResourceNotifier); ok {
		rn.OnResourceUpdated(r.resourceUpdated)
	}
	return g.Refresh(ctx, name)
}

// RemoveTarget removes the named target and its tools, and reports whether
// it was there. Calls already running finish.
func (g *Gateway) RemoveTarget(name string) bool {
	g.mu.Lock()
	ts, ok := g.targets[name]
	if ok {
		delete(g.targets, name)
		g.rebuildLocked()
	}
	g.mu.Unlock()
	if ok {
		g.changed(false)
		if ts.offersFP != ([32]byte{}) {
			g.offersChanged()
		}
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
	var fp, ofp [32]byte
	var o offers
	if err == nil {
		prep, problems = prepareTools(tools)
		fp = fingerprint(tools)
		if o, err = listOffers(ctx, ts.target); err == nil {
			ofp = o.fingerprint()
		}
	}

	g.mu.Lock()
	if g.targets[name] != ts { // removed or replaced meanwhile
		g.mu.Unlock()
		return fmt.Errorf("toolgate: target %q was removed during refresh", name)
	}
	ts.lastRefresh = time.Now()
	changed, offersChanged := false, false
	if err != nil {
		ts.healthy, ts.lastErr = false, err
	} else {
		ts.healthy, ts.lastErr = true, nil
		ts.problems = problems
		changed = fp != ts.fingerprint || ts.tools == nil
		offersChanged = ofp != ts.offersFP
		if changed || offersChanged {
			ts.tools, ts.fingerprint = prep, fp
			ts.offers, ts.offersFP = o, ofp
			g.rebuildLocked()
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
		g.changed(false)
	}
	if offersChanged {
		g.offersChanged()
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
	// Calls summarises the target's calls since it was added.
	Calls CallStats
}

// Status reports every target's health, sorted by name.
func (g *Gateway) Status() []TargetStatus {
	now := time.Now()
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
			Calls:       callStatsOf(ts.stats.Snapshot(now)),
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
