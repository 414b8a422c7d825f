package fastpath

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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
// The gateway instead encodes each tool once (Encode), the first time it is
// listed under its published name, and hands go-sdk a page holding one
// placeholder tool (Splicer.Placeholder). The response writer put under
// go-sdk (Splicer.Writer) replaces the placeholder with the page's tools as
// go-sdk writes the response. go-sdk keeps every other part of the
// exchange: session and header checks, SSE framing or a JSON body,
// batches, protocol-version specifics.
//
// go-sdk writes most answers without HTML escaping, but a JSON batch
// answer through encoding/json's Marshal, which escapes '<', '>' and '&'.
// The placeholder carries a '<', so the two encodings of it differ: the
// splicer registers both, and writes the page escaped where it finds the
// escaped placeholder.
//
// If go-sdk ever writes the placeholder in a shape other than the one
// registered (a new encoding), the writer finds its marker but no
// placeholder: it refuses the write, so that no placeholder tool reaches a
// client, and reports the failure, after which the gateway lists through
// go-sdk's own encoding.
//
// The gateway configures no go-sdk EventStore: one would record the
// placeholder, not the page, and replay it to a resuming client. Adding
// resumable streams means storing the spliced bytes instead.

// Encode encodes v as go-sdk's JSON-RPC layer does: compact, no HTML
// escaping.
func Encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ErrSpliceShape reports a placeholder that go-sdk wrote in a shape the
// splicer did not expect.
var ErrSpliceShape = errors.New("fastpath: go-sdk wrote a tools/list placeholder in an unexpected shape")

// Splices is what a gateway's Splicers share: the placeholders' marker,
// their numbering, and whom to tell of an unexpected shape.
type Splices struct {
	marker []byte // the placeholders' common prefix, with a random nonce no client can guess
	seq    atomic.Uint64
	broken func(error)
}

// NewSplices returns the Splices of one gateway; broken is called when
// go-sdk writes a placeholder in a shape other than the one registered.
func NewSplices(broken func(error)) *Splices {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return &Splices{marker: []byte(placeholderPrefix + hex.EncodeToString(b) + "-"), broken: broken}
}

// Splicer returns the Splicer of one HTTP request.
func (ss *Splices) Splicer() *Splicer { return &Splicer{shared: ss} }

// A Splicer holds the pages of one HTTP request that wait to be written.
type Splicer struct {
	shared  *Splices
	pending atomic.Int32 // len(pages), read without the lock
	mu      sync.Mutex
	pages   map[string]pending // placeholder array JSON, in either encoding -> its page
}

// pending is a page waiting for its placeholder.
type pending struct {
	page    []byte // the JSON array of the page's tools
	escaped bool   // the key is the HTML-escaped placeholder: escape the page
	other   string // the key of the placeholder's other encoding
}

const placeholderPrefix = "toolgate-page-"

// Placeholder registers page (the JSON array of a page's tools) and
// returns the tool that stands for it in the result go-sdk encodes.
func (s *Splicer) Placeholder(page []byte) (*mcp.Tool, error) {
	t := &mcp.Tool{
		Name:        string(s.shared.marker) + strconv.FormatUint(s.shared.seq.Add(1), 10),
		Description: "<", // tells the two encodings apart, see above
		InputSchema: json.RawMessage(`{}`),
	}
	b, err := Encode(t)
	if err != nil {
		return nil, err
	}
	key := "[" + string(b) + "]"
	var esc bytes.Buffer
	json.HTMLEscape(&esc, []byte(key))
	s.mu.Lock()
	if s.pages == nil {
		s.pages = make(map[string]pending)
	}
	s.pages[key] = pending{page: page, other: esc.String()}
	s.pages[esc.String()] = pending{page: page, escaped: true, other: key}
	s.pending.Store(int32(len(s.pages)))
	s.mu.Unlock()
	return t, nil
}

// Writer returns the response writer to put under go-sdk: it passes bytes
// through, replacing each registered placeholder with its page.
func (s *Splicer) Writer(w http.ResponseWriter) http.ResponseWriter {
	return &spliceWriter{ResponseWriter: w, s: s}
}

// spliceWriter is the response writer go-sdk writes to.
type spliceWriter struct {
	http.ResponseWriter
	s *Splicer
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
	for key, pg := range w.s.pages {
		if i := bytes.Index(p, []byte(key)); i >= 0 {
			content := pg.page
			if pg.escaped {
				var b bytes.Buffer
				json.HTMLEscape(&b, pg.page)
				content = b.Bytes()
			}
			found = append(found, splice{at: i, key: key, content: content})
			delete(w.s.pages, key)
			delete(w.s.pages, pg.other)
		}
	}
	w.s.pending.Store(int32(len(w.s.pages)))
	w.s.mu.Unlock()
	if len(found) == 0 {
		if bytes.Contains(p, w.s.shared.marker) {
			// A placeholder, but not as registered: never let it out.
			if w.s.shared.broken != nil {
				w.s.shared.broken(ErrSpliceShape)
			}
			return 0, ErrSpliceShape
		}
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
