package toolgate_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/openapi"
)

// TestTraceReachesTheBackend: a caller's trace context in _meta becomes the
// parent of the gateway's spans, and the REST backend behind an OpenAPI
// target receives the gateway's target-call span as its parent: one trace
// from the agent to the backend.
func TestTraceReachesTheBackend(t *testing.T) {
	const callerTrace, callerSpan = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	got := make(chan string, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Traceparent")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer backend.Close()
	ctx := context.Background()
	api, err := openapi.New(ctx, []byte(`{"openapi":"3.0.3","info":{"title":"b","version":"1"},"paths":{"/ping":{"get":{"operationId":"ping","responses":{"200":{"description":"ok"}}}}}}`),
		&openapi.Options{Name: "b", BaseURL: backend.URL})
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewSpanRecorder()
	gw, err := toolgate.New(&toolgate.Options{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	if err := gw.AddTarget(ctx, api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "0"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "b___ping", Arguments: map[string]any{},
		Meta: mcp.Meta{"traceparent": "00-" + callerTrace + "-" + callerSpan + "-01"}})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	tp := <-got
	var client trace.SpanContext
	for _, s := range spans.Ended() {
		if s.SpanKind() == trace.SpanKindClient {
			client = s.SpanContext()
		}
	}
	want := "00-" + callerTrace + "-" + client.SpanID().String() + "-01"
	if !client.IsValid() || tp != want {
		t.Fatalf("the backend got traceparent %q, want %q", tp, want)
	}
	if !strings.HasPrefix(tp, "00-"+callerTrace) {
		t.Fatalf("a new trace: %q", tp)
	}
}
