// Package fastpath answers, without go-sdk's dispatch, the requests whose
// answer is fully known: a plain tools/call of a tool that needs no session
// (call.go), the call of a tool that relays another server's session, with
// an event stream of its own (stream.go), and tools/list pages written from
// each tool's ready-made JSON (splice.go). All reproduce exactly what
// go-sdk v1.8.0 writes; this
// package is the only place that knows go-sdk's wire output beyond its
// exported API, so a go-sdk upgrade touches it alone. The gateway's
// differential tests and fuzz targets compare its answers with go-sdk's,
// byte for byte.
package fastpath

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	segjson "github.com/segmentio/encoding/json"
	"github.com/toolgate/toolgate/internal/jsonx"
)

// Config is what the fast path needs to know of the gateway.
type Config struct {
	// Stateless, JSONResponse, SessionTimeout and MaxBodyBytes are the
	// gateway's transport settings, as given to go-sdk's handler.
	Stateless, JSONResponse bool
	SessionTimeout          time.Duration
	MaxBodyBytes            int64
	// Server is the implementation go-sdk reports (sessionless results
	// carry it in _meta).
	Server *mcp.Implementation
	// Direct reports whether the call with params (the tool's name and
	// arguments) may be answered here: it needs nothing of the client's
	// session while it runs, or the call is quiet: nothing could reach the
	// client while it runs (no progress token; a client that can be asked
	// nothing, no sampling or elicitation capability, and that asked for
	// no log messages).
	Direct func(params *mcp.CallToolParamsRaw, quiet bool) bool
	// Streams, if set, reports whether the call with params, not Direct,
	// may be answered here with an event stream of its own (stream.go):
	// the tool relays another server's session.
	Streams func(params *mcp.CallToolParamsRaw) bool
	// Call runs one tools/call, as the gateway's handler for it does.
	Call func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error)
	// Ended, if set, is told the id of each session Track saw when go-sdk
	// closes it.
	Ended func(sessionID string)
	// Off sends every request to go-sdk.
	Off bool
}

// Server answers the requests it can and leaves the rest to go-sdk.
type Server struct {
	cfg      Config
	sessions sync.Map      // session id -> *fastSession
	calls    atomic.Uint64 // calls answered
}

// New returns a Server for cfg. go-sdk's compatibility settings (the
// MCPGODEBUG environment variable) change answers the fast path does not
// reproduce: with any set, it is off.
func New(cfg Config) *Server {
	if os.Getenv("MCPGODEBUG") != "" {
		cfg.Off = true
	}
	return &Server{cfg: cfg}
}

// Calls returns how many calls the fast path has answered.
func (s *Server) Calls() uint64 { return s.calls.Load() }

// Owner returns the user a stateful session go-sdk initialized is bound to
// ("" admits anyone), and whether the session is known.
func (s *Server) Owner(sessionID string) (string, bool) {
	v, ok := s.sessions.Load(sessionID)
	if !ok {
		return "", false
	}
	return v.(*fastSession).userID, true
}

