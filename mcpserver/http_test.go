package mcpserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
	"github.com/toolgate/toolgate/mcpserver/internal/testserver"
	"github.com/toolgate/toolgate/search"
)

// TestProxiedUnchanged: the gateway publishes the server's tools, every
// page of them, and answers their calls exactly as the server does.
func TestProxiedUnchanged(t *testing.T) {
	_, url := backend(t, &testserver.Hooks{PageSize: 3}) // the tools come in pages
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	direct := connect(t, url, nil)
	proxied := connect(t, gwURL, nil)

	t.Run("tools", func(t *testing.T) {
		want := map[string]*mcp.Tool{}
		for tool, err := range direct.Tools(callCtx(t), nil) {
			if err != nil {
				t.Fatal(err)
			}
			want["up___"+tool.Name] = tool
		}
		got := map[string]*mcp.Tool{}
		for tool, err := range proxied.Tools(callCtx(t), nil) {
			if err != nil {
				t.Fatal(err)
			}
			got[tool.Name] = tool
		}
		if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)); !slices.Equal(g, w) {
			t.Fatalf("tools %v, want %v", g, w)
		}
		for name, w := range want {
			g := *got[name]
			g.Name = w.Name
			if a, b := jsonOf(t, &g), jsonOf(t, w); a != b {
				t.Errorf("%s:\n got %s\nwant %s", name, a, b)
			}
		}
	})

	for _, tc := range []struct {
		tool string
		args map[string]any
	}{
		{"echo", map[string]any{"text": "hi"}},
		{"media", nil},
		{"fail", map[string]any{"text": "x"}},
	} {
		t.Run("call "+tc.tool, func(t *testing.T) {
			want, err := direct.CallTool(callCtx(t), &mcp.CallToolParams{Name: tc.tool, Arguments: tc.args})
			if err != nil {
				t.Fatal(err)
			}
			got, err := proxied.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___" + tc.tool, Arguments: tc.args})
			if err != nil {
				t.Fatal(err)
			}
			if a, b := jsonOf(t, got), jsonOf(t, want); a != b {
				t.Fatalf("proxied answer\n %s\nserver's answer\n %s", a, b)
			}
		})
	}
}

// TestSessionRelayed: what the server sends during a call reaches the
// caller, and the caller's answers reach the server, whether the gateway
// answers the call itself (with a stream of the call's own) or go-sdk's
// server does (DisableFastPath).
func TestSessionRelayed(t *testing.T) {
	for _, noFast := range []bool{false, true} {
		t.Run(map[bool]string{false: "fast path", true: "go-sdk"}[noFast], func(t *testing.T) {
			testSessionRelayed(t, noFast)
		})
	}
}

func testSessionRelayed(t *testing.T, noFast bool) {
	_, url := backend(t, nil)
	_, gwURL := gatewayWith(t, &toolgate.Options{Authorizer: auth.None(), DisableFastPath: noFast}, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	for _, tc := range []struct {
		name, tool string
		token      bool // the caller sends a progress token
		text       string
		check      func(t *testing.T, c *caller)
	}{
		{name: "progress", tool: "progress", token: true, text: "token=true", check: func(t *testing.T, c *caller) {
			testenv.WaitFor(t, "3 progress notifications", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.progress) == 3 })
			for i, p := range c.progress {
				if p.ProgressToken != "caller-token" || p.Progress != float64(i+1) || p.Total != 3 || p.Message != "step "+string(rune('1'+i)) {
					t.Errorf("progress %d: %+v", i, p)
				}
			}
		}},
		{name: "no progress without a token", tool: "progress", text: "token=false", check: func(t *testing.T, c *caller) {
			if len(c.progress) != 0 {
				t.Errorf("progress %+v", c.progress)
			}
		}},
		{name: "log", tool: "log", text: "logged", check: func(t *testing.T, c *caller) {
			testenv.WaitFor(t, "a log message", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return len(c.logs) == 1 })
			l := c.logs[0]
			if l.Level != "warning" || l.Logger != "testserver" || jsonOf(t, l.Data) != `{"msg":"careful"}` {
				t.Errorf("log %+v", l)
			}
		}},
		{name: "sampling and elicitation", tool: "ask", text: "model=blue user=accept/Ada", check: func(t *testing.T, c *caller) {
			if got := strings.Join(c.asked, ", "); got != "sampling, elicitation: Your name?" {
				t.Errorf("asked: %s", got)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &caller{}
			cs := connect(t, gwURL, c.options())
			//lint:ignore SA1019 logging is relayed
			if err := cs.SetLoggingLevel(callCtx(t), &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
				t.Fatal(err)
			}
			params := &mcp.CallToolParams{Name: "up___" + tc.tool, Arguments: map[string]any{}}
			if tc.token {
				params.SetProgressToken("caller-token")
			}
			res, err := cs.CallTool(callCtx(t), params)
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError || text(res) != tc.text {
				t.Fatalf("result %v %q, want %q", res.IsError, text(res), tc.text)
			}
			tc.check(t, c)
		})
	}
}

