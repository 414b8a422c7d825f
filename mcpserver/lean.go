package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/jsonx"
)

// The lean path sends a call over streamable HTTP itself, in place of
// go-sdk's client: one POST on the backend session go-sdk initialised (its
// Mcp-Session-Id and negotiated MCP-Protocol-Version), through the
// target's own *http.Client (its credentials, its trace headers), and the
// answer read as it arrives, without the goroutine hops and per-message
// buffers of go-sdk's client. What else the server sends in the call's
// stream is handled as go-sdk's client would handle it, by the same link
// handlers: notifications are relayed (progress and log messages to their
// callers; list changes and resource updates to the gateway), requests
// (the server's sampling and elicitation, ping, roots/list) are answered
// with a POST, sampling and elicitation relayed to the caller, and the
// server's cancellation of one of its requests cancels its relay. Every
// call over a protocol version whose streamable HTTP rules the lean path
// does not know goes through go-sdk.

// leanVersion reports whether the lean path speaks tools/call over
// streamable HTTP at protocol version v: those up to protocolVersion, whose
// requests carry no header but the session's and the version's.
func leanVersion(v string) bool {
	switch v {
	case "2025-03-26", "2025-06-18", protocolVersion:
		return true
	}
	return false
}

// lean reports whether a call on cs may take the lean path.
func (t *Target) lean(cs *mcp.ClientSession) bool {
	if t.opts.URL == "" || t.opts.SSE || t.noLean {
		return false
	}
	ir := cs.InitializeResult()
	return ir != nil && leanVersion(ir.ProtocolVersion)
}

// maxMessage bounds one message (or event) of the server's answer, as
// go-sdk's client bounds an event (mcp.DefaultMaxEventSize).
const maxMessage = mcp.DefaultMaxEventSize

// mediaType is the media type of a Content-Type value, in lower case,
// without parameters.
func mediaType(v string) string {
	v, _, _ = strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(v))
}

// drainTimeout bounds the reading of what follows an answer.
const drainTimeout = time.Second

// cancelTimeout bounds the notifications/cancelled of a call whose
// context ended.
const cancelTimeout = 5 * time.Second

// callLean makes the call c of req on cs, the link l's session, with meta
// as the request's _meta. Its outcomes are go-sdk's path's: the server's
// result, its JSON-RPC error (wrapped as go-sdk wraps it), or an isError
// result when the server cannot be reached, which also closes cs so that
// the link connects again.
func (t *Target) callLean(ctx context.Context, l *link, cs *mcp.ClientSession, c *call, req *toolgate.CallRequest, meta map[string]any) (*toolgate.Result, error) {
	id := jsonx.AppendString(nil, "toolgate-"+strconv.FormatUint(c.id, 10))
	body, err := callBody(id, req.Tool, req.Arguments, meta)
	if err != nil {
		return nil, fmt.Errorf("mcp server %q: calling %q: %w", t.opts.Name, "tools/call", err)
	}
	ex := &exchange{t: t, l: l, sid: cs.ID(), version: cs.InitializeResult().ProtocolVersion, call: c}
	answered := false
	defer func() {
		if !answered && ctx.Err() != nil {
			ex.cancelled(ctx, id) // the request may have reached the server
		}
	}()
	// The POST ends with ctx until the answer is in. Then the call
	// returns, and the rest of the stream (normally its end alone) is read
	// in the background, for a second at most, so that the connection is
	// reused and a server that keeps the stream open holds nothing up.
	hctx, hcancel := context.WithCancel(context.WithoutCancel(ctx))
	unbind := context.AfterFunc(ctx, hcancel)
	resp, err := ex.post(hctx, body)
	if err != nil {
		unbind()
		hcancel()
		return t.leanFailed(ctx, l, cs, fmt.Errorf("%s: %w: %w", sending, errRejected, err))
	}
	defer func() {
		if !answered || !unbind() {
			hcancel()
			_ = resp.Body.Close()
			return
		}
		go func() {
			stop := time.AfterFunc(drainTimeout, hcancel)
			defer stop.Stop()
			defer hcancel()
			_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
			_ = resp.Body.Close()
		}()
	}()
	if rpc, err := ex.check(resp); err != nil {
		if rpc {
			return nil, fmt.Errorf("mcp server %q: %s: %w", t.opts.Name, calling, err)
		}
		return t.leanFailed(ctx, l, cs, err)
	}
	mt := mediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" && mt != "text/event-stream" {
		return t.leanFailed(ctx, l, cs, fmt.Errorf("%s: unsupported content type %q", sending, mt))
	}
	var asked sync.WaitGroup
	defer asked.Wait()
	ictx, stop := context.WithCancel(ctx)
	defer stop()
	other := func(m *wireMessage) { ex.handle(ictx, &asked, m) }
	var answer *wireMessage
	if mt == "text/event-stream" {
		answer, err = ex.streamAnswer(hctx, &resp, id, other)
	} else {
		answer, err = readJSONAnswer(resp.Body, id, maxMessage, other)
	}
	if err != nil {
		return t.leanFailed(ctx, l, cs, fmt.Errorf("%s: %w", sending, err))
	}
	answered = true
	if answer.Error != nil {
		return nil, fmt.Errorf("mcp server %q: %s: %w", t.opts.Name, calling, answer.Error)
	}
	res, err := callResult(answer.Result)
	if err != nil {
		return t.leanFailed(ctx, l, cs, err)
	}
	return res, nil
}

