package toolgate

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

const (
	remoteTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	remoteSpan  = "00f067aa0ba902b7"
	traceparent = "00-" + remoteTrace + "-" + remoteSpan + "-01"
)

// spanTarget's tool reports the span context it runs in.
func spanTarget(seen chan<- trace.SpanContext) *FuncTarget {
	return Funcs("sp", Func("where", "Reports its span", func(ctx context.Context, _ struct{}) (string, error) {
		seen <- trace.SpanContextFromContext(ctx)
		return "here", nil
	}))
}

func attrOf(s sdktrace.ReadOnlySpan, k string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == k {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestSpans: a tools/call makes a server span, child of the trace context
// in _meta or else in the HTTP headers, and a client span for the target
// call whose context the target sees.
func TestSpans(t *testing.T) {
	cases := []struct {
		name       string
		header     map[string]string
		meta       map[string]any
		wantParent string // the remote parent span id; "" for a new trace
	}{
		{"from _meta", nil, map[string]any{"traceparent": traceparent}, remoteSpan},
		{"from the HTTP header", map[string]string{"Traceparent": traceparent}, nil, remoteSpan},
		{"_meta over the header", map[string]string{"Traceparent": "00-" + remoteTrace + "-1111111111111111-01"}, map[string]any{"traceparent": traceparent}, remoteSpan},
		{"none", nil, nil, ""},
	}
	for _, fast := range []bool{true, false} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s fast=%v", c.name, fast), func(t *testing.T) {
				rec := tracetest.NewSpanRecorder()
				seen := make(chan trace.SpanContext, 1)
				gw := mustGateway(t, &Options{
					Stateless: true, JSONResponse: true, DisableFastPath: !fast,
					TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)),
				}, spanTarget(seen))
				url := serve(t, gw)
				params := map[string]any{"name": "sp___where", "arguments": map[string]any{}}
				if c.meta != nil {
					params["_meta"] = c.meta
				}
				body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": params})
				hdr := map[string]string{"Mcp-Protocol-Version": "2025-06-18"}
				for k, v := range c.header {
					hdr[k] = v
				}
				if status, b := rawPost(t, url, body, hdr); status != 200 {
					t.Fatalf("%d %s", status, b)
				}
				inTarget := <-seen
				var server, client sdktrace.ReadOnlySpan
				for _, s := range rec.Ended() {
					switch s.SpanKind() {
					case trace.SpanKindServer:
						server = s
					case trace.SpanKindClient:
						client = s
					}
				}
				if server == nil || client == nil {
					t.Fatalf("spans %v", rec.Ended())
				}
				if server.Name() != "tools/call sp___where" || client.Name() != "execute_tool sp___where" {
					t.Fatalf("span names %q, %q", server.Name(), client.Name())
				}
				for k, want := range map[string]string{"mcp.method.name": "tools/call", "gen_ai.tool.name": "sp___where",
					"gen_ai.operation.name": "execute_tool", "toolgate.target": "sp", "toolgate.outcome": "ok", "network.transport": "tcp"} {
					if got := attrOf(server, k); got != want {
						t.Errorf("server span %s = %q, want %q", k, got, want)
					}
				}
				if got := attrOf(client, "toolgate.target.type"); got != "Function" {
					t.Errorf("client span target type %q", got)
				}
				if c.wantParent != "" {
					if server.Parent().SpanID().String() != c.wantParent || server.SpanContext().TraceID().String() != remoteTrace || !server.Parent().IsRemote() {
						t.Fatalf("server span parent %v trace %v", server.Parent(), server.SpanContext().TraceID())
					}
				} else if server.Parent().IsValid() {
					t.Fatalf("server span has parent %v", server.Parent())
				}
				if client.Parent().SpanID() != server.SpanContext().SpanID() {
					t.Fatal("the target span is not the server span's child")
				}
				if inTarget.SpanID() != client.SpanContext().SpanID() || inTarget.TraceID() != server.SpanContext().TraceID() {
					t.Fatalf("the target ran in %v, not in its span %v", inTarget, client.SpanContext())
				}
			})
		}
	}
}

// TestSpanErrors: failed and refused calls set the span status and
// error.type; in-process calls are children of the caller's span.
func TestSpanErrors(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	gw := mustGateway(t, &Options{TracerProvider: tp}, mathTarget())
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	cases := []struct {
		tool, args, errType string
	}{
		{"math___fail", `{}`, "failed"},
		{"math___convert", `{"value":1,"unit":"x"}`, "invalid"},
		{"math___nope", `{}`, "invalid"},
		{"math___add", `{"a":1,"b":1}`, ""},
	}
	for _, c := range cases {
		_, _ = gw.Call(ctx, c.tool, json.RawMessage(c.args))
		var got sdktrace.ReadOnlySpan
		for _, s := range rec.Ended() {
			if s.Name() == "tools/call "+c.tool {
				got = s
			}
		}
		if got == nil {
			t.Fatalf("%s: no span", c.tool)
		}
		if got.Parent().SpanID() != parent.SpanContext().SpanID() || got.SpanKind() != trace.SpanKindInternal {
			t.Errorf("%s: parent %v kind %v", c.tool, got.Parent(), got.SpanKind())
		}
		if attrOf(got, "error.type") != c.errType {
			t.Errorf("%s: error.type %q, want %q", c.tool, attrOf(got, "error.type"), c.errType)
		}
		if (c.errType != "") != (got.Status().Code == codes.Error) {
			t.Errorf("%s: status %v", c.tool, got.Status())
		}
	}
	parent.End()
}

// TestUnsampledSpans: a request the sampler leaves out records nothing,
// and its target still runs in the request's trace, marked not sampled,
// to hand on to its backend.
func TestUnsampledSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	seen := make(chan trace.SpanContext, 1)
	gw := mustGateway(t, &Options{
		Stateless: true, JSONResponse: true,
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec),
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample()))),
	}, spanTarget(seen))
	url := serve(t, gw)
	body := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"sp___where","arguments":{},"_meta":{"traceparent":"00-` + remoteTrace + `-` + remoteSpan + `-00"}}}`
	if status, b := rawPost(t, url, []byte(body), map[string]string{"Mcp-Protocol-Version": "2025-06-18"}); status != 200 {
		t.Fatalf("%d %s", status, b)
	}
	sc := <-seen
	if sc.TraceID().String() != remoteTrace || sc.IsSampled() || !sc.IsValid() {
		t.Fatalf("the target ran in %v", sc)
	}
	if n := len(rec.Ended()) + len(rec.Started()); n != 0 {
		t.Fatalf("%d spans recorded", n)
	}
}
