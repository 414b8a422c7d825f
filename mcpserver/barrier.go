package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
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
// go-sdk needs as it made it), and ends the server's requests that a
// call's stream leaves unanswered (see sseCounter).
type countingRoundTripper struct {
	base http.RoundTripper
	l    *link
}

func (rt countingRoundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if mediaType(resp.Header.Get("Content-Type")) == "text/event-stream" {
		resp.Body = &sseCounter{ReadCloser: resp.Body, l: rt.l, call: req.Method == http.MethodPost}
	}
	return resp, nil
}

// sseCounter parses the SSE stream passing through it, event by event,
// and counts the relayed notifications among its events.
//
// In the stream of a POSTed request (call), the server's requests relate
// to that request: once its answer comes, the server has given them up,
// yet a server may never say so (go-sdk's server sends the
// notifications/cancelled of such a request after the answer that closes
// the stream, and it is lost). So before the answer, sseCounter inserts a
// notifications/cancelled for each request the stream carried: go-sdk's
// client then ends the handler that relays it, and the relayed request is
// cancelled in turn (for a request already answered, go-sdk ignores it).
// Otherwise the bytes pass unchanged.
type sseCounter struct {
	io.ReadCloser
	l     *link
	call  bool              // the stream answers a POSTed request
	line  []byte            // the unfinished line
	event []byte            // the unfinished event, as read
	data  []byte            // the event's data so far
	asked []json.RawMessage // the ids of the server's requests in the stream so far
	out   []byte            // events ready to return
	err   error             // the stream's end, once read
}

func (s *sseCounter) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if s.err != nil {
			// What is left of an unfinished event goes as it is.
			s.out = append(append(s.out, s.event...), s.line...)
			s.event, s.line = s.event[:0], s.line[:0]
			if len(s.out) == 0 {
				return 0, s.err
			}
			break
		}
		if len(p) == 0 {
			return 0, nil
		}
		n, err := s.ReadCloser.Read(p)
		s.feed(p[:n])
		s.err = err
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

// feed parses b, the stream's next bytes.
func (s *sseCounter) feed(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			s.line = append(s.line, b...)
			return
		}
		s.line = append(s.line, b[:i+1]...)
		b = b[i+1:]
		s.event = append(s.event, s.line...)
		s.endLine(bytes.TrimSuffix(bytes.TrimSuffix(s.line, []byte("\n")), []byte("\r")))
		s.line = s.line[:0]
	}
}

func (s *sseCounter) endLine(line []byte) {
	if len(line) == 0 { // the end of an event
		s.endEvent()
		s.out = append(s.out, s.event...)
		s.event, s.data = s.event[:0], s.data[:0]
		return
	}
	if v, ok := bytes.CutPrefix(line, []byte("data:")); ok {
		if len(s.data) > 0 {
			s.data = append(s.data, '\n')
		}
		s.data = append(s.data, bytes.TrimPrefix(v, []byte(" "))...)
	}
}

// endEvent looks at the event's message before it goes.
func (s *sseCounter) endEvent() {
	notification := bytes.Contains(s.data, []byte(`"notifications/`))
	request := s.call && (len(s.asked) > 0 || bytes.Contains(s.data, []byte(`"method"`)))
	if len(s.data) == 0 || !notification && !request {
		return
	}
	var m struct {
		Method string          `json:"method"`
		ID     json.RawMessage `json:"id"`
	}
	if json.Unmarshal(s.data, &m) != nil {
		return
	}
	switch {
	case !hasID(m.ID):
		if relayedNotification(m.Method) {
			s.l.received.Add(1)
		}
	case !s.call:
	case m.Method != "":
		s.asked = append(s.asked, m.ID)
	default: // the answer
		for _, id := range s.asked {
			s.out = append(s.out, "event: message\ndata: "...)
			s.out = append(s.out, `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":`...)
			s.out = append(s.out, id...)
			s.out = append(s.out, `,"reason":"the server answered the request this one belonged to"}}`+"\n\n"...)
		}
		s.asked = nil
	}
}
