package httpx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"time"
)

// inline is the transport of NewTransport. It serves a plain-HTTP request
// (no TLS, no proxy) on HTTP/1.1 connections of its own, writing the
// request and reading the response in the caller's goroutine, and hands
// every other request to std, an http.Transport whose settings it shares
// (dialer, proxies, idle limits and timeout). An http.Transport passes
// each exchange between three goroutines (the caller's and a writer and a
// reader per connection); on a machine with few cores each hand-off can
// wake another thread, which costs more than the exchange itself on
// loopback, where a sidecar or a local MCP server answers in tens of
// microseconds.
//
// It leaves to std what needs std's machinery: HTTPS, a proxy, a body of
// unknown length or over inlineMaxBody, Expect, Upgrade, trailers, and a
// request traced with net/http/httptrace. What it serves it serves as std
// would (TestInlineMatchesTransport, FuzzInlineAnswer): keep-alive with
// the same idle limits, a connection the server closed while idle never
// reused (checked before each reuse, where std's reader notices at once),
// 1xx answers skipped, the same limit on response heads, the same
// refusal of invalid header fields, a request whose context ends failing
// with the context's cause, an idempotent request sent again once when a
// reused connection fails before any answer, and a switch of protocols
// giving the connection as the body. It does not ask for gzip (std does
// when the caller has not chosen an encoding): a plain-HTTP backend is a
// near one.
type inline struct {
	std *http.Transport

	mu    sync.Mutex
	idle  map[string][]*inlineConn // by host:port, the most recently used last
	nidle int
	prune *time.Timer // armed while connections are idle
}

// inlineMaxBody is the largest request body inline sends: the write of
// one that fits a socket's buffer never waits for the server to read it,
// so the response can be read after it (std reads while writing, and
// passes on an early answer to a large upload).
const inlineMaxBody = 64 << 10

// serves reports whether inline sends req itself.
func (t *inline) serves(req *http.Request) bool {
	if req.URL == nil || req.Header == nil || req.URL.Scheme != "http" || req.URL.Host == "" ||
		req.Method == http.MethodConnect {
		return false
	}
	if req.Body != nil && req.Body != http.NoBody && (req.ContentLength <= 0 || req.ContentLength > inlineMaxBody) {
		return false
	}
	if _, ok := req.Header["Expect"]; ok || len(req.Trailer) > 0 {
		return false
	}
	if httptrace.ContextClientTrace(req.Context()) != nil {
		return false // std reports the exchange's events
	}
	if _, ok := req.Header["Upgrade"]; ok {
		return false
	}
	if t.std.Proxy != nil {
		if u, err := t.std.Proxy(req); u != nil || err != nil {
			return false
		}
	}
	return true
}

// RoundTrip implements http.RoundTripper.
func (t *inline) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.serves(req) {
		return t.std.RoundTrip(req)
	}
	if err := validHeader(req.Header); err != nil {
		closeBody(req)
		return nil, err
	}
	ctx := req.Context()
	key := hostPort(req)
	for retried := false; ; retried = true {
		if err := ctx.Err(); err != nil {
			closeBody(req)
			return nil, context.Cause(ctx)
		}
		pc, reused, err := t.get(ctx, key)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		resp, answered, err := pc.roundTrip(ctx, req)
		if err == nil {
			return resp, nil
		}
		if retried || !reused || answered || ctx.Err() != nil || !replayable(req) {
			return nil, err
		}
		if req, err = rewound(req); err != nil {
			return nil, err
		}
	}
}

// hostPort is where req goes: its URL's host with the port, 80 by
// default.
func hostPort(req *http.Request) string {
	if req.URL.Port() != "" {
		return req.URL.Host
	}
	return net.JoinHostPort(req.URL.Hostname(), "80")
}

// replayable reports whether req may be sent again after its connection
// failed before any answer, as http.Transport decides: an idempotent
// method, or an idempotency key, and a body that can be had again.
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// rewound is req with its body from the start.
func rewound(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	again := *req
	again.Body = body
	return &again, nil
}

