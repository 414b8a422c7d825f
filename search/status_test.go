package search_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
)

// searchStatus is the search tool's section of a gateway's status page,
// as its JSON shows it.
type searchStatus struct {
	found    bool
	healthy  bool
	items    map[string]string
	problems []string
	page     string
}

func readSearchStatus(t *testing.T, gw *toolgate.Gateway) searchStatus {
	t.Helper()
	rec := httptest.NewRecorder()
	gw.StatusHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/?format=json", nil))
	var page struct {
		Sections []struct {
			Name, Title string
			Healthy     bool
			Items       []struct{ Name, Label, Value string }
			Problems    []string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	st := searchStatus{items: map[string]string{}, page: rec.Body.String()}
	for _, sec := range page.Sections {
		if sec.Name != "search" {
			continue
		}
		if st.found {
			t.Fatal("two search sections")
		}
		st.found, st.healthy, st.problems = true, sec.Healthy, sec.Problems
		if sec.Title != "Search" {
			t.Errorf("title %q", sec.Title)
		}
		for _, it := range sec.Items {
			if it.Label == "" {
				t.Errorf("item %s has no label", it.Name)
			}
			st.items[it.Name] = it.Value
		}
	}
	return st
}

// The lexical search tool's section: its tools, how it ranks, what it
// has indexed and answered; gone once the service is closed.
func TestStatusSectionLexical(t *testing.T) {
	ctx := context.Background()
	gw := newGateway(t, toolgate.Options{})
	defer gw.Close()
	svc, err := search.Enable(gw, &search.Options{CallTool: true})
	if err != nil {
		t.Fatal(err)
	}
	tools := strconv.Itoa(len(gw.Tools()) - 2) // without the search and call tools

	st := readSearchStatus(t, gw)
	if !st.found || !st.healthy || len(st.problems) != 0 {
		t.Fatalf("before a search: %+v", st)
	}
	if got := st.items["tools"]; got != "0 (the catalogue changed since: indexed at the next search)" {
		t.Errorf("tools before a search: %q", got)
	}
	for range 2 {
		if _, _, err := svc.Search(ctx, "weather", 0); err != nil {
			t.Fatal(err)
		}
	}
	st = readSearchStatus(t, gw)
	for name, want := range map[string]string{
		"tool":      search.DefaultToolName,
		"call_tool": search.DefaultCallToolName,
		"ranking":   "lexical (no embedder)",
		"tools":     tools,
		"searches":  "2",
	} {
		if got := st.items[name]; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"tools_embedded", "hybrid_searches", "model", "vector_file"} {
		if v, ok := st.items[name]; ok {
			t.Errorf("a lexical search tool shows %s = %q", name, v)
		}
	}
	svc.Close()
	if st := readSearchStatus(t, gw); st.found {
		t.Errorf("the section outlived the service: %+v", st)
	}
}

// The hybrid search tool's section follows it through the catalogue's
// first embedding, hybrid ranking, and a failing embedder (a request's
// and the catalogue's).
func TestStatusSectionHybrid(t *testing.T) {
	ctx := context.Background()
	gw, err := toolgate.New(&toolgate.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	emb, sw := switchedEmbedder()
	svc, err := search.Enable(gw, &search.Options{Embedder: emb, Logger: discard(),
		Hybrid: &search.HybridOptions{RetryAfter: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	for _, tg := range []toolgate.Target{weatherTarget(), filesTarget()} {
		if err := gw.AddTarget(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	tools := strconv.Itoa(len(gw.Tools()) - 1)
	searchOnce := func(q string) {
		t.Helper()
		if _, _, err := svc.Search(ctx, q, 0); err != nil {
			t.Fatal(err)
		}
	}

	for _, step := range []struct {
		name   string
		do     func()
		want   map[string]string // items, a value ending in "…" a prefix
		wantOK bool
		probs  []string // a piece of each problem, in order
	}{
		{"the first embedding", func() {
			// The warmer holds on its first target's tools.
			testenv.WaitFor(t, "the catalogue indexed", func() bool { return readSearchStatus(t, gw).items["tools"] != "0" })
		}, map[string]string{"ranking": "lexical while the catalogue's tools are embedded", "tools_embedded": "0", "searches": "0"}, true, nil},
		{"embedded", func() {
			sw.release()
			testenv.WaitFor(t, "every tool embedded", func() bool { return readSearchStatus(t, gw).items["tools_embedded"] == tools })
			searchOnce("weather forecast")
			searchOnce("weather forecast") // its vector from the cache
		}, map[string]string{"ranking": "hybrid", "tools": tools, "tools_embedded": tools, "searches": "2", "hybrid_searches": "2", "request_cache": "1 of 2"}, true, nil},
		{"a request fails", func() {
			sw.down.Store(true)
			searchOnce("tides at the harbour")
		}, map[string]string{"ranking": "lexical until the embedder answers again (tried in 1h0m0s)", "searches": "3", "hybrid_searches": "2", "request_cache": "1 of 3"}, false,
			[]string{"the embedder failed: connection refused; searches are ranked lexically until it answers (tried again in 1h0m0s)"}},
		{"the catalogue fails", func() {
			if err := gw.AddTarget(ctx, toolgate.Funcs("more", toolgate.Func("tide_table", "Tide tables of a harbour", func(context.Context, cityIn) (out, error) { return out{}, nil }))); err != nil {
				t.Fatal(err)
			}
			testenv.WaitFor(t, "a second problem", func() bool { return len(readSearchStatus(t, gw).problems) == 2 })
		}, map[string]string{"tools_embedded": tools}, false,
			[]string{"the embedder failed: search: embedding tools 1-1 of 1: connection refused;", "embedding the catalogue failed (1 in a row); " + tools + " of " + strconv.Itoa(len(gw.Tools())) + " tools embedded; tried again every 1h0m0s"}},
	} {
		t.Run(step.name, func(t *testing.T) {
			step.do()
			st := readSearchStatus(t, gw)
			if !st.found || st.healthy != step.wantOK {
				t.Fatalf("found %v healthy %v, want healthy %v: %s", st.found, st.healthy, step.wantOK, st.page)
			}
			for name, want := range step.want {
				if got := st.items[name]; got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if len(st.problems) != len(step.probs) {
				t.Fatalf("problems %q, want %d", st.problems, len(step.probs))
			}
			for i, p := range step.probs {
				if !strings.Contains(st.problems[i], p) {
					t.Errorf("problem %d %q lacks %q", i, st.problems[i], p)
				}
			}
		})
	}
}

// The section names the model and the vectors file of an
// OpenAI-compatible embedder, says when the file cannot be written, and
// shows neither the API key nor the URL's secrets.
func TestStatusSectionVectorFile(t *testing.T) {
	es := &embeddingServer{}
	srv := httptest.NewServer(es)
	defer srv.Close()
	gw := newGateway(t, toolgate.Options{})
	defer gw.Close()
	file := filepath.Join(t.TempDir(), "missing", "vectors.bin") // its folder does not exist
	svc, err := search.Enable(gw, &search.Options{Logger: discard(), VectorFile: file, VectorModel: "test",
		Embedder: &search.OpenAIEmbedder{BaseURL: strings.Replace(srv.URL, "//", "//ops:sk-in-url@", 1) + "/v1", Model: "test-embed", APIKey: "sk-status-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	testenv.WaitFor(t, "the vectors file's failure", func() bool { return len(readSearchStatus(t, gw).problems) > 0 })
	st := readSearchStatus(t, gw)
	if st.healthy || !strings.HasPrefix(st.problems[0], "writing the vectors file failed: ") || !strings.Contains(st.problems[0], "missing") {
		t.Errorf("problems %q", st.problems)
	}
	if st.items["model"] != "test-embed" || st.items["vector_file"] != file || st.items["ranking"] != "hybrid" {
		t.Errorf("items %v", st.items)
	}
	es.mu.Lock()
	es.fail = true
	es.mu.Unlock()
	if _, res, err := svc.Search(context.Background(), "moana", 0); err != nil || res.Mode != search.ModeLexical {
		t.Fatalf("%v %+v", err, res)
	}
	st = readSearchStatus(t, gw)
	if len(st.problems) != 2 || !strings.Contains(st.problems[0], "model overloaded") {
		t.Errorf("problems %q", st.problems)
	}
	for _, secret := range []string{"sk-status-secret", "sk-in-url"} {
		if strings.Contains(st.page, secret) {
			t.Errorf("the page shows %q: %s", secret, st.page)
		}
	}
}