// Answering tools/call requests directly.
//
// For every request go-sdk decodes the message several times over (each
// decode allocating a 32 KB buffer) and passes it through three goroutines
// before the gateway's handler runs; in stateless mode it also opens a
// temporary session per request. A tools/call is one JSON-RPC request in and
// one response out, and the gateway's targets send nothing back on the
// client's session while they run. So the gateway answers the plain form of
// a tools/call itself and leaves everything else to go-sdk, unchanged: any
// other method, batches, unknown protocol versions, requests go-sdk would
// refuse for their headers, and any body it cannot read exactly as go-sdk
// would. The answer is what go-sdk would write, byte for byte; a
// differential test and a fuzz target hold the two to that.
//
// The 2026-07-28 sessionless form (stateless mode only) is answered too
// when it is well formed: the Mcp-Method and Mcp-Name headers match the
// body, and the per-request _meta carries the protocol version of the
// header and client capabilities go-sdk accepts. Its result carries the
// server's serverInfo in _meta, and a JSON-RPC error with an HTTP meaning
// (invalid params, method not found) is sent with that HTTP status, as
// go-sdk does.
//
// go-sdk's compatibility settings (the MCPGODEBUG environment variable)
// restore older behaviours the gateway does not reproduce: with any set,
// every call goes through go-sdk.
//
// In stateful mode the call must name a session go-sdk has initialized,
// opened by the same user; the gateway learns of sessions from the
// initialize requests it sees and forgets them when go-sdk closes them.
// What go-sdk does for the calls it runs, the gateway does for these: it
// refuses a second call with an id already in flight on the session, and a
// notifications/cancelled naming the call cancels it. A call in flight when
// the session closes runs to its end, but its answer is not written, as
// go-sdk drops the answers of a closed session; later calls on the
// session go to go-sdk, which answers that the session is gone. With a
// SessionTimeout set, calls go through go-sdk, which times sessions out by
// their traffic.
//
// A tool that uses the client's session while it runs (progress, log
// messages, elicitation, sampling) is not Direct: its calls go to go-sdk,
// which relates what the tool sends to the request. Unless the call is
// quiet: nothing the tool could send would reach the client (the request
// has no progress token or log level in _meta, and, stateful, the client
// declared neither sampling nor elicitation and set no log level, which
// the gateway learns from the logging/setLevel requests go-sdk answers;
// stateless, the answer is plain JSON, which carries no notification).
// Then go-sdk would drop the tool's notifications anyway, and the fast
// path answers. So it does for a tool that only relays another server's
// session, with an event stream of the call's own (stream.go).

// fastCallRequest is a tools/call the gateway answers itself.
type fastCallRequest struct {
	id     []byte // the id as go-sdk writes it back
	rawID  any    // the id as go-sdk prints it: int64 or string
	params *mcp.CallToolParamsRaw
}

// fastSession is a stateful session the gateway answers calls on.
type fastSession struct {
	ss       *mcp.ServerSession
	userID   string       // as go-sdk binds the session: "" admits anyone
	level    atomic.Value // the log level the client set, an mcp.LoggingLevel
	mu       sync.Mutex
	closed   bool
	inflight map[string]context.CancelFunc // by id as written back
	asks     atomic.Uint64                 // requests sent to the client (stream.go)
	asked    map[string]chan askAnswer     // those awaiting an answer, by id as written
}

// Track remembers the session of an initialize request that go-sdk
// accepted, until go-sdk closes it. Call it for every initialize go-sdk
// answered without error, in stateful mode.
func (s *Server) Track(req mcp.Request) {
	ss, ok := req.GetSession().(*mcp.ServerSession)
	if !ok || ss.ID() == "" {
		return
	}
	fs := &fastSession{ss: ss, inflight: make(map[string]context.CancelFunc)}
	if ex := req.GetExtra(); ex != nil && ex.TokenInfo != nil {
		fs.userID = ex.TokenInfo.UserID
	}
	id := ss.ID()
	if old, loaded := s.sessions.Swap(id, fs); loaded {
		old.(*fastSession).close() // initialized again: the newer binding holds
	}
	go func() {
		_ = ss.Wait()
		s.sessions.CompareAndDelete(id, fs)
		fs.close()
		if s.cfg.Ended != nil {
			s.cfg.Ended(id)
		}
	}()
}

// Logging notes that the client of req's session asked for log messages
// (logging/setLevel), and from which level: its calls are no longer quiet.
func (s *Server) Logging(req mcp.Request) {
	ss, ok := req.GetSession().(*mcp.ServerSession)
	if !ok {
		return
	}
	if v, ok := s.sessions.Load(ss.ID()); ok {
		if p, ok := req.GetParams().(*mcp.SetLoggingLevelParams); ok && p != nil {
			v.(*fastSession).level.Store(p.Level)
		}
	}
}

// logLevel is the log level the client set, "" if none: go-sdk then sends
// no log message.
func (fs *fastSession) logLevel() mcp.LoggingLevel {
	l, _ := fs.level.Load().(mcp.LoggingLevel)
	return l
}

