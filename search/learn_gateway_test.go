package search_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
)

// TestLearnOverMCP: with Options.Learn, two authenticated callers who
// search "umbrella" (no tool's word) and then call the forecast tool,
// directly or through call_tool, teach the search: a third caller finds
// the forecast first. Anonymous callers teach nothing, nor does a search
// tool without Learn.
func TestLearnOverMCP(t *testing.T) {
	const request = "will I need an umbrella"
	for _, tc := range []struct {
		name     string
		learn    bool
		teachers []string
		want     bool // the third caller finds the forecast first
	}{
		{"two callers teach", true, []string{"alice", "bob"}, true},
		{"one caller twice", true, []string{"alice", "alice"}, false},
		{"anonymous callers", true, []string{"", ""}, false},
		{"learning off", false, []string{"alice", "bob"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			gw := newGateway(t, toolgate.Options{})
			opts := &search.Options{CallTool: true}
			if tc.learn {
				opts.Learn = &search.LearnOptions{}
			}
			svc, err := search.Enable(gw, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			url := startGateway(t, gw)
			for i, who := range tc.teachers {
				cs := connectAs(t, url, who)
				if got := toolNames(callSearch(t, cs, map[string]any{"query": request})); len(got) > 0 && got[0] == "weather___get_forecast" {
					t.Fatalf("found first before learning: %v", got)
				}
				params := &mcp.CallToolParams{Name: "weather___get_forecast", Arguments: map[string]any{"city": "Oslo"}}
				if i%2 == 1 { // through call_tool
					params = &mcp.CallToolParams{Name: search.DefaultCallToolName, Arguments: map[string]any{"name": "weather___get_forecast", "arguments": map[string]any{"city": "Oslo"}}}
				}
				if _, err := cs.CallTool(ctx, params); err != nil {
					t.Fatal(err)
				}
			}
			// The votes are counted as the calls end; the words learned
			// are indexed off the call path, a moment later.
			st := readSearchStatus(t, gw)
			switch learned := st.items["learned"]; {
			case !tc.learn && learned != "":
				t.Errorf("learning off, the status says %q", learned)
			case tc.learn && tc.want && learned != "1 word for 1 tool": // umbrella (will, need: function words)
				t.Errorf("status: learned %q", learned)
			case tc.learn && !tc.want && learned != "0 words for 0 tools":
				t.Errorf("status: learned %q, want nothing", learned)
			}
			carol := connectAs(t, url, "carol")
			finds := func() bool {
				got := toolNames(callSearch(t, carol, map[string]any{"query": "umbrella"}))
				return len(got) > 0 && got[0] == "weather___get_forecast"
			}
			if tc.want {
				testenv.WaitFor(t, "carol finds the forecast first", finds)
			} else if finds() {
				t.Error("carol finds the forecast first: nothing should have been learned")
			}
		})
	}
}

// TestLearnSeed: a search tool that replaces another (Options.Seed, a
// gateway rebuilt on reload) keeps what the other learned from callers,
// when it learns too.
func TestLearnSeed(t *testing.T) {
	ctx := context.Background()
	old, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{Learn: &search.LearnOptions{}})
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if _, _, err := old.Search(ctx, "umbrella", 0); err != nil { // indexes the catalogue
		t.Fatal(err)
	}
	for _, who := range []string{"alice", "bob"} {
		old.Index().Learn("will I need an umbrella", "weather___get_forecast", who)
	}
	for _, tc := range []struct {
		name  string
		learn *search.LearnOptions
		want  bool
	}{{"learning", &search.LearnOptions{}, true}, {"not learning", nil, false}} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{Learn: tc.learn, Seed: old})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			infos, _, err := svc.Search(ctx, "umbrella", 0)
			if err != nil {
				t.Fatal(err)
			}
			if found := len(infos) > 0 && infos[0].Name == "weather___get_forecast"; found != tc.want {
				t.Errorf("forecast first %v, want %v (%d tools)", found, tc.want, len(infos))
			}
		})
	}
}

// TestLearnFile: what a search tool learned is in Options.LearnFile once
// it is closed, and a search tool started with the file (a restart) finds
// by it; LearnFile without Learn is an error.
func TestLearnFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "learned.json")
	opts := &search.Options{Learn: &search.LearnOptions{}, LearnFile: path}
	first, err := search.Enable(newGateway(t, toolgate.Options{}), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := first.Search(ctx, "umbrella", 0); err != nil { // indexes the catalogue
		t.Fatal(err)
	}
	for _, who := range []string{"alice", "bob"} {
		first.Index().Learn("will I need an umbrella", "weather___get_forecast", who)
	}
	first.Close()
	b, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(b), "umbrella") || strings.Contains(string(b), "alice") {
		t.Fatalf("the file after Close: %v %s", err, b)
	}

	restarted, err := search.Enable(newGateway(t, toolgate.Options{}), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close()
	if infos, _, err := restarted.Search(ctx, "umbrella", 0); err != nil || len(infos) == 0 || infos[0].Name != "weather___get_forecast" {
		t.Fatalf("after a restart: %v %v", err, infos)
	}

	if _, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{LearnFile: path}); err == nil {
		t.Error("LearnFile without Learn: no error")
	}
}

// TestLearnScopeOverMCP: with Options.LearnScope, what a tenant's callers
// teach is found by that tenant's callers alone; callers of two tenants
// do not add up to the two a word needs; callers without a tenant teach
// nothing.
func TestLearnScopeOverMCP(t *testing.T) {
	tenant := func(p *toolgate.Principal) string { _, t, _ := strings.Cut(p.Subject, "@"); return t }
	for _, tc := range []struct {
		name     string
		teachers []string
		finds    map[string]bool // who finds the forecast first after
	}{
		{"two callers of a tenant", []string{"alice@acme", "bob@acme"},
			map[string]bool{"carol@acme": true, "dave@globex": false, "erin": false}},
		{"a caller of each of two tenants", []string{"alice@acme", "bob@globex"},
			map[string]bool{"carol@acme": false, "dave@globex": false, "erin": false}},
		{"two callers without a tenant", []string{"frank", "grace"},
			map[string]bool{"carol@acme": false, "erin": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			gw := newGateway(t, toolgate.Options{})
			svc, err := search.Enable(gw, &search.Options{Learn: &search.LearnOptions{}, LearnScope: tenant})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			url := startGateway(t, gw)
			for _, who := range tc.teachers {
				cs := connectAs(t, url, who)
				callSearch(t, cs, map[string]any{"query": "will I need an umbrella"})
				if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___get_forecast", Arguments: map[string]any{"city": "Oslo"}}); err != nil {
					t.Fatal(err)
				}
			}
			finds := func(who string) bool {
				got := toolNames(callSearch(t, connectAs(t, url, who), map[string]any{"query": "umbrella"}))
				return len(got) > 0 && got[0] == "weather___get_forecast"
			}
			for who, want := range tc.finds {
				if want {
					testenv.WaitFor(t, who+" finds the forecast first", func() bool { return finds(who) })
				}
			}
			for who, want := range tc.finds {
				if !want && finds(who) {
					t.Errorf("%s finds the forecast first", who)
				}
			}
			learned := svc.Learned()["weather___get_forecast"]
			if want := tc.finds["carol@acme"]; want != (len(learned) == 1 && learned[0].Scope == "acme" && learned[0].Word == "umbrella") {
				t.Errorf("learned %+v", learned)
			}
		})
	}
}
