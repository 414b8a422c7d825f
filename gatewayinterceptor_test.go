package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The interceptors below work on the payloads as a Lambda function does:
// on the JSON objects of AgentCore's examples.

// jsonMap decodes b, a JSON object.
func jsonMap(t testing.TB, b []byte) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Errorf("not a JSON object: %v: %s", err, b)
	}
	return m
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// onRequest is a REQUEST interceptor changing the JSON-RPC request body
// with edit; edit returning a non-nil response answers in its place.
func onRequest(t testing.TB, edit func(body map[string]any) (resp map[string]any)) GatewayInterceptor {
	return GatewayInterceptor{Request: true, Handler: InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
		body := jsonMap(t, in.MCP.GatewayRequest.Body)
		out := &InterceptorOutput{InterceptorOutputVersion: "1.0", MCP: &InterceptorMCPOutput{}}
		if resp := edit(body); resp != nil {
			out.MCP.TransformedGatewayResponse = &GatewayResponse{StatusCode: 200, Body: mustJSON(resp)}
		}
		out.MCP.TransformedGatewayRequest = &GatewayRequest{Body: mustJSON(body)}
		return out, nil
	})}
}

// onResponse is a RESPONSE interceptor changing the JSON-RPC response body
// of the request whose method is method.
func onResponse(t testing.TB, method string, edit func(resp map[string]any)) GatewayInterceptor {
	return GatewayInterceptor{Response: true, Handler: InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
		if jsonMap(t, in.MCP.GatewayRequest.Body)["method"] != method {
			return in.PassThrough(), nil
		}
		resp := jsonMap(t, in.MCP.GatewayResponse.Body)
		edit(resp)
		return &InterceptorOutput{InterceptorOutputVersion: "1.0", MCP: &InterceptorMCPOutput{
			TransformedGatewayResponse: &GatewayResponse{StatusCode: in.MCP.GatewayResponse.StatusCode, Body: mustJSON(resp)},
		}}, nil
	})}
}

func params(body map[string]any) map[string]any {
	p, _ := body["params"].(map[string]any)
	return p
}

// countingTarget serves add, echo, a "secret" tool that reports whether
// it ran, and a "person" tool answering a record with an ssn.
func countingTarget(ran *atomic.Int32) *FuncTarget {
	return Funcs("math",
		Func("add", "Add two numbers", func(_ context.Context, in addIn) (addOut, error) {
			return addOut{Sum: in.A + in.B}, nil
		}),
		Func("echo", "Echo text", func(_ context.Context, in struct {
			Text string `json:"text"`
		}) (string, error) {
			return in.Text, nil
		}),
		Func("secret", "Reports that it ran", func(context.Context, struct{}) (string, error) {
			ran.Add(1)
			return "ran", nil
		}),
		Func("person", "A person", func(context.Context, struct{}) (map[string]any, error) {
			return map[string]any{"name": "Ada", "ssn": "078-05-1120"}, nil
		}),
	)
}

type mode struct {
	name                    string
	noFast, stateless, json bool
}

var modes = []mode{
	{"fast/stateful/sse", false, false, false},
	{"fast/stateless/json", false, true, true},
	{"go-sdk/stateful/sse", true, false, false},
	{"go-sdk/stateless/json", true, true, true},
	{"fast/stateless/sse", false, true, false},
	{"go-sdk/stateful/json", true, false, true},
}

