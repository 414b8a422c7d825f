package fastpath

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	segjson "github.com/segmentio/encoding/json"
)

// Answering with an event stream.
//
// A call of a tool that relays another server's session (Config.Streams)
// is answered here too when its client can be asked something (it
// declared sampling or elicitation, sent a progress token, or set a log
// level), whenever answers are event streams: on a stateful session, and
// stateless (where only notifications can be sent, and the log level is
// go-sdk's for a request without a session: info, none in the sessionless
// form). What the tool sends the client while it runs travels on the
// call's own event stream as go-sdk frames it: notifications (progress;
// log messages from the level the client set, filtered as go-sdk filters
// them: Logs) and requests (sampling, elicitation) as "message" events,
// then the answer, which ends the stream. A request gets an id of the fast
// path's own ("toolgate-ask-N", a string; go-sdk numbers its requests).
// The client's answer comes in a POST of its own, which the fast path
// takes (202 Accepted, as go-sdk answers a POST that holds no request)
// when a request on that session awaits it, and leaves to go-sdk
// otherwise. A request whose context ends, and every request still waiting
// when the call returns, is cancelled toward the client
// (notifications/cancelled) on the stream before the answer, so a client
// always hears of it. Nothing is sent after the answer. A stream that sent
// nothing before the answer is the one-event answer of a quiet call.
//
// Without an event store (the gateway configures none) go-sdk's streams
// carry no event ids and cannot be resumed; neither can these.

// askPrefix begins the id of every request the fast path sends a client.
const askPrefix = "toolgate-ask-"

// Stream is the event stream of one call the fast path answers, for the
// tool to send the client notifications and requests while it runs
// (StreamFrom).
type Stream struct {
	fs *fastSession // nil when stateless
	w  http.ResponseWriter
	// the log level of a stateless call: go-sdk's ephemeral session for
	// a request of the older protocols has "info", one of the
	// sessionless form none
	statelessLevel mcp.LoggingLevel

	mu      sync.Mutex
	started bool                // an event was written before the answer
	over    bool                // the answer is written, or will not be
	asked   map[string]struct{} // the call's requests awaiting an answer, by id as written
}

// askAnswer is the client's answer to a request, or why none will come.
type askAnswer struct {
	result json.RawMessage
	err    error
}

// ErrStreamOver is the error of a message sent after its call returned.
var ErrStreamOver = errors.New("fastpath: the call has returned; its stream carries nothing more")

// errStateless refuses a request to a client without a session.
var errStateless = errors.New("fastpath: a stateless server cannot send requests to the client")

// errSessionClosed ends the requests of a session that closed.
var errSessionClosed = errors.New("fastpath: the client's session closed")

type streamKey struct{}

// StreamFrom returns the event stream of the call whose context is ctx,
// or nil when go-sdk answers it.
func StreamFrom(ctx context.Context) *Stream {
	st, _ := ctx.Value(streamKey{}).(*Stream)
	return st
}

// Logs reports whether a log message of level reaches the client, as
// go-sdk's ServerSession.Log decides: none before the client set a level,
// then those at or above it (an unknown level counts as debug). A
// stateless call has statelessLevel.
func (st *Stream) Logs(level mcp.LoggingLevel) bool {
	set := st.statelessLevel
	if st.fs != nil {
		set = st.fs.logLevel()
	}
	return set != "" && severity(level) >= severity(set)
}

// severity orders the MCP log levels as go-sdk does.
func severity(l mcp.LoggingLevel) slog.Level {
	switch l {
	case "info":
		return mcp.LevelInfo
	case "notice":
		return mcp.LevelNotice
	case "warning":
		return mcp.LevelWarning
	case "error":
		return mcp.LevelError
	case "critical":
		return mcp.LevelCritical
	case "alert":
		return mcp.LevelAlert
	case "emergency":
		return mcp.LevelEmergency
	}
	return mcp.LevelDebug
}

// Notify sends the client a notification with params on the stream.
func (st *Stream) Notify(method string, params any) error {
	msg, err := message(nil, method, params)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.over {
		return ErrStreamOver
	}
	return st.write(msg)
}

// Request sends the client a request with params on the stream and
// returns its answer's result: a client's JSON-RPC error comes back as a
// *jsonrpc.Error. When ctx ends first, the request is cancelled toward the
// client and ctx's error returned; when the call returns or the session
// closes first, an error says so. Errors are worded as go-sdk's.
func (st *Stream) Request(ctx context.Context, method string, params any) (json.RawMessage, error) {
	res, err := st.request(ctx, method, params)
	if err != nil {
		return nil, fmt.Errorf("calling %q: %w", method, err)
	}
	return res, nil
}

func (st *Stream) request(ctx context.Context, method string, params any) (json.RawMessage, error) {
	if st.fs == nil {
		return nil, errStateless
	}
	id, err := Encode(askPrefix + strconv.FormatUint(st.fs.asks.Add(1), 10))
	if err != nil {
		return nil, err
	}
	msg, err := message(id, method, params)
	if err != nil {
		return nil, err
	}
	key := string(id)
	ch := make(chan askAnswer, 1)
	if !st.fs.await(key, ch) {
		return nil, errSessionClosed
	}
	st.mu.Lock()
	if st.over {
		st.mu.Unlock()
		st.fs.forget(key)
		return nil, ErrStreamOver
	}
	if err := st.write(msg); err != nil {
		st.mu.Unlock()
		st.fs.forget(key)
		return nil, err
	}
	if st.asked == nil {
		st.asked = make(map[string]struct{})
	}
	st.asked[key] = struct{}{}
	st.mu.Unlock()
	select {
	case a := <-ch:
		st.mu.Lock()
		delete(st.asked, key)
		st.mu.Unlock()
		return a.result, a.err
	case <-ctx.Done():
		st.mu.Lock()
		if _, waiting := st.asked[key]; waiting && !st.over {
			delete(st.asked, key)
			_ = st.write(cancelled(key, ctx.Err()))
		}
		st.mu.Unlock()
		if !st.fs.forget(key) {
			// The answer came as ctx ended: take it, as the waiter
			// above would have.
			select {
			case a := <-ch:
				if a.err == nil && a.result != nil {
					return a.result, nil
				}
			default:
			}
		}
		return nil, ctx.Err()
	}
}

