package config_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
	"github.com/toolgate/toolgate/search"
)

// conceptEmbeddings is an OpenAI-compatible embeddings API whose vectors
// place each text on the axis of the first concept it names, and which
// records what each request carried.
type conceptEmbeddings struct {
	*httptest.Server
	mu    sync.Mutex
	seen  []string // "Authorization model dimensions" per request
	tools int      // texts of the get_forecast tool embedded
}

func (e *conceptEmbeddings) embedded() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tools
}

var concepts = [][]string{{"rain", "forecast", "weather"}, {"currenc", "money", "dollar"}, {"email", "mail"}}

func newConceptEmbeddings(t *testing.T) *conceptEmbeddings {
	t.Helper()
	e := &conceptEmbeddings{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model      string   `json:"model"`
			Input      []string `json:"input"`
			Dimensions int      `json:"dimensions"`
		}
		if r.URL.Path != "/v1/embeddings" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.seen = append(e.seen, fmt.Sprint(r.Header.Get("Authorization"), " ", req.Model, " ", req.Dimensions))
		for _, text := range req.Input {
			if strings.Contains(text, "The forecast for a city") {
				e.tools++
			}
		}
		e.mu.Unlock()
		type datum struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		}
		var out struct {
			Data []datum `json:"data"`
		}
		for i, text := range req.Input {
			v := make([]float32, len(concepts)+1)
			v[len(concepts)] = 1
			for c, words := range concepts {
				if containsAny(strings.ToLower(text), words) {
					v[c], v[len(concepts)] = 1, 0
					break
				}
			}
			out.Data = append(out.Data, datum{Index: i, Embedding: v})
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(e.Close)
	return e
}

// searchTools is a gateway with the search tool over three tools; a
// request for rain names none of their words.
const searchTools = `
gateway:
  name: gw
  authorizerType: NONE
  protocolConfiguration: {mcp: {searchType: SEMANTIC}}
targets:
  - name: tools
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:tools
          toolSchema:
            inlinePayload:
              - {name: get_forecast, description: The forecast for a city, inputSchema: {type: object}}
              - {name: convert_currency, description: Converts an amount between currencies, inputSchema: {type: object}}
              - {name: send_email, description: Sends an email, inputSchema: {type: object}}
    credentialProviderConfigurations: [{credentialProviderType: GATEWAY_IAM_ROLE}]
`

// TestBuildSearchCallTool: toolgate.search.callTool adds call_tool, and
// listBuiltinsOnly makes an MCP client's tools/list show it and the search
// tool alone; the tools found stay callable through it.
func TestBuildSearchCallTool(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	for _, tc := range []struct {
		local  string
		listed string
	}{
		{"", "tools___convert_currency tools___get_forecast tools___send_email x_amz_bedrock_agentcore_search"},
		{"toolgate: {search: {callTool: true}}", "call_tool tools___convert_currency tools___get_forecast tools___send_email x_amz_bedrock_agentcore_search"},
		{"toolgate: {search: {callTool: true, listBuiltinsOnly: true}}", "call_tool x_amz_bedrock_agentcore_search"},
	} {
		t.Run(tc.local, func(t *testing.T) {
			f, err := config.Parse([]byte(searchTools+tc.local), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			_, gw := build(t, f, nil)
			srv := httptest.NewServer(gw)
			t.Cleanup(srv.Close)
			ctx := context.Background()
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			var listed []string
			for tool, err := range cs.Tools(ctx, nil) {
				if err != nil {
					t.Fatal(err)
				}
				listed = append(listed, tool.Name)
			}
			if got := strings.Join(listed, " "); got != tc.listed {
				t.Errorf("tools/list: %s, want %s", got, tc.listed)
			}
			if !strings.Contains(tc.local, "callTool") {
				return
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: search.DefaultCallToolName,
				Arguments: map[string]any{"name": search.DefaultToolName, "arguments": map[string]any{"query": "send an email"}}})
			if err != nil || res.IsError || !strings.Contains(testenv.Text(res), "tools___send_email") {
				t.Errorf("a search through call_tool: %v %s", err, testenv.Text(res))
			}
		})
	}
}

