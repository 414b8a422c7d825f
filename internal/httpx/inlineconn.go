package httpx

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// inlineConn is one of inline's connections.
type inlineConn struct {
	t      *inline
	key    string // host:port
	nc     net.Conn
	r      limitedConn // nc, as br reads it
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time // when it was last put back
}

func newInlineConn(t *inline, key string, nc net.Conn) *inlineConn {
	pc := &inlineConn{t: t, key: key, nc: nc, r: limitedConn{nc: nc, left: -1}}
	pc.br = bufio.NewReader(&pc.r)
	pc.bw = bufio.NewWriter(nc)
	return pc
}

// limitedConn reads a connection counting what it read, and stops at a
// limit while one is set (left >= 0).
type limitedConn struct {
	nc   net.Conn
	left int64
	read int64
}

func (c *limitedConn) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, errHeaderLimit
	}
	if c.left > 0 && int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.nc.Read(p)
	c.read += int64(n)
	if c.left > 0 {
		c.left -= int64(n)
	}
	return n, err
}

var errHeaderLimit = fmt.Errorf("read limit exhausted")

// headerLimit is the most bytes of response headers read, 1xx answers
// included: std's MaxResponseHeaderBytes, 10 MiB by default as for std.
func (t *inline) headerLimit() int64 {
	if t.std.MaxResponseHeaderBytes > 0 {
		return t.std.MaxResponseHeaderBytes
	}
	return 10 << 20
}

// alive reports whether pc, idle, can carry a request: not idle too long,
// nothing unread, and not closed by the server.
func (pc *inlineConn) alive() bool {
	if pc.br.Buffered() > 0 {
		return false
	}
	if d := pc.t.std.IdleConnTimeout; d > 0 && time.Since(pc.idleAt) >= d {
		return false
	}
	return connAlive(pc.nc)
}

// aLongTimeAgo is a deadline that makes blocked I/O return at once.
var aLongTimeAgo = time.Unix(1, 0)

// roundTrip sends req on pc and reads the answer's head. The answer's
// body is read by the caller; pc goes back to its transport when the
// body ends, and is closed when the body is closed before its end or
// anything fails. answered says whether any of an answer was read, after
// which req is never sent again.
func (pc *inlineConn) roundTrip(ctx context.Context, req *http.Request) (resp *http.Response, answered bool, err error) {
	stop := context.AfterFunc(ctx, func() { _ = pc.nc.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, bool, error) {
		stop()
		_ = pc.nc.Close()
		if ctx.Err() != nil {
			return nil, answered, context.Cause(ctx)
		}
		return nil, answered, err
	}
	if err := req.Write(pc.bw); err != nil { // closes req.Body
		return fail(err)
	}
	if err := pc.bw.Flush(); err != nil {
		return fail(err)
	}
	limit := pc.t.headerLimit()
	pc.r.left, pc.r.read = limit, 0
	for {
		resp, err = http.ReadResponse(pc.br, req)
		answered = pc.r.read > 0
		if err != nil {
			if pc.r.left == 0 {
				err = fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", limit)
			}
			return fail(err)
		}
		if code := resp.StatusCode; code < 100 || code > 199 || code == http.StatusSwitchingProtocols {
			break
		}
		// An informational answer: the final one follows, within the
		// same limit on the heads' size.
	}
	pc.r.left = -1
	if resp.StatusCode == http.StatusSwitchingProtocols && resp.Header.Get("Upgrade") != "" && hasToken(resp.Header["Connection"], "upgrade") {
		// The connection now speaks another protocol (a 101 that names
		// one, with Connection: upgrade); it is the body, the caller's
		// alone, as std gives it.
		stop()
		resp.Body = switched{pc}
		return resp, true, nil
	}
	reuse := !resp.Close && !req.Close && resp.StatusCode >= 200
	if req.Method == http.MethodHead || resp.ContentLength == 0 || resp.Body == http.NoBody {
		pc.release(stop, reuse)
		return resp, true, nil
	}
	resp.Body = &inlineBody{pc: pc, body: resp.Body, stop: stop, ctx: ctx, reuse: reuse}
	return resp, true, nil
}

// release ends pc's exchange: pc goes back to its transport when reuse
// allows and its context did not interrupt it, else it is closed.
func (pc *inlineConn) release(stop func() bool, reuse bool) {
	if stop() && reuse && pc.br.Buffered() == 0 {
		pc.t.put(pc)
		return
	}
	_ = pc.nc.Close()
}

// inlineBody is the body of an answer inline read: the connection is
// released at its end, closed by an early Close, and a read interrupted
// by the request's context fails with the context's cause.
type inlineBody struct {
	pc    *inlineConn
	body  io.ReadCloser
	stop  func() bool
	ctx   context.Context
	reuse bool

	mu     sync.Mutex
	done   bool // the connection is released or closed
	closed bool
}

func (b *inlineBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	closed, done := b.closed, b.done
	b.mu.Unlock()
	switch {
	case closed:
		return 0, errClosedBody
	case done:
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	if err == nil {
		return n, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return n, errClosedBody
	}
	if b.done {
		return n, err
	}
	b.done = true
	if err == io.EOF {
		b.pc.release(b.stop, b.reuse)
		return n, io.EOF
	}
	b.stop()
	_ = b.pc.nc.Close()
	if b.ctx.Err() != nil {
		return n, context.Cause(b.ctx)
	}
	return n, err
}

// Close closes the connection unless the body was read to its end.
func (b *inlineBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	if !b.done {
		b.done = true
		b.stop()
		_ = b.pc.nc.Close()
	}
	return nil
}

// switched is the body of an answer that switched protocols: the
// connection itself, read after what was buffered.
type switched struct{ pc *inlineConn }

func (s switched) Read(p []byte) (int, error)  { return s.pc.br.Read(p) }
func (s switched) Write(p []byte) (int, error) { return s.pc.nc.Write(p) }
func (s switched) Close() error                { return s.pc.nc.Close() }

// hasToken reports whether the comma-separated values list token,
// ignoring case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for f := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), token) {
				return true
			}
		}
	}
	return false
}