// finish writes the call's answer out (unless drop), after cancelling the
// requests still awaiting an answer, and closes the stream to further
// messages.
func (st *Stream) finish(out []byte, drop bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.over = true
	for key := range st.asked {
		if !drop && st.started {
			_ = st.write(cancelled(key, ErrStreamOver))
		}
		st.fs.answer(key, askAnswer{err: ErrStreamOver})
	}
	clear(st.asked)
	if drop {
		return
	}
	if !st.started {
		writeOne(st.w, out)
		return
	}
	_ = st.write(out)
}

// writeOne writes the answer out as a stream of one event: with its
// length known, the headers and the event leave in one write, and no
// closing chunk follows.
func writeOne(w http.ResponseWriter, out []byte) {
	ev := event(out)
	w.Header().Set("Content-Length", strconv.Itoa(len(ev)))
	_, _ = w.Write(ev)
	_ = http.NewResponseController(w).Flush()
}

// write writes msg as one event and flushes it. st.mu is held.
func (st *Stream) write(msg []byte) error {
	st.started = true
	if _, err := st.w.Write(event(msg)); err != nil {
		return err
	}
	return http.NewResponseController(st.w).Flush()
}

// event is msg as go-sdk frames a message of a stream without event ids.
func event(msg []byte) []byte {
	ev := make([]byte, 0, len(msg)+32)
	return append(append(append(ev, "event: message\ndata: "...), msg...), "\n\n"...)
}

// message is the JSON-RPC request (with id) or notification (id nil) of
// method with params.
func message(id []byte, method string, params any) ([]byte, error) {
	p, err := Encode(params)
	if err != nil {
		return nil, fmt.Errorf("fastpath: encoding %s: %w", method, err)
	}
	m, _ := Encode(method)
	out := make([]byte, 0, len(p)+len(m)+len(id)+48)
	out = append(out, `{"jsonrpc":"2.0",`...)
	if id != nil {
		out = append(append(append(out, `"id":`...), id...), ',')
	}
	out = append(append(out, `"method":`...), m...)
	out = append(append(out, `,"params":`...), p...)
	return append(out, '}'), nil
}

// cancelled is the notifications/cancelled of the request with id.
func cancelled(id string, why error) []byte {
	reason, _ := Encode(why.Error())
	return []byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":` + id + `,"reason":` + string(reason) + `}}`)
}

// await registers ch for the answer to the request with id; it reports
// false on a closed session.
func (fs *fastSession) await(id string, ch chan askAnswer) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.closed {
		return false
	}
	if fs.asked == nil {
		fs.asked = make(map[string]chan askAnswer)
	}
	fs.asked[id] = ch
	return true
}

// answer hands a to the request with id, if it still awaits an answer,
// and reports whether it did.
func (fs *fastSession) answer(id string, a askAnswer) bool {
	fs.mu.Lock()
	ch, ok := fs.asked[id]
	delete(fs.asked, id)
	fs.mu.Unlock()
	if ok {
		ch <- a
	}
	return ok
}

// forget stops awaiting the answer to the request with id, and reports
// whether it was still awaited (false: an answer, or the end of the
// session, was handed over already).
func (fs *fastSession) forget(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	_, ok := fs.asked[id]
	delete(fs.asked, id)
	return ok
}

// parseAnswer reads body as a client's answer to a request the fast path
// sent: the request's id as written, and the answer.
func parseAnswer(body []byte) (string, askAnswer, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' || !bytes.Contains(body, []byte(askPrefix)) || !json.Valid(body) {
		return "", askAnswer{}, false // (one JSON value, nothing after it)
	}
	var msg struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Method  *string         `json:"method"`
		Result  json.RawMessage `json:"result"`
		Error   *jsonrpc.Error  `json:"error"`
	}
	if Decode(body, &msg) != nil || msg.JSONRPC != "2.0" || msg.Method != nil || (msg.Result == nil) == (msg.Error == nil) {
		return "", askAnswer{}, false
	}
	var id string
	if json.Unmarshal(msg.ID, &id) != nil || !strings.HasPrefix(id, askPrefix) {
		return "", askAnswer{}, false
	}
	key, err := Encode(id)
	if err != nil {
		return "", askAnswer{}, false
	}
	if msg.Error != nil {
		return string(key), askAnswer{err: msg.Error}, true
	}
	return string(key), askAnswer{result: msg.Result}, true
}

// Decode decodes data, one JSON value, into v as go-sdk decodes what a
// client sends: with segmentio's decoder, field names matched exactly.
// It parses as go-sdk's Decoder.Decode does once it has read the value,
// without the Decoder's 32 KiB read buffer.
func Decode(data []byte, v any) error {
	_, err := segjson.Parse(data, v, segjson.DontMatchCaseInsensitiveStructFields)
	return err
}
