package search_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
)

type cityIn struct {
	City string `json:"city" jsonschema:"the city name"`
}

type out struct {
	Text string `json:"text"`
}

func weatherTarget() toolgate.Target {
	return toolgate.Funcs("weather",
		toolgate.Func("get_forecast", "Get the weather forecast for a city.", func(_ context.Context, in cityIn) (out, error) {
			return out{Text: "sunny in " + in.City}, nil
		}),
		toolgate.Func("get_alerts", "Severe weather alerts for a region.", func(_ context.Context, in cityIn) (out, error) {
			return out{Text: "no alerts"}, nil
		}),
	).WithDescription("Forecasts and alerts from the national weather service.")
}

func filesTarget() toolgate.Target {
	return toolgate.Funcs("files",
		toolgate.Func("read_file", "Read a file's contents.", func(_ context.Context, in cityIn) (out, error) { return out{}, nil }),
		toolgate.Func("delete_file", "Delete a file for good.", func(_ context.Context, in cityIn) (out, error) { return out{}, nil }),
	)
}

// startGateway serves gw over HTTP; user names the caller (header X-User).
func startGateway(t *testing.T, gw *toolgate.Gateway) string {
	t.Helper()
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = gw.Close() })
	return srv.URL
}

func connectAs(t *testing.T, url, user string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	httpClient := &http.Client{Transport: headerTransport{user}}
	c := mcp.NewClient(&mcp.Implementation{Name: "search-test", Version: "0"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: httpClient}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

type headerTransport struct{ user string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-User", h.user)
	return http.DefaultTransport.RoundTrip(r)
}

// newGateway returns a gateway where only user "admin" sees delete_file.
func newGateway(t *testing.T, opts toolgate.Options) *toolgate.Gateway {
	t.Helper()
	opts.Logger = discard()
	opts.Authorizer = toolgate.AuthorizerFunc(func(r *http.Request) (*toolgate.Principal, error) {
		return &toolgate.Principal{Subject: r.Header.Get("X-User")}, nil
	})
	opts.ToolFilter = func(_ context.Context, p *toolgate.Principal, ti *toolgate.ToolInfo) bool {
		return ti.Tool.Name != "delete_file" || p.Subject == "admin"
	}
	gw, err := toolgate.New(&opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range []toolgate.Target{weatherTarget(), filesTarget()} {
		if err := gw.AddTarget(context.Background(), tg); err != nil {
			t.Fatal(err)
		}
	}
	return gw
}

type searchAnswer struct {
	Tools []struct {
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"inputSchema"`
	} `json:"tools"`
	Ranking string `json:"ranking"`
	Notice  string `json:"notice"`
}

func callSearch(t *testing.T, cs *mcp.ClientSession, args map[string]any) searchAnswer {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: search.DefaultToolName, Arguments: args})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("search tool error: %v", res.Content)
	}
	var a searchAnswer
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("structuredContent %s: %v", b, err)
	}
	var fromText searchAnswer // the same JSON as text, for text-only clients
	if err := json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &fromText); err != nil || len(fromText.Tools) != len(a.Tools) {
		t.Fatalf("text content does not carry the same tools: %v", err)
	}
	return a
}

func toolNames(a searchAnswer) []string {
	var n []string
	for _, tl := range a.Tools {
		n = append(n, tl.Name)
	}
	return n
}

func TestSearchToolOverMCP(t *testing.T) {
	gw := newGateway(t, toolgate.Options{})
	svc, err := search.Enable(gw, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	url := startGateway(t, gw)
	alice := connectAs(t, url, "alice")

	a := callSearch(t, alice, map[string]any{"query": "will it rain in Lyon tomorrow? weather forecast"})
	if len(a.Tools) == 0 || a.Tools[0].Name != "weather___get_forecast" {
		t.Fatalf("tools = %v, want weather___get_forecast first", toolNames(a))
	}
	if !strings.Contains(string(a.Tools[0].InputSchema), `"city"`) || a.Tools[0].Description == "" {
		t.Fatalf("tool object incomplete: %+v", a.Tools[0])
	}
	if a.Ranking != "" || a.Notice != "" {
		t.Fatalf("lexical-only service reported ranking %q notice %q", a.Ranking, a.Notice)
	}
	if a := callSearch(t, alice, map[string]any{"query": "weather", "limit": 1}); len(a.Tools) != 1 {
		t.Fatalf("limit 1 returned %v", toolNames(a))
	}

	// Visibility: alice may not see delete_file; admin may.
	if n := toolNames(callSearch(t, alice, map[string]any{"query": "delete a file"})); slices.Contains(n, "files___delete_file") {
		t.Fatalf("alice found a tool she may not call: %v", n)
	}
	admin := connectAs(t, url, "admin")
	if n := toolNames(callSearch(t, admin, map[string]any{"query": "delete a file"})); len(n) == 0 || n[0] != "files___delete_file" {
		t.Fatalf("admin search = %v, want files___delete_file first", n)
	}
	// And alice still does not, now that the index holds it.
	if n := toolNames(callSearch(t, alice, map[string]any{"query": "delete a file"})); slices.Contains(n, "files___delete_file") {
		t.Fatalf("alice found a tool she may not call: %v", n)
	}

	// Incremental: a target added later is found; a removed one is not.
	if err := gw.AddTarget(context.Background(), toolgate.Funcs("tides",
		toolgate.Func("get_tides", "High and low tide times for a harbour.", func(_ context.Context, in cityIn) (out, error) { return out{}, nil }),
	)); err != nil {
		t.Fatal(err)
	}
	if n := toolNames(callSearch(t, alice, map[string]any{"query": "tide times"})); len(n) == 0 || n[0] != "tides___get_tides" {
		t.Fatalf("after AddTarget: %v", n)
	}
	gw.RemoveTarget("tides")
	if n := toolNames(callSearch(t, alice, map[string]any{"query": "tide times"})); slices.Contains(n, "tides___get_tides") {
		t.Fatalf("after RemoveTarget: %v", n)
	}

	// Bad arguments are the gateway's schema errors.
	res, err := alice.CallTool(context.Background(), &mcp.CallToolParams{Name: search.DefaultToolName, Arguments: map[string]any{"limit": 3}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError {
		t.Fatal("search without a query accepted")
	}
}

func TestFindAndCallListingMode(t *testing.T) {
	gw := newGateway(t, toolgate.Options{ListBuiltinsOnly: true})
	svc, err := search.Enable(gw, &search.Options{CallTool: true, ToolName: "find_tools"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	cs := connectAs(t, startGateway(t, gw), "alice")
	ctx := context.Background()

	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, tl := range list.Tools {
		listed = append(listed, tl.Name)
	}
	slices.Sort(listed)
	if !slices.Equal(listed, []string{search.DefaultCallToolName, "find_tools"}) {
		t.Fatalf("tools/list = %v, want only the two builtins", listed)
	}

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "find_tools", Arguments: map[string]any{"query": "forecast"}})
	if err != nil || res.IsError {
		t.Fatalf("find_tools: %v %v", err, res)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: search.DefaultCallToolName, Arguments: map[string]any{
		"name": "weather___get_forecast", "arguments": map[string]any{"city": "Oslo"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "sunny in Oslo") {
		t.Fatalf("call_tool result: %+v", res.Content[0])
	}

	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"unknown tool", map[string]any{"name": "nope"}, "unknown tool"},
		{"hidden tool", map[string]any{"name": "files___delete_file", "arguments": map[string]any{"city": "x"}}, "unknown tool"},
		{"bad arguments", map[string]any{"name": "weather___get_forecast", "arguments": map[string]any{"city": 5}}, "invalid arguments"},
		{"itself", map[string]any{"name": search.DefaultCallToolName}, "cannot call itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: search.DefaultCallToolName, Arguments: tt.args})
			if err != nil {
				t.Fatal(err)
			}
			if text := res.Content[0].(*mcp.TextContent).Text; !res.IsError || !strings.Contains(text, tt.want) {
				t.Fatalf("IsError %v, text %q; want an error mentioning %q", res.IsError, text, tt.want)
			}
		})
	}
}

func TestSearchToolHybridFallbackOverMCP(t *testing.T) {
	es := &embeddingServer{}
	esrv := httptest.NewServer(es)
	defer esrv.Close()
	gw := newGateway(t, toolgate.Options{})
	svc, err := search.Enable(gw, &search.Options{
		Embedder: &search.OpenAIEmbedder{BaseURL: esrv.URL + "/v1", Model: "m"},
		Logger:   discard(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	cs := connectAs(t, startGateway(t, gw), "alice")

	// Lexical, saying why, until the catalogue is embedded in the
	// background; then hybrid.
	var a searchAnswer
	testenv.WaitFor(t, "hybrid ranking", func() bool {
		a = callSearch(t, cs, map[string]any{"query": "weather forecast"})
		if a.Ranking == search.ModeLexical && !strings.Contains(a.Notice, "being embedded") {
			t.Fatalf("ranking %q notice %q: lexical for another reason than the warm-up", a.Ranking, a.Notice)
		}
		return a.Ranking == search.ModeHybrid
	})
	if a.Notice != "" || len(a.Tools) == 0 {
		t.Fatalf("ranking %q notice %q tools %v; want hybrid", a.Ranking, a.Notice, toolNames(a))
	}
	es.mu.Lock()
	es.fail = true
	es.mu.Unlock()
	a = callSearch(t, cs, map[string]any{"query": "the weather forecast"}) // a request not seen: embedded
	if a.Ranking != search.ModeLexical || !strings.Contains(a.Notice, "503") || len(a.Tools) == 0 || a.Tools[0].Name != "weather___get_forecast" {
		t.Fatalf("ranking %q notice %q tools %v; want a lexical answer that says so", a.Ranking, a.Notice, toolNames(a))
	}
}

func TestEnableNameClash(t *testing.T) {
	gw := newGateway(t, toolgate.Options{})
	defer gw.Close()
	if _, err := search.Enable(gw, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := search.Enable(gw, nil); err == nil {
		t.Fatal("second Enable with the same tool name succeeded")
	}
}

// TestSearchToolWithTypeScriptClient calls the search tool with the
// official TypeScript SDK client, installed by scripts/setup/mcp.sh
// (scripts/test.sh runs it). Without it the test fails under CI and skips
// elsewhere.
func TestSearchToolWithTypeScriptClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node; skipped with -short")
	}
	client := filepath.Join(testenv.MCPScripts(t), "client.sh")
	gw := newGateway(t, toolgate.Options{ListBuiltinsOnly: true})
	svc, err := search.Enable(gw, &search.Options{CallTool: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	url := startGateway(t, gw)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(tool, args string) string {
		t.Helper()
		out, err := exec.CommandContext(ctx, client, url, "--tool", tool, "--args", args).CombinedOutput()
		if err != nil {
			t.Fatalf("node client: %v\n%s", err, out)
		}
		return string(out)
	}
	out := run(search.DefaultToolName, `{"query":"weather forecast for Lyon","limit":3}`)
	if !strings.Contains(out, "tools/list: 2 tool(s)") { // find-and-call mode: only the builtins
		t.Fatalf("TypeScript client did not list exactly the two builtins:\n%s", out)
	}
	_, result, ok := strings.Cut(out, " -> ")
	if !ok {
		t.Fatalf("no tools/call result in the TypeScript client output:\n%s", out)
	}
	var res struct {
		StructuredContent searchAnswer `json:"structuredContent"`
		IsError           bool         `json:"isError"`
	}
	if err := json.NewDecoder(strings.NewReader(result)).Decode(&res); err != nil {
		t.Fatalf("decoding the result: %v\n%s", err, out)
	}
	tools := res.StructuredContent.Tools
	if res.IsError || len(tools) == 0 || len(tools) > 3 || tools[0].Name != "weather___get_forecast" || !strings.Contains(string(tools[0].InputSchema), `"city"`) {
		t.Fatalf("search through the TypeScript client: %+v\n%s", res, out)
	}
	out = run(search.DefaultCallToolName, `{"name":"weather___get_forecast","arguments":{"city":"Lyon"}}`)
	if !strings.Contains(out, "sunny in Lyon") || strings.Contains(out, `"isError":true`) {
		t.Fatalf("call_tool through the TypeScript client:\n%s", out)
	}
}
