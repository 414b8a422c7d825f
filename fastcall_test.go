package toolgate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
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
			case bytes.Contains(req.Arguments, []byte(`"a":16`)):
				return &Result{Meta: mcp.Meta{mcp.MetaKeyServerInfo: "theirs"}, Content: []mcp.Content{&mcp.TextContent{Text: "16"}}}, nil
			case bytes.Contains(req.Arguments, []byte(`"a":17`)):
				return &Result{Meta: mcp.Meta{"k": "v"}, Content: []mcp.Content{&mcp.TextContent{Text: "17"}}}, nil
			case bytes.Contains(req.Arguments, []byte(`"a":18`)):
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "gone"}
			}
		}
		return next(ctx, req)
	}
}

// fastSlowPair returns two gateways over the same tools, one answering
// tools/call itself and one sending every call through go-sdk.
func fastSlowPair(t testing.TB, stateless, jsonResp bool, maxBody int64) (fast, slow *Gateway) {
	mk := func(noFast bool) *Gateway {
		gw, err := New(&Options{Stateless: stateless, JSONResponse: jsonResp, Logger: discardLogger(),
			MaxBodyBytes: maxBody, Interceptors: []Interceptor{failingInterceptor}, DisableFastPath: noFast})
		if err != nil {
			t.Fatal(err)
		}
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

// sameExchange reports how two answers differ, or "". A Content-Length
// is framing, not content (the fast path sends its one event with one,
// go-sdk chunked): it must match the body, and is otherwise not compared.
func sameExchange(a, b exchange) string {
	unframed := func(ex exchange) (http.Header, string) {
		h := ex.header.Clone()
		if n := h.Get("Content-Length"); n != "" && n != strconv.Itoa(len(ex.body)) {
			return h, fmt.Sprintf("Content-Length %s for a body of %d bytes", n, len(ex.body))
		}
		h.Del("Content-Length")
		return h, ""
	}
	ah, aBad := unframed(a)
	bh, bBad := unframed(b)
	switch {
	case aBad != "" || bBad != "":
		return aBad + bBad
	case a.status != b.status:
		return fmt.Sprintf("status %d vs %d", a.status, b.status)
	case !maps.EqualFunc(ah, bh, slices.Equal[[]string]):
		return fmt.Sprintf("headers %v vs %v", a.header, b.header)
	case a.body != b.body:
		return fmt.Sprintf("body\n%q\nvs\n%q", a.body, b.body)
	}
	return ""
}

// openSession initializes a stateful session on gw and returns its id.
func openSession(t testing.TB, gw *Gateway, hdr map[string]string) string {
	t.Helper()
	ex := postTo(gw, "POST", initBody, hdr)
	sid := ex.header.Get("Mcp-Session-Id")
	if ex.status != 200 || sid == "" {
		t.Fatalf("initialize: %d %s", ex.status, ex.body)
	}
	h := map[string]string{"Mcp-Session-Id": sid}
	for k, v := range hdr {
		h[k] = v
	}
	if ex := postTo(gw, "POST", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, h); ex.status != 202 {
		t.Fatalf("initialized: %d %s", ex.status, ex.body)
	}
	return sid
}

// The sessionless (2026-07-28) form of a call: its per-request _meta and
// headers.
const slMeta = `"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}`

func slHeaders(name string) map[string]string {
	return map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": name}
}

// nested returns a JSON value nested depth arrays deep.
func nested(depth int) string {
	return strings.Repeat("[", depth) + strings.Repeat("]", depth)
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
		fast   bool   // answered by the fast path
		only   string // "stateless" or "stateful": run in that mode only
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
		{name: "session id is ignored", body: call("23", echo), hdr: map[string]string{"Mcp-Session-Id": "whatever"}, fast: true, only: "stateless"},
		{name: "unknown session", body: call("23", echo), hdr: map[string]string{"Mcp-Session-Id": "whatever"}, only: "stateful"},
		{name: "no session", body: call("23", echo), hdr: map[string]string{"Mcp-Session-Id": ""}, only: "stateful"},
		{name: "a cancellation of nothing", body: `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99,"reason":"x"}}`},
		{name: "nested 1000 deep in all", body: call("24", `{"name":"math___echo","arguments":{"text":`+nested(997)+`}}`), fast: true},
		{name: "nested 1001 deep in all", body: call("24", `{"name":"math___echo","arguments":{"text":`+nested(998)+`}}`)},
		{name: "method-not-found error", body: call("25", `{"name":"math___add","arguments":{"a":18,"b":0}}`), fast: true},
		{name: "sessionless", body: call("30", `{"name":"math___echo","arguments":{"text":"s"},"_meta":{`+slMeta+`}}`), hdr: slHeaders("math___echo"), fast: true, only: "stateless"},
		{name: "sessionless on a stateful gateway", body: call("30", `{"name":"math___echo","arguments":{"text":"s"},"_meta":{`+slMeta+`}}`), hdr: slHeaders("math___echo"), only: "stateful"},
		{name: "sessionless with client info, roots and a log level", body: call("31", `{"name":"math___echo","arguments":{"text":"s"},"_meta":{`+slMeta[:len(slMeta)-2]+`{"roots":{"listChanged":true},"sampling":{}},"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"},"io.modelcontextprotocol/logLevel":"debug","progressToken":7}}`), hdr: slHeaders("math___echo"), fast: true, only: "stateless"},
		{name: "sessionless, capabilities of the wrong shape", body: call("32", `{"name":"math___echo","_meta":{`+slMeta[:len(slMeta)-2]+`{"roots":5}}}`), hdr: slHeaders("math___echo")},
		{name: "sessionless, capabilities with a capitalised key (not a field)", body: call("32", `{"name":"math___echo","_meta":{`+slMeta[:len(slMeta)-2]+`{"Roots":{"listChanged":"x"}}}}`), hdr: slHeaders("math___echo"), fast: true, only: "stateless"},
		{name: "sessionless, null client info", body: call("32", `{"name":"math___echo","_meta":{`+slMeta+`,"io.modelcontextprotocol/clientInfo":null}}`), hdr: slHeaders("math___echo")},
		{name: "sessionless, client info of the wrong shape", body: call("32", `{"name":"math___echo","_meta":{`+slMeta+`,"io.modelcontextprotocol/clientInfo":{"name":5}}}`), hdr: slHeaders("math___echo")},
		{name: "sessionless without capabilities", body: call("33", `{"name":"math___echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}`), hdr: slHeaders("math___echo")},
		{name: "sessionless, other version in _meta", body: call("33", `{"name":"math___echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/clientCapabilities":{}}}`), hdr: slHeaders("math___echo")},
		{name: "sessionless without _meta", body: call("33", `{"name":"math___echo"}`), hdr: slHeaders("math___echo")},
		{name: "sessionless, Mcp-Name of another tool", body: call("34", `{"name":"math___echo","_meta":{`+slMeta+`}}`), hdr: slHeaders("math___add")},
		{name: "sessionless without Mcp-Name", body: call("34", `{"name":"math___echo","_meta":{`+slMeta+`}}`), hdr: map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call"}},
		{name: "sessionless, Mcp-Method of another method", body: call("34", `{"name":"math___echo","_meta":{`+slMeta+`}}`), hdr: map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list", "Mcp-Name": "math___echo"}},
		{name: "sessionless unknown tool", body: call("35", `{"name":"nope","_meta":{`+slMeta+`}}`), hdr: slHeaders("nope"), fast: true, only: "stateless"},
		{name: "sessionless invalid arguments", body: call("35", `{"name":"math___convert","arguments":{"value":1,"unit":"lb"},"_meta":{`+slMeta+`}}`), hdr: slHeaders("math___convert"), fast: true, only: "stateless"},
		{name: "sessionless interceptor error", body: call("36", `{"name":"math___add","arguments":{"a":13,"b":0},"_meta":{`+slMeta+`}}`), hdr: slHeaders("math___add"), fast: true, only: "stateless"},
		{name: "sessionless method-not-found error", body: call("36", `{"name":"math___add","arguments":{"a":18,"b":0},"_meta":{`+slMeta+`}}`), hdr: slHeaders("math___add"), fast: true, only: "stateless"},
		{name: "sessionless result with its own serverInfo", body: call("37", `{"name":"math___add","arguments":{"a":16,"b":0},"_meta":{`+slMeta+`}}`), hdr: slHeaders("math___add"), fast: true, only: "stateless"},
		{name: "sessionless result with _meta", body: call("37", `{"name":"math___add","arguments":{"a":17,"b":0},"_meta":{`+slMeta+`}}`), hdr: slHeaders("math___add"), fast: true, only: "stateless"},
		{name: "sessionless with an Mcp-Param header", body: call("38", `{"name":"math___echo","arguments":{"text":"s"},"_meta":{`+slMeta+`}}`), hdr: map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "math___echo", "Mcp-Param-Text": "s"}},
		{name: "GET", method: "GET", body: "", only: "stateless"}, // stateful: a stream that stays open
		{name: "DELETE", method: "DELETE", body: "", only: "stateless"},
	}
	for _, mode := range []struct {
		name                string
		stateless, jsonResp bool
	}{
		{"stateless-json", true, true}, {"stateless-sse", true, false},
		{"stateful-json", false, true}, {"stateful-sse", false, false},
	} {
		fast, slow := fastSlowPair(t, mode.stateless, mode.jsonResp, 0)
		hdrs := map[*Gateway]map[string]string{fast: {}, slow: {}}
		if !mode.stateless {
			hdrs[fast]["Mcp-Session-Id"] = openSession(t, fast, nil)
			hdrs[slow]["Mcp-Session-Id"] = openSession(t, slow, nil)
		}
		for _, c := range cases {
			if c.only == "stateful" && mode.stateless || c.only == "stateless" && !mode.stateless {
				continue
			}
			t.Run(mode.name+"/"+c.name, func(t *testing.T) {
				method := c.method
				if method == "" {
					method = "POST"
				}
				send := func(gw *Gateway) exchange {
					h := map[string]string{}
					for k, v := range hdrs[gw] {
						h[k] = v
					}
					for k, v := range c.hdr {
						h[k] = v
					}
					return postTo(gw, method, c.body, h)
				}
				before := fast.fast.Calls()
				got := send(fast)
				want := send(slow)
				if d := sameExchange(got, want); d != "" {
					t.Fatalf("fast path and go-sdk differ: %s", d)
				}
				if took := fast.fast.Calls() != before; took != c.fast {
					t.Fatalf("fast path taken: %v, want %v (answer %d %.200s)", took, c.fast, got.status, got.body)
				}
				if slow.fast.Calls() != 0 {
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
		fast, slow := fastSlowPair(t, true, jsonResp, 64)
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

// FuzzFastCall holds the fast path to go-sdk's answer for any body, in
// stateless mode, on a stateful session, and in the sessionless form.
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
		call("7", `{"name":"math___echo","arguments":{"text":"s"},"_meta":{`+slMeta+`}}`),
		call("8", `{"name":"math___echo","_meta":{`+slMeta[:len(slMeta)-2]+`{"roots":{"listChanged":true}},"io.modelcontextprotocol/clientInfo":{"name":"c","version":"1"}}}`),
		// the envelope's edges: escapes, duplicate and differently cased
		// keys, null members, something after the object
		`{"jsonrpc":"2\u002e0","id":10,"method":"tools\/call","params":{"name":"math___echo","arguments":{"text":"e"}}}`,
		`{"jsonrpc":"2.0","id":11,"id":12,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"d"}}}`,
		`{"jsonrpc":"2.0","id":13,"method":"tools/call","Params":{"name":"math___echo","arguments":{"text":"c"}}}`,
		`{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{"Name":"math___echo","arguments":{"text":"c"}}}`,
		`{"jsonrpc":"2.0","id":15,"method":"tools/call","params":{"name":null,"arguments":null,"_meta":null}}`,
		`{"jsonrpc":"2.0","id":16,"method":"tools/call","params":null}`,
		`{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"t"}}} {}`,
		`{"jsonrpc":"2.0","id":18,"method":"tools/call","params":{"name":"math___echo","arguments":{"text":"\xff"}},"extra":1}`,
		// answers to requests of the fast path's form that nothing awaits
		`{"jsonrpc":"2.0","id":"toolgate-ask-1","result":{"action":"accept"}}`,
		`{"jsonrpc":"2.0","id":"toolgate-ask-2","error":{"code":-1,"message":"no"}}`,
	} {
		f.Add([]byte(s))
	}
	type pair struct {
		fast, slow       *Gateway
		fastHdr, slowHdr map[string]string
	}
	fast, slow := fastSlowPair(f, true, true, 0)
	pairs := []pair{{fast, slow, nil, nil}}
	fast, slow = fastSlowPair(f, false, false, 0)
	pairs = append(pairs, pair{fast, slow,
		map[string]string{"Mcp-Session-Id": openSession(f, fast, nil)},
		map[string]string{"Mcp-Session-Id": openSession(f, slow, nil)}})
	// The sessionless form, its headers naming the echo tool.
	fast, slow = fastSlowPair(f, true, false, 0)
	pairs = append(pairs, pair{fast, slow, slHeaders("math___echo"), slHeaders("math___echo")})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range pairs {
			got := postTo(p.fast, "POST", string(body), p.fastHdr)
			want := postTo(p.slow, "POST", string(body), p.slowHdr)
			if d := sameExchange(got, want); d != "" {
				t.Fatalf("fast path and go-sdk differ for %q (stateless=%v): %s", body, p.fast.opts.Stateless, d)
			}
		}
	})
}

// TestFastCallSessions runs what go-sdk does for the calls of a stateful
// session — cancellation by notification, a duplicate id in flight,
// closing the session mid-call, another user's call, a session timeout —
// against a gateway that answers calls itself and one that leaves them to
// go-sdk, and compares what the client and the target see.
func TestFastCallSessions(t *testing.T) {
	byUser := AuthorizerFunc(func(r *http.Request) (*Principal, error) {
		if u := r.Header.Get("X-User"); u != "" {
			return &Principal{Issuer: "test", Subject: u}, nil
		}
		return nil, nil
	})
	wait := call("5", `{"name":"slow___wait","arguments":{}}`)
	type outcome struct {
		first, second exchange
		targetErr     error
	}
	scenarios := []struct {
		name string
		opts Options
		fast bool // whether the fast gateway answered the blocked call itself
		// during runs while the first call blocks in the target, and
		// returns the answer to a second request, if any.
		during func(gw *Gateway, bt *blockTarget, hdr map[string]string) exchange
	}{
		{"cancelled by notification", Options{}, true, func(gw *Gateway, _ *blockTarget, hdr map[string]string) exchange {
			return postTo(gw, "POST", `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":5,"reason":"enough"}}`, hdr)
		}},
		{"a duplicate id in flight", Options{}, true, func(gw *Gateway, bt *blockTarget, hdr map[string]string) exchange {
			ex := postTo(gw, "POST", call("5", `{"name":"math___echo","arguments":{"text":"dup"}}`), hdr)
			close(bt.release)
			return ex
		}},
		{"the session closed mid-call", Options{}, true, func(gw *Gateway, bt *blockTarget, hdr map[string]string) exchange {
			// go-sdk lets the call finish before the session closes.
			deleted := make(chan exchange, 1)
			go func() { deleted <- postTo(gw, "DELETE", "", hdr) }()
			time.Sleep(50 * time.Millisecond)
			close(bt.release)
			if ex := <-deleted; ex.status != http.StatusNoContent {
				return ex
			}
			// The session is gone for later calls.
			return postTo(gw, "POST", call("6", `{"name":"math___echo","arguments":{"text":"x"}}`), hdr)
		}},
		{"a session timeout", Options{SessionTimeout: time.Hour}, false, func(gw *Gateway, bt *blockTarget, hdr map[string]string) exchange {
			close(bt.release)
			return exchange{}
		}},
	}
	for _, sc := range scenarios {
		for _, jsonResp := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/json=%v", sc.name, jsonResp), func(t *testing.T) {
				run := func(noFast bool) (outcome, *Gateway) {
					opts := sc.opts
					opts.JSONResponse = jsonResp
					opts.Authorizer = byUser
					opts.DisableFastPath = noFast
					bt := newBlockTarget()
					gw := mustGateway(t, &opts, bt, mathTarget())
					t.Cleanup(func() { _ = gw.Close() })
					hdr := map[string]string{"X-User": "alice"}
					hdr["Mcp-Session-Id"] = openSession(t, gw, hdr)
					done := make(chan exchange, 1)
					go func() { done <- postTo(gw, "POST", wait, hdr) }()
					<-bt.started
					var o outcome
					o.second = sc.during(gw, bt, hdr)
					select {
					case o.first = <-done:
					case <-time.After(10 * time.Second):
						t.Fatal("the blocked call never ended")
					}
					o.targetErr = <-bt.ended
					return o, gw
				}
				got, fastGW := run(false)
				want, _ := run(true)
				if d := sameExchange(got.first, want.first); d != "" {
					t.Errorf("blocked call: fast path and go-sdk differ: %s", d)
				}
				if d := sameExchange(got.second, want.second); d != "" {
					t.Errorf("second request: fast path and go-sdk differ: %s", d)
				}
				if !errors.Is(got.targetErr, want.targetErr) && got.targetErr != want.targetErr {
					t.Errorf("target saw %v through the fast path, %v through go-sdk", got.targetErr, want.targetErr)
				}
				if took := fastGW.fast.Calls() > 0; took != sc.fast {
					t.Errorf("fast path taken: %v, want %v", took, sc.fast)
				}
			})
		}
	}
}

// TestFastCallSessionUser checks that a session answers only the user
// that opened it, as go-sdk's sessions do.
func TestFastCallSessionUser(t *testing.T) {
	byUser := AuthorizerFunc(func(r *http.Request) (*Principal, error) {
		return &Principal{Issuer: "test", Subject: r.Header.Get("X-User")}, nil
	})
	body := call("1", `{"name":"math___echo","arguments":{"text":"hi"}}`)
	for _, noFast := range []bool{false, true} {
		gw := mustGateway(t, &Options{JSONResponse: true, Authorizer: byUser, DisableFastPath: noFast}, mathTarget())
		sid := openSession(t, gw, map[string]string{"X-User": "alice"})
		if ex := postTo(gw, "POST", body, map[string]string{"X-User": "alice", "Mcp-Session-Id": sid}); ex.status != 200 || !strings.Contains(ex.body, `"text":"hi"`) {
			t.Fatalf("noFast=%v: alice's call: %d %s", noFast, ex.status, ex.body)
		}
		if ex := postTo(gw, "POST", body, map[string]string{"X-User": "bob", "Mcp-Session-Id": sid}); ex.status != http.StatusForbidden {
			t.Fatalf("noFast=%v: bob's call on alice's session: %d %s", noFast, ex.status, ex.body)
		}
		if want := map[bool]uint64{false: 1, true: 0}[noFast]; gw.fast.Calls() != want {
			t.Fatalf("noFast=%v: fast path answered %d calls, want %d", noFast, gw.fast.Calls(), want)
		}
		_ = gw.Close()
	}
}

// TestFastCallOffWithCompatibilitySettings checks that go-sdk's
// compatibility settings send every call through go-sdk.
func TestFastCallOffWithCompatibilitySettings(t *testing.T) {
	t.Setenv("MCPGODEBUG", "nomethodnotfoundcodeinerror=1")
	gw := mustGateway(t, &Options{Stateless: true, JSONResponse: true}, mathTarget())
	if ex := postTo(gw, "POST", call("1", `{"name":"math___echo","arguments":{"text":"hi"}}`), nil); ex.status != 200 || !strings.Contains(ex.body, `"text":"hi"`) {
		t.Fatalf("call: %d %s", ex.status, ex.body)
	}
	if n := gw.fast.Calls(); n != 0 {
		t.Fatalf("fast path answered %d calls", n)
	}
}

// TestFastCallWithGoSDKClient checks that the go-sdk client's calls are
// answered by the fast path in every mode: it speaks the sessionless form
// to a stateless gateway and opens a session on a stateful one.
func TestFastCallWithGoSDKClient(t *testing.T) {
	for _, opts := range []Options{{Stateless: true}, {Stateless: true, JSONResponse: true}, {}, {JSONResponse: true}} {
		t.Run(fmt.Sprintf("stateless=%v/json=%v", opts.Stateless, opts.JSONResponse), func(t *testing.T) {
			gw := mustGateway(t, &opts, mathTarget())
			cs := connect(t, serve(t, gw), nil)
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "math___add", Arguments: map[string]any{"a": 1, "b": 2}})
			if err != nil || res.IsError || !strings.Contains(textOf(res), "3") {
				t.Fatalf("call: %v %v %q", err, res, textOf(res))
			}
			if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "nope"}); err == nil {
				t.Fatal("unknown tool: no error")
			}
			if n := gw.fast.Calls(); n != 2 {
				t.Fatalf("fast path answered %d of 2 calls", n)
			}
		})
	}
}
