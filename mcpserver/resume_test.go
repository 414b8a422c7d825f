package mcpserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/mcpserver"
)

// resumingServer answers tools/call with an event stream that the test
// scripts: post is the stream of the POST, each of gets the stream of one
// GET with Last-Event-ID (the last one repeats); "ID" in them stands for
// the call's id. A stream ending in "CUT" breaks off without its end.
// Everything else is go-sdk's handler's.
type resumingServer struct {
	next http.Handler
	post string
	gets []string
	code int // the GETs' status, when not 0

	mu       sync.Mutex
	id       string
	resumes  []string // each GET's Last-Event-ID
	sessions []string // each GET's Mcp-Session-Id
}

func (h *resumingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost:
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(b, &m) == nil && m.Method == "tools/call" {
			h.mu.Lock()
			h.id = string(m.ID)
			h.mu.Unlock()
			h.stream(w, h.post)
			return
		}
	case r.Method == http.MethodGet && r.Header.Get("Last-Event-Id") != "":
		h.mu.Lock()
		h.resumes = append(h.resumes, r.Header.Get("Last-Event-Id"))
		h.sessions = append(h.sessions, r.Header.Get("Mcp-Session-Id"))
		n := len(h.resumes)
		h.mu.Unlock()
		if h.code != 0 {
			http.Error(w, "gone", h.code)
			return
		}
		h.stream(w, h.gets[min(n, len(h.gets))-1])
		return
	}
	h.next.ServeHTTP(w, r)
}

func (h *resumingServer) stream(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	h.mu.Lock()
	body, cut := strings.CutSuffix(strings.ReplaceAll(s, "ID", h.id), "CUT")
	h.mu.Unlock()
	_, _ = io.WriteString(w, body)
	_ = http.NewResponseController(w).Flush()
	if cut {
		panic(http.ErrAbortHandler) // the connection breaks off
	}
}

// TestLeanResumes: a call's event stream that the server ends before the
// answer (SEP-1699) or that breaks off is resumed with Last-Event-ID on
// the call's session, after the delay the server asks for, and the call
// gets its answer, as it does through go-sdk's client; a stream without
// an event id, a server that sends nothing new and a refused resumption
// give an isError result naming the target.
func TestLeanResumes(t *testing.T) {
	const answer = `id: e3` + "\n" + `data: {"jsonrpc":"2.0","id":ID,"result":{"content":[{"type":"text","text":"resumed"}]}}` + "\n\n"
	const log = `data: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}` + "\n\n"
	for _, tc := range []struct {
		name    string
		post    string
		gets    []string
		code    int
		ok      bool
		resumes []string
	}{
		{name: "ended after a priming event", post: "id: e1\nretry: 5\ndata:\n\n", gets: []string{"id: e2\n" + log + answer}, ok: true, resumes: []string{"e1"}},
		{name: "broke off in an event", post: "retry: 5\nid: e1\n" + log + `data: {"jsonrpc":"2.0","id":ID,"res` + "CUT", gets: []string{answer}, ok: true, resumes: []string{"e1"}},
		{name: "resumed twice", post: "retry: 5\nid: e1\ndata:\n\n", gets: []string{"id: e2\n" + log, answer}, ok: true, resumes: []string{"e1", "e2"}},
		{name: "no event id", post: "retry: 5\n" + log},
		{name: "nothing new", post: "id: e1\nretry: 1\ndata:\n\n", gets: []string{":\n\n"}, resumes: []string{"e1", "e1", "e1", "e1", "e1", "e1"}},
		{name: "session gone", post: "id: e1\nretry: 1\ndata:\n\n", code: http.StatusNotFound, resumes: []string{"e1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, lean := range []bool{true, false} {
				h := &resumingServer{next: streamable(), post: tc.post, gets: tc.gets, code: tc.code}
				srv := httptest.NewServer(h)
				t.Cleanup(srv.Close) // after the target, which holds an event stream open
				tg := newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL})
				mcpserver.SetResumeDelay(tg, time.Millisecond)
				if !lean {
					mcpserver.NoLean(tg)
				}
				_, gwURL := gateway(t, tg)
				cs := connect(t, gwURL, nil)
				res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"text": "x"}})
				path := map[bool]string{true: "lean path", false: "go-sdk's client"}[lean]
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if got := text(res); tc.ok != (!res.IsError && got == "resumed") ||
					!tc.ok && !strings.HasPrefix(got, `mcp server "up" unavailable: `) {
					t.Errorf("%s: %s", path, jsonOf(t, res))
				}
				h.mu.Lock()
				if lean && fmt.Sprint(h.resumes) != fmt.Sprint(tc.resumes) {
					t.Errorf("%s: resumed from %q, want %q", path, h.resumes, tc.resumes)
				}
				for _, sid := range h.sessions {
					if sid == "" {
						t.Errorf("%s: a resumption without the session id", path)
					}
				}
				h.mu.Unlock()
			}
		})
	}
}

// TestLeanResumesReference: the same against the reference server of the
// TypeScript SDK, which stores its events for resumption: a proxy ends the
// call's stream after its first event (the server's priming event, an id
// and no message), and the lean path gets the answer by resuming it.
func TestLeanResumesReference(t *testing.T) {
	upstream := referenceServer(t)
	next := reverseProxy(t, upstream)
	var mu sync.Mutex
	var cut, resumed int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.Header.Get("Last-Event-Id") != "" {
			mu.Lock()
			resumed++
			mu.Unlock()
		}
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if r.Method != http.MethodPost || !bytes.Contains(b, []byte(`"method":"tools/call"`)) {
			next.ServeHTTP(w, r)
			return
		}
		forward(w, r, upstream, func(w http.ResponseWriter, body io.Reader) {
			ev := make([]byte, 0, 256)
			one := make([]byte, 1)
			for !bytes.HasSuffix(ev, []byte("\n\n")) {
				if _, err := body.Read(one); err != nil {
					break
				}
				ev = append(ev, one[0])
			}
			_, _ = w.Write(ev) // the first event, then the stream's end
		})
		mu.Lock()
		cut++
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	tg := newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL + "/mcp"})
	mcpserver.SetResumeDelay(tg, 10*time.Millisecond)
	_, gwURL := gateway(t, tg)
	cs := connect(t, gwURL, nil)
	for _, msg := range []string{"one", "two"} {
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"message": msg}})
		if err != nil || res.IsError || text(res) != "Echo: "+msg {
			t.Fatalf("%v %s", err, jsonOf(t, res))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if cut != 2 || resumed != 2 {
		t.Errorf("%d streams cut, %d resumed; want 2 and 2", cut, resumed)
	}
}
