package mcpserver_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
)

// callIDs records the JSON-RPC ids of the tools/call requests that pass
// through it: the lean path numbers its requests "toolgate-N", go-sdk's
// client with integers.
type callIDs struct {
	next http.Handler
	mu   sync.Mutex
	lean int // calls with the lean path's ids
	sdk  int // the others
}

func (c *callIDs) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if bytes.Contains(b, []byte(`"method":"tools/call"`)) {
			c.mu.Lock()
			if bytes.Contains(b, []byte(`"id":"toolgate-`)) {
				c.lean++
			} else {
				c.sdk++
			}
			c.mu.Unlock()
		}
	}
	c.next.ServeHTTP(w, r)
}

func (c *callIDs) counts() (lean, sdk int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lean, c.sdk
}

// clockTime matches a time of day as the reference server stamps the
// resources it creates per call ("created at 10:27:14 PM"): the two calls
// of a tool may fall in different seconds.
var clockTime = regexp.MustCompile(`\b\d{1,2}:\d{2}:\d{2} [AP]M\b`)

// sameAnswer reports whether the two paths' answers are the same, times of
// day aside.
func sameAnswer(lean, sdk string) bool {
	return clockTime.ReplaceAllString(lean, "<time>") == clockTime.ReplaceAllString(sdk, "<time>")
}

// differential calls each tool through two gateways on the server at
// url (seen through ids), one whose target takes the lean path and one
// whose target sends every call through go-sdk's client, as a quiet caller
// (no capabilities, no progress token): both must give the same answers
// and errors, and the lean one must have sent every call itself.
func differential(t *testing.T, url string, ids *callIDs, calls []toolCall) {
	t.Helper()
	lean := newTarget(t, mcpserver.Options{Name: "up", URL: url})
	sdk := newTarget(t, mcpserver.Options{Name: "up", URL: url})
	mcpserver.NoLean(sdk)
	_, leanURL := gateway(t, lean)
	_, sdkURL := gateway(t, sdk)
	viaLean, viaSDK := connect(t, leanURL, nil), connect(t, sdkURL, nil)
	outcome := func(cs *mcp.ClientSession, c toolCall) string {
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___" + c.tool, Arguments: c.args})
		if err != nil {
			return "error: " + err.Error()
		}
		return jsonOf(t, res)
	}
	for _, c := range calls {
		t.Run(c.tool, func(t *testing.T) {
			lean0, sdk0 := ids.counts()
			want := outcome(viaSDK, c)
			lean1, sdk1 := ids.counts()
			got := outcome(viaLean, c)
			lean2, sdk2 := ids.counts()
			if !sameAnswer(got, want) {
				t.Errorf("lean path:\n %s\ngo-sdk's client:\n %s", got, want)
			}
			if c.wantIn != "" && !strings.Contains(want, c.wantIn) {
				t.Errorf("the answer %s lacks %s", want, c.wantIn)
			}
			if c.unsent {
				return
			}
			if lean1 != lean0 || sdk1 != sdk0+1 {
				t.Errorf("go-sdk's target sent %d lean and %d go-sdk calls", lean1-lean0, sdk1-sdk0)
			}
			if lean2 != lean1+1 || sdk2 != sdk1 {
				t.Errorf("the lean target sent %d lean and %d go-sdk calls", lean2-lean1, sdk2-sdk1)
			}
		})
	}
}

// toolCall is one call of a differential test.
type toolCall struct {
	tool   string
	args   map[string]any
	wantIn string // what the answer must contain
	unsent bool   // the gateway refuses it before it reaches the target
}

