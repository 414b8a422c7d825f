// Package benchkit builds what the benchmarks compare: toolgate and a bare
// go-sdk MCP server serving the same in-process tool, the catalogues of
// the tools/list benchmarks, and a minimal MCP client for load.
//
//	go test -run '^$' -bench . -benchmem ./bench     (handler cost, allocations)
//	go run ./bench/compare                            (loopback HTTP load, ratio)
package benchkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
)

// EchoIn is the input of the benchmark tool.
type EchoIn struct {
	Text string `json:"text" jsonschema:"text to echo"`
}

func echo(_ context.Context, in EchoIn) (string, error) { return in.Text, nil }

// Mode is a transport configuration shared by both servers.
type Mode struct {
	Name         string
	Stateless    bool
	JSONResponse bool
}

// Modes are the transport modes compared.
var Modes = []Mode{
	{"stateless-json", true, true},
	{"stateless-sse", true, false},
	{"stateful-sse", false, false},
}

// Bare returns a go-sdk server with the echo tool, as an http.Handler, and
// the tool's name.
func Bare(m Mode) (http.Handler, string) {
	s := mcp.NewServer(&mcp.Implementation{Name: "bare", Version: "0"}, &mcp.ServerOptions{Logger: slog.New(slog.DiscardHandler)})
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echo text"}, func(ctx context.Context, _ *mcp.CallToolRequest, in EchoIn) (*mcp.CallToolResult, any, error) {
		out, err := echo(ctx, in)
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: out}}}, nil, err
	})
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s },
		&mcp.StreamableHTTPOptions{Stateless: m.Stateless, JSONResponse: m.JSONResponse}), "echo"
}

// Gateway returns toolgate serving the same tool, and the tool's name.
func Gateway(m Mode) (http.Handler, string) {
	return GatewayWith(m, toolgate.Options{})
}

// GatewayWith is Gateway with opts, whose transport fields and Logger m
// and the benchmark set.
func GatewayWith(m Mode, opts toolgate.Options) (http.Handler, string) {
	opts.Stateless, opts.JSONResponse, opts.Logger = m.Stateless, m.JSONResponse, slog.New(slog.DiscardHandler)
	gw, err := toolgate.New(&opts)
	if err != nil {
		panic(err)
	}
	if err := gw.AddTarget(context.Background(), toolgate.Funcs("bench", toolgate.Func("echo", "Echo text", echo))); err != nil {
		panic(err)
	}
	return gw, "bench___echo"
}

// Client speaks raw JSON-RPC over HTTP to one server: the cheapest possible
// client, so that measurements show the server's cost.
type Client struct {
	Do      func(*http.Request) (*http.Response, error)
	URL     string
	session string
	proto   string
}

// Connect initializes a session if the server is stateful.
func (c *Client) Connect() error {
	c.proto = "2025-06-18"
	resp, err := c.post(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}`)
	if err != nil {
		return err
	}
	c.session = resp.Header.Get("Mcp-Session-Id")
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if c.session != "" {
		resp, err = c.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
		if err != nil {
			return err
		}
		resp.Body.Close()
	}
	return nil
}

func (c *Client) post(body string) (*http.Response, error) {
	req, _ := http.NewRequest("POST", c.URL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.proto != "" {
		req.Header.Set("Mcp-Protocol-Version", c.proto)
	}
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	return c.Do(req)
}

// Call sends body and returns the response body, checking for an error.
func (c *Client) Call(body string) ([]byte, error) {
	resp, err := c.post(body)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 || bytes.Contains(b, []byte(`"error"`)) || bytes.Contains(b, []byte(`"isError":true`)) {
		return nil, fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	return b, nil
}

// CallBody is a tools/call request for the echo tool named name.
func CallBody(name string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + name + `","arguments":{"text":"hello, gateway"}}}`
}

// HandlerDo sends requests straight to h, without a network.
func HandlerDo(h http.Handler) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	}
}

// ManyTools returns a target with n tools shaped like real API operations.
func ManyTools(n int) toolgate.Target {
	tools := make([]toolgate.FuncTool, 0, n)
	for i := range n {
		schema := fmt.Sprintf(`{"type":"object","properties":{"id":{"type":"string","description":"Identifier of the resource %d"},"limit":{"type":"integer","minimum":1,"maximum":100},"filter":{"type":"string","enum":["all","open","closed"]}},"required":["id"]}`, i)
		tools = append(tools, toolgate.RawFunc(toolgate.Tool{
			Name:        fmt.Sprintf("operation_%05d", i),
			Description: fmt.Sprintf("Fetch resource %d by id, with optional paging and a status filter. Returns the resource and its links.", i),
			InputSchema: json.RawMessage(schema),
		}, func(context.Context, json.RawMessage) (*toolgate.Result, error) {
			return toolgate.TextResult("ok"), nil
		}))
	}
	return toolgate.Funcs("api", tools...)
}

// ListAll lists every tool through c, following cursors, and returns the
// number of tools and pages.
func ListAll(c *Client) (tools, pages int, err error) {
	cursor := ""
	for {
		params := `{}`
		if cursor != "" {
			params = `{"cursor":"` + cursor + `"}`
		}
		b, err := c.Call(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":` + params + `}`)
		if err != nil {
			return tools, pages, err
		}
		b = SSEPayload(b)
		var res struct {
			Result struct {
				Tools []struct {
					Name string `json:"name"`
				} `json:"tools"`
				NextCursor string `json:"nextCursor"`
			} `json:"result"`
		}
		if err := json.Unmarshal(b, &res); err != nil {
			return tools, pages, fmt.Errorf("decoding page: %w", err)
		}
		pages++
		tools += len(res.Result.Tools)
		if cursor = res.Result.NextCursor; cursor == "" {
			return tools, pages, nil
		}
	}
}

// SSEPayload returns the data of the first SSE event in b, or b if it is
// not an event stream.
func SSEPayload(b []byte) []byte {
	i := bytes.Index(b, []byte("data: "))
	if i < 0 {
		return b
	}
	b = b[i+6:]
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	return b
}
