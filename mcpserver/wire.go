package mcpserver

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/mcpserver/internal/sdkwire"
)

// The lean path's reading of the server's answer to a tools/call over
// streamable HTTP: a JSON-RPC message in an application/json body, or a
// text/event-stream whose events carry messages (or batches of them)
// until the one that answers the call.

// wireMessage is one JSON-RPC message: a request (Method and ID), a
// notification (Method alone) or a response (ID with Result or Error).
type wireMessage struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id,omitempty"`
	Method  string          `json:"method,omitempty"`
	Params  json.RawMessage `json:"params,omitempty"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *jsonrpc.Error  `json:"error,omitempty"`
}

// isResponse reports whether m answers a request.
func (m *wireMessage) isResponse() bool { return m.Method == "" && hasID(m.ID) }

func hasID(id json.RawMessage) bool { return len(id) > 0 && string(id) != "null" }

// errNoAnswer is a stream that ended before the answer.
var errNoAnswer = errors.New("the server's event stream ended before its answer")

// errNotAnswer is a JSON body without the answer.
var errNotAnswer = errors.New("the server's answer is not the call's")

// decodeMessages decodes data, a message or a batch of them.
func decodeMessages(data []byte) ([]wireMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '[' {
		var batch []wireMessage
		if err := json.Unmarshal(data, &batch); err != nil {
			return nil, fmt.Errorf("decoding a batch: %w", err)
		}
		return batch, nil
	}
	var m wireMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("decoding a message: %w", err)
	}
	return []wireMessage{m}, nil
}

// readJSONAnswer reads the answer to the request with id (its JSON) from
// body, a plain-JSON message or batch; the other messages it holds are
// passed to other, in order. At most max bytes are read.
func readJSONAnswer(body io.Reader, id []byte, max int, other func(*wireMessage)) (*wireMessage, error) {
	data, err := io.ReadAll(io.LimitReader(body, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(data) > max {
		return nil, fmt.Errorf("the answer exceeds %d bytes", max)
	}
	m, err := findAnswer(data, id, other)
	if err == nil && m == nil {
		err = errNotAnswer
	}
	return m, err
}

// answer reads events until the one that answers the request with id (its
// JSON), passing the other messages to other, in order.
func (e *eventReader) answer(id []byte, other func(*wireMessage)) (*wireMessage, error) {
	for {
		data, err := e.next()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(data)) == 0 {
			continue // a priming event: an id to resume from, no message
		}
		if m, err := findAnswer(data, id, other); err != nil || m != nil {
			return m, err
		}
	}
}

// findAnswer decodes data and returns the message among them that answers
// id, passing the others to other; nil if none does.
func findAnswer(data, id []byte, other func(*wireMessage)) (*wireMessage, error) {
	msgs, err := decodeMessages(data)
	if err != nil {
		return nil, err
	}
	var answer *wireMessage
	for i := range msgs {
		m := &msgs[i]
		if answer == nil && m.isResponse() && bytes.Equal(bytes.TrimSpace(m.ID), id) {
			answer = m
			continue
		}
		if other != nil {
			other(m)
		}
	}
	return answer, nil
}

// eventReader reads the data of a text/event-stream's message events,
// keeping what resuming the stream needs: the last event id and the
// reconnection delay the server asked for.
type eventReader struct {
	r   *bufio.Reader
	max int // bytes of one event

	lastID string        // the id of the last event read whole ("" if none)
	retry  time.Duration // the server's reconnection time (0 if unset)
}

func newEventReader(body io.Reader, max int) *eventReader {
	return &eventReader{r: bufio.NewReaderSize(body, 1<<10), max: max}
}

// resumeFrom continues reading from body, the stream resumed after
// lastID.
func (e *eventReader) resumeFrom(body io.Reader) { e.r.Reset(body) }

// errCut is a stream that broke off: a read failed.
var errCut = errors.New("reading the event stream")

// next returns the data of the next event whose type is "message" (or
// unset) and that has data; the stream's end is errNoAnswer. An event's id
// counts once the event is whole, as the SSE specification's last event
// ID does.
func (e *eventReader) next() ([]byte, error) {
	var (
		data    []byte
		hasData bool
		name    string
		size    int
		id      string
		hasID   bool
	)
	for {
		line, err := e.r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A long line: gather it whole, within the bound.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if size+len(long) > e.max {
					return nil, fmt.Errorf("an event exceeds %d bytes", e.max)
				}
				line, err = e.r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		size += len(line)
		if size > e.max {
			return nil, fmt.Errorf("an event exceeds %d bytes", e.max)
		}
		eof := false
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("%w: %w", errCut, err)
			}
			eof = true
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if len(line) == 0 {
			if hasID {
				e.lastID = id
			}
			if hasData && (name == "" || name == "message") {
				return data, nil
			}
			if eof {
				return nil, errNoAnswer
			}
			data, hasData, name, size, hasID = data[:0], false, "", 0, false
			continue
		}
		if line[0] != ':' { // a comment otherwise
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "data":
				if hasData {
					data = append(data, '\n')
				}
				data, hasData = append(data, value...), true
			case "event":
				name = string(value)
			case "id":
				if bytes.IndexByte(value, 0) < 0 {
					id, hasID = string(value), true
				}
			case "retry":
				if ms, err := strconv.ParseUint(string(value), 10, 32); err == nil {
					e.retry = time.Duration(ms) * time.Millisecond
				}
			}
		}
		if eof { // the last event, unterminated, counts as go-sdk counts it
			if hasID {
				e.lastID = id
			}
			if hasData && (name == "" || name == "message") {
				return data, nil
			}
			return nil, errNoAnswer
		}
	}
}

// callResult decodes a tools/call result as go-sdk's client does.
func callResult(raw json.RawMessage) (*mcp.CallToolResult, error) {
	res, err := sdkwire.DecodeCallToolResult(raw)
	if err != nil {
		return nil, fmt.Errorf("unmarshaling result: %w", err)
	}
	return res, nil
}