// streamAnswer reads the answer to the request with id from the event
// stream *resp, passing the other messages to other, and resumes the
// stream (resume.go) when it breaks off or ends early: *resp is then the
// response being read.
func (ex *exchange) streamAnswer(ctx context.Context, resp **http.Response, id []byte, other func(*wireMessage)) (*wireMessage, error) {
	ev := newEventReader((*resp).Body, maxMessage)
	r := resumer{ex: ex}
	for {
		m, err := ev.answer(id, other)
		if err == nil || !resumable(err) || ctx.Err() != nil {
			return m, err
		}
		next, err := r.resume(ctx, ev, err)
		if err != nil {
			return nil, err
		}
		_ = (*resp).Body.Close()
		*resp = next
		ev.resumeFrom(next.Body)
	}
}

// The beginnings of the lean path's errors, as go-sdk's client words
// them.
const (
	calling = `calling "tools/call"`
	sending = `sending "tools/call"`
)

// errRejected is go-sdk's error for a request that did not reach the
// server, or that the server refused for now.
var errRejected error = &jsonrpc.Error{Code: codeRejected, Message: "rejected by transport"}

// leanFailed is the outcome of a call that got no answer: ctx's error if
// it ended, else an isError result, and cs closed.
func (t *Target) leanFailed(ctx context.Context, l *link, cs *mcp.ClientSession, err error) (*toolgate.Result, error) {
	if ctx.Err() != nil {
		return nil, fmt.Errorf("mcp server %q: %w", t.opts.Name, ctx.Err())
	}
	err = fmt.Errorf("%s: %w", calling, err)
	l.failed(cs, err)
	return t.unavailable(err), nil
}