// quiet reports whether nothing can reach the client while the call with
// params runs on fs (nil when stateless, then answered in plain JSON when
// jsonOnly).
func quiet(fs *fastSession, params *mcp.CallToolParamsRaw, jsonOnly bool) bool {
	if params.Meta["progressToken"] != nil || params.Meta[mcp.MetaKeyLogLevel] != nil {
		return false
	}
	if fs == nil {
		// Stateless: only a plain-JSON answer is sure to carry nothing
		// (go-sdk may stream log messages in an SSE answer).
		return jsonOnly
	}
	if fs.logLevel() != "" {
		return false
	}
	ip := fs.ss.InitializeParams()
	return ip != nil && (ip.Capabilities == nil || ip.Capabilities.Sampling == nil && ip.Capabilities.Elicitation == nil)
}

// start registers a call with id on the session, cancelled by cancel. It
// reports whether the session is still open, and whether a call with that
// id is in flight already (then this one is not registered).
func (fs *fastSession) start(id string, cancel context.CancelFunc) (open, dup bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return false, false
	}
	if _, dup := fs.inflight[id]; dup {
		return true, true
	}
	fs.inflight[id] = cancel
	return true, false
}

// end unregisters the call with id.
func (fs *fastSession) end(id string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	delete(fs.inflight, id)
}

func (fs *fastSession) isClosed() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.closed
}

// close marks the session closed: it takes no new calls.
func (fs *fastSession) close() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.closed = true
	for id, ch := range fs.asked {
		ch <- askAnswer{err: errSessionClosed}
		delete(fs.asked, id)
	}
}

// session returns the session r names if the fast path may answer on it.
func (s *Server) session(r *http.Request, ti *sdkauth.TokenInfo) (*fastSession, bool) {
	sid := r.Header.Get("Mcp-Session-Id")
	if sid == "" || s.cfg.SessionTimeout != 0 {
		return nil, false
	}
	v, ok := s.sessions.Load(sid)
	if !ok {
		return nil, false
	}
	fs := v.(*fastSession)
	if fs.userID != "" && (ti == nil || ti.UserID != fs.userID) {
		return nil, false // go-sdk answers 403
	}
	if fs.ss.InitializeParams() == nil {
		return nil, false
	}
	return fs, true
}

