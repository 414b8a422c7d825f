package openapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/openapi"
)

// TestThroughGateway serves an OpenAPI target through a toolgate Gateway
// over streamable HTTP and calls it with the go-sdk client: tools/list
// shows the operations, a call reaches the backend with the right
// request, and the JSON response comes back as structured content.
func TestThroughGateway(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var gotURI, gotKey string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotURI, gotKey = r.RequestURI, r.Header.Get("X-Api-Key")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"42","name":"widget","children":[]}`)
	}))
	defer backend.Close()

	tg, err := openapi.LoadFile(ctx, "testdata/styles.yaml", &openapi.Options{
		Name:    "styles",
		BaseURL: backend.URL,
		Header:  http.Header{"X-Api-Key": {"k1"}},
		Logger:  quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := toolgate.New(&toolgate.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	if err := gw.AddTarget(ctx, tg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	want, _ := tg.ListTools(ctx)
	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	if len(names) != len(want) {
		t.Fatalf("tools/list has %d tools, want %d: %v", len(names), len(want), names)
	}
	var getItem string
	for _, n := range names {
		if strings.HasSuffix(n, "getItem") {
			getItem = n
		}
	}
	if getItem == "" {
		t.Fatalf("no getItem tool in %v", names)
	}

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: getItem, Arguments: map[string]any{"id": "a/b", "query_id": "q"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("IsError: %+v", res.Content)
	}
	if gotURI != "/items/a%2Fb?id=q" || gotKey != "k1" {
		t.Errorf("backend saw %q with key %q", gotURI, gotKey)
	}
	sc, _ := json.Marshal(res.StructuredContent)
	if !strings.Contains(string(sc), `"name":"widget"`) {
		t.Errorf("structuredContent %s", sc)
	}

	// The gateway validates arguments against the generated schema: a
	// missing path parameter never reaches the backend.
	gotURI = ""
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: getItem, Arguments: map[string]any{}})
	if err == nil && !res.IsError {
		t.Errorf("call without the required path parameter succeeded")
	}
	if gotURI != "" {
		t.Errorf("invalid call reached the backend: %s", gotURI)
	}
}

// BenchmarkCallOverhead compares one GET with a JSON response from a
// loopback backend made directly, through Target.CallTool, through a
// toolgate Gateway over streamable HTTP (stateful and stateless, SSE and
// JSON responses), through a bare go-sdk server whose tool makes the direct
// call (the floor for a gateway that leaves every call to go-sdk), and
// through the npm peer @ivotoby/openapi-mcp-server. The MCP ones are called
// by the same minimal streamable HTTP client (rawMCP: the go-sdk client
// waits forever on the peer, which answers tools/call with 202 and sends
// the result on the session's GET stream). Each reports the median per
// call as "p50-µs"; last, for each toolgate mode, the benchmark prints what
// it adds over the direct call and its ratio to the peer. The peer runs
// when scripts/bench/openapi-peer.sh has installed it.
//
//	bash scripts/bench/openapi-peer.sh
//	go test -run '^$' -bench CallOverhead -benchtime 2000x ./openapi/
func BenchmarkCallOverhead(b *testing.B) {
	ctx := context.Background()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"42","name":"widget"}`)
	}))
	defer backend.Close()
	tg, err := openapi.LoadFile(ctx, "testdata/bench.yaml", &openapi.Options{Name: "bench", BaseURL: backend.URL, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	p50 := map[string]float64{} // by sub-benchmark, from its last run
	measure := func(b *testing.B, call func() error) {
		var ds []time.Duration
		for b.Loop() {
			start := time.Now()
			if err := call(); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		us := float64(ds[len(ds)/2].Nanoseconds()) / 1e3
		p50[strings.TrimPrefix(b.Name(), "BenchmarkCallOverhead/")] = us
		b.ReportMetric(us, "p50-µs")
	}
	viaMCP := func(b *testing.B, endpoint, tool string) {
		c, err := dialRawMCP(ctx, endpoint)
		if err != nil {
			b.Fatal(err)
		}
		defer c.close()
		args := json.RawMessage(`{"id":"1","q":"x"}`)
		measure(b, func() error {
			res, err := c.call(ctx, tool, args)
			if err == nil && !strings.Contains(string(res), `widget`) {
				err = fmt.Errorf("unexpected result %s", res)
			}
			return err
		})
	}
	b.Run("direct", func(b *testing.B) {
		client := &http.Client{}
		measure(b, func() error {
			resp, err := client.Get(backend.URL + "/items/1?q=x")
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return err
		})
	})
	b.Run("target", func(b *testing.B) {
		args := json.RawMessage(`{"id":"1","q":"x"}`)
		measure(b, func() error {
			_, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "getItem", Arguments: args})
			return err
		})
	})
	for _, mode := range []struct {
		name                string
		stateless, jsonResp bool
	}{
		{"toolgate-sse", false, false},
		{"toolgate-json", false, true},
		{"toolgate-stateless-sse", true, false},
		{"toolgate-stateless-json", true, true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			gw, err := toolgate.New(&toolgate.Options{Stateless: mode.stateless, JSONResponse: mode.jsonResp, Logger: quiet()})
			if err != nil {
				b.Fatal(err)
			}
			defer gw.Close()
			if err := gw.AddTarget(ctx, tg); err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(gw)
			defer srv.Close()
			viaMCP(b, srv.URL, "bench___getItem")
		})
	}
	// The floor for any gateway built on go-sdk: a bare go-sdk server
	// whose one tool makes the direct HTTP call and returns the body, with
	// no schema, no request building and no response mapping.
	for _, mode := range []struct {
		name                string
		stateless, jsonResp bool
	}{
		{"bare-go-sdk-sse", false, false},
		{"bare-go-sdk-json", false, true},
		{"bare-go-sdk-stateless-json", true, true},
	} {
		b.Run(mode.name, func(b *testing.B) {
			client := &http.Client{}
			srv := mcp.NewServer(&mcp.Implementation{Name: "bare", Version: "0"}, &mcp.ServerOptions{Logger: quiet()})
			srv.AddTool(&mcp.Tool{Name: "getItem", InputSchema: json.RawMessage(`{"type":"object"}`)},
				func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
					var in struct{ ID, Q string }
					if err := json.Unmarshal(req.Params.Arguments, &in); err != nil {
						return nil, err
					}
					hreq, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL+"/items/"+in.ID+"?q="+in.Q, nil)
					resp, err := client.Do(hreq)
					if err != nil {
						return nil, err
					}
					defer resp.Body.Close()
					body, err := io.ReadAll(resp.Body)
					if err != nil {
						return nil, err
					}
					return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(body)}}}, nil
				})
			h := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
				&mcp.StreamableHTTPOptions{Stateless: mode.stateless, JSONResponse: mode.jsonResp, Logger: quiet()}))
			defer h.Close()
			viaMCP(b, h.URL, "getItem")
		})
	}
	b.Run("peer", func(b *testing.B) {
		bin := filepath.Join(testenv.ToolsDir("openapi-mcp-server"), "node_modules", ".bin", "openapi-mcp-server")
		if _, err := os.Stat(bin); err != nil {
			testenv.Unavailable(b, "scripts/bench/openapi-peer.sh", "the peer is not installed at %s", bin)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		spec, _ := filepath.Abs("testdata/bench.yaml")
		cmd := exec.Command(bin, "--transport", "http", "--host", "127.0.0.1", "--port", fmt.Sprint(port),
			"--path", "/mcp", "--api-base-url", backend.URL, "--openapi-spec", spec)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
			_ = cmd.Wait()
		}()
		endpoint := fmt.Sprintf("http://127.0.0.1:%d/mcp", port)
		for deadline := time.Now().Add(30 * time.Second); ; {
			c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("peer did not start")
			}
			time.Sleep(100 * time.Millisecond)
		}
		viaMCP(b, endpoint, "get-item")
	})
	// The two figures, for each toolgate mode measured.
	direct, peer := p50["direct"], p50["peer"]
	for _, m := range []string{"toolgate-stateless-json", "toolgate-stateless-sse", "toolgate-json", "toolgate-sse"} {
		us, ok := p50[m]
		if !ok || direct == 0 {
			continue
		}
		line := fmt.Sprintf("%s: adds %.0f µs p50 over the direct call (goal <= 300)", m, us-direct)
		if peer > 0 {
			line += fmt.Sprintf(", %.2fx the peer's p50 (goal <= 0.33)", us/peer)
		}
		fmt.Println(line)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// rawMCP is a minimal streamable HTTP MCP client: POST requests with the
// session id; results come in the POST response (JSON or SSE) or, for
// servers that answer 202, on the session's standalone GET stream.
type rawMCP struct {
	endpoint, session string
	client            *http.Client
	done              chan struct{}
	events            chan []byte
	next              int
}

func dialRawMCP(ctx context.Context, endpoint string) (*rawMCP, error) {
	c := &rawMCP{endpoint: endpoint, client: &http.Client{}, events: make(chan []byte, 16)}
	if _, err := c.post(ctx, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"0"}}}`); err != nil {
		return nil, err
	}
	if _, err := c.post(ctx, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); err != nil {
		return nil, err
	}
	// Open the standalone GET stream. Some servers send its headers only
	// with the first event, so it is opened in the background and given a
	// moment to reach the server.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	req.Header.Set("Accept", "text/event-stream")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	c.done = make(chan struct{})
	go func() {
		resp, err := c.client.Do(req)
		if err != nil {
			return
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return
		}
		go func() { <-c.done; resp.Body.Close() }()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data:"); ok {
				select {
				case c.events <- []byte(strings.TrimSpace(data)):
				case <-c.done:
					return
				}
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	return c, nil
}

func (c *rawMCP) close() { close(c.done) }

// post sends one message and returns the JSON-RPC response in the POST
// answer, or nil for 202 Accepted.
func (c *rawMCP) post(ctx context.Context, msg string) ([]byte, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(msg))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	if c.session != "" {
		req.Header.Set("Mcp-Session-Id", c.session)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if id := resp.Header.Get("Mcp-Session-Id"); id != "" {
		c.session = id
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusAccepted:
		return nil, nil
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s: %s", resp.Status, body)
	case strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream"):
		for _, line := range strings.Split(string(body), "\n") {
			if data, ok := strings.CutPrefix(line, "data:"); ok && strings.Contains(data, `"id"`) {
				return []byte(strings.TrimSpace(data)), nil
			}
		}
		return nil, nil
	}
	return body, nil
}

func (c *rawMCP) call(ctx context.Context, tool string, args json.RawMessage) ([]byte, error) {
	c.next++
	id := c.next
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": args}})
	res, err := c.post(ctx, string(msg))
	if err != nil || res != nil {
		return res, err
	}
	want := fmt.Sprintf(`"id":%d`, id)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-c.events:
			if strings.Contains(string(ev), want) {
				return ev, nil
			}
		case <-timeout:
			return nil, fmt.Errorf("no response to call %d", id)
		}
	}
}