// TestLeanMatchesSDK: over the package's test server, the lean path and
// go-sdk's client give the same answers: every kind of content,
// structuredContent, _meta, isError, a log message and the server's
// requests in the call's stream (refused, as the caller can answer none),
// the server's JSON-RPC errors.
func TestLeanMatchesSDK(t *testing.T) {
	ids := &callIDs{next: streamable()}
	srv := httptest.NewServer(ids)
	t.Cleanup(srv.Close)
	differential(t, srv.URL, ids, []toolCall{
		{tool: "echo", args: map[string]any{"text": "hi <&> \u2028"}, wantIn: `hi \u003c\u0026\u003e`},
		{tool: "media", wantIn: `"structuredContent":{"n":42}`},
		{tool: "fail", wantIn: `"isError":true`},
		{tool: "meta", wantIn: `"text":"null"`},
		{tool: "log", wantIn: "logged"},
		{tool: "progress", wantIn: "token=false"},
		// The server's requests fail, and so do its tools, with a JSON-RPC
		// error that the gateway turns into an isError result.
		// The caller declared neither sampling nor elicitation, and so does
		// its backend session: the server's go-sdk refuses elicitation, and
		// the target answers sampling as go-sdk's client without a handler.
		{tool: "ask", wantIn: `mcp server \"up\": calling \"tools/call\": sampling: calling \"sampling/createMessage\": client does not support CreateMessage`},
		{tool: "urlask", wantIn: `mcp server \"up\": calling \"tools/call\": client does not support elicitation`},
		{tool: "nope", wantIn: "unknown tool", unsent: true},
	})
}

// interceptor answers the tools/call requests it is set to with status
// and body (as application/json), and passes the rest to next.
type interceptor struct {
	next http.Handler
	mu   sync.Mutex
	on   bool
	code int
	body string
}

func (h *interceptor) set(on bool, code int, body string) {
	h.mu.Lock()
	h.on, h.code, h.body = on, code, body
	h.mu.Unlock()
}

func (h *interceptor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	on, code, body := h.on, h.code, h.body
	h.mu.Unlock()
	if on && r.Method == http.MethodPost {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(b, &m) == nil && m.Method == "tools/call" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, strings.ReplaceAll(body, "ID", string(m.ID)))
			return
		}
	}
	h.next.ServeHTTP(w, r)
}

// TestLeanErrors: the server's JSON-RPC errors and HTTP failures reach the
// caller as they do through go-sdk's client: the error itself, or an
// isError result naming the target, after which the target connects
// again.
func TestLeanErrors(t *testing.T) {
	h := &interceptor{next: streamable()}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	opts := mcpserver.Options{Name: "up", URL: srv.URL, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	lean := newTarget(t, opts)
	sdk := newTarget(t, opts)
	mcpserver.NoLean(sdk)
	_, leanURL := gateway(t, lean)
	_, sdkURL := gateway(t, sdk)
	viaLean, viaSDK := connect(t, leanURL, nil), connect(t, sdkURL, nil)
	outcome := func(cs *mcp.ClientSession) string {
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"text": "x"}})
		if err != nil {
			return "error: " + err.Error()
		}
		return jsonOf(t, res)
	}
	rpcErr := `{"jsonrpc":"2.0","id":ID,"error":{"code":-32603,"message":"it broke","data":{"why":"x"}}}`
	for _, tc := range []struct {
		name   string
		code   int
		body   string
		wantIn string
		upTo   string // the texts are the same up to this
	}{
		{"JSON-RPC error", 200, rpcErr, "it broke", ""},
		{"JSON-RPC error with 400", 400, rpcErr, "it broke", ""},
		{"401", 401, `{"error":"invalid_token"}`, "unavailable", ""},
		{"403", 403, ``, "unavailable", ""},
		{"404", 404, ``, "unavailable", ""},
		{"500", 500, `oops`, "unavailable", ""},
		{"503", 503, rpcErr, "unavailable", ""},
		{"HTML", 200, `<html>`, "unavailable", `sending \"tools/call\": `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.set(true, tc.code, tc.body)
			got, want := outcome(viaLean), outcome(viaSDK)
			h.set(false, 0, "")
			// go-sdk's client names the backend session; the lean path
			// keeps it from the caller.
			want = sessionID.ReplaceAllString(want, "")
			if tc.upTo != "" {
				got, _, _ = strings.Cut(got, tc.upTo)
				want, _, _ = strings.Cut(want, tc.upTo)
			}
			if !sameAnswer(got, want) {
				t.Errorf("lean path:\n %s\ngo-sdk's client:\n %s", got, want)
			}
			if !strings.Contains(want, tc.wantIn) {
				t.Errorf("the answer %s lacks %q", want, tc.wantIn)
			}
			for _, cs := range []*mcp.ClientSession{viaLean, viaSDK} {
				testenv.WaitFor(t, "the target to connect again", func() bool { return strings.Contains(outcome(cs), `"text":"x"`) })
			}
		})
	}
}

