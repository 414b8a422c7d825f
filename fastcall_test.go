package toolgate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// failingInterceptor makes math___add fail in the three ways an
// interceptor can: a plain error, an error wrapping a JSON-RPC error, and
// a JSON-RPC error itself.
func failingInterceptor(next CallFunc) CallFunc {
	return func(ctx context.Context, req *CallRequest) (*Result, error) {
		if req.Name == "math___add" {
			switch {
			case bytes.Contains(req.Arguments, []byte(`"a":13`)):
				return nil, errors.New("policy: thirteen is not allowed")
			case bytes.Contains(req.Arguments, []byte(`"a":14`)):
				return nil, fmt.Errorf("policy: %w", &jsonrpc.Error{Code: -32042, Message: "inner"})
			case bytes.Contains(req.Arguments, []byte(`"a":15`)):
				return nil, &jsonrpc.Error{Code: -32043, Message: "refused <15>", Data: []byte(`{"why":"15"}`)}
			}
		}
		return next(ctx, req)
	}
}

// fastSlowPair returns two stateless gateways over the same tools, one
// answering tools/call itself and one sending every call through go-sdk.
func fastSlowPair(t testing.TB, jsonResp bool, maxBody int64) (fast, slow *Gateway) {
	mk := func(noFast bool) *Gateway {
		gw, err := New(&Options{Stateless: true, JSONResponse: jsonResp, Logger: discardLogger(),
			MaxBodyBytes: maxBody, Interceptors: []Interceptor{failingInterceptor}})
		if err != nil {
			t.Fatal(err)
		}
		gw.noFastCall = noFast
		if err := gw.AddTarget(context.Background(), mathTarget()); err != nil {
			t.Fatal(err)
		}
		return gw
	}
	return mk(false), mk(true)
}

type exchange struct {
	status int
	header http.Header
	body   string
}

