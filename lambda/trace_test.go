package lambda_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/tracectx/tracetest"
	"github.com/toolgate/toolgate/lambda"
	"github.com/toolgate/toolgate/lambda/internal/testfn"
)

// custom reads the client context's custom map that a function got for a
// call with its result.
type custom func(t *testing.T, r *toolgate.Result) map[string]string

// echoed reads it from the echo tool's answer.
func echoed(t *testing.T, r *toolgate.Result) map[string]string {
	t.Helper()
	var got struct {
		Custom map[string]string `json:"custom"`
	}
	b, _ := json.Marshal(r.StructuredContent)
	if err := json.Unmarshal(b, &got); err != nil || got.Custom == nil {
		t.Fatalf("echo answered %s: %v", b, err)
	}
	return got.Custom
}

// TestTraceContext: the client context holds the call's span as
// traceparent, whichever way the call reaches the function: in process
// (lambdacontext), through the Invoke API (X-Amz-Client-Context), and in
// the runtime under the emulator. An inbound traceparent or tracestate
// named in PropagateHeaders gives way to the span; without a span nothing
// is added.
func TestTraceContext(t *testing.T) {
	const inbound = "00-11111111111111111111111111111111-2222222222222222-01"
	options := func(t testing.TB) *lambda.Options {
		o := baseOptions(t)
		o.PropagateHeaders = append(o.PropagateHeaders, "Traceparent", "Tracestate")
		return o
	}
	modes := []struct {
		name  string
		start func(t *testing.T) (toolgate.Target, custom)
	}{
		{"in-process", func(t *testing.T) (toolgate.Target, custom) {
			o := options(t)
			o.Timeout = fnTimeout
			tg, err := lambda.NewInProcess(testfn.Handle, o)
			if err != nil {
				t.Fatal(err)
			}
			return tg, echoed
		}},
		{"Invoke API", func(t *testing.T) (toolgate.Target, custom) {
			f := &fakeLambda{responses: []func(http.ResponseWriter){answer("", `"ok"`)}}
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			o := options(t)
			o.Function = "arn:aws:lambda:eu-west-1:123456789012:function:weather"
			o.Endpoint = srv.URL
			o.Credentials = staticSigV4(t)
			tg, err := lambda.New(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			return tg, func(t *testing.T, _ *toolgate.Result) map[string]string {
				t.Helper()
				raw, err := base64Decode(f.last.Load().Header.Get("X-Amz-Client-Context"))
				var cc struct {
					Custom map[string]string `json:"custom"`
				}
				if err != nil || json.Unmarshal(raw, &cc) != nil {
					t.Fatalf("client context %q: %v", raw, err)
				}
				return cc.Custom
			}
		}},
		{"emulator", func(t *testing.T) (toolgate.Target, custom) { return emulatedTargetWith(t, options(t)), echoed }},
	}
	cases := []struct {
		name   string
		span   bool
		header http.Header
		want   map[string]string // without a span: the trace keys expected ("" for none)
	}{
		{"span", true, http.Header{"X-Tenant": {"acme"}}, nil},
		{"span replaces the inbound", true, http.Header{"Traceparent": {inbound}, "Tracestate": {"in=1"}}, nil},
		{"no span", false, http.Header{"X-Tenant": {"acme"}}, map[string]string{"traceparent": "", "tracestate": ""}},
		{"no span, the inbound as before", false, http.Header{"Traceparent": {inbound}}, map[string]string{"traceparent": inbound, "tracestate": ""}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			tg, read := m.start(t)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					ctx := context.Background()
					var check func(traceparent string)
					if tc.span {
						spanCtx, sc := tracetest.Start(t)
						ctx = spanCtx
						check = func(tp string) { tracetest.Check(t, tp, sc) }
					}
					r, err := tg.CallTool(ctx, &toolgate.CallRequest{Target: "fn", Tool: "echo", Name: "fn___echo",
						Arguments: json.RawMessage(`{"city":"Paris"}`), Header: tc.header})
					if err != nil {
						t.Fatal(err)
					}
					if r.IsError {
						t.Fatalf("IsError: %s", testenv.Text(r))
					}
					got := read(t, r)
					if got[lambda.KeyToolName] != "fn___echo" {
						t.Errorf("custom %v: not the call's client context", got)
					}
					if check != nil {
						check(got["traceparent"])
						if ts, ok := got["tracestate"]; ok {
							t.Errorf("tracestate %q: the span has none", ts)
						}
						return
					}
					for k, v := range tc.want {
						if got[k] != v {
							t.Errorf("custom[%s] = %q, want %q", k, got[k], v)
						}
						if _, ok := got[k]; ok && v == "" {
							t.Errorf("custom has %s without a span", k)
						}
					}
				})
			}
		})
	}
}