// closeBody closes req's body, as a RoundTrip must whatever happens.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// get returns an idle connection to key that is still open, or a new
// one.
func (t *inline) get(ctx context.Context, key string) (pc *inlineConn, reused bool, err error) {
	for {
		t.mu.Lock()
		conns := t.idle[key]
		if len(conns) == 0 {
			t.mu.Unlock()
			break
		}
		pc = conns[len(conns)-1]
		conns[len(conns)-1] = nil
		t.idle[key] = conns[:len(conns)-1]
		t.nidle--
		t.mu.Unlock()
		if pc.alive() {
			return pc, true, nil
		}
		_ = pc.nc.Close()
	}
	dial := t.std.DialContext
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	nc, err := dial(ctx, "tcp", key)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, context.Cause(ctx)
		}
		return nil, false, err
	}
	return newInlineConn(t, key, nc), false, nil
}

// put keeps pc for reuse, or closes it when the limits are reached.
func (t *inline) put(pc *inlineConn) {
	perHost := t.std.MaxIdleConnsPerHost
	if perHost == 0 {
		perHost = http.DefaultMaxIdleConnsPerHost
	}
	t.mu.Lock()
	if len(t.idle[pc.key]) >= perHost || (t.std.MaxIdleConns > 0 && t.nidle >= t.std.MaxIdleConns) {
		t.mu.Unlock()
		_ = pc.nc.Close()
		return
	}
	if t.idle == nil {
		t.idle = map[string][]*inlineConn{}
	}
	pc.idleAt = time.Now()
	t.idle[pc.key] = append(t.idle[pc.key], pc)
	t.nidle++
	if t.prune == nil && t.std.IdleConnTimeout > 0 {
		t.prune = time.AfterFunc(t.std.IdleConnTimeout, t.closeStale)
	}
	t.mu.Unlock()
}

// closeStale closes the connections idle for IdleConnTimeout, and waits
// for the next to be when some remain.
func (t *inline) closeStale() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prune = nil
	cutoff := time.Now().Add(-t.std.IdleConnTimeout)
	var next time.Time
	for key, conns := range t.idle {
		kept := conns[:0]
		for _, pc := range conns {
			if pc.idleAt.After(cutoff) {
				kept = append(kept, pc)
				if next.IsZero() || pc.idleAt.Before(next) {
					next = pc.idleAt
				}
				continue
			}
			_ = pc.nc.Close()
			t.nidle--
		}
		clear(conns[len(kept):])
		if len(kept) == 0 {
			delete(t.idle, key)
		} else {
			t.idle[key] = kept
		}
	}
	if !next.IsZero() {
		t.prune = time.AfterFunc(time.Until(next.Add(t.std.IdleConnTimeout)), t.closeStale)
	}
}

// CloseIdleConnections closes the idle connections of inline and of std
// (http.Client.CloseIdleConnections calls it).
func (t *inline) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle, t.nidle = nil, 0
	if t.prune != nil {
		t.prune.Stop()
		t.prune = nil
	}
	t.mu.Unlock()
	for _, conns := range idle {
		for _, pc := range conns {
			_ = pc.nc.Close()
		}
	}
	t.std.CloseIdleConnections()
}

// validHeader refuses the header fields http.Transport refuses: a name
// that is not an RFC 9110 token, a value with a control character other
// than a tab.
func validHeader(h http.Header) error {
	for name, values := range h {
		if !isToken(name) {
			return fmt.Errorf("net/http: invalid header field name %q", name)
		}
		for _, v := range values {
			for i := 0; i < len(v); i++ {
				if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
					// Like http.Transport, don't quote the value: it
					// may be a secret.
					return fmt.Errorf("net/http: invalid header field value for %q", name)
				}
			}
		}
	}
	return nil
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' ||
			c == '+' || c == '-' || c == '.' || c == '^' || c == '_' || c == '`' || c == '|' || c == '~':
		default:
			return false
		}
	}
	return true
}

// errClosedBody is a read of a response body after its Close, worded as
// http.Transport words it.
var errClosedBody = errors.New("http: read on closed response body")
