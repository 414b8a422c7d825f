package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
)

// TestRankGrid checks the order a fold's choice is read from: best mean
// first, and of points equal but for rounding, the earlier in the grid,
// as the grid's order promises ("the first preferred on a tie").
func TestRankGrid(t *testing.T) {
	p := func(k float64) search.HybridOptions { return search.HybridOptions{RRFK: k} }
	tests := []struct {
		name  string
		means []float64 // of points RRFK 1, 2, ...
		want  []float64 // RRFK of the ranked points
	}{
		{"distinct", []float64{0.5, 0.7, 0.6}, []float64{2, 3, 1}},
		{"tie keeps grid order", []float64{0.6, 0.7, 0.7, 0.1}, []float64{2, 3, 1, 4}},
		{"rounding is a tie", []float64{0.7, 0.7 + 1e-15, 0.70001}, []float64{3, 1, 2}},
		{"one point", []float64{0.2}, []float64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var grid []search.HybridOptions
			for i := range tt.means {
				grid = append(grid, p(float64(i+1)))
			}
			ranked := rankGrid(grid, func(o search.HybridOptions) float64 { return tt.means[int(o.RRFK)-1] })
			for i, r := range ranked {
				if r.p.RRFK != tt.want[i] || r.mean != tt.means[int(r.p.RRFK)-1] {
					t.Fatalf("ranked %v, want RRFK order %v", ranked, tt.want)
				}
			}
		})
	}
}

// TestFusionGrid checks the grid's size and that its points are distinct,
// and that the lexical place, the rule added last, comes second on its
// axis: a tie keeps the ranking as it was without it.
func TestFusionGrid(t *testing.T) {
	grid := fusionGrid()
	if len(grid) != 60 {
		t.Fatalf("%d points, want 60 (docs/search.md says so)", len(grid))
	}
	seen := map[search.HybridOptions]bool{}
	for _, o := range grid {
		if seen[o] {
			t.Fatalf("%s twice", fusionName(o))
		}
		seen[o] = true
	}
	if first := grid[0]; first.LexicalPlace >= 0 || grid[1].LexicalPlace < 0 {
		t.Errorf("grid starts %s, %s: want the lexical place off first", fusionName(first), fusionName(grid[1]))
	}
}

// TestLoadLOSO checks how the choices read the sets: every query by
// default, 1 MetaTool query in thin otherwise, the held-out sets whole.
func TestLoadLOSO(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(), "testdata", "corpus", "toolsearch")
	for _, thin := range []int{1, 10} {
		sets, sel, err := loadLOSO(dir, thin)
		if err != nil {
			t.Fatal(err)
		}
		if len(sets) != len(losoSets) || len(sel) != len(losoSets) {
			t.Fatalf("thin %d: %d and %d sets, want %d", thin, len(sets), len(sel), len(losoSets))
		}
		for i, s := range sets {
			want := len(s.Queries)
			if s.Name == "metatool" && thin > 1 {
				want = (len(s.Queries) + thin - 1) / thin
			}
			if got := len(sel[i].Queries); got != want {
				t.Errorf("thin %d: %s chosen on %d of %d queries, want %d", thin, s.Name, got, len(s.Queries), want)
			}
		}
		if n := len(sets[0].Queries); sets[0].Name != "metatool" || n != 20614 {
			t.Errorf("first set %s with %d queries, want metatool whole (20,614)", sets[0].Name, n)
		}
	}
}

// TestPrequential: on a catalogue whose requests use none of its tools'
// words, learning lifts the second half of the queries from nothing, and
// no query is scored by what it taught (the first two, each by a caller
// not seen before, find nothing).
func TestPrequential(t *testing.T) {
	doc := func(name, desc string) search.Document {
		return search.Document{ToolInfo: toolgate.ToolInfo{Name: name, Tool: toolgate.Tool{Name: name, Description: desc}}}
	}
	s := &evalset.Set{Name: "homes", Docs: []search.Document{
		doc("house_renting", "Find houses for rent."),
		doc("weather", "Weather forecasts."),
	}}
	for range 20 {
		s.Queries = append(s.Queries, evalset.Query{Text: "an umbrella", Gold: []string{"weather"}})
	}
	base, baseSecond, err := prequential(s, nil, lexical, teaching{})
	if err != nil {
		t.Fatal(err)
	}
	all, second, err := prequential(s, &learnPoint{weight: 1, terms: 8, words: 64}, lexical, teaching{})
	if err != nil {
		t.Fatal(err)
	}
	if base != 0 || baseSecond != 0 {
		t.Fatalf("found without learning: %v %v", base, baseSecond)
	}
	if second != 1 || all != 0.9 { // 18 of 20: the third query on finds it
		t.Errorf("with learning: all %v, second half %v", all, second)
	}
}

// TestLearnOne: -learn on a set of one's own (-tools, -queries) prints
// R@5 without learning and with it.
func TestLearnOne(t *testing.T) {
	dir := t.TempDir()
	tools, queries := filepath.Join(dir, "tools.jsonl"), filepath.Join(dir, "queries.jsonl")
	q := strings.Repeat(`{"query":"an umbrella","gold":["weather"]}`+"\n", 20)
	if err := os.WriteFile(tools, []byte(`{"name":"house_renting","description":"Find houses for rent."}
{"name":"weather","description":"Weather forecasts."}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(queries, []byte(q), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := evalset.LoadGeneric(tools, queries)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := learnOne(&out, s, lexical, teaching{}); err != nil {
		t.Fatal(err)
	}
	if want := "R@5 without learning 0.0000 (second half 0.0000), learning 0.9000 (second half 1.0000), gain +0.900"; !strings.Contains(out.String(), want) {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
}

// TestPrequentialNoise: an agent that always calls a wrong tool of the
// answer (not its first) teaches the words to those tools, and the tool
// wanted is never found; without noise it is.
func TestPrequentialNoise(t *testing.T) {
	doc := func(name, desc string) search.Document {
		return search.Document{ToolInfo: toolgate.ToolInfo{Name: name, Tool: toolgate.Tool{Name: name, Description: desc}}}
	}
	s := &evalset.Set{Name: "homes", Docs: []search.Document{doc("weather", "Weather forecasts.")}}
	for i := range 6 {
		s.Docs = append(s.Docs, doc(fmt.Sprint("homes_", i), fmt.Sprintf("Find houses, listing %d.", i)))
	}
	for range 20 {
		s.Queries = append(s.Queries, evalset.Query{Text: "houses and an umbrella", Gold: []string{"weather"}})
	}
	lp := &learnPoint{weight: 1, terms: 8, words: 64}
	clean, _, err := prequential(s, lp, lexical, teaching{})
	if err != nil {
		t.Fatal(err)
	}
	noisy, _, err := prequential(s, lp, lexical, teaching{noise: 1})
	if err != nil {
		t.Fatal(err)
	}
	if clean < 0.5 || noisy != 0 {
		t.Errorf("R@5 without noise %v (want at least 0.5), with every call wrong %v (want 0)", clean, noisy)
	}
}
