// Package server runs a gateway described by a configuration file (package
// config) as a standalone process: the MCP endpoint, health and readiness
// checks, the optional admin listener (metrics, status page), reloads on
// demand and on file change, and a graceful shutdown. cmd/toolgate is its
// command line.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/telemetry"
)

// DefaultAddr is where the MCP listener listens without --addr or
// toolgate.listen.
const DefaultAddr = "127.0.0.1:8080"

// MCPPath is the path of the MCP endpoint.
const MCPPath = "/mcp"

// Options configure a Server.
type Options struct {
	// Config is the configuration file's path.
	Config string
	// Addr, if set, overrides the file's toolgate.listen.
	Addr string
	// Logger receives the server's, the gateway's and the targets' logs.
	Logger *slog.Logger
	// Stdout receives the line announcing the MCP URL once the gateway is
	// ready; nil discards it.
	Stdout io.Writer
	// Poll is how often the configuration's files are checked for a
	// change (modification time and content digest); default 1s,
	// negative to never check.
	Poll time.Duration
	// Settle is how long the files must stay unchanged before a change is
	// applied, so that an editor's several writes make one reload;
	// default 300ms.
	Settle time.Duration
	// ShutdownTimeout bounds the graceful shutdown; default 30s.
	ShutdownTimeout time.Duration
}

// Server is a running standalone gateway.
type Server struct {
	opts Options
	log  *slog.Logger

	mu      sync.Mutex // serializes reloads and shutdown
	file    *config.File
	targets map[string]*config.BuiltTarget // the current gateway's targets, by name
	gen     atomic.Pointer[generation]
	ready   atomic.Bool // the first gateway is built and its targets listed
	closed  bool

	meters  metric.MeterProvider // nil without prometheus
	metrics http.Handler
	audit   func(context.Context, *toolgate.AuditRecord)
	auditF  *os.File

	addrMu             sync.Mutex
	mcpAddr, adminAddr net.Addr // once listening

	stop    chan struct{}  // closed when shutdown begins: no more reloads
	drained chan struct{}  // closed when the current gateway has finished its calls
	bg      sync.WaitGroup // delayed target closes, old gateways draining, the watcher
}

// generation is one gateway with what was built for it. A reload that
// changes the gateway itself (its authorizer, name, limits, ...) makes a
// new generation and swaps it in; the old one drains.
type generation struct {
	gw     *toolgate.Gateway
	built  *config.Built
	meters *retiringProvider // nil without metrics
	status http.Handler
	meta   http.Handler // the CUSTOM_JWT authorizer's metadata, or nil
	// learnAdmin: the admin listener serves what its search tool learned
	// (toolgate.search.learn.admin; learnadmin.go).
	learnAdmin bool
}