// TestBuildSearch: toolgate.search tunes the search tool; with an
// embeddings API it ranks by meaning too, sending the file's model,
// dimensions and key, and when the API is down it ranks lexically and
// says so without the key.
func TestBuildSearch(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("EMBED_KEY", "sk-embed-secret-4242")
	api := newConceptEmbeddings(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()

	tests := []struct {
		name    string
		local   string
		ranking string // "" without an embedder
		first   string // the first hit for "will it rain in Lisbon tomorrow", "" for none
		count   int    // hits for "converts sends forecast" (the default limit)
		notice  string
	}{
		{"lexical", "", "", "", 3, ""},
		{"max results", "toolgate: {search: {maxResults: 2}}", "", "", 2, ""},
		{"hybrid", `toolgate: {search: {embeddings: {url: "` + api.URL + `/v1", model: concept-4, apiKey: "${EMBED_KEY}", dimensions: 8, timeout: 5s}}}`,
			"hybrid", "tools___get_forecast", 3, ""},
		{"embeddings down", `toolgate: {search: {embeddings: {url: "` + down.URL + `/v1", apiKey: "${EMBED_KEY}"}}}`,
			"lexical", "", 3, "semantic ranking unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Parse([]byte(searchTools+tt.local), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var logs testenv.LockedBuffer
			_, gw := build(t, f, &logs)
			search := func(query string, limit int) (names []string, ranking, notice string) {
				args, _ := json.Marshal(map[string]any{"query": query})
				if limit > 0 {
					args, _ = json.Marshal(map[string]any{"query": query, "limit": limit})
				}
				res, err := gw.Call(context.Background(), "x_amz_bedrock_agentcore_search", args)
				if err != nil || res.IsError {
					t.Fatalf("search %q: %v %s", query, err, testenv.Text(res))
				}
				var out struct {
					Tools []struct {
						Name string `json:"name"`
					} `json:"tools"`
					Ranking, Notice string
				}
				data, _ := json.Marshal(res.StructuredContent)
				if err := json.Unmarshal(data, &out); err != nil {
					t.Fatal(err)
				}
				for _, tool := range out.Tools {
					names = append(names, tool.Name)
				}
				return names, out.Ranking, out.Notice
			}
			if tt.ranking == "hybrid" { // until the catalogue's vectors exist, lexical
				testenv.WaitFor(t, "hybrid ranking", func() bool {
					_, ranking, _ := search("mail", 0)
					return ranking == "hybrid"
				})
			}
			names, ranking, notice := search("will it rain in Lisbon tomorrow", 0)
			first := ""
			if len(names) > 0 {
				first = names[0]
			}
			if ranking != tt.ranking || first != tt.first || !strings.Contains(notice, tt.notice) || (tt.notice == "") != (notice == "") {
				t.Errorf("rain: ranking %q, hits %v, notice %q; want %q, first %q, notice %q", ranking, names, notice, tt.ranking, tt.first, tt.notice)
			}
			if names, _, _ := search("converts sends forecast", 0); len(names) != tt.count {
				t.Errorf("a request naming the three tools found %v, want %d", names, tt.count)
			}
			if strings.Contains(notice+logs.String(), "sk-embed-secret") {
				t.Errorf("the API key is in the notice or the log:\n%s\n%s", notice, logs.String())
			}
		})
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.seen) == 0 {
		t.Fatal("the embeddings API was never called")
	}
	for _, s := range api.seen {
		if s != "Bearer sk-embed-secret-4242 concept-4 8" {
			t.Errorf("a request to the embeddings API carried %q, want the key, the model and 8 dimensions", s)
		}
	}
}

