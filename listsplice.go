package toolgate

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Answering tools/list from ready-made JSON.
//
// go-sdk encodes a handler's result with encoding/json and then compacts it
// once more inside the JSON-RPC envelope: for a page of 1000 tools that is
// two full scans of about half a megabyte, and most of a listing's time.
// The gateway instead encodes each tool once, the first time it is listed
// under its published name, and hands go-sdk a page holding one placeholder
// tool. The response writer the gateway put under go-sdk then replaces the
// placeholder with the page's tools as go-sdk writes the response. go-sdk
// keeps every other part of the exchange: session and header checks,
// SSE framing or a JSON body, batches, protocol-version specifics.
//
// The gateway configures no go-sdk EventStore: one would record the
// placeholder, not the page, and replay it to a resuming client. Adding
// resumable streams means storing the spliced bytes instead.

// encodedTool is a tool's JSON as tools/list shows it under name.
type encodedTool struct {
	name string
	json []byte
}

// encodeTool returns the JSON of e's tool exactly as go-sdk would write it,
// cached on the prepared tool for as long as its published name holds.
func encodeTool(e *entry) ([]byte, error) {
	if et := e.prep.encoded.Load(); et != nil && et.name == e.info.Name {
		return et.json, nil
	}
	b, err := marshalNoEscape(e.mcp)
	if err != nil {
		return nil, err
	}
	e.prep.encoded.Store(&encodedTool{name: e.info.Name, json: b})
	return b, nil
}

// marshalNoEscape encodes v as go-sdk's JSON-RPC layer does: compact, no
// HTML escaping.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// splicer holds the pages of one HTTP request that wait to be written.
type splicer struct {
	nonce   string // random, per gateway: placeholders cannot be guessed
	seq     *atomic.Uint64
	pending atomic.Int32 // len(pages), read without the lock
	mu      sync.Mutex
	pages   map[string][]byte // placeholder array JSON -> page array JSON
}

// placeholder registers page (the JSON array of a page's tools) and
// returns the tool that stands for it in the result go-sdk encodes.
func (s *splicer) placeholder(page []byte) (*mcp.Tool, error) {
	t := &mcp.Tool{
		Name:        "toolgate-page-" + s.nonce + "-" + strconv.FormatUint(s.seq.Add(1), 10),
		InputSchema: json.RawMessage(`{}`),
	}
	b, err := marshalNoEscape(t)
	if err != nil {
		return nil, err
	}
	key := "[" + string(b) + "]"
	s.mu.Lock()
	if s.pages == nil {
		s.pages = make(map[string][]byte)
	}
	s.pages[key] = page
	s.pending.Store(int32(len(s.pages)))
	s.mu.Unlock()
	return t, nil
}

// spliceWriter is the response writer go-sdk writes to: it passes bytes
// through, replacing any registered placeholder with its page.
type spliceWriter struct {
	http.ResponseWriter
	s *splicer
}

type splice struct {
	at      int
	key     string
	content []byte
}

func (w *spliceWriter) Write(p []byte) (int, error) {
	if w.s.pending.Load() == 0 {
		return w.ResponseWriter.Write(p)
	}
	var found []splice
	w.s.mu.Lock()
	for key, page := range w.s.pages {
		if i := bytes.Index(p, []byte(key)); i >= 0 {
			found = append(found, splice{at: i, key: key, content: page})
			delete(w.s.pages, key)
		}
	}
	w.s.pending.Store(int32(len(w.s.pages)))
	w.s.mu.Unlock()
	if len(found) == 0 {
		return w.ResponseWriter.Write(p)
	}
	sort.Slice(found, func(i, j int) bool { return found[i].at < found[j].at })
	last := 0
	for _, f := range found {
		if _, err := w.ResponseWriter.Write(p[last:f.at]); err != nil {
			return 0, err
		}
		if _, err := w.ResponseWriter.Write(f.content); err != nil {
			return 0, err
		}
		last = f.at + len(f.key)
	}
	if _, err := w.ResponseWriter.Write(p[last:]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush lets go-sdk flush SSE events through the wrapper.
func (w *spliceWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *spliceWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// newNonce returns a random hex string for placeholders.
func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
