package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// blockTarget has a tool that blocks until its context ends, reporting
// the context's error.
type blockTarget struct {
	started chan struct{}
	ended   chan error
	release chan struct{} // closing it ends every call early
}

func newBlockTarget() *blockTarget {
	return &blockTarget{started: make(chan struct{}, 10), ended: make(chan error, 10), release: make(chan struct{})}
}

func (b *blockTarget) Name() string { return "slow" }
func (b *blockTarget) ListTools(context.Context) ([]Tool, error) {
	return []Tool{{Name: "wait"}}, nil
}
func (b *blockTarget) CallTool(ctx context.Context, _ *CallRequest) (*Result, error) {
	b.started <- struct{}{}
	select {
	case <-ctx.Done():
	case <-b.release:
		b.ended <- nil
		return TextResult("released"), nil
	}
	b.ended <- ctx.Err()
	return nil, ctx.Err()
}

func TestCancellationReachesTarget(t *testing.T) {
	for _, stateless := range []bool{false, true} {
		t.Run(fmt.Sprintf("stateless=%v", stateless), func(t *testing.T) {
			bt := newBlockTarget()
			gw := mustGateway(t, &Options{Stateless: stateless}, bt)
			cs := connect(t, serve(t, gw), nil)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "slow___wait", Arguments: map[string]any{}})
				done <- err
			}()
			<-bt.started
			cancel()
			select {
			case err := <-bt.ended:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("target saw %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("cancellation did not reach the target")
			}
			<-done
		})
	}
}