// TestGatewayInterceptors: AgentCore's interceptor contract through the
// real HTTP handler and a go-sdk client, on the fast path and go-sdk's, in
// stateful and stateless mode.
func TestGatewayInterceptors(t *testing.T) {
	type check func(t *testing.T, cs *mcp.ClientSession, ran *atomic.Int32, audit func() []AuditRecord)
	callText := func(cs *mcp.ClientSession, name string, args map[string]any) (string, bool, error) {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			return "", false, err
		}
		return textOf(res), res.IsError, nil
	}
	tests := []struct {
		name  string
		icpts func(t *testing.T) []GatewayInterceptor
		check check
	}{
		{"refuse a call: the target is not reached, the refusal audited", func(t *testing.T) []GatewayInterceptor {
			return []GatewayInterceptor{onRequest(t, func(b map[string]any) map[string]any {
				if b["method"] == "tools/call" && params(b)["name"] == "math___secret" {
					return map[string]any{"jsonrpc": "2.0", "id": b["id"], "result": map[string]any{
						"isError": true, "content": []any{map[string]any{"type": "text", "text": "denied by policy"}}}}
				}
				return nil
			})}
		}, func(t *testing.T, cs *mcp.ClientSession, ran *atomic.Int32, audit func() []AuditRecord) {
			text, isErr, err := callText(cs, "math___secret", nil)
			if err != nil || !isErr || text != "denied by policy" || ran.Load() != 0 {
				t.Errorf("got %q isError=%v err=%v, ran %d times", text, isErr, err, ran.Load())
			}
			recs := audit()
			if len(recs) != 1 || recs[0].Outcome != OutcomeRefusedPolicy || recs[0].Tool != "math___secret" || recs[0].Target != "math" {
				t.Errorf("audit: %+v", recs)
			}
			if text, _, _ := callText(cs, "math___add", map[string]any{"a": 1, "b": 2}); text != `{"sum":3}` {
				t.Errorf("other calls: %q", text)
			}
		}},
		{"rewrite arguments: validated again", func(t *testing.T) []GatewayInterceptor {
			return []GatewayInterceptor{onRequest(t, func(b map[string]any) map[string]any {
				if p := params(b); b["method"] == "tools/call" {
					args := p["arguments"].(map[string]any)
					if args["a"] == 1.0 {
						args["a"] = 10
					} else {
						args["a"] = "not a number"
					}
				}
				return nil
			})}
		}, func(t *testing.T, cs *mcp.ClientSession, _ *atomic.Int32, _ func() []AuditRecord) {
			if text, _, err := callText(cs, "math___add", map[string]any{"a": 1, "b": 2}); text != `{"sum":12}` {
				t.Errorf("rewritten: %q %v", text, err)
			}
			if text, isErr, _ := callText(cs, "math___add", map[string]any{"a": 2, "b": 2}); !isErr || !strings.Contains(text, `invalid arguments for tool "math___add"`) {
				t.Errorf("rewritten invalid: %q", text)
			}
		}},
		{"rename to a tool the caller may not see", func(t *testing.T) []GatewayInterceptor {
			return []GatewayInterceptor{onRequest(t, func(b map[string]any) map[string]any {
				if b["method"] == "tools/call" {
					params(b)["name"] = "hidden___x"
					b["id"] = "changed" // the caller's id is kept
				}
				return nil
			})}
		}, func(t *testing.T, cs *mcp.ClientSession, ran *atomic.Int32, _ func() []AuditRecord) {
			if _, _, err := callText(cs, "math___echo", map[string]any{"text": "x"}); err == nil || !strings.Contains(err.Error(), `unknown tool "hidden___x"`) {
				t.Errorf("err = %v", err)
			}
		}},
		{"rewrite a result", func(t *testing.T) []GatewayInterceptor {
			return []GatewayInterceptor{onResponse(t, "tools/call", func(r map[string]any) {
				r["result"] = map[string]any{"content": []any{map[string]any{"type": "text", "text": "rewritten"}}}
			})}
		}, func(t *testing.T, cs *mcp.ClientSession, _ *atomic.Int32, _ func() []AuditRecord) {
			if text, _, err := callText(cs, "math___echo", map[string]any{"text": "x"}); text != "rewritten" {
				t.Errorf("got %q %v", text, err)
			}
		}},
		{"redact a field", func(t *testing.T) []GatewayInterceptor {
			return []GatewayInterceptor{onResponse(t, "tools/call", func(r map[string]any) {
				res := r["result"].(map[string]any)
				if sc, ok := res["structuredContent"].(map[string]any); ok {
					sc["ssn"] = "[REDACTED]"
					res["content"] = []any{map[string]any{"type": "text", "text": string(mustJSON(sc))}}
				}
			})}
		}, func(t *testing.T, cs *mcp.ClientSession, _ *atomic.Int32, _ func() []AuditRecord) {
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "math___person"})
			if err != nil || strings.Contains(fmt.Sprint(res.StructuredContent), "078") || strings.Contains(textOf(res), "078") ||
				!strings.Contains(textOf(res), "[REDACTED]") {
				t.Errorf("got %v %q %v", res.StructuredContent, textOf(res), err)
			}
		}},
		{"tools/list filtered by a RESPONSE interceptor", func(t *testing.T) []GatewayInterceptor {
			return []GatewayInterceptor{onResponse(t, "tools/list", func(r map[string]any) {
				res := r["result"].(map[string]any)
				var kept []any
				for _, tl := range res["tools"].([]any) {
					if !strings.Contains(tl.(map[string]any)["name"].(string), "secret") {
						kept = append(kept, tl)
					}
				}
				res["tools"] = kept
			})}
		}, func(t *testing.T, cs *mcp.ClientSession, _ *atomic.Int32, _ func() []AuditRecord) {
			res, err := cs.ListTools(context.Background(), nil)
			if err != nil || len(res.Tools) != 3 {
				t.Fatalf("tools: %d %v", len(res.Tools), err)
			}
			for _, tl := range res.Tools {
				if strings.Contains(tl.Name, "secret") {
					t.Errorf("listed %s", tl.Name)
				}
			}
		}},
		{"a failing interceptor: a JSON-RPC error, the target not reached", func(t *testing.T) []GatewayInterceptor {
			var calls atomic.Int32
			return []GatewayInterceptor{{Request: true, Handler: InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
				if jsonMap(t, in.MCP.GatewayRequest.Body)["method"] != "tools/call" {
					return in.PassThrough(), nil
				}
				if calls.Add(1) > 2 {
					t.Error("retried more than once")
				}
				return nil, errors.New("interceptor down")
			})}}
		}, func(t *testing.T, cs *mcp.ClientSession, ran *atomic.Int32, audit func() []AuditRecord) {
			_, _, err := callText(cs, "math___secret", nil)
			if err == nil || !strings.Contains(err.Error(), "the REQUEST interceptor failed") || ran.Load() != 0 {
				t.Errorf("err = %v, ran %d", err, ran.Load())
			}
			if recs := audit(); len(recs) != 1 || recs[0].Outcome != OutcomeFailed {
				t.Errorf("audit: %+v", recs)
			}
		}},
		{"a malformed output fails closed", func(t *testing.T) []GatewayInterceptor {
			return []GatewayInterceptor{{Response: true, Handler: InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
				out := in.PassThrough()
				if jsonMap(t, in.MCP.GatewayRequest.Body)["method"] == "tools/call" {
					out.InterceptorOutputVersion = "2.0"
				}
				return out, nil
			})}}
		}, func(t *testing.T, cs *mcp.ClientSession, _ *atomic.Int32, _ func() []AuditRecord) {
			if _, _, err := callText(cs, "math___echo", map[string]any{"text": "x"}); err == nil || !strings.Contains(err.Error(), "the RESPONSE interceptor failed") {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, md := range modes {
		for _, tc := range tests {
			t.Run(md.name+"/"+tc.name, func(t *testing.T) {
				var ran atomic.Int32
				var mu sync.Mutex
				var recs []AuditRecord
				gw := mustGateway(t, &Options{
					Stateless: md.stateless, JSONResponse: md.json, DisableFastPath: md.noFast,
					GatewayInterceptors: tc.icpts(t),
					ToolFilter:          func(_ context.Context, _ *Principal, ti *ToolInfo) bool { return ti.Target != "hidden" },
					Audit: func(_ context.Context, r *AuditRecord) {
						mu.Lock()
						defer mu.Unlock()
						recs = append(recs, *r)
					},
				}, countingTarget(&ran), Funcs("hidden", Func("x", "", func(context.Context, struct{}) (string, error) { return "hidden", nil })))
				cs := connect(t, serve(t, gw), nil)
				tc.check(t, cs, &ran, func() []AuditRecord {
					mu.Lock()
					defer mu.Unlock()
					return slices.Clone(recs)
				})
				if calls := gw.fast.Calls(); md.noFast && calls != 0 {
					t.Errorf("the fast path answered %d calls with DisableFastPath", calls)
				}
			})
		}
	}
}

// TestGatewayInterceptorsKeepFastPath: the fast path answers calls with
// and without interceptors, and the two paths answer byte for byte alike.
func TestGatewayInterceptorsKeepFastPath(t *testing.T) {
	icpts := []GatewayInterceptor{
		onRequest(t, func(b map[string]any) map[string]any {
			if b["method"] == "tools/call" {
				params(b)["arguments"] = map[string]any{"text": "rewritten"}
			}
			return nil
		}),
		onResponse(t, "tools/call", func(r map[string]any) { r["result"].(map[string]any)["isError"] = true }),
	}
	for _, withIcpt := range []bool{false, true} {
		for _, jsonResp := range []bool{false, true} {
			mk := func(noFast bool) *Gateway {
				o := &Options{Stateless: true, JSONResponse: jsonResp, DisableFastPath: noFast}
				if withIcpt {
					o.GatewayInterceptors = icpts
				}
				return mustGateway(t, o, mathTarget())
			}
			fast, slow := mk(false), mk(true)
			body := call("7", `{"name":"math___echo","arguments":{"text":"hi"}}`)
			a, b := postTo(fast, "POST", body, nil), postTo(slow, "POST", body, nil)
			if d := sameExchange(a, b); d != "" {
				t.Errorf("interceptors=%v json=%v: fast and go-sdk differ: %s", withIcpt, jsonResp, d)
			}
			if fast.fast.Calls() != 1 {
				t.Errorf("interceptors=%v json=%v: the fast path answered %d calls, want 1", withIcpt, jsonResp, fast.fast.Calls())
			}
			want := `"text":"hi"`
			if withIcpt {
				want = `"isError":true`
			}
			if !strings.Contains(a.body, want) || withIcpt != strings.Contains(a.body, "rewritten") {
				t.Errorf("interceptors=%v: %s", withIcpt, a.body)
			}
		}
	}
}

// TestGatewayInterceptorHeaders: the request's headers reach an
// interceptor only with PassRequestHeaders, and the caller's token is
// never logged nor audited, even when the interceptor fails.
func TestGatewayInterceptorHeaders(t *testing.T) {
	const token = "Bearer s3cr3t-t0ken"
	for _, pass := range []bool{false, true} {
		t.Run(fmt.Sprint("passRequestHeaders=", pass), func(t *testing.T) {
			var logs, audit bytes.Buffer
			var mu sync.Mutex
			var seen []map[string]string
			gw := mustGateway(t, &Options{
				Stateless: true, JSONResponse: true,
				Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
				Audit:  AuditJSON(&audit), AuditArguments: true,
				GatewayInterceptors: []GatewayInterceptor{{Request: true, Response: true, PassRequestHeaders: pass,
					Handler: InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
						mu.Lock()
						seen = append(seen, in.MCP.GatewayRequest.Headers)
						mu.Unlock()
						if in.MCP.GatewayResponse == nil && bytes.Contains(in.MCP.GatewayRequest.Body, []byte("math___fail")) {
							return nil, errors.New("refusing: " + in.MCP.GatewayRequest.Headers["Authorization"])
						}
						return in.PassThrough(), nil
					})}},
			}, mathTarget())
			hdr := map[string]string{"Authorization": token, "X-Tenant": "acme"}
			ok := postTo(gw, "POST", call("1", `{"name":"math___echo","arguments":{"text":"hi"}}`), hdr)
			failed := postTo(gw, "POST", call("2", `{"name":"math___fail","arguments":{}}`), hdr)
			if !strings.Contains(ok.body, `"text":"hi"`) || !strings.Contains(failed.body, "the REQUEST interceptor failed") {
				t.Fatalf("answers: %s / %s", ok.body, failed.body)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 4 { // REQUEST and RESPONSE, then REQUEST twice (retried)
				t.Fatalf("interceptor ran %d times", len(seen))
			}
			for _, h := range seen {
				if pass != (h["Authorization"] == token && h["X-Tenant"] == "acme") || !pass && h != nil {
					t.Errorf("headers seen: %v", h)
				}
			}
			for name, out := range map[string]string{"logs": logs.String(), "audit": audit.String(), "answer": failed.body} {
				if strings.Contains(out, "s3cr3t") {
					t.Errorf("the token is in the %s: %s", name, out)
				}
			}
			if !strings.Contains(logs.String(), "interceptor failed") {
				t.Errorf("the failure is not logged: %s", logs.String())
			}
		})
	}
}