// Serve answers r if it is a plain tools/call of a Direct tool, and
// reports whether it did. If not, r is left for go-sdk with its body
// intact. It is the fast path's one seam.
func (s *Server) Serve(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodPost || s.cfg.Off {
		return false
	}
	h := r.Header
	if !plainJSON(h.Get("Content-Type")) || len(h.Values("Last-Event-Id")) > 0 {
		return false
	}
	if jsonOK, streamOK := acceptsBoth(h.Values("Accept")); !jsonOK || !streamOK {
		return false
	}
	sessionless := false
	switch v := h.Get("Mcp-Protocol-Version"); {
	case v == sessionlessVersion:
		// go-sdk serves the sessionless protocol only when stateless.
		if !s.cfg.Stateless {
			return false
		}
		sessionless = true
	case v != "" && !slices.Contains(mcp.SupportedProtocolVersions(), v):
		return false // a version go-sdk refuses
	}
	for k := range h {
		if strings.HasPrefix(k, "Mcp-Param") ||
			!sessionless && (strings.HasPrefix(k, "Mcp-Method") || strings.HasPrefix(k, "Mcp-Name")) {
			return false
		}
	}
	// go-sdk refuses a non-loopback Host on a loopback listener (DNS
	// rebinding); leave such requests to it.
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && la != nil {
		if isLoopback(la.String()) && !isLoopback(r.Host) {
			return false
		}
	}
	if r.Body == nil {
		return false
	}
	max := s.cfg.MaxBodyBytes
	if max <= 0 {
		max = 1 << 62
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
	if err != nil || int64(len(body)) > max {
		// Let go-sdk read and refuse it as it does.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	ti := sdkauth.TokenInfoFromContext(r.Context())
	var fs *fastSession
	if !s.cfg.Stateless {
		var ok bool
		if fs, ok = s.session(r, ti); !ok {
			return false
		}
		if id, ok := parseCancel(body); ok {
			fs.cancel(id)
			return false // go-sdk acknowledges it
		}
		if id, a, ok := parseAnswer(body); ok {
			if !fs.answer(id, a) {
				return false // nothing awaits it: go-sdk's to refuse
			}
			w.WriteHeader(http.StatusAccepted)
			return true
		}
	}
	req, ok := parseFastCall(body, sessionless)
	if !ok {
		return false
	}
	if sessionless && (h.Get("Mcp-Method") != "tools/call" || req.params.Name == "" || h.Get("Mcp-Name") != req.params.Name) {
		return false
	}
	var st *Stream
	if !s.cfg.Direct(req.params, quiet(fs, req.params, s.cfg.JSONResponse)) {
		if !s.streams(fs, req) {
			return false // a call that may use the session: go-sdk answers
		}
		st = &Stream{fs: fs, w: w}
		if fs == nil && !sessionless {
			st.statelessLevel = "info" // as go-sdk's ephemeral session of an older protocol's request
		}
	}
	ctx := r.Context()
	dup := false
	if fs != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		var open bool
		if open, dup = fs.start(string(req.id), cancel); !open {
			return false // go-sdk answers that the session is gone
		}
		if !dup {
			defer fs.end(string(req.id))
		}
	}
	// The call is taken: the headers go-sdk sets before it answers.
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	if s.cfg.JSONResponse {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Connection", "keep-alive")
	}
	if dup {
		s.calls.Add(1)
		writeStatus(w, http.StatusBadRequest, req.id, &jsonrpc.Error{Code: jsonrpc.CodeInvalidRequest,
			Message: fmt.Sprintf("duplicate in-flight request ID %v", req.rawID)})
		return true
	}
	s.calls.Add(1)
	cr := &mcp.CallToolRequest{Params: req.params, Extra: &mcp.RequestExtra{TokenInfo: ti, Header: r.Header}}
	if fs != nil {
		cr.Session = fs.ss
	}
	if st != nil {
		ctx = context.WithValue(ctx, streamKey{}, st)
	}
	res, err := s.cfg.Call(ctx, cr)
	if fs != nil && fs.isClosed() {
		if st != nil {
			st.finish(nil, true)
		}
		return true // as go-sdk: a closed session's answers are dropped
	}
	var out []byte
	if err != nil {
		we := toWireError(err)
		if status := sessionlessErrorStatus(we.Code); sessionless && status != 0 {
			writeStatus(w, status, req.id, we)
			return true
		}
		out, err = fastResponse(req.id, "error", we)
	} else {
		if sessionless {
			res = s.withServerInfo(res)
		}
		out, err = fastResponse(req.id, "result", res)
	}
	if err != nil {
		out, _ = fastResponse(req.id, "error", &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "encoding the result: " + err.Error()})
	}
	if s.cfg.JSONResponse {
		_, _ = w.Write(out)
		return true
	}
	if st != nil {
		st.finish(out, false)
	} else {
		writeOne(w, out)
	}
	return true
}

// streams reports whether the fast path answers req, a call that may use
// the client's session, with a stream of its own (stream.go).
func (s *Server) streams(fs *fastSession, req *fastCallRequest) bool {
	return (fs != nil || s.cfg.Stateless) && !s.cfg.JSONResponse && s.cfg.Streams != nil &&
		req.params.Meta[mcp.MetaKeyLogLevel] == nil && s.cfg.Streams(req.params)
}

// sessionlessVersion is the protocol version of the sessionless form.
const sessionlessVersion = "2026-07-28"

// sessionlessErrorStatus is the HTTP status go-sdk sends a sessionless
// JSON-RPC error with, or 0 for an ordinary response.
func sessionlessErrorStatus(code int64) int {
	switch code {
	case jsonrpc.CodeMethodNotFound:
		return http.StatusNotFound
	case jsonrpc.CodeInvalidParams, mcp.CodeUnsupportedProtocolVersion, mcp.CodeMissingRequiredClientCapabilities:
		return http.StatusBadRequest
	}
	return 0
}