func postTo(gw *Gateway, method, body string, hdr map[string]string) exchange {
	req := httptest.NewRequest(method, "http://127.0.0.1/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, req)
	return exchange{rec.Code, rec.Header(), rec.Body.String()}
}

// sameExchange reports how two answers differ, or "".
func sameExchange(a, b exchange) string {
	switch {
	case a.status != b.status:
		return fmt.Sprintf("status %d vs %d", a.status, b.status)
	case a.header.Get("Content-Type") != b.header.Get("Content-Type"):
		return fmt.Sprintf("Content-Type %q vs %q", a.header.Get("Content-Type"), b.header.Get("Content-Type"))
	case a.header.Get("Cache-Control") != b.header.Get("Cache-Control"):
		return fmt.Sprintf("Cache-Control %q vs %q", a.header.Get("Cache-Control"), b.header.Get("Cache-Control"))
	case a.body != b.body:
		return fmt.Sprintf("body\n%q\nvs\n%q", a.body, b.body)
	}
	return ""
}

func call(id, params string) string {
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":` + params + `}`
}

// TestFastCallMatchesGoSDK sends the same requests to a gateway that
// answers stateless tools/call itself and to one that leaves them to
// go-sdk: status, headers and body must be identical, and the fast path
// must have answered exactly the requests it is meant to.
func TestFastCallMatchesGoSDK(t *testing.T) {
	echo := `{"name":"math___echo","arguments":{"text":"hi"}}`
	cases := []struct {
		name   string
		method string
		body   string
		hdr    map[string]string
		fast   bool // answered by the fast path
	}{
		{name: "echo", body: call("1", echo), fast: true},
		{name: "string id", body: call(`"abc"`, echo), fast: true},
		{name: "string id with escapes", body: call(`"\u0041<b>&\n\u00e9"`, echo), fast: true},
		{name: "negative id", body: call("-7", echo), fast: true},
		{name: "largest exact id", body: call("9007199254740992", echo), fast: true},
		{name: "id beyond a float", body: call("9007199254740993", echo)},
		{name: "fractional id", body: call("1.5", echo)},
		{name: "exponent id", body: call("1e3", echo)},
		{name: "null id", body: call("null", echo)},
		{name: "no id", body: `{"jsonrpc":"2.0","method":"tools/call","params":` + echo + `}`},
		{name: "structured output", body: call("2", `{"name":"math___add","arguments":{"a":1.5,"b":2}}`), fast: true},
		{name: "html and unicode in text", body: call("3", `{"name":"math___echo","arguments":{"text":"<a href=\"x\">&amp;</a> 数据 \u2028"}}`), fast: true},
		{name: "unknown tool", body: call("4", `{"name":"nope","arguments":{}}`), fast: true},
		{name: "empty name", body: call("4", `{"name":"","arguments":{}}`), fast: true},
		{name: "null name", body: call("4", `{"name":null}`), fast: true},
		{name: "name not a string", body: call("4", `{"name":7}`)},
		{name: "invalid arguments", body: call("5", `{"name":"math___convert","arguments":{"value":"x","unit":"lb"}}`), fast: true},
		{name: "arguments null", body: call("6", `{"name":"math___echo","arguments":null}`), fast: true},
		{name: "arguments absent", body: call("6", `{"name":"math___echo"}`), fast: true},
		{name: "arguments a string", body: call("6", `{"name":"math___echo","arguments":"hi"}`), fast: true},
		{name: "arguments an array", body: call("6", `{"name":"math___echo","arguments":[1]}`), fast: true},
		{name: "failing tool", body: call("7", `{"name":"math___fail","arguments":{}}`), fast: true},
		{name: "panicking tool", body: call("8", `{"name":"math___boom","arguments":{}}`), fast: true},
		{name: "interceptor error", body: call("9", `{"name":"math___add","arguments":{"a":13,"b":0}}`), fast: true},
		{name: "interceptor wrapped JSON-RPC error", body: call("9", `{"name":"math___add","arguments":{"a":14,"b":0}}`), fast: true},
		{name: "interceptor JSON-RPC error", body: call("9", `{"name":"math___add","arguments":{"a":15,"b":0}}`), fast: true},
		{name: "_meta with a progress token", body: call("10", `{"name":"math___echo","arguments":{"text":"m"},"_meta":{"progressToken":"p1","x":{"y":[1,2]}}}`), fast: true},
		{name: "_meta null", body: call("10", `{"name":"math___echo","arguments":{"text":"m"},"_meta":null}`), fast: true},
		{name: "_meta not an object", body: call("10", `{"name":"math___echo","_meta":5}`)},
		{name: "sessionless _meta", body: call("10", `{"name":"math___echo","arguments":{"text":"m"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}`)},
		{name: "another params key", body: call("11", `{"name":"math___echo","arguments":{"text":"t"},"task":{"ttl":1}}`)},
		{name: "params null", body: call("12", `null`)},
		{name: "params an array", body: call("12", `[1]`)},
		{name: "no params", body: `{"jsonrpc":"2.0","id":12,"method":"tools/call"}`},
		{name: "another top-level key", body: `{"jsonrpc":"2.0","id":13,"method":"tools/call","params":` + echo + `,"extra":1}`},
		{name: "capitalised key", body: `{"jsonrpc":"2.0","id":13,"Method":"tools/call","params":` + echo + `}`},
		{name: "wrong version", body: `{"jsonrpc":"1.0","id":13,"method":"tools/call","params":` + echo + `}`},
		{name: "duplicate key", body: `{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"nope","name":"math___echo","arguments":{"text":"d"}}}`, fast: true},
		{name: "whitespace around", body: "\n\t " + call("14", echo) + "\r\n ", fast: true},
		{name: "a batch", body: "[" + call("15", echo) + "]"},
		{name: "another method", body: `{"jsonrpc":"2.0","id":16,"method":"tools/list","params":{}}`},
		{name: "malformed", body: `{"jsonrpc":"2.0","id":17,"method":"tools/call","params":`},
		{name: "protocol 2025-03-26", body: call("18", echo), hdr: map[string]string{"Mcp-Protocol-Version": "2025-03-26"}, fast: true},
		{name: "protocol 2024-11-05", body: call("18", echo), hdr: map[string]string{"Mcp-Protocol-Version": "2024-11-05"}, fast: true},
		{name: "unknown protocol", body: call("18", echo), hdr: map[string]string{"Mcp-Protocol-Version": "1999-01-01"}},
		{name: "sessionless protocol header", body: call("18", echo), hdr: map[string]string{"Mcp-Protocol-Version": "2026-07-28"}},
		{name: "Mcp-Method header", body: call("19", echo), hdr: map[string]string{"Mcp-Method": "tools/call"}},
		{name: "Last-Event-ID", body: call("20", echo), hdr: map[string]string{"Last-Event-ID": "x_1"}},
		{name: "JSON only accepted", body: call("21", echo), hdr: map[string]string{"Accept": "application/json"}},
		{name: "any accepted", body: call("21", echo), hdr: map[string]string{"Accept": "*/*"}, fast: true},
		{name: "content type with charset", body: call("22", echo), hdr: map[string]string{"Content-Type": "application/json; charset=utf-8"}, fast: true},
		{name: "text content type", body: call("22", echo), hdr: map[string]string{"Content-Type": "text/plain"}},
		{name: "session id is ignored", body: call("23", echo), hdr: map[string]string{"Mcp-Session-Id": "whatever"}, fast: true},
		{name: "GET", method: "GET", body: ""},
		{name: "DELETE", method: "DELETE", body: ""},
	}
	for _, jsonResp := range []bool{true, false} {
		fast, slow := fastSlowPair(t, jsonResp, 0)
		for _, c := range cases {
			t.Run(fmt.Sprintf("json=%v/%s", jsonResp, c.name), func(t *testing.T) {
				method := c.method
				if method == "" {
					method = "POST"
				}
				before := fast.fastCalls.Load()
				got := postTo(fast, method, c.body, c.hdr)
				want := postTo(slow, method, c.body, c.hdr)
				if d := sameExchange(got, want); d != "" {
					t.Fatalf("fast path and go-sdk differ: %s", d)
				}
				if took := fast.fastCalls.Load() != before; took != c.fast {
					t.Fatalf("fast path taken: %v, want %v (answer %d %.200s)", took, c.fast, got.status, got.body)
				}
				if slow.fastCalls.Load() != 0 {
					t.Fatal("the go-sdk gateway took the fast path")
				}
			})
		}
	}
}

// TestFastCallBodyLimit checks that a body over the limit is refused as
// go-sdk refuses it, after the fast path has read part of it.
func TestFastCallBodyLimit(t *testing.T) {
	for _, jsonResp := range []bool{true, false} {
		fast, slow := fastSlowPair(t, jsonResp, 64)
		// Without a Content-Length the gateway's own early check cannot see
		// the size; the readers must.
		body := call("1", `{"name":"math___echo","arguments":{"text":"`+strings.Repeat("x", 100)+`"}}`)
		send := func(gw *Gateway) exchange {
			req := httptest.NewRequest("POST", "http://127.0.0.1/mcp", strings.NewReader(body))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			rec := httptest.NewRecorder()
			gw.ServeHTTP(rec, req)
			return exchange{rec.Code, rec.Header(), rec.Body.String()}
		}
		got, want := send(fast), send(slow)
		if got.status != http.StatusRequestEntityTooLarge || sameExchange(got, want) != "" {
			t.Fatalf("json=%v: fast %d %q, go-sdk %d %q", jsonResp, got.status, got.body, want.status, want.body)
		}
	}
}

// TestFastCallCancellation checks that a call answered by the fast path
// ends when its client goes away.
func TestFastCallCancellation(t *testing.T) {
	bt := newBlockTarget()
	gw := mustGateway(t, &Options{Stateless: true, JSONResponse: true}, bt)
	url := serve(t, gw)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(call("1", `{"name":"slow___wait","arguments":{}}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-bt.started
	cancel()
	<-done
	if err := <-bt.ended; !errors.Is(err, context.Canceled) {
		t.Fatalf("target saw %v, want context.Canceled", err)
	}
	if gw.fastCalls.Load() != 1 {
		t.Fatalf("fast path answered %d calls, want 1", gw.fastCalls.Load())
	}
}

// FuzzFastCall holds the fast path to go-sdk's answer for any body.
func FuzzFastCall(f *testing.F) {
	for _, s := range []string{
		call("1", `{"name":"math___echo","arguments":{"text":"hi"}}`),
		call(`"x"`, `{"name":"math___add","arguments":{"a":1,"b":2}}`),
		call("2", `{"name":"math___convert","arguments":{"value":"x","unit":"lb"}}`),
		call("3", `{"name":"math___boom"}`),
		call("4", `{"name":"math___add","arguments":{"a":15,"b":0},"_meta":{"k":"v"}}`),
		call("5", `{"name":"nope","arguments":null}`),
		`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"\ud800"}}}`,
		`{"jsonrpc":"2.0","id":"\u00ff","method":"tools/call","params":{"name":"math___echo"}}`,
	} {
		f.Add([]byte(s))
	}
	fast, slow := fastSlowPair(f, true, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		got := postTo(fast, "POST", string(body), nil)
		want := postTo(slow, "POST", string(body), nil)
		if d := sameExchange(got, want); d != "" {
			t.Fatalf("fast path and go-sdk differ for %q: %s", body, d)
		}
	})
}
