package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// learnConfig is a gateway over lambdaTools whose callers carry a real
// OpenID Connect provider's tokens, with the search tool learning from
// them, keeping what it learned in learned.json and serving it on the
// admin listener.
func learnConfig(discoveryURL string) string {
	return `
gateway:
  name: learning-gw
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer:
      discoveryUrl: ` + discoveryURL + `
      allowedAudience: [` + gatewayAudience + `]
  protocolConfiguration: {mcp: {searchType: SEMANTIC}}
` + lambdaTools + `toolgate:
  adminListen: 127.0.0.1:0
  telemetry: {statusPage: true}
  search:
    learn: {file: learned.json, admin: true}
`
}

// searchNames searches with query as cs and returns the tools found.
func searchNames(t *testing.T, cs *mcp.ClientSession, query string) []string {
	t.Helper()
	res := callTool(t, cs, "x_amz_bedrock_agentcore_search", map[string]any{"query": query})
	var out struct{ Tools []mcp.Tool }
	if b, _ := json.Marshal(res.StructuredContent); json.Unmarshal(b, &out) != nil {
		t.Fatalf("search %q: %s", query, testenv.Text(res))
	}
	var names []string
	for _, tool := range out.Tools {
		names = append(names, tool.Name)
	}
	return names
}

// findsWeather reports whether names has the weather tool first.
func findsWeather(names []string) bool { return len(names) > 0 && names[0] == "tools___get_weather" }

// TestLearnServe: toolgate serve with toolgate.search.learn, its callers
// authenticated by a real OpenID Connect provider: two callers who search
// "will I need an umbrella" (no tool's word) and then call the weather
// tool teach the search, so that a third finds the weather tool for
// "umbrella"; the status page counts what was learned; stopped and
// started again, the gateway reads the learned-words file it wrote and a
// fourth caller finds the tool too. The file holds no caller's name. The
// admin listener lists the word with its two callers and forgets it: a
// fifth caller no longer finds the tool, and the file no longer holds it.
func TestLearnServe(t *testing.T) {
	idp := oidc.Start(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "gateway.yaml")
	write(t, path, learnConfig(idp.DiscoveryURL()))
	env := awsEnv(t, "http://127.0.0.1:1") // the Lambda cannot be reached: calls fail, and still teach
	as := func(proc *program.Process, who string) *mcp.ClientSession {
		return connectAs(t, proc.URL, idp.Mint(t, map[string]any{"sub": who, "aud": gatewayAudience}, "RS256", time.Hour))
	}
	search := func(cs *mcp.ClientSession, query string) []string { return searchNames(t, cs, query) }
	finds := findsWeather

	proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--watch=false"}, env...)
	for _, who := range []string{"alice", "bob"} {
		cs := as(proc, who)
		if got := search(cs, "will I need an umbrella"); finds(got) {
			t.Fatalf("%s found the weather tool before anything was learned: %v", who, got)
		}
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "tools___get_weather", Arguments: map[string]any{}}); err != nil {
			t.Fatal(err)
		}
	}
	carol := as(proc, "carol") // the words are indexed a moment after the call that taught them
	testenv.WaitFor(t, "carol finds the weather tool", func() bool { return finds(search(carol, "umbrella")) })
	if items, _, status := searchItems(t, proc); items["learned"] != "1 word for 1 tool" { // umbrella (will, need: function words)
		t.Errorf("/status: learned %q:\n%s", items["learned"], status)
	}

	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(30 * time.Second); err != nil {
		t.Fatalf("stopping: %v\n%s", err, proc.Stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "learned.json"))
	if err != nil || !strings.Contains(string(b), "umbrella") || strings.Contains(string(b), "alice") {
		t.Fatalf("learned.json after stopping: %v %s", err, b)
	}
	restarted := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--watch=false"}, env...)
	if got := search(as(restarted, "dave"), "umbrella"); !finds(got) {
		t.Errorf("dave, after a restart: %v\n%s", got, restarted.Stderr)
	}
	if !strings.Contains(restarted.Stderr.String(), "learned words read") {
		t.Errorf("the log does not say the file was read:\n%s", restarted.Stderr)
	}

	for _, c := range []struct{ method, path, want string }{
		{"GET", "/search/learned", `{"tools___get_weather":[{"word":"umbrella","callers":2}]}`},
		{"GET", "/search/learned?tool=tools___get_weather", `{"tools___get_weather":[{"word":"umbrella","callers":2}]}`},
		{"GET", "/search/learned?tool=tools___other", `{}`},
		{"DELETE", "/search/learned/tools___get_weather?word=sunshine", `{"forgotten":[]}`},
		{"DELETE", "/search/learned/tools___get_weather?word=umbrellas", `{"forgotten":["umbrella"]}`},
		{"GET", "/search/learned", `{}`},
	} {
		if status, body := adminDo(t, restarted, c.method, c.path); status != 200 || strings.TrimSpace(string(body)) != c.want {
			t.Errorf("%s %s: %d %s, want %s", c.method, c.path, status, body, c.want)
		}
	}
	if got := search(as(restarted, "erin"), "umbrella"); finds(got) {
		t.Errorf("erin finds the weather tool by a forgotten word: %v", got)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "learned.json")); err != nil || strings.Contains(string(b), "umbrella") {
		t.Errorf("learned.json after forgetting: %v %s", err, b)
	}
}

// TestLearnScopeServe: toolgate serve with toolgate.search.learn.scope
// claim:tenant, its callers' tokens from a real OpenID Connect provider
// with a tenant claim: what two of a tenant's callers teach, a third of
// the tenant finds, a caller of another tenant does not, and the admin
// listener lists the word with its tenant.
func TestLearnScopeServe(t *testing.T) {
	idp := oidc.Start(t)
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	write(t, path, strings.Replace(learnConfig(idp.DiscoveryURL()), "learn: {file: learned.json, admin: true}",
		`learn: {admin: true, scope: "claim:tenant"}`, 1))
	proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--watch=false"},
		awsEnv(t, "http://127.0.0.1:1")...)
	as := func(who, tenant string) *mcp.ClientSession {
		return connectAs(t, proc.URL, idp.Mint(t, map[string]any{"sub": who, "aud": gatewayAudience, "tenant": tenant}, "RS256", time.Hour))
	}
	for _, who := range []string{"alice", "bob"} {
		cs := as(who, "acme")
		searchNames(t, cs, "will I need an umbrella")
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "tools___get_weather", Arguments: map[string]any{}}); err != nil {
			t.Fatal(err)
		}
	}
	carol, dave := as("carol", "acme"), as("dave", "globex")
	testenv.WaitFor(t, "carol of acme finds the weather tool", func() bool { return findsWeather(searchNames(t, carol, "umbrella")) })
	if got := searchNames(t, dave, "umbrella"); findsWeather(got) {
		t.Errorf("dave of globex finds the weather tool by acme's word: %v", got)
	}
	want := `{"tools___get_weather":[{"word":"umbrella","scope":"acme","callers":2}]}`
	if status, body := adminDo(t, proc, "GET", "/search/learned"); status != 200 || strings.TrimSpace(string(body)) != want {
		t.Errorf("GET /search/learned: %d %s, want %s", status, body, want)
	}
}