// New loads and validates the configuration. It returns config.Errors when
// the file is not usable; nothing is listening yet.
func New(ctx context.Context, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Poll == 0 {
		opts.Poll = time.Second
	}
	if opts.Settle <= 0 {
		opts.Settle = 300 * time.Millisecond
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	s := &Server{opts: opts, log: opts.Logger, targets: map[string]*config.BuiltTarget{}, stop: make(chan struct{}), drained: make(chan struct{})}
	f, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	s.file = f
	return s, nil
}

// load reads the configuration, logging its warnings.
func (s *Server) load(ctx context.Context) (*config.File, error) {
	f, err := config.Load(s.opts.Config)
	if f != nil {
		for _, w := range f.Warnings() {
			s.log.Warn("config: "+w.Msg, "field", w.Path)
		}
	}
	if err != nil {
		return nil, err
	}
	return f, nil // its targets are checked as they are built
}

func (s *Server) local() *config.Local {
	if s.file.Toolgate != nil {
		return s.file.Toolgate
	}
	return &config.Local{}
}

// Run serves until ctx ends, then shuts down gracefully: new calls are
// refused, running calls finish (up to Options.ShutdownTimeout), sessions
// close. The MCP listener answers /healthz at once and /readyz with 503
// until the gateway is built and its targets listed.
func (s *Server) Run(ctx context.Context) error {
	l := s.local()
	addr := s.opts.Addr
	if addr == "" {
		addr = l.Listen
	}
	if addr == "" {
		addr = DefaultAddr
	}
	tel := l.Telemetry
	if tel == nil {
		tel = &config.Telemetry{}
	}
	if (tel.Prometheus || tel.StatusPage) && l.AdminListen == "" {
		s.log.Warn("config: toolgate.telemetry asks for /metrics or /status, but toolgate.adminListen is not set: they are not served")
	}
	if sr := l.Search; sr != nil && sr.Learn != nil && sr.Learn.Admin && l.AdminListen == "" {
		s.log.Warn("config: toolgate.search.learn.admin asks for /search/learned, but toolgate.adminListen is not set: it is not served")
	}
	if err := s.setupTelemetry(tel); err != nil {
		return err
	}
	defer s.closeAudit()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	s.addrMu.Lock()
	s.mcpAddr = ln.Addr()
	s.addrMu.Unlock()
	servers := []*http.Server{{Handler: s.mcpHandler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}}
	listeners := []net.Listener{ln}
	if l.AdminListen != "" {
		aln, err := net.Listen("tcp", l.AdminListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listening on %s (toolgate.adminListen): %w", l.AdminListen, err)
		}
		s.addrMu.Lock()
		s.adminAddr = aln.Addr()
		s.addrMu.Unlock()
		servers = append(servers, &http.Server{Handler: s.adminHandler(tel), ReadHeaderTimeout: 10 * time.Second})
		listeners = append(listeners, aln)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() {
			if err := srv.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	s.log.Info("listening", "addr", s.mcpAddr.String(), "admin", addrString(s.adminAddr))

	if err := s.start(ctx); err != nil {
		for _, srv := range servers {
			_ = srv.Close()
		}
		return err
	}
	fmt.Fprintf(s.opts.Stdout, "toolgate: serving MCP at http://%s%s\n", s.mcpAddr, MCPPath)

	if s.opts.Poll > 0 {
		s.bg.Add(1)
		go s.watch(ctx)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	s.mu.Lock()
	s.closed = true
	close(s.stop)
	s.mu.Unlock()
	if g := s.gen.Load(); g != nil {
		// Calls in flight finish, then the gateway closes its sessions,
		// whose open streams would hold the HTTP server's Shutdown up.
		servers[0].RegisterOnShutdown(func() { _ = g.gw.Shutdown(shutdown) })
	}
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Add(1)
		go func() { defer wg.Done(); _ = srv.Shutdown(shutdown) }()
	}
	wg.Wait()
	close(s.drained)
	s.bg.Wait()
	if g := s.gen.Load(); g != nil {
		s.retire(g)
	}
	for _, t := range s.targets {
		_ = t.Close()
	}
	return serveErr
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// MCPAddr is the MCP listener's address, nil until Run listens.
func (s *Server) MCPAddr() net.Addr {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return s.mcpAddr
}

// AdminAddr is the admin listener's address, nil without one.
func (s *Server) AdminAddr() net.Addr {
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	return s.adminAddr
}

func (s *Server) setupTelemetry(tel *config.Telemetry) error {
	if tel.Prometheus {
		mp, h, err := telemetry.Prometheus()
		if err != nil {
			return err
		}
		s.meters, s.metrics = mp, h
	}
	switch tel.Audit {
	case "":
	case "stderr":
		s.audit = toolgate.AuditJSON(os.Stderr)
	case "stdout":
		s.audit = toolgate.AuditJSON(os.Stdout)
	default:
		f, err := os.OpenFile(tel.Audit, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("toolgate.telemetry.audit: %w", err)
		}
		s.auditF = f
		s.audit = toolgate.AuditJSON(f)
	}
	return nil
}

func (s *Server) closeAudit() {
	if s.auditF != nil {
		_ = s.auditF.Close()
	}
}

// start builds the first gateway from s.file.
func (s *Server) start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.build(ctx, s.file)
	if err != nil {
		return err
	}
	for _, t := range g.built.Targets {
		s.targets[t.Name] = t
	}
	s.gen.Store(g)
	s.ready.Store(true)
	s.log.Info("gateway ready", "name", s.file.Gateway.Name, "targets", len(g.built.Targets), "tools", len(g.gw.Tools()))
	return nil
}

// build makes a generation from f: the gateway with every target added.
func (s *Server) build(ctx context.Context, f *config.File) (*generation, error) {
	b, err := f.Build(ctx, s.log)
	if err != nil {
		return nil, err
	}
	g := &generation{built: b}
	if s.meters != nil {
		g.meters = &retiringProvider{MeterProvider: s.meters}
		b.Options.MeterProvider = g.meters
	}
	b.Options.Audit = s.audit
	if cur := s.gen.Load(); cur != nil {
		b.Previous = cur.built // its search tool's vectors are taken over
	}
	gw, err := b.Gateway(ctx)
	if err != nil {
		b.Close()
		return nil, err
	}
	g.gw = gw
	g.status = gw.StatusHandler()
	if l := f.Toolgate; l != nil && l.Search != nil && l.Search.Learn != nil {
		g.learnAdmin = l.Search.Learn.Admin
	}
	if b.JWT != nil {
		g.meta = b.JWT.MetadataHandler()
	}
	return g, nil
}

// retire closes a generation's gateway and what was built for it, but not
// its targets, which the server tracks itself.
func (s *Server) retire(g *generation) {
	_ = g.gw.Close()
	if g.meters != nil {
		g.meters.retire()
	}
	b := *g.built
	b.Targets = nil // closed by the server, when no call can use them
	b.Close()
}

// Ready reports whether the gateway is ready: built, its targets listed,
// and at least one of them healthy (or none configured).
func (s *Server) Ready() (bool, string) {
	if !s.ready.Load() {
		return false, "starting"
	}
	g := s.gen.Load()
	st := g.gw.Status()
	if len(st) == 0 {
		return true, "ready"
	}
	for _, t := range st {
		if t.Healthy {
			return true, "ready"
		}
	}
	return false, "every target is unhealthy"
}

func (s *Server) health(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ok, why := s.Ready()
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, why+"\n")
	})
}

