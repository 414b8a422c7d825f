package search_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

func doc(target, name, desc string, schema string) search.Document {
	d := search.Document{ToolInfo: toolgate.ToolInfo{
		Name:   target + "___" + name,
		Target: target,
		Tool:   toolgate.Tool{Name: name, Description: desc},
	}}
	if schema != "" {
		d.Tool.InputSchema = json.RawMessage(schema)
	}
	return d
}

func catalogue() []search.Document {
	return []search.Document{
		doc("weather", "get_forecast", "Get the weather forecast for a city.", `{"type":"object","properties":{"city":{"type":"string","description":"City name"}}}`),
		doc("weather", "get_alerts", "Severe weather alerts for a US state.", `{"type":"object","properties":{"state":{"type":"string"}}}`),
		doc("github", "createPullRequest", "Open a pull request in a repository.", `{"type":"object","properties":{"repo":{"type":"string"},"title":{"type":"string"}}}`),
		doc("github", "list_issues", "List the issues of a repository.", ""),
		doc("files", "write_file", "Write text to a file, creating it if needed.", `{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}}}`),
		doc("files", "read_file", "Read a file's contents.", `{"type":"object","properties":{"path":{"type":"string"}}}`),
		doc("crypto", "get_coin_price", "Current price of a cryptocurrency.", `{"type":"object","properties":{"symbol":{"type":"string","enum":["BTC","ETH"]}}}`),
		doc("news", "get-weibo-trending", "获取微博热搜榜，包含时事热点", ""),
		doc("hotel", "bookHotel", "Book a hotel room for given dates.", ""),
	}
}

func names(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Name
	}
	return out
}

func TestSearchRanking(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	tests := []struct {
		query string
		top   string // expected first hit
	}{
		{"weather forecast for Paris", "weather___get_forecast"},
		{"create pull request", "github___createPullRequest"},         // camelCase name
		{"write the report to /root/report.md", "files___write_file"}, // a path reads as "file"
		{"an inn for tonight", "hotel___bookHotel"},                   // WordNet: inn -> hotel
		{"what is trending on weibo", "news___get-weibo-trending"},
		{"微博热搜", "news___get-weibo-trending"}, // Chinese query
		{"severe alerts", "weather___get_alerts"},
		{"getCoinPrice", "crypto___get_coin_price"},
		{"book hotels", "hotel___bookHotel"}, // stemming
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			hits := ix.Search(tt.query, nil)
			if len(hits) == 0 || hits[0].Name != tt.top {
				t.Fatalf("Search(%q) = %v, want %s first", tt.query, names(hits), tt.top)
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].Score > hits[i-1].Score {
					t.Fatalf("hits not sorted by score: %v", hits)
				}
			}
		})
	}
}

func TestSearchMultiRequest(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	hits := ix.Search("Check the weather forecast in Rome. Then book a hotel room. Finally list the issues of my repository.", &search.SearchOptions{Limit: 3})
	got := names(hits)
	for _, want := range []string{"weather___get_forecast", "hotel___bookHotel", "github___list_issues"} {
		if !slices.Contains(got, want) {
			t.Errorf("top 3 = %v, want %s among them", got, want)
		}
	}
}

func TestSearchOptions(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	tests := []struct {
		name   string
		query  string
		opts   *search.SearchOptions
		wantN  int
		banned string
	}{
		{"default limit", "file weather repository price hotel trending", nil, 9, ""},
		{"limit", "file weather repository", &search.SearchOptions{Limit: 2}, 2, ""},
		{"filter", "weather", &search.SearchOptions{Filter: func(n string) bool { return n != "weather___get_forecast" }}, 1, "weather___get_forecast"},
		{"no match", "zzzqqq", nil, 0, ""},
		{"empty query", "", nil, 0, ""},
		{"stop words only", "can you please", nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := ix.Search(tt.query, tt.opts)
			if len(hits) != tt.wantN {
				t.Fatalf("got %d hits %v, want %d", len(hits), names(hits), tt.wantN)
			}
			if tt.banned != "" && slices.Contains(names(hits), tt.banned) {
				t.Fatalf("filtered tool %s returned", tt.banned)
			}
		})
	}
}

func TestIncrementalUpdatesMatchBulkBuild(t *testing.T) {
	docs := catalogue()
	inc := search.NewIndex()
	for _, d := range docs {
		inc.Upsert(d) // one at a time
	}
	inc.Upsert(doc("tmp", "transient_tool", "A weather tool that goes away.", ""))
	inc.Remove("tmp___transient_tool", "no-such-tool")
	changed := docs[0]
	changed.Tool.Description = "Something else entirely."
	inc.Upsert(changed)
	inc.Upsert(docs[0]) // and back

	bulk := search.NewIndex()
	rev := slices.Clone(docs)
	slices.Reverse(rev)
	bulk.Upsert(rev...)

	if inc.Len() != len(docs) || bulk.Len() != len(docs) {
		t.Fatalf("Len = %d and %d, want %d", inc.Len(), bulk.Len(), len(docs))
	}
	for _, q := range []string{"weather", "file", "repository pull request", "price of bitcoin", "goes away"} {
		a, b := inc.Search(q, nil), bulk.Search(q, nil)
		if !slices.Equal(a, b) {
			t.Errorf("Search(%q): incremental %v, bulk %v", q, a, b)
		}
	}
}