// TestCancelReachesServer: the caller cancelling its call cancels the
// server's, whether it called the server's tool directly or through
// call_tool, with or without a progress token (which takes call_tool's
// call to the fast path's stream or to go-sdk).
func TestCancelReachesServer(t *testing.T) {
	started, cancelled := make(chan struct{}, 1), make(chan error, 1)
	_, url := backend(t, &testserver.Hooks{
		Blocking:  func() { started <- struct{}{} },
		Cancelled: func(why error) { cancelled <- why },
	})
	gw, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	withCallTool(t, gw)
	cs := connect(t, gwURL, nil)
	for _, tc := range []struct {
		name   string
		params *mcp.CallToolParams
		token  bool
	}{
		{"direct", &mcp.CallToolParams{Name: "up___block", Arguments: map[string]any{}}, false},
		{"through call_tool", &mcp.CallToolParams{Name: search.DefaultCallToolName, Arguments: viaCallTool("up___block")}, false},
		{"through call_tool, a progress token", &mcp.CallToolParams{Name: search.DefaultCallToolName, Arguments: viaCallTool("up___block")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.token {
				tc.params.SetProgressToken("p")
			}
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := cs.CallTool(ctx, tc.params)
				errc <- err
			}()
			select {
			case <-started:
			case <-time.After(10 * time.Second):
				t.Fatal("the server's tool did not start")
			}
			cancel()
			select {
			case why := <-cancelled:
				if !errors.Is(why, context.Canceled) {
					t.Fatalf("the server's call ended with %v", why)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the server's call was not cancelled")
			}
			if err := <-errc; err == nil {
				t.Fatal("the cancelled call succeeded")
			}
		})
	}
}

// TestListChanged: a tool the server adds is published by the gateway
// without a Refresh.
func TestListChanged(t *testing.T) {
	s, url := backend(t, nil)
	gw, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	cs := connect(t, gwURL, nil)
	s.AddTool(&mcp.Tool{Name: "late", Description: "Added later.", InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "late"}}}, nil
		})
	testenv.WaitFor(t, "the gateway to publish up___late", func() bool {
		_, ok := gw.Lookup(context.Background(), "up___late")
		return ok
	})
	res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___late"})
	if err != nil || text(res) != "late" {
		t.Fatalf("%v %+v", err, res)
	}
}

// TestSessionPerCaller: over streamable HTTP each caller's session has its
// own session with the server, closed after IdleTimeout; the gateway's
// own listing uses another.
func TestSessionPerCaller(t *testing.T) {
	s, url := backend(t, nil)
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url, IdleTimeout: 300 * time.Millisecond}))
	a, b := connect(t, gwURL, nil), connect(t, gwURL, nil)
	backendSession := func(cs *mcp.ClientSession) string {
		t.Helper()
		res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___session"})
		if err != nil || res.IsError || text(res) == "" {
			t.Fatalf("%v %+v", err, res)
		}
		return text(res)
	}
	a1, a2, b1 := backendSession(a), backendSession(a), backendSession(b)
	if a1 != a2 {
		t.Errorf("one caller, two backend sessions: %s %s", a1, a2)
	}
	if a1 == b1 {
		t.Errorf("two callers, one backend session %s", a1)
	}
	// Idle for longer than IdleTimeout: the session is closed, and the
	// caller's next call gets a new one.
	testenv.WaitFor(t, "the idle session to close", func() bool {
		for ss := range s.Sessions() {
			if ss.ID() == a1 {
				return false
			}
		}
		return true
	})
	if a3 := backendSession(a); a3 == a1 || a3 == b1 {
		t.Errorf("after IdleTimeout: backend session %s (was %s, other caller %s)", a3, a1, b1)
	}
}