func (s *Server) mcpHandler() http.Handler {
	mux := http.NewServeMux()
	s.health(mux)
	mux.HandleFunc(MCPPath, func(w http.ResponseWriter, r *http.Request) {
		g := s.gen.Load()
		if g == nil {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "the gateway is starting", http.StatusServiceUnavailable)
			return
		}
		g.gw.ServeHTTP(w, r)
	})
	mux.HandleFunc(auth.MetadataPath(MCPPath), func(w http.ResponseWriter, r *http.Request) {
		g := s.gen.Load()
		if g == nil || g.meta == nil {
			http.NotFound(w, r)
			return
		}
		g.meta.ServeHTTP(w, r)
	})
	return mux
}

func (s *Server) adminHandler(tel *config.Telemetry) http.Handler {
	mux := http.NewServeMux()
	s.health(mux)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	if tel.StatusPage {
		mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
			g := s.gen.Load()
			if g == nil {
				http.Error(w, "the gateway is starting", http.StatusServiceUnavailable)
				return
			}
			g.status.ServeHTTP(w, r)
		})
	}
	s.learnAdmin(mux)
	return mux
}

// Reload reads the configuration again and applies it. An unusable file
// (it does not load or validate, or a gateway rebuild fails) changes
// nothing: the current gateway keeps serving and the error is returned and
// logged. Otherwise only what changed is applied: targets removed, added,
// or (when changed) removed and added again under the same name, while the
// others are untouched; calls running on a removed target finish. A
// change to the gateway itself builds a new gateway with every target,
// swaps it in for new requests, and drains the old one.
func (s *Server) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.ready.Load() {
		return errors.New("the gateway is not running")
	}
	err := s.reload(ctx)
	if err != nil {
		s.log.Error("reload rejected: the running configuration is kept", "err", err.Error())
	}
	return err
}

