package smithy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/tracectx/tracetest"
	"github.com/toolgate/toolgate/smithy"
)

// TestTraceContext: for each protocol family, the SigV4-signed backend
// request carries the call's span as its W3C parent, outside the
// signature; without a span it carries no trace header.
func TestTraceContext(t *testing.T) {
	sig, err := credentials.NewSigV4(context.Background(), credentials.SigV4Config{
		Service: "test", Region: "us-east-1", AccessKeyID: "AKIDTRACE", SecretAccessKey: credentials.Literal("secret"),
	})
	if err != nil {
		t.Fatal(err)
	}
	protocols := []struct {
		name, model, tool, args, contentType, answer string
	}{
		{"restJson1", "testdata/bindings.json", "GetObject", `{"Bucket":"b","Key":"k"}`, "application/octet-stream", "bin"},
		{"awsJson1_1", corpusModel(t, "aws/secrets-manager-2017-10-17.json"), "ListSecrets", `{}`, "application/x-amz-json-1.1", `{"SecretList":[]}`},
		{"awsQuery", corpusModel(t, "aws/sns-2010-03-31.json"), "ListTopics", `{}`, "text/xml",
			`<ListTopicsResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ListTopicsResult><Topics/></ListTopicsResult></ListTopicsResponse>`},
	}
	for _, p := range protocols {
		m, err := smithy.LoadFile(p.model)
		if err != nil {
			t.Fatal(err)
		}
		be := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", p.contentType)
			_, _ = io.WriteString(w, p.answer)
		})
		tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: be.srv.URL, Credentials: sig, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		for _, span := range []bool{true, false} {
			name := p.name + "/no span"
			if span {
				name = p.name + "/span"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				var check func(traceparent string)
				if span {
					spanCtx, sc := tracetest.Start(t)
					ctx = spanCtx
					check = func(tp string) { tracetest.Check(t, tp, sc) }
				}
				res, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: p.tool, Arguments: json.RawMessage(p.args)})
				if err != nil {
					t.Fatal(err)
				}
				if res.IsError {
					t.Fatalf("IsError: %v", res.Content)
				}
				got := be.request().header
				tp := got.Values("Traceparent")
				switch {
				case check != nil && len(tp) != 1:
					t.Errorf("traceparent %q, want one", tp)
				case check != nil:
					check(tp[0])
				case len(tp) != 0:
					t.Errorf("traceparent %q without a span", tp)
				}
				if ts := got.Values("Tracestate"); len(ts) != 0 {
					t.Errorf("tracestate %q: the span has none", ts)
				}
				auth := got.Get("Authorization")
				_, signed, _ := strings.Cut(auth, "SignedHeaders=")
				signed, _, _ = strings.Cut(signed, ",")
				if !strings.Contains(signed, "x-amz-date") || strings.Contains(signed, "traceparent") || strings.Contains(signed, "tracestate") {
					t.Errorf("SignedHeaders %q: want SigV4 with the trace context left out", signed)
				}
			})
		}
	}
}