// TestGatewayInterceptorPayloads: what an interceptor receives matches
// AgentCore's documented examples (testdata/interceptors/*.json, the
// examples of gateway-interceptors-types with their placeholders filled),
// and the documented outputs are accepted.
func TestGatewayInterceptorPayloads(t *testing.T) {
	var mu sync.Mutex
	got := map[string][]byte{}
	gw := mustGateway(t, &Options{GatewayInterceptors: []GatewayInterceptor{{Request: true, Response: true, PassRequestHeaders: true,
		Handler: InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
			if !bytes.Contains(in.MCP.GatewayRequest.Body, []byte(`"tools/list"`)) {
				return in.PassThrough(), nil
			}
			b, err := json.Marshal(in)
			if err != nil {
				return nil, err
			}
			point := "request"
			if in.MCP.GatewayResponse != nil {
				point = "response"
			}
			mu.Lock()
			got[point] = b
			mu.Unlock()
			return in.PassThrough(), nil
		})}}})
	sid := openSession(t, gw, nil)
	hdr := map[string]string{"Authorization": "Bearer <bearer_token>", "SomeHeader": "headerValue1", "Mcp-Session-Id": sid,
		"User-Agent": "<client_user_agent>", "Accept": "application/json, text/event-stream"}
	if ex := postTo(gw, "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, hdr); ex.status != 200 || !strings.Contains(ex.body, `"tools":[]`) {
		t.Fatalf("tools/list: %d %s", ex.status, ex.body)
	}
	for _, point := range []string{"request", "response"} {
		t.Run(point, func(t *testing.T) {
			b := bytes.ReplaceAll(got[point], []byte(sid), []byte("<session_id>"))
			m := jsonMap(t, b)
			want, err := os.ReadFile(filepath.Join("testdata", "interceptors", point+"_input.json"))
			if err != nil {
				t.Fatal(err)
			}
			if w := jsonMap(t, want); !reflect.DeepEqual(m, w) {
				t.Errorf("payload\n%s\nwant\n%s", mustJSON(m), mustJSON(w))
			}
		})
	}
	for _, name := range []string{"request_output.json", "response_output.json", "passthrough_output.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "interceptors", name))
		if err != nil {
			t.Fatal(err)
		}
		var out InterceptorOutput
		if err := json.Unmarshal(b, &out); err != nil || checkOutput(&out) != nil {
			t.Errorf("%s: %v %v", name, err, checkOutput(&out))
		}
	}
}