// TestClientGoneCancelsCall checks that a client hanging up mid-call
// cancels the target's context, in stateless mode and on a session (the
// gateway answers both calls itself, see internal/fastpath).
func TestClientGoneCancelsCall(t *testing.T) {
	for _, stateless := range []bool{true, false} {
		t.Run(fmt.Sprintf("stateless=%v", stateless), func(t *testing.T) {
			bt := newBlockTarget()
			gw := mustGateway(t, &Options{Stateless: stateless}, bt)
			url := serve(t, gw)
			hdr := map[string]string{}
			if !stateless {
				hdr["Mcp-Session-Id"] = openSession(t, gw, nil)
				hdr["Mcp-Protocol-Version"] = "2025-06-18"
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(
				`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow___wait","arguments":{}}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			go func() {
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
			<-bt.started
			cancel() // the client hangs up
			select {
			case err := <-bt.ended:
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("target saw %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("hang-up did not reach the target")
			}
			if n := gw.fast.Calls(); n != 1 {
				t.Fatalf("fast path answered %d calls, want 1", n)
			}
		})
	}
}

func TestCallTimeout(t *testing.T) {
	bt := newBlockTarget()
	gw := mustGateway(t, &Options{CallTimeout: 50 * time.Millisecond}, bt)
	cs := connect(t, serve(t, gw), nil)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "slow___wait", Arguments: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(textOf(res), "timed out after 50ms") {
		t.Fatalf("got %v %q", res.IsError, textOf(res))
	}
	if err := <-bt.ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("target saw %v", err)
	}
}

func TestConcurrencyCap(t *testing.T) {
	bt := newBlockTarget()
	gw := mustGateway(t, &Options{MaxConcurrentCalls: 1, CallTimeout: -1}, bt)
	ctx := context.Background()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	first := make(chan *Result, 1)
	go func() {
		r, _ := gw.Call(ctx, "slow___wait", nil)
		first <- r
	}()
	<-bt.started
	r, err := gw.Call(short, "slow___wait", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !r.IsError || !strings.Contains(textOf(r), "limit of 1 concurrent calls") {
		t.Fatalf("second call: %q", textOf(r))
	}
	close(bt.release)
	if r := <-first; r.IsError || textOf(r) != "released" {
		t.Fatalf("first call: %q", textOf(r))
	}
	// The slot is free again.
	if r, _ := gw.Call(ctx, "slow___wait", nil); textOf(r) != "released" {
		t.Fatalf("third call: %q", textOf(r))
	}
}

// rawPost sends body to url as a JSON-RPC POST and returns status and body.
func rawPost(t *testing.T, url string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	status, _, b := rawExchange(t, url, body, hdr)
	return status, b
}

// rawExchange is rawPost returning the response headers too.
func rawExchange(t *testing.T, url string, body []byte, hdr map[string]string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`

func TestBadInputs(t *testing.T) {
	gw := mustGateway(t, &Options{Stateless: true, JSONResponse: true}, mathTarget())
	url := serve(t, gw)
	big := append([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"`), bytes.Repeat([]byte("x"), 7<<20)...)
	big = append(big, `"}}}`...)
	cases := []struct {
		name   string
		body   []byte
		status int
		want   string
	}{
		{"malformed json", []byte(`{"jsonrpc":"2.0","id":1,"method":`), 400, ""},
		{"not an object", []byte(`42`), 400, ""},
		{"wrong params type", []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[1,2]}`), 200, `"code":-32602`},
		{"arguments not an object", []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"math___echo","arguments":"hi"}}`), 200, ``},
		{"unknown method", []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/destroy","params":{}}`), 400, `"tools/destroy" unsupported`},
		{"unknown tool", []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope","arguments":{}}}`), 200, `unknown tool \"nope\"`},
		{"bad cursor", []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"!!!"}}`), 200, `invalid cursor`},
		{"7 MB body", big, 413, `exceeds the limit of 6291456 bytes`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawPost(t, url, c.body, nil)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("status %d body %.300s; want %d containing %q", status, body, c.status, c.want)
			}
			// The server keeps serving.
			if status, body := rawPost(t, url, []byte(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"ok"}}}`), nil); status != 200 || !strings.Contains(body, `"text":"ok"`) {
				t.Fatalf("after %s: %d %s", c.name, status, body)
			}
		})
	}
}

func TestRefreshKeepsLastGoodTools(t *testing.T) {
	ft := &flakyTarget{tools: []Tool{{Name: "a"}, {Name: "b"}}}
	gw := mustGateway(t, nil, ft)
	ctx := context.Background()
	ft.fail.Store(true)
	if err := gw.Refresh(ctx, "flaky"); err == nil || !strings.Contains(err.Error(), "backend down") {
		t.Fatalf("Refresh err = %v", err)
	}
	if n := len(gw.Catalog(ctx)); n != 2 {
		t.Fatalf("catalogue has %d tools after failed refresh, want the last good 2", n)
	}
	st := gw.Status()[0]
	if st.Healthy || !strings.Contains(st.LastError, "backend down") || st.Tools != 2 {
		t.Fatalf("status %+v", st)
	}
	ft.fail.Store(false)
	if err := gw.Refresh(ctx, "flaky"); err != nil {
		t.Fatal(err)
	}
	if st := gw.Status()[0]; !st.Healthy || st.LastError != "" {
		t.Fatalf("status after recovery %+v", st)
	}

	// A target that fails on its first listing is added, unhealthy.
	down := &flakyTarget{name: "down"}
	down.fail.Store(true)
	if err := gw.AddTarget(ctx, down); err == nil {
		t.Fatal("AddTarget of a failing target returned nil")
	}
	if st := gw.Status(); len(st) != 2 || st[0].Name != "down" || st[0].Healthy {
		t.Fatalf("status %+v", st)
	}
	// Invalid names and duplicates are refused.
	if err := gw.AddTarget(ctx, &flakyTarget{name: "bad name"}); err == nil {
		t.Fatal("invalid name accepted")
	}
	if err := gw.AddTarget(ctx, &flakyTarget{}); err == nil {
		t.Fatal("duplicate accepted")
	}
}

type flakyTarget struct {
	name  string
	tools []Tool
	fail  atomic.Bool
}

func (f *flakyTarget) Name() string {
	if f.name == "" {
		return "flaky"
	}
	return f.name
}
func (f *flakyTarget) ListTools(context.Context) ([]Tool, error) {
	if f.fail.Load() {
		return nil, errors.New("backend down")
	}
	return f.tools, nil
}
func (f *flakyTarget) CallTool(context.Context, *CallRequest) (*Result, error) {
	return TextResult("ok"), nil
}

func TestBadToolsAreReportedNotServed(t *testing.T) {
	ft := &flakyTarget{tools: []Tool{
		{Name: "good"},
		{Name: "array", InputSchema: json.RawMessage(`{"type":"array"}`)},
		{Name: "broken", InputSchema: json.RawMessage(`{"type":"object","properties":{"a":{"type":12}}}`)},
		{Name: "good"},
		{Name: ""},
	}}
	gw := mustGateway(t, nil, ft)
	if n := len(gw.Catalog(context.Background())); n != 1 {
		t.Fatalf("%d tools served, want 1", n)
	}
	if p := gw.Status()[0].Problems; len(p) != 4 {
		t.Fatalf("problems %q", p)
	}
}

// TestProtocolVersions initializes with every protocol version go-sdk
// speaks and calls a tool; 2026-07-28 uses the sessionless wire.
func TestProtocolVersions(t *testing.T) {
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"v"}}}`
	for _, v := range []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"} {
		for _, stateless := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stateless=%v", v, stateless), func(t *testing.T) {
				gw := mustGateway(t, &Options{Stateless: stateless, JSONResponse: true}, mathTarget())
				url := serve(t, gw)
				req, _ := http.NewRequest("POST", url, strings.NewReader(strings.Replace(initBody, "2025-06-18", v, 1)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), `"protocolVersion":"`+v+`"`) {
					t.Fatalf("initialize with %s: %s", v, b)
				}
				hdr := map[string]string{"Mcp-Protocol-Version": v}
				if sid := resp.Header.Get("Mcp-Session-Id"); sid != "" {
					hdr["Mcp-Session-Id"] = sid
					rawPost(t, url, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`), hdr)
				}
				if status, body := rawPost(t, url, []byte(call), hdr); status != 200 || !strings.Contains(body, `"text":"v"`) {
					t.Fatalf("call: %d %s", status, body)
				}
			})
		}
	}
	t.Run("2026-07-28/sessionless", func(t *testing.T) {
		gw := mustGateway(t, &Options{Stateless: true, JSONResponse: true}, mathTarget())
		url := serve(t, gw)
		body := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"v"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
		status, resp := rawPost(t, url, []byte(body), map[string]string{
			"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "math___echo"})
		if status != 200 || !strings.Contains(resp, `"text":"v"`) {
			t.Fatalf("sessionless call: %d %s", status, resp)
		}
	})
}

func TestBuiltinCallingAToolTakesOneSlot(t *testing.T) {
	gw := mustGateway(t, &Options{MaxConcurrentCalls: 1, CallTimeout: 2 * time.Second}, mathTarget())
	err := gw.AddBuiltin(Tool{Name: "call_tool"}, func(ctx context.Context, _ *CallRequest) (*Result, error) {
		return gw.Call(ctx, "math___echo", json.RawMessage(`{"text":"inner"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := gw.Call(context.Background(), "call_tool", nil)
	if err != nil || textOf(r) != "inner" {
		t.Fatalf("%v %q", err, textOf(r))
	}
}