// callBody is the JSON-RPC tools/call request with id.
func callBody(id []byte, name string, args json.RawMessage, meta map[string]any) ([]byte, error) {
	b := make([]byte, 0, 96+len(name)+len(args))
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"method":"tools/call","params":{`...)
	if len(meta) > 0 {
		m, err := json.Marshal(meta)
		if err != nil {
			return nil, fmt.Errorf("marshaling _meta: %w", err)
		}
		b = append(append(append(b, `"_meta":`...), m...), ',')
	}
	b = append(b, `"name":`...)
	b = jsonx.AppendString(b, name)
	b = append(b, `,"arguments":`...)
	if len(bytes.TrimSpace(args)) == 0 {
		b = append(b, "{}"...)
	} else {
		var buf bytes.Buffer
		if err := json.Compact(&buf, args); err != nil {
			return nil, fmt.Errorf("marshaling arguments: %w", err)
		}
		b = append(b, buf.Bytes()...)
	}
	return append(b, "}}"...), nil
}

// exchange is the lean path's conversation with the server on one
// backend session.
type exchange struct {
	t       *Target
	l       *link
	sid     string // Mcp-Session-Id; "" for a server without sessions
	version string // the negotiated protocol version
	call    *call  // the call whose stream this is: what comes in it is its caller's

	mu    sync.Mutex
	asked map[string]context.CancelFunc // the server's requests being answered, by id
}

// post sends one JSON-RPC message.
func (ex *exchange) post(ctx context.Context, body []byte) (*http.Response, error) {
	return ex.do(ctx, http.MethodPost, bytes.NewReader(body), http.Header{
		"Content-Type": {"application/json"},
		"Accept":       {"application/json, text/event-stream"},
	})
}

// do sends a request on the session: header and the session's own
// (Mcp-Session-Id, the negotiated MCP-Protocol-Version).
func (ex *exchange) do(ctx context.Context, method string, body io.Reader, header http.Header) (*http.Response, error) {
	hr, err := http.NewRequestWithContext(ctx, method, ex.t.opts.URL, body)
	if err != nil {
		return nil, err
	}
	header["Mcp-Protocol-Version"] = []string{ex.version}
	if ex.sid != "" {
		header["Mcp-Session-Id"] = []string{ex.sid}
	}
	hr.Header = header
	return ex.t.client.Do(hr)
}

// transientStatus reports the statuses that go-sdk's client takes for a
// passing refusal, not worth reading an error from.
func transientStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return true
	}
	return false
}

// check maps an HTTP status that is not a success to an error, as go-sdk's
// client does: a JSON-RPC error in the body is the server's answer
// (rpc); a 404 on a session is the session's end
// (mcp.ErrSessionMissing); anything else is a failure to reach the server.
// The backend session's id stays out of the error, which the caller sees.
func (ex *exchange) check(resp *http.Response) (rpc bool, err error) {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return false, nil
	}
	if transientStatus(code) {
		return false, fmt.Errorf("%w: %s: %v", errRejected, sending, http.StatusText(code))
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxMessage))
	var m wireMessage
	if json.Unmarshal(data, &m) == nil && m.isResponse() && m.Error != nil {
		return true, fmt.Errorf("%s: %w: %w: %v", sending, m.Error, errRejected, http.StatusText(code))
	}
	if code == http.StatusNotFound && ex.sid != "" {
		return false, fmt.Errorf("%s: failed to connect: %w", sending, mcp.ErrSessionMissing)
	}
	return false, fmt.Errorf("%s: %v", sending, http.StatusText(code))
}

// cancelled tells the server, in the background, that the request with
// id is cancelled, as go-sdk's client does when a call's context ends.
func (ex *exchange) cancelled(ctx context.Context, id []byte) {
	reason := ctx.Err().Error()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
	go func() {
		defer cancel()
		b := append([]byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":`), id...)
		b = append(jsonx.AppendString(append(b, `,"reason":`...), reason), "}}"...)
		if resp, err := ex.post(ctx, b); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
			_ = resp.Body.Close()
		}
	}()
}

