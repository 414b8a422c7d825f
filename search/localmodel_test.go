package search_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/embeddings"
	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
)

// TestHybridLocalModel ranks with a real embedding model, on this machine:
// the server answers as OpenAI's API does, and hybrid ranking with the
// lexical and fusion constants chosen leave-one-set-out (`searcheval
// -loso -embed-url`, docs/search.md) beats the lexical ranker by what it
// measured on sets it was not tuned on.
func TestHybridLocalModel(t *testing.T) {
	if testing.Short() {
		t.Skip("embeds hundreds of texts with a real model")
	}
	base := embeddings.Start(t)

	t.Run("api", func(t *testing.T) {
		tests := []struct {
			body   string
			status int
			want   string // in the answer
		}{
			{`{"input": "hello"}`, 200, `"object":"embedding","index":0`},
			{`{"input": ["a", "", "c"], "model": "any"}`, 200, `"index":2`},
			{`{"input": []}`, 400, "non-empty array of strings"},
			{`{"input": [1, 2]}`, 400, "non-empty array of strings"},
			{`{"input": "x", "encoding_format": "base64"}`, 400, `encoding_format must be \"float\"`},
			{`{"input": "x", "dimensions": 64}`, 400, "512 dimensions"},
			{`not json`, 400, "not JSON"},
			{`null`, 400, "not a JSON object"},
		}
		for _, tt := range tests {
			resp, err := http.Post(base+"/embeddings", "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
				t.Errorf("POST %s: %d %.200s; want %d with %s", tt.body, resp.StatusCode, b, tt.status, tt.want)
			}
		}
		vecs, err := (&search.OpenAIEmbedder{BaseURL: base}).Embed(context.Background(), []string{"weather in Paris", "météo à Paris"})
		if err != nil {
			t.Fatal(err)
		}
		if len(vecs) != 2 || len(vecs[0]) != 512 {
			t.Fatalf("got %d vectors of %d dimensions, want 2 of 512", len(vecs), len(vecs[0]))
		}
		// The server batches texts by length: each vector is the text's
		// own, in the order asked, whatever else the request holds.
		mixed := []string{
			strings.Repeat("Plan a trip across Europe with weather, hotels and museums in each city. ", 6),
			"weather in Paris",
			"convert the units of a recipe to grams and find a bakery nearby",
			"",
			"hotels",
		}
		batched, err := (&search.OpenAIEmbedder{BaseURL: base}).Embed(context.Background(), mixed)
		if err != nil {
			t.Fatal(err)
		}
		for i, text := range mixed {
			alone, err := (&search.OpenAIEmbedder{BaseURL: base}).Embed(context.Background(), []string{text})
			if err != nil {
				t.Fatal(err)
			}
			for d := range alone[0] {
				if diff := alone[0][d] - batched[i][d]; diff > 1e-5 || diff < -1e-5 {
					t.Fatalf("text %d: dimension %d is %g in a batch, %g alone", i, d, batched[i][d], alone[0][d])
				}
			}
		}
	})

	// The search tool over MCP, on a gateway, ranking with the model: a
	// request in words no tool holds finds the tool by its meaning, where
	// the lexical ranker alone does not.
	t.Run("search tool", func(t *testing.T) {
		const query = "Will I need an umbrella in Lyon tomorrow?"
		for _, emb := range []search.Embedder{nil, &search.OpenAIEmbedder{BaseURL: base}} {
			gw := newGateway(t, toolgate.Options{})
			svc, err := search.Enable(gw, &search.Options{Embedder: emb, Logger: discard()})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			cs := connectAs(t, startGateway(t, gw), "alice")
			a := callSearch(t, cs, map[string]any{"query": query})
			if emb != nil { // the catalogue is embedded in the background; lexical until then
				testenv.WaitFor(t, "hybrid ranking", func() bool {
					a = callSearch(t, cs, map[string]any{"query": query})
					return a.Ranking == search.ModeHybrid || !strings.Contains(a.Notice, "being embedded")
				})
			}
			found := len(a.Tools) > 0 && a.Tools[0].Name == "weather___get_forecast"
			switch {
			case emb == nil && found:
				t.Fatalf("the lexical ranker alone found the forecast tool for %q: the check proves nothing", query)
			case emb != nil && (!found || a.Ranking != search.ModeHybrid):
				t.Fatalf("ranking %q notice %q tools %v; want hybrid with weather___get_forecast first", a.Ranking, a.Notice, toolNames(a))
			}
		}
	})

	tests := []struct {
		set     string
		every   int     // measure 1 query in every
		params  string  // the lexical constants chosen on the other sets
		rrfK    float64 // the fusion constants chosen on the other sets
		vecW    float64
		clauses float64
		place   int
		floor   float64 // hybrid R@5 at least
		margin  float64 // and at least this above the lexical ranker
	}{
		{"metatool", 40, "DerW=0", 3, 2, 0.5, 3, 0.74, 0.08},          // measured 0.7616 against 0.6589 (0.7612 on every query)
		{"livemcpbench", 1, "", 3, 2, 0.5, 3, 0.41, 0.03},             // measured 0.4182 against 0.3769
		{"mcp-bench", 1, "FuseClause=0.2", 10, 4, -1, 3, 0.815, 0.06}, // measured 0.8314 against 0.7558
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			s, p := heldOut(t, tt.set, tt.every, tt.params)
			ix := search.NewIndexParams(p)
			ix.Upsert(s.Docs...)
			// The requests are embedded up front, 64 to a call, as a
			// catalogue is: one call per request would cost most of the
			// test's time.
			emb := &evalset.Memo{E: &search.OpenAIEmbedder{BaseURL: base}}
			texts := make([]string, len(s.Queries))
			for i, q := range s.Queries {
				texts[i] = q.Text
			}
			if _, err := emb.Embed(context.Background(), texts); err != nil {
				t.Fatal(err)
			}
			// The catalogue is embedded in one call.
			h := search.NewHybrid(ix, emb, &search.HybridOptions{RRFK: tt.rrfK, VectorWeight: tt.vecW, ClauseWeight: tt.clauses,
				LexicalPlace: tt.place, RetryAfter: -1, Timeout: 5 * time.Minute})
			h.Logger = discard()
			m, err := evalset.Evaluate(s, func(q string) ([]string, error) {
				res, err := h.Search(context.Background(), q, nil)
				if err != nil {
					return nil, err
				}
				if res.Fallback != nil {
					return nil, res.Fallback
				}
				return names(res.Hits), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			lexical := recall(t, s, p)
			t.Logf("%s (%d queries): hybrid R@5 %.4f, lexical %.4f", tt.set, m.Queries, m.R5, lexical)
			if m.R5 < tt.floor || m.R5 < lexical+tt.margin {
				t.Errorf("%s: hybrid R@5 = %.4f, want at least %.4f and %.2f above the lexical ranker's %.4f", tt.set, m.R5, tt.floor, tt.margin, lexical)
			}
		})
	}
}
