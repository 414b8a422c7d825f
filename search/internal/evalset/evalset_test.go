package evalset

import (
	"bytes"
	"compress/gzip"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestScore(t *testing.T) {
	tests := []struct {
		name           string
		keys, gold     []string
		r1, r5, rr, nd float64
	}{
		{"first", []string{"a", "b"}, []string{"a"}, 1, 1, 1, 1},
		{"second", []string{"b", "a"}, []string{"a"}, 0, 1, 0.5, 1 / math.Log2(3)},
		{"half of two", []string{"a", "x", "y", "z", "w", "b"}, []string{"a", "b"}, 0.5, 0.5, 1, (1 + 1/math.Log2(7)) / (1 + 1/math.Log2(3))},
		{"duplicate key counts once", []string{"a", "a"}, []string{"a", "b"}, 0.5, 0.5, 1, 1 / (1 + 1/math.Log2(3))},
		{"miss", []string{"x"}, []string{"a"}, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := score(tt.keys, tt.gold)
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"R@1", s.r1, tt.r1}, {"R@5", s.r5, tt.r5}, {"RR", s.rr, tt.rr}, {"NDCG", s.ndcg, tt.nd}} {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
				}
			}
		})
	}
}

func TestLoadGeneric(t *testing.T) {
	dir := t.TempDir()
	tools := filepath.Join(dir, "tools.jsonl")
	queries := filepath.Join(dir, "queries.jsonl")
	must(t, os.WriteFile(tools, []byte(`{"name":"get_weather","description":"Weather forecast","inputSchema":{"type":"object"}}
{"name":"send_mail","description":"Send an email"}
`), 0o600))
	must(t, os.WriteFile(queries, []byte(`{"query":"will it rain","gold":["get_weather"]}

{"query":"email bob","gold":["send_mail"]}
`), 0o600))
	s, err := LoadGeneric(tools, queries)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Docs) != 2 || len(s.Queries) != 2 || s.Queries[1].Gold[0] != "send_mail" {
		t.Fatalf("loaded %d tools, %d queries: %+v", len(s.Docs), len(s.Queries), s.Queries)
	}
}

func TestReadGenericErrors(t *testing.T) {
	const twoTools = `{"name":"get_weather","description":"Weather forecast"}
{"name":"send_mail"}`
	tests := []struct {
		name, tools, queries, want string
	}{
		{"tool without a name", `{"description":"no name"}`, ``, "tools.jsonl:1: tool without a name"},
		{"tool named twice", twoTools + "\n\n" + `{"name":"get_weather"}`, ``, `tools.jsonl:4: tool "get_weather" named again (first on line 1)`},
		{"tool not an object", `["get_weather"]`, ``, "tools.jsonl:1: json: cannot unmarshal array"},
		{"query without text", twoTools, `{"query":" ","gold":["send_mail"]}`, "queries.jsonl:1: query without text"},
		{"query without gold", twoTools, `{"query":"rain?"}`, "queries.jsonl:1: query without gold tools"},
		{"gold not a tool", twoTools, `{"query":"rain?","gold":["get_weather"]}` + "\n" + `{"query":"mail","gold":["send_email"]}`,
			`queries.jsonl:2: gold tool "send_email" is not in the tools file`},
		{"query not JSON", twoTools, `rain?`, "queries.jsonl:1: invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readGeneric("tools.jsonl", strings.NewReader(tt.tools), "queries.jsonl", strings.NewReader(tt.queries))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
}

// FuzzReadGeneric reads arbitrary tools and queries files in the generic
// form. Nothing may panic; a set read has named tools, each name once,
// and queries with text whose gold tools are all in it.
func FuzzReadGeneric(f *testing.F) {
	f.Add(`{"name":"get_weather","description":"Weather forecast","inputSchema":{"type":"object"}}
{"name":"send_mail","description":"Send an email"}`, `{"query":"will it rain","gold":["get_weather"]}
{"query":"email bob","gold":["send_mail","get_weather"]}`)
	f.Add(`{"name":"a"}`+"\n"+`{"name":"a"}`, `{"query":"x","gold":["a"]}`)
	f.Add(`{"name":"a","inputSchema":5}`, `{"query":"x","gold":[]}`)
	f.Add("\xff\n{}", "null\n[]")
	f.Fuzz(func(t *testing.T, tools, queries string) {
		s, err := readGeneric("tools.jsonl", strings.NewReader(tools), "queries.jsonl", strings.NewReader(queries))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "evalset: tools: tools.jsonl") && !strings.HasPrefix(err.Error(), "evalset: queries: queries.jsonl") {
				t.Fatalf("error %q does not name its file", err)
			}
			return
		}
		names := map[string]bool{}
		for _, d := range s.Docs {
			if d.Name == "" || names[d.Name] || d.Tool.Name != d.Name {
				t.Fatalf("tool %q: empty, repeated or renamed", d.Name)
			}
			names[d.Name] = true
		}
		for _, q := range s.Queries {
			if strings.TrimSpace(q.Text) == "" || len(q.Gold) == 0 {
				t.Fatalf("query %+v without text or gold", q)
			}
			for _, g := range q.Gold {
				if !names[g] {
					t.Fatalf("query %q: gold %q not a tool", q.Text, g)
				}
			}
		}
	})
}

