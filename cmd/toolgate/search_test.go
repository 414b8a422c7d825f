package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/embeddings"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// lambdaTools is a target of five tools whose descriptions share few
// words with the requests of TestHybridSearch and TestLearnServe, in a
// Lambda function (the tests' AWS endpoint cannot be reached: calls fail).
const lambdaTools = `
targets:
  - name: tools
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:tools
          toolSchema:
            inlinePayload:
              - {name: get_weather, description: Current weather conditions of a city, inputSchema: {type: object}}
              - {name: convert_currency, description: Converts an amount of money from one currency to another, inputSchema: {type: object}}
              - {name: translate_text, description: Translates a text into another language, inputSchema: {type: object}}
              - {name: book_flight, description: Books a seat on a flight between two airports, inputSchema: {type: object}}
              - {name: find_restaurant, description: Finds places to eat near an address, inputSchema: {type: object}}
    credentialProviderConfigurations: [{credentialProviderType: GATEWAY_IAM_ROLE}]
`

// hybridConfig is a gateway with the search tool ranking through the
// embeddings API at EMBED_URL, over lambdaTools.
const hybridConfig = `
gateway:
  name: hybrid-gw
  authorizerType: NONE
  protocolConfiguration: {mcp: {searchType: SEMANTIC}}
` + lambdaTools + `toolgate:
  adminListen: 127.0.0.1:0
  telemetry: {prometheus: true, statusPage: true}
  search:
    maxResults: 3
    embeddings: {url: "${EMBED_URL}", apiKey: "${EMBED_KEY}", timeout: 30s, vectorFile: vectors.bin}
`