// TestGatewayInterceptorsConfig: New refuses an interceptor it cannot run.
func TestGatewayInterceptorsConfig(t *testing.T) {
	h := InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
		return in.PassThrough(), nil
	})
	for _, tc := range []struct {
		name string
		gi   GatewayInterceptor
		want string
	}{
		{"no handler", GatewayInterceptor{Request: true}, "has no Handler"},
		{"no point", GatewayInterceptor{Handler: h}, "has no interception point"},
	} {
		_, err := New(&Options{Logger: discardLogger(), GatewayInterceptors: []GatewayInterceptor{tc.gi}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// FuzzInterceptorOutput: whatever an interceptor returns, the gateway
// either refuses it or serves a JSON-RPC request answering the caller's id.
func FuzzInterceptorOutput(f *testing.F) {
	for _, s := range []string{
		`{"interceptorOutputVersion":"1.0","mcp":{"transformedGatewayRequest":{"body":{"jsonrpc":"2.0","id":1,"method":"tools/list"}}}}`,
		`{"interceptorOutputVersion":"1.0","mcp":{"transformedGatewayResponse":{"statusCode":200,"body":{"jsonrpc":"2.0","id":1,"result":{}}}}}`,
		`{"interceptorOutputVersion":"1.0","mcp":{"transformedGatewayRequest":{"body":{"id":"x","method":""}}}}`,
		`{"interceptorOutputVersion":"1.0","mcp":{}}`,
		`{"interceptorOutputVersion":"1.0","mcp":{"transformedGatewayResponse":{"statusCode":99,"body":"x"}}}`,
		`{"interceptorOutputVersion":"2.0"}`,
		`[]`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out InterceptorOutput
		if json.Unmarshal(data, &out) != nil || checkOutput(&out) != nil {
			return
		}
		if r := out.MCP.TransformedGatewayResponse; r != nil && !isNull(r.Body) && !json.Valid(r.Body) {
			t.Fatalf("accepted a response body that is not JSON: %q", r.Body)
		}
		tr := out.MCP.TransformedGatewayRequest
		if tr == nil || isNull(tr.Body) {
			return
		}
		b, err := rewriteRequest(json.RawMessage(`"caller-7"`), tr.Body)
		if err != nil {
			return
		}
		var req struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Method  string          `json:"method"`
		}
		if err := json.Unmarshal(b, &req); err != nil || req.JSONRPC != "2.0" || string(req.ID) != `"caller-7"` || req.Method == "" {
			t.Fatalf("rewrote %q into %q (%v)", tr.Body, b, err)
		}
	})
}

// BenchmarkGatewayInterceptor: what a Go pass-through interceptor at both
// points adds to a call answered by the fast path (stateless, plain JSON).
func BenchmarkGatewayInterceptor(b *testing.B) {
	pass := InterceptorFunc(func(_ context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
		return in.PassThrough(), nil
	})
	for _, bc := range []struct {
		name  string
		icpts []GatewayInterceptor
	}{
		{"none", nil},
		{"passthrough", []GatewayInterceptor{{Handler: pass, Request: true, Response: true}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			gw, err := New(&Options{Stateless: true, JSONResponse: true, Logger: discardLogger(), GatewayInterceptors: bc.icpts})
			if err != nil {
				b.Fatal(err)
			}
			defer gw.Close()
			if err := gw.AddTarget(context.Background(), mathTarget()); err != nil {
				b.Fatal(err)
			}
			body := call("1", `{"name":"math___add","arguments":{"a":1,"b":2}}`)
			b.ReportAllocs()
			for b.Loop() {
				if ex := postTo(gw, "POST", body, nil); !strings.Contains(ex.body, `{"sum":3}`) {
					b.Fatal(ex.body)
				}
			}
			if gw.fast.Calls() == 0 {
				b.Fatal("the fast path answered no call")
			}
		})
	}
}