// withServerInfo returns res with the server's identity in _meta, as
// go-sdk annotates sessionless results, unless _meta names one already.
// res itself is left as the target returned it.
func (s *Server) withServerInfo(res *mcp.CallToolResult) *mcp.CallToolResult {
	if _, ok := res.Meta[mcp.MetaKeyServerInfo]; ok {
		return res
	}
	r := *res
	r.Meta = maps.Clone(res.Meta)
	if r.Meta == nil {
		r.Meta = map[string]any{}
	}
	r.Meta[mcp.MetaKeyServerInfo] = s.cfg.Server
	return &r
}

// sessionlessCaps has the shape go-sdk decodes a sessionless request's
// client capabilities into, so that both accept the same values.
type sessionlessCaps struct {
	mcp.ClientCapabilities
	Roots *mcp.RootCapabilities `json:"roots,omitempty"`
}

// sdkDecodes reports whether go-sdk can decode v, a value from a decoded
// _meta, into a value like to: it re-encodes v and decodes it as go-sdk
// does, matching field names exactly.
func sdkDecodes(v, to any) bool {
	data, err := json.Marshal(v)
	if err != nil {
		return false
	}
	return Decode(data, to) == nil
}

// parseFastCall reads body as a single JSON-RPC tools/call request in the
// form the fast path answers; sessionless asks for the 2026-07-28 form,
// with its per-request _meta. Keys are matched exactly, as go-sdk does.
func parseFastCall(body []byte, sessionless bool) (*fastCallRequest, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || jsonx.TooDeep(body) {
		return nil, false
	}
	var msg struct {
		JSONRPC json.RawMessage `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  json.RawMessage `json:"method"`
		Params  json.RawMessage `json:"params"`
	}
	if !parseExact(body, &msg) || msg.JSONRPC == nil || msg.ID == nil || msg.Method == nil || msg.Params == nil ||
		!isString(msg.JSONRPC, "2.0") || !isString(msg.Method, "tools/call") {
		return nil, false
	}
	id, rawID, ok := fastID(msg.ID)
	if !ok {
		return nil, false
	}
	var params struct {
		Name      json.RawMessage `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Meta      json.RawMessage `json:"_meta"`
	}
	if raw := bytes.TrimSpace(msg.Params); len(raw) == 0 || raw[0] != '{' || !parseExact(raw, &params) {
		return nil, false
	}
	p := &mcp.CallToolParamsRaw{}
	if v := present(params.Name); v != nil {
		if segjson.Unmarshal(v, &p.Name) != nil {
			return nil, false
		}
	}
	if v := present(params.Arguments); v != nil {
		p.Arguments = json.RawMessage(v)
	}
	if v := present(params.Meta); v != nil {
		var m map[string]any
		if v[0] != '{' || json.Unmarshal(v, &m) != nil {
			return nil, false
		}
		for key := range m {
			if strings.HasPrefix(key, "io.modelcontextprotocol/") && (!sessionless || !sessionlessMetaKey(key)) {
				return nil, false
			}
		}
		p.Meta = m
	}
	if sessionless && !sessionlessMeta(p.Meta) {
		return nil, false
	}
	return &fastCallRequest{id: id, rawID: rawID, params: p}, true
}

// parseExact decodes data, one JSON object and nothing after it, into the
// struct v: every key one of v's fields, matched exactly, as go-sdk
// matches them.
func parseExact(data []byte, v any) bool {
	rest, err := segjson.Parse(data, v, segjson.DisallowUnknownFields|segjson.DontMatchCaseInsensitiveStructFields)
	return err == nil && len(bytes.TrimSpace(rest)) == 0
}

// isString reports whether raw is the JSON string s.
func isString(raw json.RawMessage, s string) bool {
	var got string
	return segjson.Unmarshal(raw, &got) == nil && got == s
}

// present returns a params value trimmed, or nil when it is absent or
// null (go-sdk reads both alike).
func present(raw json.RawMessage) []byte {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil
	}
	return v
}

// sessionlessMetaKey reports whether the fast path knows a per-request
// _meta key of the sessionless protocol.
func sessionlessMetaKey(k string) bool {
	switch k {
	case mcp.MetaKeyProtocolVersion, mcp.MetaKeyClientCapabilities, mcp.MetaKeyClientInfo, mcp.MetaKeyLogLevel:
		return true
	}
	return false
}

