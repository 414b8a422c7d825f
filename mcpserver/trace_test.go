package mcpserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/tracectx/tracetest"
	"github.com/toolgate/toolgate/mcpserver"
)

// seenTrace is the trace context one request reached the server with.
type seenTrace struct {
	header    []string // traceparent headers of the POST that sent it
	meta      any      // its _meta["traceparent"]
	metaState any      // its _meta["tracestate"]
}

// tracedServer is a go-sdk MCP server with a tool, a prompt, a resource
// and completions, that records per method the trace context of the last
// request: as its HTTP layer got it, and in _meta.
type tracedServer struct {
	mu   sync.Mutex
	seen map[string]seenTrace
	url  string
}

func newTracedServer(t *testing.T, sse bool) *tracedServer {
	ts := &tracedServer{seen: map[string]seenTrace{}}
	s := mcp.NewServer(&mcp.Implementation{Name: "traced", Version: "0"}, &mcp.ServerOptions{
		CompletionHandler: func(_ context.Context, req *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
			ts.metaOf("completion/complete", req.Params.Meta)
			return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{"Ada"}}}, nil
		},
	})
	s.AddTool(&mcp.Tool{Name: "echo", InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			ts.metaOf("tools/call", req.Params.Meta)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "ok"}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "greet", Arguments: []*mcp.PromptArgument{{Name: "name"}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			ts.metaOf("prompts/get", req.Params.Meta)
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hi"}}}}, nil
		})
	s.AddResource(&mcp.Resource{URI: "test://r", Name: "r"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			ts.metaOf("resources/read", req.Params.Meta)
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: "test://r", Text: "r"}}}, nil
		})
	var h http.Handler = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	if sse {
		h = mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil)
	}
	srv := httptest.NewServer(ts.recordHeaders(h))
	t.Cleanup(srv.Close)
	ts.url = srv.URL
	return ts
}

// recordHeaders records the traceparent headers of each POSTed request,
// by its method.
func (ts *tracedServer) recordHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var msg struct{ Method string }
			if json.Unmarshal(body, &msg) == nil && msg.Method != "" {
				ts.mu.Lock()
				s := ts.seen[msg.Method]
				s.header = r.Header.Values("Traceparent")
				ts.seen[msg.Method] = s
				ts.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (ts *tracedServer) metaOf(method string, meta mcp.Meta) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	s := ts.seen[method]
	s.meta, s.metaState = meta["traceparent"], meta["tracestate"]
	ts.seen[method] = s
}

// last returns and forgets what the server saw of method.
func (ts *tracedServer) last(method string) (seenTrace, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	s, ok := ts.seen[method]
	delete(ts.seen, method)
	return s, ok
}

// TestTraceContext: over streamable HTTP and HTTP+SSE, tools/call,
// prompts/get, resources/read and completion/complete reach the server
// with the call's span as their W3C parent, in _meta and in the POST's
// headers; a traceparent or tracestate the caller put in _meta gives way
// to the span. Without a span, nothing is added and the caller's _meta
// goes as it came.
func TestTraceContext(t *testing.T) {
	const inbound = "00-11111111111111111111111111111111-2222222222222222-01"
	requests := []struct {
		method string
		send   func(t *testing.T, ctx context.Context, tg *mcpserver.Target) error
	}{
		{"tools/call", func(t *testing.T, ctx context.Context, tg *mcpserver.Target) error {
			_, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "echo", Arguments: json.RawMessage(`{}`),
				Meta: map[string]any{"traceparent": inbound, "tracestate": "in=1", "other": "kept"}})
			return err
		}},
		{"prompts/get", func(t *testing.T, ctx context.Context, tg *mcpserver.Target) error {
			_, err := tg.GetPrompt(ctx, "greet", map[string]string{"name": "Ada"})
			return err
		}},
		{"resources/read", func(t *testing.T, ctx context.Context, tg *mcpserver.Target) error {
			_, err := tg.ReadResource(ctx, "test://r")
			return err
		}},
		{"completion/complete", func(t *testing.T, ctx context.Context, tg *mcpserver.Target) error {
			p := &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "greet"},
				Argument: mcp.CompleteParamsArgument{Name: "name", Value: "A"}, Meta: mcp.Meta{"traceparent": inbound}}
			_, err := tg.Complete(ctx, p)
			if p.Meta["traceparent"] != inbound {
				t.Errorf("Complete changed the caller's params: %v", p.Meta)
			}
			return err
		}},
	}
	for _, transport := range []string{"streamable", "sse"} {
		t.Run(transport, func(t *testing.T) {
			ts := newTracedServer(t, transport == "sse")
			tg := newTarget(t, mcpserver.Options{Name: "traced", URL: ts.url, SSE: transport == "sse"})
			for _, rq := range requests {
				for _, span := range []bool{true, false} {
					name := rq.method + "/no span"
					if span {
						name = rq.method + "/span"
					}
					t.Run(name, func(t *testing.T) {
						ctx := callCtx(t)
						var check func(traceparent string)
						if span {
							spanCtx, sc := tracetest.Start(t)
							ctx = spanCtx
							check = func(tp string) { tracetest.Check(t, tp, sc) }
						}
						if err := rq.send(t, ctx, tg); err != nil {
							t.Fatal(err)
						}
						got, ok := ts.last(rq.method)
						if !ok {
							t.Fatal("the request did not reach the server")
						}
						// What the caller sent in _meta, if anything.
						var callerParent, callerState any
						switch rq.method {
						case "tools/call":
							callerParent, callerState = inbound, "in=1"
						case "completion/complete":
							callerParent = inbound
						}
						if check == nil {
							if len(got.header) != 0 {
								t.Errorf("traceparent header %q without a span", got.header)
							}
							if got.meta != callerParent || got.metaState != callerState {
								t.Errorf("_meta traceparent %v, tracestate %v: want the caller's %v, %v", got.meta, got.metaState, callerParent, callerState)
							}
							return
						}
						if len(got.header) != 1 {
							t.Errorf("traceparent headers %q, want one", got.header)
						} else {
							check(got.header[0])
						}
						tp, _ := got.meta.(string)
						check(tp)
						if got.metaState != nil {
							t.Errorf("_meta tracestate %v: the span has none", got.metaState)
						}
					})
				}
			}
		})
	}
}
