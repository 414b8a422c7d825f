package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// go-sdk hands a call's answer to the caller as soon as it is read, while
// the server's notifications read before it (progress, log messages) are
// handled on another goroutine. So that none of them is relayed after the
// caller has its answer, or lost, the link counts the notifications its
// transport reads (received) and those its handlers have relayed
// (handled); after each answer the call waits until the second count
// reaches the first (drain).

// maxDrain bounds drain: a notification that never reaches a handler
// (malformed, or read as its session closed) delays one answer this long
// at most, and is then forgotten.
const maxDrain = time.Second

// relayedNotification reports whether method is a notification the link
// relays to a caller.
func relayedNotification(method string) bool {
	return method == "notifications/progress" || method == "notifications/message"
}

// handledOne records that a relayed notification has been handled.
func (l *link) handledOne() {
	l.mu.Lock()
	l.handled++
	close(l.relayed)
	l.relayed = make(chan struct{})
	l.mu.Unlock()
}

// drain waits until every relayed notification read so far is handled, or
// ctx ends, or maxDrain passes.
func (l *link) drain(ctx context.Context) {
	want := l.received.Load()
	var timeout <-chan time.Time
	for {
		l.mu.Lock()
		handled, ch := l.handled, l.relayed
		l.mu.Unlock()
		if handled >= want {
			return
		}
		if timeout == nil {
			t := time.NewTimer(maxDrain)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		case <-timeout:
			// Forgotten, so that later calls do not wait for them too.
			l.mu.Lock()
			l.handled = max(l.handled, want)
			l.mu.Unlock()
			l.t.log.Debug("mcpserver: notifications not handled in time", "target", l.t.opts.Name, "pending", want-handled)
			return
		}
	}
}

// countingTransport counts the relayed notifications its connection reads
// (for the stdio transport, whose connection go-sdk uses through the
// Connection interface alone).
type countingTransport struct {
	mcp.Transport
	l *link
}

func (t countingTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return countingConn{c, t.l}, nil
}

type countingConn struct {
	mcp.Connection
	l *link
}

func (c countingConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	m, err := c.Connection.Read(ctx)
	if r, ok := m.(*jsonrpc.Request); ok && !r.ID.IsValid() && relayedNotification(r.Method) {
		c.l.received.Add(1)
	}
	return m, err
}

// countingRoundTripper counts the relayed notifications in the server's
// SSE streams as go-sdk reads them (for streamable HTTP, whose connection
// go-sdk needs as it made it).
type countingRoundTripper struct {
	base http.RoundTripper
	l    *link
}

func (rt countingRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/event-stream" {
		resp.Body = &sseCounter{ReadCloser: resp.Body, l: rt.l}
	}
	return resp, nil
}

// sseCounter parses the SSE stream passing through it and counts the
// relayed notifications among its events.
type sseCounter struct {
	io.ReadCloser
	l    *link
	line []byte // the unfinished line
	data []byte // the event's data so far
}

func (s *sseCounter) Read(p []byte) (int, error) {
	n, err := s.ReadCloser.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			s.line = append(s.line, b...)
			break
		}
		s.line = append(s.line, b[:i]...)
		s.endLine(bytes.TrimSuffix(s.line, []byte("\r")))
		s.line = s.line[:0]
		b = b[i+1:]
	}
	return n, err
}

func (s *sseCounter) endLine(line []byte) {
	if len(line) == 0 { // the end of an event
		if len(s.data) > 0 && bytes.Contains(s.data, []byte(`"notifications/`)) {
			var m struct {
				Method string          `json:"method"`
				ID     json.RawMessage `json:"id"`
			}
			if json.Unmarshal(s.data, &m) == nil && m.ID == nil && relayedNotification(m.Method) {
				s.l.received.Add(1)
			}
		}
		s.data = s.data[:0]
		return
	}
	if v, ok := bytes.CutPrefix(line, []byte("data:")); ok {
		if len(s.data) > 0 {
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, bytes.TrimPrefix(v, []byte(" "))...)
	}
}
