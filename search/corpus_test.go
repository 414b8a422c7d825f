package search_test

import (
	"testing"

	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
)

// corpusDir is the tool-retrieval corpus, relative to this package (its
// large files are compressed; evalset reads them as they are).
const corpusDir = "../testdata/corpus/toolsearch"

// TestCorpusRecall holds the embedded ranker to its recall on the public
// tool-retrieval sets. Each floor is a little below the measured R@5
// (docs/search.md has the figures), so that a regression fails the test;
// the goals are MetaTool 0.70, Seal-Tools 0.95 and LiveMCPBench 0.50.
func TestCorpusRecall(t *testing.T) {
	goals := []struct {
		set string
		r5  float64
	}{
		{"metatool", 0.72},       // measured 0.7244
		{"metatool-multi", 0.72}, // measured 0.7254
		{"seal-tools", 0.95},     // measured 0.9551
		{"livemcpbench", 0.50},   // measured 0.5072
	}
	for _, g := range goals {
		t.Run(g.set, func(t *testing.T) {
			s, err := evalset.Load(corpusDir, g.set)
			if err != nil {
				t.Fatal(err)
			}
			ix := search.NewIndex()
			ix.Upsert(s.Docs...)
			m, err := evalset.Evaluate(s, func(q string) ([]string, error) {
				hits := ix.Search(q, nil)
				out := make([]string, len(hits))
				for i, h := range hits {
					out[i] = h.Name
				}
				return out, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s", g.set, m)
			if m.R5 < g.r5 {
				t.Errorf("%s: R@5 = %.4f, below %.3f", g.set, m.R5, g.r5)
			}
		})
	}
}