// handle handles a message of the call's stream other than its answer:
// requests are answered in the background (asked counts them),
// notifications relayed now, in order.
func (ex *exchange) handle(ctx context.Context, asked *sync.WaitGroup, m *wireMessage) {
	l := ex.l
	switch {
	case m.Method == "":
		// A response to another request: not this stream's.
	case hasID(m.ID):
		id := string(bytes.TrimSpace(m.ID))
		rctx, cancel := context.WithCancel(ctx)
		ex.mu.Lock()
		if ex.asked == nil {
			ex.asked = map[string]context.CancelFunc{}
		}
		ex.asked[id] = cancel
		ex.mu.Unlock()
		asked.Add(1)
		go func() {
			defer asked.Done()
			defer func() {
				ex.mu.Lock()
				delete(ex.asked, id)
				ex.mu.Unlock()
				cancel()
			}()
			ex.answer(rctx, m)
		}()
	case m.Method == "notifications/cancelled":
		// The server gave up one of its requests: so does its relay.
		var p struct {
			RequestID json.RawMessage `json:"requestId"`
		}
		if json.Unmarshal(m.Params, &p) == nil {
			ex.mu.Lock()
			cancel := ex.asked[string(bytes.TrimSpace(p.RequestID))]
			ex.mu.Unlock()
			if cancel != nil {
				cancel()
			}
		}
	case m.Method == "notifications/message":
		var p mcp.LoggingMessageParams
		if json.Unmarshal(m.Params, &p) == nil {
			l.relayLog(ex.call, &p)
		}
	case m.Method == "notifications/progress":
		var p mcp.ProgressNotificationParams
		if json.Unmarshal(m.Params, &p) == nil {
			l.relayProgress(&p)
		}
	case m.Method == "notifications/tools/list_changed", m.Method == "notifications/prompts/list_changed",
		m.Method == "notifications/resources/list_changed":
		l.t.toolsChanged()
	case m.Method == "notifications/resources/updated":
		var p mcp.ResourceUpdatedNotificationParams
		if json.Unmarshal(m.Params, &p) == nil {
			l.t.resourceUpdated(p.URI)
		}
	case m.Method == "notifications/elicitation/complete":
		var p mcp.ElicitationCompleteParams
		if json.Unmarshal(m.Params, &p) == nil {
			l.elicitationComplete(ctx, &mcp.ElicitationCompleteNotificationRequest{Params: &p})
		}
	}
}

// answer answers the server's request m, as go-sdk's client answers it
// with the link's handlers.
func (ex *exchange) answer(ctx context.Context, m *wireMessage) {
	res, err := ex.serve(ctx, m)
	if ctx.Err() != nil {
		return // the call has ended: no one waits for the answer
	}
	out := wireMessage{JSONRPC: "2.0", ID: m.ID}
	if err != nil {
		out.Error = wireError(err)
	} else if out.Result, err = json.Marshal(res); err != nil {
		out.Error = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
	}
	b, err := json.Marshal(&out)
	if err != nil {
		return
	}
	resp, err := ex.post(ctx, b)
	if err != nil {
		ex.t.log.Debug("mcpserver: answering the server's request", "target", ex.t.opts.Name, "method", m.Method, "err", err)
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	_ = resp.Body.Close()
}

// serve runs the link's handler of the server's request m.
func (ex *exchange) serve(ctx context.Context, m *wireMessage) (any, error) {
	l := ex.l
	params := m.Params
	if len(params) == 0 {
		params = json.RawMessage("{}")
	}
	switch m.Method {
	case "ping":
		return struct{}{}, nil
	case "roots/list":
		return &mcp.ListRootsResult{Roots: []*mcp.Root{}}, nil
	case "sampling/createMessage":
		if l.declared().Sampling == nil {
			return nil, errNoSampling
		}
		var p mcp.CreateMessageWithToolsParams
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, invalidParams(m.Method, err)
		}
		return l.sample(ctx, ex.call, &p)
	case "elicitation/create":
		if l.declared().Elicitation == nil {
			return nil, errNoElicitation
		}
		var p mcp.ElicitParams
		if err := json.Unmarshal(params, &p); err != nil {
			return nil, invalidParams(m.Method, err)
		}
		return l.elicit(ctx, ex.call, &mcp.ElicitRequest{Params: &p})
	}
	return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "method not found: " + m.Method}
}

// go-sdk's client's answers to a server that asks what the client did not
// declare.
var (
	errNoSampling    error = &jsonrpc.Error{Code: codeUnsupportedMethod, Message: "client does not support CreateMessage"}
	errNoElicitation error = &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "client does not support elicitation"}
)

func invalidParams(method string, err error) error {
	return fmt.Errorf("handling '%s': %w", method, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: err.Error()})
}

// wireError is err as a JSON-RPC error, as go-sdk sends a handler's: its
// text, with the code of the JSON-RPC error it wraps (else 0).
func wireError(err error) *jsonrpc.Error {
	var e *jsonrpc.Error
	if errors.As(err, &e) && e.Error() == err.Error() {
		return e
	}
	out := &jsonrpc.Error{Message: err.Error()}
	if e != nil {
		out.Code = e.Code
	}
	return out
}