func TestLoadCorpus(t *testing.T) {
	corpus := "../../../testdata/corpus/toolsearch" // large files compressed, read as they are
	want := map[string][2]int{                      // tools, queries
		"metatool":       {199, 20614},
		"metatool-multi": {199, 497},
		"seal-tools":     {4076, 700},
		"livemcpbench":   {527, 95},
		"mcp-bench":      {28, 86},
	}
	for name, w := range want {
		s, err := Load(corpus, name)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Docs) != w[0] || len(s.Queries) != w[1] {
			t.Errorf("%s: %d tools, %d queries; want %d, %d", name, len(s.Docs), len(s.Queries), w[0], w[1])
		}
	}
	// MCP-Bench: servers as documents, their cited tools as description,
	// a two-server task's gold both servers.
	s, err := Load(corpus, "mcp-bench")
	if err != nil {
		t.Fatal(err)
	}
	var wiki string
	for _, d := range s.Docs {
		if d.Name == "Wikipedia" {
			wiki = d.Tool.Description
		}
	}
	if !strings.Contains(wiki, "search_wikipedia") {
		t.Errorf("Wikipedia's tools = %q, want search_wikipedia among them", wiki)
	}
	if two := slices.IndexFunc(s.Queries, func(q Query) bool { return len(q.Gold) == 2 }); two < 0 {
		t.Error("no two-server task")
	}
	if _, err := Load(corpus, "nope"); err == nil {
		t.Fatal("unknown set accepted")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenCompressed(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.json")
	must(t, os.WriteFile(plain, []byte(`{"a":1}`), 0o600))
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte(`{"b":2}`))
	must(t, zw.Close())
	must(t, os.WriteFile(filepath.Join(dir, "b.json.gz"), buf.Bytes(), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "c.json.gz"), []byte("not gzip"), 0o600))
	tests := []struct {
		name, want string
		wantErr    bool
	}{
		{"a.json", `{"a":1}`, false},
		{"b.json", `{"b":2}`, false},
		{"c.json", "", true},
		{"d.json", "", true},
	}
	for _, tc := range tests {
		b, err := readFile(filepath.Join(dir, tc.name))
		if (err != nil) != tc.wantErr || string(b) != tc.want {
			t.Errorf("%s: %q, %v", tc.name, b, err)
		}
		if tc.name == "d.json" && (err == nil || !strings.Contains(err.Error(), "d.json")) {
			t.Errorf("error does not name the file: %v", err)
		}
	}
}