var sessionID = regexp.MustCompile(` \(session ID: [^)]*\)`)

// TestLeanOtherAnswer: a server that answers another request than the
// call's gets an isError result from the lean path, where go-sdk's client
// would wait for the call's context to end.
func TestLeanOtherAnswer(t *testing.T) {
	h := &interceptor{next: streamable()}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL}))
	cs := connect(t, gwURL, nil)
	for _, body := range []string{
		`{"jsonrpc":"2.0","id":"other","result":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"x"}}`,
	} {
		h.set(true, 200, body)
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"text": "x"}})
		if err != nil || !res.IsError || !strings.HasPrefix(text(res), `mcp server "up" unavailable: `) {
			t.Errorf("%s: %v %+v", body, err, res)
		}
	}
}

// TestLeanMatchesReference: the same over the reference server of the
// TypeScript SDK (scripts/setup/mcp.sh installs it), which answers in
// event streams with event ids.
func TestLeanMatchesReference(t *testing.T) {
	target := referenceServer(t)
	ids := &callIDs{next: reverseProxy(t, target)}
	srv := httptest.NewServer(ids)
	t.Cleanup(srv.Close)
	differential(t, srv.URL+"/mcp", ids, []toolCall{
		{tool: "echo", args: map[string]any{"message": "hi"}, wantIn: "Echo: hi"},
		{tool: "get-sum", args: map[string]any{"a": 2, "b": 3}, wantIn: "5"},
		{tool: "get-tiny-image", wantIn: `"type":"image"`},
		{tool: "get-annotated-message", args: map[string]any{"messageType": "error", "includeImage": true}, wantIn: `"annotations"`},
		{tool: "get-resource-links", args: map[string]any{"count": 2}, wantIn: `"type":"resource_link"`},
		{tool: "get-resource-reference", args: map[string]any{"resourceType": "Text", "resourceId": 1}, wantIn: `"type":"resource"`},
		{tool: "get-structured-content", args: map[string]any{"location": "New York"}, wantIn: `"structuredContent"`},
		{tool: "get-sum", args: map[string]any{"a": "two"}, wantIn: `"isError":true`, unsent: true},
	})
}

// reverseProxy forwards every request to target, as it is.
func reverseProxy(t *testing.T, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		forward(w, r, target, func(w http.ResponseWriter, body io.Reader) {
			_ = http.NewResponseController(w).Flush()
			buf := make([]byte, 32<<10)
			for {
				n, err := body.Read(buf)
				if n > 0 {
					_, _ = w.Write(buf[:n])
					_ = http.NewResponseController(w).Flush()
				}
				if err != nil {
					return
				}
			}
		})
	})
}

// forward sends r to target as it is, and its response back: status and
// headers, then the body through copyBody.
func forward(w http.ResponseWriter, r *http.Request, target string, copyBody func(http.ResponseWriter, io.Reader)) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	copyBody(w, resp.Body)
}

