package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/tracectx/tracetest"
)

const tracedSpec = `
openapi: 3.0.3
info: {title: traced, version: "1"}
paths:
  /items/{id}:
    get:
      operationId: getItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: traceparent, in: header, schema: {type: string}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
`

// TestTraceContext: the backend request carries the call's span as its
// W3C parent, in place of any traceparent or tracestate the arguments or
// Options.Header set, and outside a SigV4 signature; without a span the
// request is as before, trace headers and all.
func TestTraceContext(t *testing.T) {
	const caller = "00-11111111111111111111111111111111-2222222222222222-01"
	sig, err := credentials.NewSigV4(context.Background(), credentials.SigV4Config{
		Service: "execute-api", Region: "eu-west-1", AccessKeyID: "AKIDTRACE", SecretAccessKey: credentials.Literal("secret"),
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		span   bool
		args   string
		header http.Header // Options.Header
		creds  credentials.Provider
		want   []string // without a span, the traceparent the backend gets
	}{
		{"span", true, `{"id":"1"}`, nil, nil, nil},
		{"span replaces the caller's", true, `{"id":"1","traceparent":"` + caller + `"}`, http.Header{"Tracestate": {"caller=1"}}, nil, nil},
		{"span with SigV4", true, `{"id":"1"}`, nil, sig, nil},
		{"no span", false, `{"id":"1"}`, nil, nil, nil},
		{"no span, the caller's as it was", false, `{"id":"1","traceparent":"` + caller + `"}`, http.Header{"Tracestate": {"caller=1"}}, nil, []string{caller}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(t)
			tg, err := New(context.Background(), []byte(tracedSpec), &Options{BaseURL: rec.srv.URL, Header: tt.header, Credentials: tt.creds, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var check func(traceparent string)
			if tt.span {
				spanCtx, sc := tracetest.Start(t)
				ctx = spanCtx
				check = func(tp string) { tracetest.Check(t, tp, sc) }
			}
			res, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "getItem", Arguments: json.RawMessage(tt.args)})
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError {
				t.Fatalf("IsError: %s", resultText(res))
			}
			got := rec.last(t).header
			tp, ts := got.Values("Traceparent"), got.Values("Tracestate")
			if check != nil {
				if len(tp) != 1 {
					t.Fatalf("traceparent %q, want one", tp)
				}
				check(tp[0])
				if len(ts) != 0 {
					t.Errorf("tracestate %q: the span has none", ts)
				}
			} else {
				if !slices.Equal(tp, tt.want) {
					t.Errorf("traceparent %q, want %q", tp, tt.want)
				}
				if !slices.Equal(ts, tt.header.Values("Tracestate")) {
					t.Errorf("tracestate %q, want %q", ts, tt.header.Values("Tracestate"))
				}
			}
			if tt.creds != nil {
				auth := got.Get("Authorization")
				_, signed, _ := strings.Cut(auth, "SignedHeaders=")
				signed, _, _ = strings.Cut(signed, ",")
				if signed == "" || strings.Contains(signed, "traceparent") || strings.Contains(signed, "tracestate") {
					t.Errorf("SignedHeaders %q: want the trace context left out (Authorization %q)", signed, auth)
				}
			}
		})
	}
}
