package search_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate/search"
)

// embeddingServer is a small OpenAI-compatible /v1/embeddings server. Its
// "model" hashes words into 64 dimensions, mapping a few words to the same
// dimension as their synonyms, so it knows what the lexical ranker does not
// (moana = sea, Hawaiian words that WordNet does not hold).
type embeddingServer struct {
	mu      sync.Mutex
	fail    bool
	texts   int // texts embedded so far
	batches []int
	auth    string
	model   string
}

var serverSynonyms = map[string]string{"moana": "sea", "nalu": "wave", "waves": "wave"}

func (s *embeddingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	fail := s.fail
	s.texts += len(req.Input)
	s.batches = append(s.batches, len(req.Input))
	s.auth, s.model = r.Header.Get("Authorization"), req.Model
	s.mu.Unlock()
	if fail {
		http.Error(w, `{"error":{"message":"model overloaded"}}`, http.StatusServiceUnavailable)
		return
	}
	type item struct {
		Object    string    `json:"object"`
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	}
	resp := struct {
		Object string `json:"object"`
		Data   []item `json:"data"`
		Model  string `json:"model"`
	}{Object: "list", Model: req.Model}
	// Answer in reverse order: clients must use the index field.
	for i := len(req.Input) - 1; i >= 0; i-- {
		resp.Data = append(resp.Data, item{Object: "embedding", Index: i, Embedding: fakeEmbed(req.Input[i])})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func fakeEmbed(text string) []float32 {
	v := make([]float32, 64)
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !('a' <= r && r <= 'z') }) {
		if s, ok := serverSynonyms[w]; ok {
			w = s
		}
		h := fnv.New32a()
		h.Write([]byte(w))
		v[h.Sum32()%64]++
	}
	return v
}

func (s *embeddingServer) stats() (texts int, batches []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.texts, slices.Clone(s.batches)
}

func newHybrid(t *testing.T, opts *search.HybridOptions) (*search.Index, *search.Hybrid, *embeddingServer) {
	t.Helper()
	es := &embeddingServer{}
	srv := httptest.NewServer(es)
	t.Cleanup(srv.Close)
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	ix.Upsert(doc("marine", "sea_conditions", "Wave height and tides at sea.", ""))
	emb := &search.OpenAIEmbedder{BaseURL: srv.URL + "/v1", Model: "test-embed", APIKey: "sk-test", BatchSize: 4}
	h := search.NewHybrid(ix, emb, opts)
	h.Logger = discard()
	return ix, h, es
}