// TestSearchAfterUpdates holds an index searched before each update (so
// that it holds what searches keep, such as query term expansions) to the
// answers of an index built afresh from the same tools.
func TestSearchAfterUpdates(t *testing.T) {
	queries := []string{
		"weather forecast for Paris",
		"write a file",
		"the writer's notes",
		"Get the price of bitcoin. Then book a hotel room, and read the file.",
	}
	base := catalogue()
	added := append(slices.Clone(base),
		doc("weather", "forecaster_notes", "Notes from the forecaster on duty.", ""),
		doc("files", "writer", "A writer of text documents.", ""),
	)
	steps := []struct {
		name string
		docs []search.Document
	}{
		{"start", base},
		{"added", added}, // new terms related to query terms: forecaster, writer
		{"removed", base[2:]},
		{"back", base},
	}
	ix := search.NewIndex()
	for _, step := range steps {
		ix.Sync(step.docs)
		fresh := search.NewIndex()
		fresh.Upsert(step.docs...)
		for _, q := range queries {
			if got, want := ix.Search(q, nil), fresh.Search(q, nil); !slices.Equal(got, want) {
				t.Errorf("%s: Search(%q) = %v, fresh index %v", step.name, q, got, want)
			}
		}
	}
}

func TestSync(t *testing.T) {
	ix := search.NewIndex()
	docs := catalogue()
	if c, r := ix.Sync(docs); c != len(docs) || r != 0 {
		t.Fatalf("first Sync = %d changed, %d removed; want %d, 0", c, r, len(docs))
	}
	if c, r := ix.Sync(docs); c != 0 || r != 0 {
		t.Fatalf("same Sync = %d changed, %d removed; want 0, 0", c, r)
	}
	next := slices.Clone(docs[1:])
	next[0].Tool.Description = "Alerts about tornadoes."
	if c, r := ix.Sync(next); c != 1 || r != 1 {
		t.Fatalf("Sync = %d changed, %d removed; want 1, 1", c, r)
	}
	if hits := ix.Search("tornadoes", nil); len(hits) != 1 || hits[0].Name != "weather___get_alerts" {
		t.Fatalf("changed description not indexed: %v", hits)
	}
	if _, ok := ix.Document(docs[0].Name); ok {
		t.Fatalf("removed tool %s still indexed", docs[0].Name)
	}
	if got := ix.Names(); len(got) != len(next) || !slices.IsSorted(got) {
		t.Fatalf("Names = %v", got)
	}
}

func TestDeterministicTies(t *testing.T) {
	ix := search.NewIndex()
	var docs []search.Document
	for i := range 20 {
		docs = append(docs, doc("t", fmt.Sprintf("tool%02d", 19-i), "identical description of a widget", ""))
	}
	ix.Upsert(docs...)
	first := ix.Search("widget", &search.SearchOptions{Limit: 20})
	if len(first) != 20 {
		t.Fatalf("got %d hits, want 20", len(first))
	}
	if !slices.IsSortedFunc(first, func(a, b search.Hit) int { return cmpStr(a.Name, b.Name) }) {
		t.Fatalf("equal scores not ordered by name: %v", names(first))
	}
	for range 5 {
		if again := ix.Search("widget", &search.SearchOptions{Limit: 20}); !slices.Equal(first, again) {
			t.Fatalf("results changed between runs")
		}
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestConcurrentSearchAndUpdate(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				if w == 0 {
					d := doc("dyn", fmt.Sprintf("tool%d", i%5), "dynamic weather helper", "")
					ix.Upsert(d)
					if i%2 == 0 {
						ix.Remove(d.Name)
					}
					continue
				}
				if hits := ix.Search("weather forecast", nil); len(hits) == 0 {
					t.Error("no hits during updates")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSchemaTextIndexed(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(
		doc("a", "op1", "Do the thing.", `{"type":"object","properties":{"shipment":{"type":"object","properties":{"trackingNumber":{"type":"string","description":"Parcel tracking code"}}}}}`),
		doc("a", "op2", "Do the other thing.", `{"type":"object","properties":{"items":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string","enum":["warehouse"]}}}}}}`),
		doc("a", "op3", "Broken schema is ignored.", `{"type":`),
	)
	tests := map[string]string{"parcel tracking": "a___op1", "warehouse sku": "a___op2", "broken": "a___op3"}
	for q, want := range tests {
		if hits := ix.Search(q, nil); len(hits) == 0 || hits[0].Name != want {
			t.Errorf("Search(%q) = %v, want %s first", q, names(hits), want)
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestHugeLimit(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	if hits := ix.Search("weather. file. price", &search.SearchOptions{Limit: 1 << 40}); len(hits) == 0 || len(hits) > len(catalogue()) {
		t.Fatalf("got %d hits", len(hits))
	}
}

// trains is a target whose ticket tool names, in a parameter, the tools
// that supply its arguments.

func TestSearchClauses(t *testing.T) {
	// Clause rankings are off in the shipped constants (leave-one-set-out
	// did not choose them); the mechanism is tested with them on.
	p := tuning.Default()
	p.FuseClause = 0.2
	ix := search.NewIndexParams(p)
	ix.Upsert(catalogue()...)
	for _, kind := range []string{"bar", "line", "pie", "area", "radar"} {
		ix.Upsert(doc("chart", kind+"_chart", "Draw a "+kind+" chart of monthly sales, its text translated to any language.", ""))
	}
	ix.Upsert(doc("lang", "translate", "Translate a text.", ""))
	rank := func(q string) int {
		hits := ix.Search(q, &search.SearchOptions{Limit: 20})
		if i := slices.Index(names(hits), "lang___translate"); i >= 0 && hits[0].Name == "chart___bar_chart" {
			return i
		}
		t.Fatalf("Search(%q) = %v", q, names(hits))
		return 0
	}
	// The same words, as one clause and as two: the second clause of a
	// sentence that lists two needs is ranked on its own and raises its tool.
	one := rank("draw the monthly sales as a bar chart to translate the text")
	two := rank("draw the monthly sales as a bar chart, and translate the text")
	if two >= one {
		t.Errorf("translate is %dth with two clauses, %dth with one; want it higher with two", two+1, one+1)
	}
}