// TestBuildSearchVectorFile: with embeddings.vectorFile (relative to the
// configuration file) a gateway built again, as after a restart, embeds
// none of the tools the file covers; another model's file is not used.
func TestBuildSearchVectorFile(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	api := newConceptEmbeddings(t)
	dir := t.TempDir()
	serve := func(model string) int {
		t.Helper()
		before := api.embedded()
		f, err := config.Parse([]byte(searchTools+`toolgate: {search: {embeddings: {url: "`+api.URL+`/v1", model: `+model+`, vectorFile: cache/vectors.bin}}}`), dir)
		if err != nil {
			t.Fatal(err)
		}
		var logs testenv.LockedBuffer
		b, gw := build(t, f, &logs)
		defer func() { t.Log(logs.String()) }()
		defer gw.Close()
		defer b.Close()
		testenv.WaitFor(t, "hybrid ranking", func() bool {
			res, err := gw.Call(context.Background(), "x_amz_bedrock_agentcore_search", json.RawMessage(`{"query":"rain"}`))
			return err == nil && strings.Contains(testenv.Text(res), `"ranking":"hybrid"`)
		})
		testenv.WaitFor(t, "the vectors file", func() bool {
			data, err := os.ReadFile(filepath.Join(dir, "cache", "vectors.bin"))
			return err == nil && strings.Contains(string(data), model)
		})
		return api.embedded() - before
	}
	if err := os.Mkdir(filepath.Join(dir, "cache"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		model string
		want  int // times the get_forecast tool is embedded
	}{{"concept-4", 1}, {"concept-4", 0}, {"concept-5", 1}} {
		if got := serve(tt.model); got != tt.want {
			t.Errorf("model %s: the tool embedded %d times, want %d", tt.model, got, tt.want)
		}
	}
}

// TestBuildSearchRequestCache: toolgate.search.embeddings.requestCache
// reaches search.HybridOptions.RequestCache, 0 turning the cache off.
func TestBuildSearchRequestCache(t *testing.T) {
	for _, tt := range []struct {
		name, field string
		want        int
	}{
		{"unset: the default", "", 0},
		{"none", ", requestCache: 0", -1},
		{"larger", ", requestCache: 20000", 20000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := config.Parse([]byte(`
gateway:
  name: gw
  authorizerType: NONE
  protocolConfiguration: {mcp: {searchType: SEMANTIC}}
toolgate: {search: {embeddings: {url: "http://127.0.0.1:9/v1"`+tt.field+`}}}
`), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			b, err := f.Build(context.Background(), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if b.Search == nil || b.Search.Hybrid == nil || b.Search.Hybrid.RequestCache != tt.want {
				t.Fatalf("search options %+v, want RequestCache %d", b.Search, tt.want)
			}
		})
	}
}

// TestBuildSearchLearn: toolgate.search.learn turns learning on, with its
// minCallers and file (relative to the configuration file); without it the
// search tool learns nothing.
func TestBuildSearchLearn(t *testing.T) {
	dir := t.TempDir()
	idp := oidc.Start(t) // the issuer CUSTOM_JWT needs
	build := func(t *testing.T, search string) *config.Built {
		t.Helper()
		f, err := config.Parse([]byte(`
gateway:
  name: gw
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer: {discoveryUrl: "`+idp.DiscoveryURL()+`", allowedAudience: [gw]}
  protocolConfiguration: {mcp: {searchType: SEMANTIC}}
toolgate: {search: {maxResults: 5`+search+`}}
`), dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.Build(context.Background(), slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tt := range []struct {
		name, field string
		want        *search.LearnOptions
		file        string
	}{
		{"unset: off", "", nil, ""},
		{"on, the default", ", learn: {}", &search.LearnOptions{}, ""},
		{"on, one caller, a file", ", learn: {minCallers: 1, file: learned.json}", &search.LearnOptions{MinCallers: 1}, filepath.Join(dir, "learned.json")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := build(t, tt.field)
			defer b.Close()
			if got := b.Search.Learn; (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want || b.Search.LearnFile != tt.file {
				t.Fatalf("Learn %+v, file %q; want %+v, %q", got, b.Search.LearnFile, tt.want, tt.file)
			}
		})
	}
}