// TestOptions: New refuses what it cannot serve.
func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts *mcpserver.Options
		want string
	}{
		{"nil", nil, "nil Options"},
		{"no name", &mcpserver.Options{URL: "http://127.0.0.1:1/mcp"}, "Name is required"},
		{"neither", &mcpserver.Options{Name: "x"}, "exactly one of URL and Command"},
		{"both", &mcpserver.Options{Name: "x", URL: "http://127.0.0.1:1/mcp", Command: []string{"x"}}, "exactly one of URL and Command"},
		{"empty command", &mcpserver.Options{Name: "x", Command: []string{""}}, "empty command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := mcpserver.New(tc.opts)
			if err == nil {
				_ = tg.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
}

// switchable serves h, or 503 while down.
type switchable struct {
	mu   sync.Mutex
	h    http.Handler
	down bool
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h, down := s.h, s.down
	s.mu.Unlock()
	if down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

func (s *switchable) set(h http.Handler, down bool) {
	s.mu.Lock()
	s.h, s.down = h, down
	s.mu.Unlock()
}

func streamable() http.Handler {
	s := testserver.New(nil)
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
}

// TestHTTPDown: while the server is down, calls get an isError result
// naming the target, in bounded time, and Status shows it; when it is back
// (restarted: the old sessions are gone), the target reconnects by itself.
func TestHTTPDown(t *testing.T) {
	sw := &switchable{h: streamable()}
	srv := httptest.NewServer(sw)
	t.Cleanup(srv.Close)
	// A key in the URL's query, as some servers take one, never reaches
	// the caller in an error.
	gw, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: srv.URL + "/?key=s3cr3t-key",
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}))
	cs := connect(t, gwURL, nil)
	echo := func() *mcp.CallToolResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"text": "hi"}})
		if err != nil {
			t.Fatalf("after %v: %v", time.Since(start), err)
		}
		return res
	}
	if res := echo(); res.IsError || text(res) != "hi" {
		t.Fatalf("%+v", res)
	}

	sw.set(nil, true)
	srv.CloseClientConnections()
	res := echo()
	if !res.IsError || !strings.HasPrefix(text(res), `mcp server "up" unavailable: `) || strings.Contains(text(res), "s3cr3t") {
		t.Fatalf("while down: %v %q", res.IsError, text(res))
	}
	testenv.WaitFor(t, "an unhealthy status", func() bool { return !gw.Status()[0].Healthy })
	if st := gw.Status()[0]; st.Tools == 0 {
		t.Errorf("the tools are gone while the server is down: %+v", st)
	}

	sw.set(streamable(), false)
	testenv.WaitFor(t, "a call to succeed again", func() bool { res := echo(); return !res.IsError && text(res) == "hi" })
	testenv.WaitFor(t, "a healthy status", func() bool { return gw.Status()[0].Healthy })
}

// TestMetaForwarded: the request's _meta reaches the server, with the
// caller's progress token replaced by one of the target's own.
func TestMetaForwarded(t *testing.T) {
	_, url := backend(t, nil)
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	cs := connect(t, gwURL, nil)
	for _, tc := range []struct {
		name  string
		token any
	}{{"with a progress token", "mine"}, {"without", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			p := &mcp.CallToolParams{Name: "up___meta", Meta: mcp.Meta{"example.com/trace": "t-9"}}
			if tc.token != nil {
				p.SetProgressToken(tc.token)
			}
			res, err := cs.CallTool(callCtx(t), p)
			if err != nil || res.IsError {
				t.Fatalf("%v %+v", err, res)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(text(res)), &got); err != nil {
				t.Fatal(err)
			}
			if got["example.com/trace"] != "t-9" {
				t.Errorf("_meta %v", got)
			}
			tok, has := got["progressToken"]
			switch {
			case tc.token == nil && has:
				t.Errorf("a progress token the caller did not send: %v", tok)
			case tc.token != nil && (!has || tok == tc.token):
				t.Errorf("progress token %v, want the target's own", tok)
			}
		})
	}
}

// TestCallersApart: over streamable HTTP, what the server asks during a
// call reaches the caller who made it, with several callers at once.
func TestCallersApart(t *testing.T) {
	_, url := backend(t, nil)
	_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
	names := []string{"Ada", "Bob", "Cy"}
	sessions := make([]*mcp.ClientSession, len(names))
	for i, name := range names {
		sessions[i] = connect(t, gwURL, &mcp.ClientOptions{
			CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
				return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "model-of-" + name}}, nil
			},
			ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
				return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": name}}, nil
			},
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 5*len(names))
	for i, name := range names {
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := sessions[i].CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___ask"})
				switch want := "model=model-of-" + name + " user=accept/" + name; {
				case err != nil:
					errs <- err
				case res.IsError || text(res) != want:
					errs <- fmt.Errorf("%s got %q, want %q", name, text(res), want)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestServerError: the server's JSON-RPC error is the call's error, and
// the session stays up.
func TestServerError(t *testing.T) {
	_, url := backend(t, nil)
	tg := newTarget(t, mcpserver.Options{Name: "up", URL: url})
	for _, tc := range []struct {
		tool    string
		wantErr string
	}{
		{"nope", "nope"},
		{"echo", ""},
		{"nope", "nope"},
		{"echo", ""},
	} {
		res, err := tg.CallTool(callCtx(t), &toolgate.CallRequest{Tool: tc.tool, Arguments: json.RawMessage(`{"text":"hi"}`)})
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), `mcp server "up"`)):
			t.Fatalf("%s: %v %+v, want an error naming %q", tc.tool, err, res, tc.wantErr)
		case tc.wantErr == "" && (err != nil || res.IsError || text(res) != "hi"):
			t.Fatalf("%s: %v %+v", tc.tool, err, res)
		}
	}
}