// TestHybridSearch: the toolgate binary, configured with the local
// embedding model's server, answers the search tool by hybrid ranking:
// requests in other words than the tools' (the lexical ranker finds no
// tool for any of them) find them, through an MCP client; restarted, it
// embeds none of the tools again (toolgate.search.embeddings.vectorFile);
// the API key is never printed.
func TestHybridSearch(t *testing.T) {
	url := embeddings.Start(t)
	const key = "sk-hybrid-0ff1c3-k3y"
	path := filepath.Join(t.TempDir(), "gateway.yaml")
	write(t, path, hybridConfig)
	env := append(awsEnv(t, "http://127.0.0.1:1"), "EMBED_URL="+url, "EMBED_KEY="+key)
	proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--log-level", "debug"}, env...)
	cs := testenv.Connect(t, proc.URL)

	search := func(cs *mcp.ClientSession, query string) (names []string, ranking, notice string) {
		res := callTool(t, cs, "x_amz_bedrock_agentcore_search", map[string]any{"query": query})
		var out struct {
			Tools           []mcp.Tool
			Ranking, Notice string
		}
		if b, _ := json.Marshal(res.StructuredContent); json.Unmarshal(b, &out) != nil {
			t.Fatalf("search %q: %s", query, testenv.Text(res))
		}
		for _, tool := range out.Tools {
			names = append(names, tool.Name)
		}
		return names, out.Ranking, out.Notice
	}
	// The catalogue is embedded in the background; until then, lexical.
	waitHybrid := func(cs *mcp.ClientSession, proc *program.Process) {
		deadline := time.Now().Add(2 * time.Minute)
		for {
			_, ranking, notice := search(cs, "weather")
			if ranking == "hybrid" {
				return
			}
			if ranking != "lexical" || !strings.Contains(notice, "being embedded") || time.Now().After(deadline) {
				t.Fatalf("ranking %q, notice %q: not hybrid in 2 minutes\n%s", ranking, notice, proc.Stderr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitHybrid(cs, proc)
	tests := []struct{ query, want string }{
		{"Will I need an umbrella in Lisbon this afternoon?", "tools___get_weather"},
		{"How many euros do I get for 200 US dollars?", "tools___convert_currency"},
		{"Say 'good morning' in Japanese", "tools___translate_text"},
		{"I am hungry, is there a good sushi bar around the corner?", "tools___find_restaurant"},
	}
	for _, tt := range tests {
		names, ranking, notice := search(cs, tt.query)
		if ranking != "hybrid" || len(names) == 0 || names[0] != tt.want || len(names) > 3 {
			t.Errorf("%q: %s %v (%s); want hybrid, %s first, at most 3", tt.query, ranking, names, notice, tt.want)
		}
	}

	// A request asked again is answered from the vectors kept, alike.
	if names, ranking, _ := search(cs, tests[0].query); ranking != "hybrid" || len(names) == 0 || names[0] != tests[0].want {
		t.Errorf("%q asked again: %s %v", tests[0].query, ranking, names)
	}
	// The session calls the tool found first (its Lambda cannot be
	// reached: the call fails, and still counts as the tool chosen).
	if _, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: tests[0].want, Arguments: map[string]any{}}); err != nil {
		t.Fatalf("calling %s: %v", tests[0].want, err)
	}

	// The search tool's metrics are served with the gateway's.
	body := adminGet(t, proc, "/metrics")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`toolgate_search_requests_total\{[^}]*ranking="hybrid"[^}]*\} [1-9]`),
		regexp.MustCompile(`toolgate_search_embedder_duration_seconds_count\{[^}]*purpose="catalogue"[^}]*\} [1-9]`),
		regexp.MustCompile(`toolgate_search_tools_embedded\{[^}]*\} 5`),
		regexp.MustCompile(`toolgate_search_request_texts_total\{[^}]*source="cache"[^}]*\} [1-9]`), // the request asked again
		regexp.MustCompile(`toolgate_search_calls_total\{[^}]*rank="1"[^}]*\} 1\b`),                 // the tool called after it
	} {
		if !want.Match(body) {
			t.Errorf("/metrics has no line matching %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}

	// The status page has the search tool's section.
	items, healthy, status := searchItems(t, proc)
	if !healthy {
		t.Errorf("/status: the search section is not healthy:\n%s", status)
	}
	for name, want := range map[string]string{"ranking": "hybrid", "tools": "5", "tools_embedded": "5", "vector_file": filepath.Join(filepath.Dir(path), "vectors.bin"),
		"calls_after_search": "1, 100% of them returned by it (100% first, 100% in its first five)"} {
		if items[name] != want {
			t.Errorf("/status: search %s = %q, want %q:\n%s", name, items[name], want, status)
		}
	}
	if !regexp.MustCompile(`^[1-9]\d* of \d+$`).MatchString(items["request_cache"]) {
		t.Errorf("/status: request texts from the cache %q, want at least one:\n%s", items["request_cache"], status)
	}
	if n, _ := strconv.Atoi(items["hybrid_searches"]); n < 4 {
		t.Errorf("/status: %q searches ranked hybrid, want at least 4:\n%s", items["hybrid_searches"], status)
	}
	// Without toolgate.search.learn.admin, what was learned is not served.
	if code, body := adminDo(t, proc, "GET", "/search/learned"); code != 404 || !strings.Contains(string(body), "not served here") {
		t.Errorf("GET /search/learned without learn.admin: %d %s", code, body)
	}

	// Restarted, it reads the vectors it wrote and embeds no tool.
	testenv.WaitFor(t, "the vectors written", func() bool { return strings.Contains(proc.Stderr.String(), "search: vectors written") })
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(30 * time.Second); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
	again := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--log-level", "debug"}, env...)
	waitHybrid(testenv.Connect(t, again.URL), again)
	if log := again.Stderr.String(); !strings.Contains(log, `msg="search: vectors read"`) || !strings.Contains(log, "vectors=5") || strings.Contains(log, "vectors written") {
		t.Errorf("restarted: the 5 tools' vectors not read, or tools embedded again:\n%s", log)
	}

	// A reload that rebuilds the gateway (its instructions changed, and no
	// vectors file any more) takes the vectors over from the search tool
	// it replaces: the new one embeds no tool.
	scrape := func() []byte { return adminGet(t, again, "/metrics") }
	catalogueCalls := regexp.MustCompile(`toolgate_search_embedder_duration_seconds_count\{[^}]*purpose="catalogue"[^}]*\} [1-9]`)
	if body := scrape(); catalogueCalls.Match(body) {
		t.Fatalf("restarted, the catalogue was embedded:\n%s", body)
	}
	noFile := strings.Replace(hybridConfig, ", vectorFile: vectors.bin", "", 1)
	write(t, path, strings.Replace(noFile, "searchType: SEMANTIC", "searchType: SEMANTIC, instructions: Find tools first", 1))
	if err := again.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "the gateway rebuilt, the vectors taken over", func() bool {
		log := again.Stderr.String()
		return strings.Contains(log, "reloaded: the gateway was rebuilt") &&
			strings.Contains(log, `msg="search: vectors taken over from the search tool replaced" vectors=5`)
	})
	if names, ranking, notice := search(testenv.Connect(t, again.URL), tests[0].query); ranking != "hybrid" || len(names) == 0 || names[0] != tests[0].want {
		t.Errorf("after the rebuild: %s %v (%s)", ranking, names, notice)
	}
	body = scrape()
	if catalogueCalls.Match(body) {
		t.Errorf("the rebuilt gateway embedded the catalogue again:\n%s", body)
	}
	if !regexp.MustCompile(`toolgate_search_tools_embedded\{[^}]*\} 5`).Match(body) {
		t.Errorf("the rebuilt gateway's 5 tools are not all embedded:\n%s", body)
	}

	if all := proc.Stdout.String() + proc.Stderr.String() + again.Stdout.String() + again.Stderr.String() + string(status); strings.Contains(all, key) {
		t.Errorf("the embeddings API key was printed:\n%s", all)
	}
}