// sessionlessMeta reports whether m is a per-request _meta go-sdk accepts
// for a sessionless call: this protocol version, client capabilities, and
// client information if any, each of a shape go-sdk decodes.
func sessionlessMeta(m map[string]any) bool {
	if v, _ := m[mcp.MetaKeyProtocolVersion].(string); v != sessionlessVersion {
		return false
	}
	caps, ok := m[mcp.MetaKeyClientCapabilities]
	if !ok || caps == nil || !sdkDecodes(caps, new(*sessionlessCaps)) {
		return false
	}
	if info, ok := m[mcp.MetaKeyClientInfo]; ok && (info == nil || !sdkDecodes(info, new(*mcp.Implementation))) {
		return false
	}
	return true
}

// fastID returns a request id as go-sdk writes it back and as it prints
// it: a string, or an integer.
func fastID(raw json.RawMessage) ([]byte, any, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, nil, false
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, nil, false
		}
		b, err := Encode(s)
		return b, s, err == nil
	}
	// go-sdk reads a number as a float64: only integers it holds exactly
	// come back unchanged.
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n > 1<<53 || n < -(1<<53) {
		return nil, nil, false
	}
	return strconv.AppendInt(nil, n, 10), n, true
}

// parseCancel reads body as a notifications/cancelled and returns the id
// of the request it cancels, as written back.
func parseCancel(body []byte) (string, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || !bytes.Contains(body, []byte("notifications/cancelled")) {
		return "", false
	}
	var msg struct {
		JSONRPC string `json:"jsonrpc"`
		Method  string `json:"method"`
		Params  struct {
			RequestID json.RawMessage `json:"requestId"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.JSONRPC != "2.0" || msg.Method != "notifications/cancelled" {
		return "", false
	}
	id, _, ok := fastID(msg.Params.RequestID)
	return string(id), ok
}

// cancel cancels the call with id, if one is in flight.
func (fs *fastSession) cancel(id string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if c := fs.inflight[id]; c != nil {
		c()
	}
}

// writeStatus answers id with the JSON-RPC error we as a plain JSON body
// with an HTTP status, whatever the stream mode, as go-sdk does for the
// errors that have one.
func writeStatus(w http.ResponseWriter, status int, id []byte, we *jsonrpc.Error) {
	out, _ := fastResponse(id, "error", we)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// fastResponse is the JSON-RPC response go-sdk writes for id, with v under
// key ("result" or "error").
func fastResponse(id []byte, key string, v any) ([]byte, error) {
	b, err := Encode(v)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(id)+32)
	out = append(out, `{"jsonrpc":"2.0","id":`...)
	out = append(out, id...)
	out = append(out, `,"`...)
	out = append(out, key...)
	out = append(out, `":`...)
	out = append(out, b...)
	return append(out, '}'), nil
}

// toWireError turns a handler's error into the JSON-RPC error go-sdk sends
// for it: "method not found" for an error carrying that code; a JSON-RPC
// error as it is; another error with its message, and the code of a
// JSON-RPC error it wraps.
func toWireError(err error) *jsonrpc.Error {
	if errors.Is(err, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound}) {
		return &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: `method not found: "tools/call"`}
	}
	var we *jsonrpc.Error
	if errors.As(err, &we) {
		if we == err {
			return we
		}
		return &jsonrpc.Error{Code: we.Code, Message: err.Error()}
	}
	return &jsonrpc.Error{Message: err.Error()}
}

func plainJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// acceptsBoth reports whether Accept admits JSON and an event stream, as
// go-sdk reads it.
func acceptsBoth(values []string) (jsonOK, streamOK bool) {
	for _, v := range values {
		for _, raw := range strings.Split(v, ",") {
			base, _, _ := strings.Cut(strings.TrimSpace(raw), ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				streamOK = true
			case "*/*":
				jsonOK, streamOK = true, true
			}
		}
	}
	return jsonOK, streamOK
}

// isLoopback reports whether a host or host:port names the loopback
// interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.Trim(addr, "[]")
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