func (s *Server) reload(ctx context.Context) error {
	f, err := s.load(ctx)
	if err != nil {
		return err
	}
	old := s.file
	if f.GatewayFingerprint() != old.GatewayFingerprint() {
		return s.rebuild(ctx, f)
	}
	restartOnly(s.log, old, f)

	cur := s.gen.Load()
	type change struct {
		name     string
		old, new *config.BuiltTarget
	}
	var changes []change
	unchanged := 0
	wanted := map[string]bool{}
	for _, t := range f.Targets {
		wanted[t.Name] = true
		have := s.targets[t.Name]
		if have != nil && have.Fingerprint == t.Fingerprint() {
			unchanged++
			continue
		}
		bt, err := f.BuildTarget(ctx, t.Name, s.log)
		if err != nil {
			for _, c := range changes {
				_ = c.new.Close()
			}
			return err
		}
		changes = append(changes, change{name: t.Name, old: have, new: bt})
	}
	for name, have := range s.targets {
		if !wanted[name] {
			changes = append(changes, change{name: name, old: have})
		}
	}
	var added, changed, removed []string
	for _, c := range changes {
		if c.new != nil {
			// Listed once before the swap, so that the target's tools are
			// gone for as short a time as possible (an MCP server connects
			// now).
			_, _ = c.new.Target.ListTools(ctx)
		}
		if c.old != nil {
			cur.gw.RemoveTarget(c.name)
			s.closeLater(c.old)
			delete(s.targets, c.name)
		}
		if c.new != nil {
			if err := config.AddTarget(ctx, cur.gw, c.new.Target); err != nil {
				s.log.Error("reload: adding a target failed", "target", c.name, "err", err.Error())
				_ = c.new.Close()
				continue
			}
			s.targets[c.name] = c.new
		}
		switch {
		case c.old == nil:
			added = append(added, c.name)
		case c.new == nil:
			removed = append(removed, c.name)
		default:
			changed = append(changed, c.name)
		}
	}
	policies := f.PolicyFingerprint() != old.PolicyFingerprint()
	if policies {
		// After the targets: the policies may name tools just added.
		if err := cur.built.UpdatePolicies(f); err != nil {
			s.file = f
			s.log.Info("reloaded", "added", added, "changed", changed, "removed", removed, "unchanged", unchanged)
			return fmt.Errorf("the targets were reloaded, the policies were not (those in force stay): %w", err)
		}
	}
	s.file = f
	slices.Sort(removed)
	s.log.Info("reloaded", "added", added, "changed", changed, "removed", removed, "unchanged", unchanged, "policies_changed", policies)
	return nil
}

// rebuild replaces the gateway: every target is built anew into a new
// gateway that takes the new requests, while the old one finishes its
// calls and closes its sessions (their clients open new ones).
func (s *Server) rebuild(ctx context.Context, f *config.File) error {
	restartOnly(s.log, s.file, f)
	g, err := s.build(ctx, f)
	if err != nil {
		return err
	}
	old := s.gen.Swap(g)
	oldTargets := s.targets
	s.targets = map[string]*config.BuiltTarget{}
	for _, t := range g.built.Targets {
		s.targets[t.Name] = t
	}
	s.file = f
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		drain, cancel := context.WithTimeout(context.Background(), s.drainTimeout(old))
		defer cancel()
		go func() { // a shutdown gives the old gateway ShutdownTimeout at most
			select {
			case <-s.stop:
				t := time.NewTimer(s.opts.ShutdownTimeout)
				defer t.Stop()
				select {
				case <-t.C:
					cancel()
				case <-drain.Done():
				}
			case <-drain.Done():
			}
		}()
		_ = old.gw.Shutdown(drain)
		s.retire(old)
		for _, t := range oldTargets {
			_ = t.Close()
		}
	}()
	s.log.Info("reloaded: the gateway was rebuilt", "name", f.Gateway.Name, "targets", len(g.built.Targets))
	return nil
}

// restartOnly logs the changed settings a reload does not apply.
func restartOnly(log *slog.Logger, old, f *config.File) {
	o, n := old.Toolgate, f.Toolgate
	if o == nil {
		o = &config.Local{}
	}
	if n == nil {
		n = &config.Local{}
	}
	ot, nt := o.Telemetry, n.Telemetry
	if ot == nil {
		ot = &config.Telemetry{}
	}
	if nt == nil {
		nt = &config.Telemetry{}
	}
	if o.Listen != n.Listen || o.AdminListen != n.AdminListen || *ot != *nt {
		log.Warn("reload: toolgate.listen, toolgate.adminListen and toolgate.telemetry apply at the next start")
	}
}

// drainTimeout is how long calls of g may still run: its call timeout,
// and a second for their answers to be written.
func (s *Server) drainTimeout(g *generation) time.Duration {
	d := g.built.Options.CallTimeout
	if d == 0 {
		d = toolgate.DefaultCallTimeout
	}
	if d < 0 {
		d = s.opts.ShutdownTimeout
	}
	return d + time.Second
}

// closeLater closes a removed target once no call can be using it: after
// the longest a call may run, or at shutdown once the gateway has finished
// its calls. Targets without anything to close are left to the garbage
// collector.
func (s *Server) closeLater(t *config.BuiltTarget) {
	if _, ok := t.Target.(io.Closer); !ok {
		return
	}
	wait := s.drainTimeout(s.gen.Load())
	if lim, ok := s.gen.Load().built.Options.TargetLimits[t.Name]; ok && lim.CallTimeout > 0 {
		wait = lim.CallTimeout + time.Second
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-s.drained:
		}
		_ = t.Close()
	}()
}