func TestHybridEndToEnd(t *testing.T) {
	ctx := context.Background()
	ix, h, es := newHybrid(t, nil)

	// The lexical ranker knows no Hawaiian; the embedder does.
	if lex := ix.Search("moana nalu", nil); slices.Contains(names(lex), "marine___sea_conditions") {
		t.Fatalf("lexical ranker unexpectedly found the tool: %v", lex)
	}
	res, err := h.Search(ctx, "moana nalu", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != search.ModeHybrid || res.Fallback != nil {
		t.Fatalf("mode %q, fallback %v; want hybrid", res.Mode, res.Fallback)
	}
	if len(res.Hits) == 0 || res.Hits[0].Name != "marine___sea_conditions" {
		t.Fatalf("hybrid hits = %v, want marine___sea_conditions first", names(res.Hits))
	}
	docs := ix.Len()
	texts, batches := es.stats()
	if texts != docs+1 {
		t.Fatalf("embedded %d texts, want %d tools + 1 query", texts, docs)
	}
	for _, b := range batches {
		if b > 4 {
			t.Fatalf("batch of %d texts exceeds BatchSize 4", b)
		}
	}
	if es.auth != "Bearer sk-test" || es.model != "test-embed" {
		t.Fatalf("server saw auth %q model %q", es.auth, es.model)
	}

	// A request in the catalogue's words is ranked as the index ranks it.
	res, err = h.Search(ctx, "weather forecast", &search.SearchOptions{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(res.Hits), names(ix.Search("weather forecast", &search.SearchOptions{Limit: 3})); !slices.Equal(got, want) || got[0] != "weather___get_forecast" {
		t.Fatalf("hybrid hits = %v, want the lexical ranking %v, weather___get_forecast first", got, want)
	}

	// Cached: a second search embeds only its query; a new tool only itself.
	before, _ := es.stats()
	if _, err := h.Search(ctx, "tides", nil); err != nil {
		t.Fatal(err)
	}
	if after, _ := es.stats(); after != before+1 {
		t.Fatalf("second search embedded %d texts, want 1 (the query)", after-before)
	}
	ix.Upsert(doc("marine", "buoy_data", "Readings from moana buoys.", ""))
	before, _ = es.stats()
	if _, err := h.Search(ctx, "buoys", nil); err != nil {
		t.Fatal(err)
	}
	if after, _ := es.stats(); after != before+2 {
		t.Fatalf("after adding one tool embedded %d texts, want 2 (tool and query)", after-before)
	}

	// The filter applies to both rankers.
	res, err = h.Search(ctx, "moana nalu", &search.SearchOptions{Filter: func(n string) bool { return !strings.HasPrefix(n, "marine") }})
	if err != nil {
		t.Fatal(err)
	}
	for _, hit := range res.Hits {
		if strings.HasPrefix(hit.Name, "marine") {
			t.Fatalf("filtered tool %s returned", hit.Name)
		}
	}
}

func TestHybridFallsBackToLexical(t *testing.T) {
	ctx := context.Background()
	ix, h, es := newHybrid(t, &search.HybridOptions{RetryAfter: 100 * time.Millisecond})
	es.mu.Lock()
	es.fail = true
	es.mu.Unlock()

	res, err := h.Search(ctx, "weather forecast", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != search.ModeLexical || res.Fallback == nil {
		t.Fatalf("mode %q, fallback %v; want lexical with the embedder's error", res.Mode, res.Fallback)
	}
	if !strings.Contains(res.Fallback.Error(), "503") || !strings.Contains(res.Fallback.Error(), "model overloaded") {
		t.Fatalf("fallback error %q does not carry the server's status and message", res.Fallback)
	}
	if want := ix.Search("weather forecast", nil); !slices.Equal(res.Hits, want) {
		t.Fatalf("fallback hits %v, want the lexical ranking %v", res.Hits, want)
	}

	// Within RetryAfter the embedder is not called again.
	before, _ := es.stats()
	res, err = h.Search(ctx, "weather forecast", nil)
	if err != nil || res.Mode != search.ModeLexical || !strings.Contains(fmt.Sprint(res.Fallback), "retrying later") {
		t.Fatalf("second search: mode %q fallback %v err %v", res.Mode, res.Fallback, err)
	}
	if after, _ := es.stats(); after != before {
		t.Fatalf("embedder called %d times within RetryAfter", after-before)
	}

	// Recovery: once the server answers again, hybrid ranking resumes.
	es.mu.Lock()
	es.fail = false
	es.mu.Unlock()
	time.Sleep(150 * time.Millisecond)
	res, err = h.Search(ctx, "moana nalu", nil)
	if err != nil || res.Mode != search.ModeHybrid {
		t.Fatalf("after recovery: mode %q, err %v", res.Mode, err)
	}

	// A cancelled context is an error, not a fallback.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	ix.Upsert(doc("x", "new_tool", "forces a refresh", ""))
	if _, err := h.Search(cctx, "anything", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled search: err %v, want context.Canceled", err)
	}
}

func TestHybridEmbedderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // hang until the client gives up or the test ends
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	h := search.NewHybrid(ix, &search.OpenAIEmbedder{BaseURL: srv.URL + "/v1"}, &search.HybridOptions{Timeout: 100 * time.Millisecond})
	h.Logger = discard()
	start := time.Now()
	res, err := h.Search(context.Background(), "read a file", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != search.ModeLexical || !errors.Is(res.Fallback, context.DeadlineExceeded) || len(res.Hits) == 0 {
		t.Fatalf("mode %q fallback %v hits %v; want a lexical answer after the timeout", res.Mode, res.Fallback, res.Hits)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("search took %v despite a 100ms embedder timeout", d)
	}
}

func TestHybridUnreachableEmbedder(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	h := search.NewHybrid(ix, &search.OpenAIEmbedder{BaseURL: url + "/v1"}, nil)
	h.Logger = discard()
	res, err := h.Search(context.Background(), "read a file", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != search.ModeLexical || res.Fallback == nil || len(res.Hits) == 0 {
		t.Fatalf("mode %q fallback %v hits %v; want a lexical answer", res.Mode, res.Fallback, res.Hits)
	}
}

func TestOpenAIEmbedderErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"status", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad key", http.StatusUnauthorized) }, "401"},
		{"not json", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) }, "decoding"},
		{"too few vectors", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[1,0]}]}`))
		}, "got 1 vectors for 2 texts"},
		{"repeated index", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`))
		}, "repeated index"},
		{"empty vector", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[]},{"index":1,"embedding":[1]}]}`))
		}, "empty vector"},
		{"dimensions disagree", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[1,0,0]}]}`))
		}, "vector at index 1 has 3 dimensions, vector at index 0 has 2"},
		{"long error body", func(w http.ResponseWriter, r *http.Request) {
			// Cut after 200 bytes, which fall within the 99th é.
			http.Error(w, "a\x1bb"+strings.Repeat("é", 500), http.StatusBadGateway)
		}, "502 Bad Gateway: a b" + strings.Repeat("é", 98) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			e := &search.OpenAIEmbedder{BaseURL: srv.URL}
			_, err := e.Embed(context.Background(), []string{"a", "b"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// axisEmbedder embeds a text as its counts of words on three axes: the
// sea (with the Hawaiian moana and nalu), money (with kala), and the rest.
type axisEmbedder struct {
	mu    sync.Mutex
	calls [][]string
}

func (e *axisEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	e.calls = append(e.calls, slices.Clone(texts))
	e.mu.Unlock()
	axis := map[string]int{"sea": 0, "moana": 0, "nalu": 0, "coin": 1, "kala": 1}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := []float32{0, 0, 0.1}
		for _, w := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool { return r < 'a' || r > 'z' }) {
			if a, ok := axis[w]; ok {
				v[a]++
			}
		}
		out[i] = v
	}
	return out, nil
}

// A request of several sentences is ranked by vector sentence by sentence
// as well as whole, as the lexical index ranks it: the whole of "moana
// nalu. kala" is closest to the sea tools, its second sentence asks for
// money.
func TestHybridSentences(t *testing.T) {
	ix := search.NewIndex()
	for i := range 4 {
		ix.Upsert(doc("marine", fmt.Sprintf("sea_%d", i), "Sea report.", ""))
	}
	ix.Upsert(doc("bank", "coin", "Coin prices.", ""))
	emb := &axisEmbedder{}
	h := search.NewHybrid(ix, emb, nil)
	res, err := h.Search(context.Background(), "moana nalu. kala", &search.SearchOptions{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != search.ModeHybrid {
		t.Fatalf("mode %q (%v), want hybrid", res.Mode, res.Fallback)
	}
	if got := names(res.Hits); !slices.Contains(got, "bank___coin") || !slices.Contains(got, "marine___sea_0") {
		t.Fatalf("hits = %v, want the coin tool and a sea tool", got)
	}
	last := emb.calls[len(emb.calls)-1]
	if want := []string{"moana nalu. kala", "moana nalu.", "kala"}; !slices.Equal(last, want) {
		t.Fatalf("the request was embedded as %q, want %q in one call", last, want)
	}
}

// The vector ranking weighs as much as the share of a request's terms
// that no tool holds: a request in the catalogue's own words is ranked as
// the lexical index ranks it, one in words it lacks by the vectors.
func TestHybridWeighsWhatLexicalCannotSee(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(doc("marine", "sea_report", "Sea report.", ""), doc("bank", "coin", "Coin prices.", ""),
		doc("bank", "exchange", "Coin exchange rates and prices.", ""))
	h := search.NewHybrid(ix, &axisEmbedder{}, nil)
	tests := []struct {
		query string
		want  []string
	}{
		{"coin prices", names(ix.Search("coin prices", nil))}, // every term indexed: lexical alone
		{"moana", []string{"marine___sea_report"}},            // none: vectors alone
		{"moana sea", []string{"marine___sea_report"}},        // lexical and vectors agree
	}
	for _, tt := range tests {
		res, err := h.Search(context.Background(), tt.query, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(res.Hits); !slices.Equal(got[:min(len(got), len(tt.want))], tt.want) || (tt.query == "coin prices" && len(got) != len(tt.want)) {
			t.Errorf("%q: hits %v, want %v first", tt.query, got, tt.want)
		}
	}
}

// The clauses of one sentence are ranked by vector on their own too: "find
// moana nalu moana" is closest to the sea tools, "pay some kala" asks for
// money; a clause of two words is not ranked apart.
func TestHybridClauses(t *testing.T) {
	ix := search.NewIndex()
	for i := range 4 {
		ix.Upsert(doc("marine", fmt.Sprintf("sea_%d", i), "Sea report.", ""))
	}
	ix.Upsert(doc("bank", "coin", "Coin prices.", ""))
	tests := []struct {
		query    string
		clauses  float64
		texts    []string // embedded in one call
		wantCoin bool     // among the first three hits
	}{
		{"find moana nalu moana and pay some kala", 0, []string{"find moana nalu moana and pay some kala", "find moana nalu moana", "pay some kala"}, true},
		{"find moana nalu moana and pay some kala", -1, []string{"find moana nalu moana and pay some kala"}, false},
		{"find moana nalu moana and pay kala", 0, []string{"find moana nalu moana and pay kala", "find moana nalu moana"}, false},
	}
	for _, tt := range tests {
		emb := &axisEmbedder{}
		h := search.NewHybrid(ix, emb, &search.HybridOptions{ClauseWeight: tt.clauses})
		res, err := h.Search(context.Background(), tt.query, &search.SearchOptions{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != search.ModeHybrid {
			t.Fatalf("mode %q (%v), want hybrid", res.Mode, res.Fallback)
		}
		if got := names(res.Hits); slices.Contains(got, "bank___coin") != tt.wantCoin {
			t.Errorf("%q (clause weight %g): hits %v; the coin tool among them: %v", tt.query, tt.clauses, got, tt.wantCoin)
		}
		if last := emb.calls[len(emb.calls)-1]; !slices.Equal(last, tt.texts) {
			t.Errorf("%q (clause weight %g): embedded %q, want %q", tt.query, tt.clauses, last, tt.texts)
		}
	}
}

// dimEmbedder embeds the catalogue (its first call) in 3 dimensions and
// each text of a request in dims[i] (the last for the rest).
type dimEmbedder struct {
	calls int
	dims  []int
}

func (e *dimEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.calls++
	out := make([][]float32, len(texts))
	for i := range texts {
		n := 3
		if e.calls > 1 {
			n = e.dims[min(i, len(e.dims)-1)]
		}
		out[i] = make([]float32, n)
		out[i][0] = 1
	}
	return out, nil
}

// Vectors whose dimensions do not agree are an embedder failure: the
// answer is lexical and says why.
func TestHybridDimensions(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	tests := []struct {
		dims []int
		want string
	}{
		{[]int{4}, "query vector has 4 dimensions, tool vectors 3"},
		{[]int{3, 5}, "vectors of 3 and 5 dimensions"},
	}
	for _, tt := range tests {
		h := search.NewHybrid(ix, &dimEmbedder{dims: tt.dims}, &search.HybridOptions{RetryAfter: -1})
		h.Logger = discard()
		res, err := h.Search(context.Background(), "get the weather forecast, then read a file please", nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != search.ModeLexical || !strings.Contains(fmt.Sprint(res.Fallback), tt.want) || len(res.Hits) == 0 {
			t.Errorf("dims %v: mode %q fallback %v; want a lexical answer saying %q", tt.dims, res.Mode, res.Fallback, tt.want)
		}
	}
}

// funcEmbedder embeds with f, told whether the call is the catalogue's
// (the first).
type funcEmbedder struct {
	calls int
	f     func(catalogue bool, texts []string) [][]float32
}

func (e *funcEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.calls++
	return e.f(e.calls == 1, texts), nil
}

// Vectors an embedder should not return, for the catalogue or for a
// request, are an embedder failure that says which text: the answer is
// lexical, never a ranking by NaN.
func TestHybridBadVectors(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	good := func(texts []string) [][]float32 {
		out := make([][]float32, len(texts))
		for i := range out {
			out[i] = []float32{1, float32(i), 0}
		}
		return out
	}
	// spoil returns the good vectors with text 2's (or the only one's)
	// replaced by v.
	spoil := func(texts []string, v []float32) [][]float32 {
		out := good(texts)
		out[min(1, len(out)-1)] = v
		return out
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	tests := []struct {
		name      string
		catalogue bool // spoil the catalogue's call, not the request's
		f         func(texts []string) [][]float32
		want      string
	}{
		{"NaN in a request's vector", false, func(x []string) [][]float32 { return spoil(x, []float32{1, nan, 0}) }, "not a finite number (NaN) for text 2 of 3"},
		{"infinity in a request's vector", false, func(x []string) [][]float32 { return spoil(x, []float32{inf, 0, 0}) }, "not a finite number (+Inf) for text 2 of 3"},
		{"empty vector for a request", false, func(x []string) [][]float32 { return spoil(x, []float32{}) }, "an empty vector for text 2 of 3"},
		{"too few vectors for a request", false, func(x []string) [][]float32 { return good(x)[:1] }, "1 vectors for 3 texts"},
		{"NaN in a tool's vector", true, func(x []string) [][]float32 { return spoil(x, []float32{nan, 1, 0}) }, "embedding tools 1-9 of 9: embedder returned a vector with a value that is not a finite number (NaN) for text 2 of 9"},
		{"too many vectors for the catalogue", true, func(x []string) [][]float32 { return good(append(x, "extra")) }, "10 vectors for 9 texts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &funcEmbedder{f: func(catalogue bool, texts []string) [][]float32 {
				if catalogue == tt.catalogue {
					return tt.f(texts)
				}
				return good(texts)
			}}
			h := search.NewHybrid(ix, e, &search.HybridOptions{RetryAfter: -1})
			h.Logger = discard()
			// Three texts: the request and its two sentences.
			res, err := h.Search(context.Background(), "get the weather forecast. Then read a file please.", nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != search.ModeLexical || !strings.Contains(fmt.Sprint(res.Fallback), tt.want) || len(res.Hits) == 0 {
				t.Errorf("mode %q fallback %v; want a lexical answer saying %q", res.Mode, res.Fallback, tt.want)
			}
		})
	}
}

// sharedEmbedder answers every text with the same vector, one slice that
// it keeps, as an embedder with a cache does.
type sharedEmbedder struct{ v []float32 }

func (e *sharedEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = e.v
	}
	return out, nil
}

// The Hybrid never writes to the vectors an embedder returns: an
// embedder's cache, shared by concurrent searches, keeps its values (and
// -race finds no write to them).
func TestHybridLeavesEmbedderVectors(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	e := &sharedEmbedder{v: []float32{3, 4, 0}}
	h := search.NewHybrid(ix, e, &search.HybridOptions{RetryAfter: -1})
	h.Logger = discard()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			res, err := h.Search(context.Background(), "get the weather forecast. Then read a file please.", nil)
			if err != nil || res.Mode != search.ModeHybrid {
				t.Errorf("mode %q fallback %v err %v", res.Mode, res.Fallback, err)
			}
		})
	}
	wg.Wait()
	if want := []float32{3, 4, 0}; !slices.Equal(e.v, want) {
		t.Errorf("the embedder's vector is %v after searches, want %v", e.v, want)
	}
}

// The lexical ranking's first hit keeps a place among the first three: a
// request that names the nixos tool among words only the model reads is
// not answered with the sea tools alone.
func TestHybridLexicalPlace(t *testing.T) {
	ix := search.NewIndex()
	for i := range 8 {
		ix.Upsert(doc("marine", fmt.Sprintf("sea_%d", i), "Sea report.", ""))
	}
	ix.Upsert(doc("nixos", "packages", "Nixos packages.", ""))
	const query = "moana nalu moana nalu moana with nixos"
	if lex := names(ix.Search(query, nil)); len(lex) == 0 || lex[0] != "nixos___packages" {
		t.Fatalf("lexical hits %v, want the nixos tool first", lex)
	}
	tests := []struct {
		place int
		want  int // the nixos tool's place among three hits, 0 for none
	}{
		{0, 3},  // the default
		{1, 1},  // first
		{-1, 0}, // no place kept: the sea tools' vectors fill the three
	}
	for _, tt := range tests {
		h := search.NewHybrid(ix, &axisEmbedder{}, &search.HybridOptions{VectorWeight: 8, LexicalPlace: tt.place})
		res, err := h.Search(context.Background(), query, &search.SearchOptions{Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Mode != search.ModeHybrid {
			t.Fatalf("mode %q (%v), want hybrid", res.Mode, res.Fallback)
		}
		got := names(res.Hits)
		if len(got) != 3 || slices.Index(got, "nixos___packages")+1 != tt.want {
			t.Errorf("LexicalPlace %d: hits %v, want the nixos tool at place %d of 3", tt.place, got, tt.want)
		}
	}
}

// gateEmbedder embeds as fakeEmbed does; a call of more than one text
// (the catalogue's) waits for open to close.
type gateEmbedder struct {
	open    chan struct{}
	waiting chan struct{} // closed when a catalogue call waits
	once    sync.Once
}

func (e *gateEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) > 1 {
		e.once.Do(func() { close(e.waiting) })
		select {
		case <-e.open:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = fakeEmbed(t)
	}
	return out, nil
}

// While the catalogue's first tools are embedded (a gateway that has just
// started, whose first refresh saw no tool yet), a search has no vectors
// to rank by: it is lexical and says why, and it is not the embedder's
// failure, so hybrid ranking comes back as soon as the vectors exist.
func TestHybridWarming(t *testing.T) {
	ix := search.NewIndex()
	emb := &gateEmbedder{open: make(chan struct{}), waiting: make(chan struct{})}
	h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: time.Hour, ClauseWeight: -1})
	h.Logger = discard()
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil { // no tools yet
		t.Fatal(err)
	}
	ix.Upsert(catalogue()...)
	refreshed := make(chan error, 1)
	go func() { refreshed <- h.Refresh(ctx) }()
	<-emb.waiting

	res, err := h.Search(ctx, "weather forecast", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != search.ModeLexical || res.Fallback == nil || !strings.Contains(res.Fallback.Error(), "being embedded") || len(res.Hits) == 0 {
		t.Errorf("during the first embedding: mode %s, fallback %v, %d hits; want lexical hits, saying the tools are being embedded", res.Mode, res.Fallback, len(res.Hits))
	}
	close(emb.open)
	if err := <-refreshed; err != nil {
		t.Fatal(err)
	}
	if res, err = h.Search(ctx, "weather forecast", nil); err != nil || res.Mode != search.ModeHybrid {
		t.Errorf("after the embedding: mode %s, fallback %v, err %v; want hybrid", res.Mode, res.Fallback, err)
	}
}

// modelEmbedder embeds every text in dim dimensions (fakeEmbed's first
// ones, a 1 at the end so no vector is zero); texts counts what it
// embedded. Set dim to change the model.
type modelEmbedder struct {
	mu    sync.Mutex
	dim   int
	texts int
}

func (e *modelEmbedder) setDim(d int) { e.mu.Lock(); e.dim = d; e.mu.Unlock() }

func (e *modelEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.texts += len(texts)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := append(fakeEmbed(t)[:e.dim-1:e.dim-1], 1)
		out[i] = v
	}
	return out, nil
}

// When the model behind the embedder changes its vectors' length, the
// catalogue is embedded again rather than searched with vectors no
// request can be compared with: the search that finds the change is
// lexical and says why, the next is hybrid again. A refresh whose calls
// disagree among themselves keeps nothing of them.
func TestHybridModelChange(t *testing.T) {
	ctx := context.Background()
	t.Run("between searches", func(t *testing.T) {
		ix := search.NewIndex()
		ix.Upsert(catalogue()...)
		emb := &modelEmbedder{dim: 8}
		h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
		h.Logger = discard()
		for i, tt := range []struct {
			dim      int
			query    string // each new: a request seen before is not embedded again
			mode     string
			fallback string
		}{
			{8, "weather forecast in Paris", search.ModeHybrid, ""},
			{16, "weather forecast in Lyon", search.ModeLexical, "query vector has 16 dimensions, tool vectors 8"},
			{16, "weather forecast in Paris", search.ModeHybrid, ""}, // seen, but with the vector of the model before
		} {
			emb.setDim(tt.dim)
			res, err := h.Search(ctx, tt.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Mode != tt.mode || !strings.Contains(fmt.Sprint(res.Fallback), tt.fallback) {
				t.Errorf("search %d (dim %d): mode %s, fallback %v; want %s, %q", i, tt.dim, res.Mode, res.Fallback, tt.mode, tt.fallback)
			}
		}
		if n := len(catalogue()); emb.texts < 2*n {
			t.Errorf("the embedder saw %d texts; want the catalogue's %d twice, and the requests", emb.texts, n)
		}
	})
	t.Run("within a refresh", func(t *testing.T) {
		ix := search.NewIndex()
		var docs []search.Document
		for i := range 100 { // two embedder calls
			docs = append(docs, doc("t", fmt.Sprintf("tool_%d", i), fmt.Sprintf("Tool number %d.", i), ""))
		}
		ix.Upsert(docs...)
		calls := 0
		emb := &funcEmbedder{f: func(_ bool, texts []string) [][]float32 {
			calls++
			out := make([][]float32, len(texts))
			for i := range out {
				out[i] = make([]float32, 4+4*(calls%2)) // 8, 4, 8, ...
				out[i][0] = 1
			}
			return out
		}}
		h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
		err := h.Refresh(ctx)
		if err == nil || !strings.Contains(err.Error(), "vectors of 4 dimensions, and of 8 in the call before") {
			t.Fatalf("refresh: %v; want the two calls' lengths", err)
		}
		emb.f = func(_ bool, texts []string) [][]float32 {
			out := make([][]float32, len(texts))
			for i := range out {
				out[i] = []float32{1, 0, 0, 0}
			}
			return out
		}
		before := emb.calls
		if err := h.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := emb.calls - before; got != 2 {
			t.Errorf("the second refresh made %d embedder calls; want 2, the whole catalogue again", got)
		}
	})
}

// A hybrid search within a scope ranks lexically with the scope's learned
// words: a word acme's callers taught finds the tool for acme alone, the
// model's ranking (every tool alike here, by name) never placing it.
func TestHybridScope(t *testing.T) {
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	ix.EnableLearning(search.LearnOptions{})
	for _, caller := range []string{"alice", "bob"} {
		ix.LearnScoped("acme", "umbrella", "weather___get_forecast", caller)
	}
	h := search.NewHybrid(ix, &sharedEmbedder{v: []float32{3, 4, 0}}, &search.HybridOptions{RetryAfter: -1})
	h.Logger = discard()
	for _, tc := range []struct {
		scope string
		want  bool
	}{{"acme", true}, {"globex", false}, {"", false}} {
		res, err := h.Search(context.Background(), "umbrella", &search.SearchOptions{Limit: 3, Scope: tc.scope})
		if err != nil || res.Mode != search.ModeHybrid {
			t.Fatalf("%v %+v", err, res)
		}
		if got := slices.Contains(names(res.Hits), "weather___get_forecast"); got != tc.want {
			t.Errorf("scope %q: %v", tc.scope, names(res.Hits))
		}
	}
}