// TestCarrierHeld: a request the server sends where the target cannot see
// which call asks (go-sdk's client) may be relayed through another call of
// the same caller than the one that asks (the latest not yet answered);
// that call does not end before the caller has answered.
func TestCarrierHeld(t *testing.T) {
	waiting, release := make(chan struct{}, 1), make(chan struct{})
	_, url := backend(t, &testserver.Hooks{Blocking: func() { waiting <- struct{}{} }, Release: release})
	tg := newTarget(t, mcpserver.Options{Name: "up", URL: url})
	mcpserver.NoLean(tg)
	_, gwURL := gateway(t, tg)
	waitDone := make(chan *mcp.CallToolResult, 1)
	var cs *mcp.ClientSession
	cs = connect(t, gwURL, &mcp.ClientOptions{
		// ask's sampling is relayed through ask itself, the only call; its
		// answer waits until a call of "wait" runs too.
		CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			go func() {
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "up___wait"})
				if err != nil {
					res = &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}
				}
				waitDone <- res
			}()
			<-waiting
			return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "blue"}}, nil
		},
		// ask's elicitation is relayed through "wait", the latest call not
		// yet answered. The server then answers "wait"; its call must
		// not end (which would fail the elicitation) before this answer.
		ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			close(release)
			select {
			case res := <-waitDone:
				waitDone <- res
				t.Errorf("the call carrying the elicitation ended before its answer: %v", text(res))
			case <-time.After(300 * time.Millisecond): // it must not end: give it the chance
			}
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}, nil
		},
	})
	res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___ask"})
	if err != nil || res.IsError || text(res) != "model=blue user=accept/Ada" {
		t.Fatalf("ask: %v %+v", err, res)
	}
	select {
	case res := <-waitDone:
		if res.IsError || text(res) != "released" {
			t.Fatalf("wait: %+v", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wait did not end")
	}
}

// TestDescription: the default description names the server without what
// may carry a secret.
func TestDescription(t *testing.T) {
	for _, tc := range []struct {
		opts mcpserver.Options
		want string
	}{
		{mcpserver.Options{URL: "https://user:pw@127.0.0.1:1/v1/mcp?key=s3cret#x"}, "MCP server at https://127.0.0.1:1/v1/mcp"},
		{mcpserver.Options{Command: []string{"/usr/local/bin/server", "--token", "s3cret"}}, "MCP server: server"},
		{mcpserver.Options{URL: "http://127.0.0.1:1/mcp", Description: "Docs search"}, "Docs search"},
	} {
		tc.opts.Name = "x"
		tc.opts.MinBackoff = time.Hour // New starts connecting: no retry during the test
		if got := newTarget(t, tc.opts).Description(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

// TestElicitationCompleteRelayed: a URL-mode elicitation is relayed to the
// caller, and so is the server's notifications/elicitation/complete for it,
// over streamable HTTP and over stdio.
func TestElicitationCompleteRelayed(t *testing.T) {
	_, url := backend(t, nil)
	for _, c := range []struct {
		name string
		opts mcpserver.Options
	}{
		{"streamable HTTP", mcpserver.Options{Name: "up", URL: url}},
		{"stdio", mcpserver.Options{Name: "up", Command: []string{testenv.StdioServer(t)}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, gwURL := gateway(t, newTarget(t, c.opts))
			completed := make(chan string, 1)
			var asked atomic.Value
			cs := connect(t, gwURL, &mcp.ClientOptions{
				Capabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{URL: &mcp.URLElicitationCapabilities{}}},
				ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					asked.Store(r.Params.Mode + " " + r.Params.URL + " " + r.Params.ElicitationID)
					return &mcp.ElicitResult{Action: "accept"}, nil
				},
				ElicitationCompleteHandler: func(_ context.Context, r *mcp.ElicitationCompleteNotificationRequest) {
					completed <- r.Params.ElicitationID
				},
			})
			res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___urlask", Arguments: map[string]any{}})
			if err != nil || res.IsError || text(res) != "accept" {
				t.Fatalf("%v %+v", err, res)
			}
			if got, _ := asked.Load().(string); got != "url https://example.com/auth el-7" {
				t.Fatalf("the client was asked %q", got)
			}
			select {
			case id := <-completed:
				if id != "el-7" {
					t.Fatalf("completed %q", id)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no notifications/elicitation/complete reached the client")
			}
		})
	}
}