// TestLeanRelaysLog: a caller that set a log level but can be asked
// nothing gets its calls sent lean, and the server's log message in the
// call's stream reaches it.
func TestLeanRelaysLog(t *testing.T) {
	ids := &callIDs{next: streamable()}
	srv := httptest.NewServer(ids)
	t.Cleanup(srv.Close)
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL}))
	c := &caller{}
	opts := c.options()
	opts.CreateMessageHandler, opts.ElicitationHandler = nil, nil
	cs := connect(t, gwURL, opts)
	//lint:ignore SA1019 logging is relayed
	if err := cs.SetLoggingLevel(callCtx(t), &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___log", Arguments: map[string]any{}})
	if err != nil || res.IsError || text(res) != "logged" {
		t.Fatalf("%v %+v", err, res)
	}
	// go-sdk's client hands notifications to their handler on its own.
	testenv.WaitFor(t, "a log message", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.logs) > 0 })
	c.mu.Lock()
	logs := c.logs
	c.mu.Unlock()
	if len(logs) != 1 || logs[0].Level != "warning" || jsonOf(t, logs[0].Data) != `{"msg":"careful"}` {
		t.Errorf("logs: %s", jsonOf(t, logs))
	}
	if lean, sdk := ids.counts(); lean != 1 || sdk != 0 {
		t.Errorf("%d lean calls, %d through go-sdk's client; want the one lean", lean, sdk)
	}
}

// TestLeanRelaysProgress: a caller that sends a progress token and can
// answer neither sampling nor elicitation takes the lean path, and gets
// the server's progress under its own token, in order, before the answer,
// exactly as through go-sdk's client.
func TestLeanRelaysProgress(t *testing.T) {
	ids := &callIDs{next: streamable()}
	srv := httptest.NewServer(ids)
	t.Cleanup(srv.Close)
	lean := newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL})
	sdk := newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL})
	mcpserver.NoLean(sdk)
	var got [2]string
	for i, tg := range []*mcpserver.Target{lean, sdk} {
		_, gwURL := gateway(t, tg)
		c := &caller{}
		opts := c.options()
		opts.CreateMessageHandler, opts.ElicitationHandler = nil, nil
		cs := connect(t, gwURL, opts)
		params := &mcp.CallToolParams{Name: "up___progress", Arguments: map[string]any{}}
		params.SetProgressToken("caller-token")
		lean0, sdk0 := ids.counts()
		res, err := cs.CallTool(callCtx(t), params)
		if err != nil || res.IsError || text(res) != "token=true" {
			t.Fatalf("%v %+v", err, res)
		}
		if lean1, sdk1 := ids.counts(); i == 0 && (lean1 != lean0+1 || sdk1 != sdk0) || i == 1 && (lean1 != lean0 || sdk1 != sdk0+1) {
			t.Errorf("target %d sent %d lean and %d go-sdk calls", i, lean1-lean0, sdk1-sdk0)
		}
		// go-sdk's client hands notifications to their handler on its own.
		testenv.WaitFor(t, "3 progress notifications", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.progress) == 3 })
		c.mu.Lock()
		got[i] = jsonOf(t, c.progress)
		c.mu.Unlock()
	}
	if got[0] != got[1] || !strings.Contains(got[0], `"progressToken":"caller-token"`) {
		t.Errorf("progress by the lean path:\n %s\nby go-sdk's client:\n %s", got[0], got[1])
	}
}

// TestLeanStreamLeftOpen: a server that keeps a call's stream open after
// its answer does not hold the call up.
func TestLeanStreamLeftOpen(t *testing.T) {
	next := streamable()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if r.Method != http.MethodPost || json.Unmarshal(b, &m) != nil || m.Method != "tools/call" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = fmt.Fprintf(w, "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"open\"}]}}\n\n", m.ID)
		_ = http.NewResponseController(w).Flush()
		select { // the stream stays open
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL}))
	cs := connect(t, gwURL, nil)
	for range 3 {
		start := time.Now()
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"text": "x"}})
		if err != nil || text(res) != "open" {
			t.Fatalf("%v %+v", err, res)
		}
		if d := time.Since(start); d > 900*time.Millisecond {
			t.Fatalf("the call took %v", d)
		}
	}
}
