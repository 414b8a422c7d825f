package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

// Leave-one-set-out evaluation of hybrid ranking: for each set, the
// lexical constants are those the lexical leave-one-set-out chose on the
// other sets, and the fusion's (the reciprocal rank fusion constant and the
// vector ranking's weight) are chosen on the other sets ranked with them;
// both are then measured on the set.

// fusionGrid returns the fusion constants searched, the first preferred on
// a tie.
func fusionGrid() []search.HybridOptions {
	var grid []search.HybridOptions
	for _, k := range []float64{60, 10, 3} {
		for _, w := range []float64{2, 1, 0.5, 4, 8} {
			for _, c := range []float64{0.5, -1} {
				for _, p := range []int{-1, 3} {
					grid = append(grid, search.HybridOptions{RRFK: k, VectorWeight: w, ClauseWeight: c, LexicalPlace: p})
				}
			}
		}
	}
	return grid
}

// hybridRanker ranks with ix fused with emb by opts; an embedder failure
// is an error.
func hybridRanker(ix *search.Index, emb search.Embedder, opts search.HybridOptions, timeout time.Duration, scope string) evalset.Ranker {
	opts.Timeout, opts.RetryAfter = timeout, -1
	h := search.NewHybrid(ix, emb, &opts)
	return func(q string) ([]string, error) {
		res, err := h.Search(context.Background(), q, &search.SearchOptions{Scope: scope})
		if err != nil {
			return nil, err
		}
		if res.Fallback != nil {
			return nil, fmt.Errorf("embedder failed: %w", res.Fallback)
		}
		return names(res.Hits), nil
	}
}

// losoHybrid prints, for each set, plain BM25, the lexical ranker held
// out, and hybrid ranking held out and dev (constants chosen on all sets),
// as R@5. emb is to remember vectors (an evalset.Memo): the sets are
// ranked many times.
func losoHybrid(w io.Writer, dir string, thin int, emb search.Embedder, timeout time.Duration) error {
	grid := fusionGrid()
	sets, sel, err := loadLOSO(dir, thin)
	if err != nil {
		return err
	}
	chooseLexical, _, err := lexicalChooser(sel, false)
	if err != nil {
		return err
	}
	// measured holds R@5 of a set (as the constants are chosen on it, or
	// whole; the same set when thin is 1) with lexical constants lex and
	// fusion constants o; measure fills it, each combination once, on
	// GOMAXPROCS goroutines.
	type key struct {
		lex string
		o   search.HybridOptions
		set *evalset.Set
	}
	measured := map[key]float64{}
	var mu sync.Mutex
	measure := func(keys []key) error {
		var todo []key
		for _, k := range keys {
			if _, ok := measured[k]; !ok {
				todo = append(todo, k)
			}
		}
		return parallel(len(todo), func(i int) error {
			k := todo[i]
			s := k.set
			m, err := evalset.Evaluate(s, hybridRanker(indexed(s, mustParams(k.lex)), emb, k.o, timeout, ""))
			if err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			mu.Lock()
			measured[k] = m.R5
			mu.Unlock()
			return nil
		})
	}
	// choose returns the lexical constants chosen on every set but skip
	// (-1: on all) and the fusion grid ranked by mean R@5 on those sets,
	// best first, the earlier point first on a tie.
	choose := func(skip int) (string, []scored[search.HybridOptions], error) {
		lex, err := chooseLexical(skip)
		if err != nil {
			return "", nil, err
		}
		var keys []key
		for _, o := range grid {
			for j := range sets {
				if j != skip {
					keys = append(keys, key{lex, o, sel[j]})
				}
			}
		}
		if err := measure(keys); err != nil {
			return "", nil, err
		}
		return lex, rankGrid(grid, func(o search.HybridOptions) float64 {
			r := make([]float64, len(sets))
			for j := range sets {
				if j != skip {
					r[j] = measured[key{lex, o, sel[j]}]
				}
			}
			return mean(r, skip)
		}), nil
	}
	allLex, allRanked, err := choose(-1)
	if err != nil {
		return err
	}
	all := allRanked[0].p
	fmt.Fprintf(w, "fusion grid: %d points; chosen on all sets: %s, lexical constants %s\n", len(grid), fusionName(all), shipped(allLex))
	fmt.Fprintf(w, "%-13s %8s %8s %8s %8s  %s\n", "set (R@5)", "plain", "lexical", "held-out", "dev", "chosen on the other sets")
	for j, s := range sets {
		lex, ranked, err := choose(j)
		if err != nil {
			return err
		}
		held, next := ranked[0], ranked[1]
		row := []float64{}
		for _, p := range []tuning.Params{tuning.Plain(), mustParams(lex)} {
			m, err := evalParams(s, p)
			if err != nil {
				return err
			}
			row = append(row, m.R5)
		}
		if err := measure([]key{{lex, held.p, s}, {allLex, all, s}, {lex, next.p, s}}); err != nil {
			return err
		}
		row = append(row, measured[key{lex, held.p, s}], measured[key{allLex, all, s}])
		fmt.Fprintf(w, "%-13s %8.4f %8.4f %8.4f %8.4f  %s; %s\n", s.Name, row[0], row[1], row[2], row[3], fusionName(held.p), shipped(lex))
		// The runner-up shows how close the choice was, and what it
		// would have made of the set.
		fmt.Fprintf(w, "%-13s %26s %8.4f %8s  next: %s, mean %.5f on the other sets against %.5f\n",
			"", "", measured[key{lex, next.p, s}], "", fusionName(next.p), next.mean, held.mean)
	}
	return nil
}

// indexed indexes s with the constants p.
func indexed(s *evalset.Set, p tuning.Params) *search.Index {
	ix := search.NewIndexParams(p)
	ix.Upsert(s.Docs...)
	return ix
}

// scored is a point of a grid and its mean R@5 on the sets it was chosen
// on.
type scored[P any] struct {
	p    P
	mean float64
}

// rankGrid returns the points of grid with their mean R@5, best first; of
// points whose means differ by no more than rounding, the earlier in the
// grid comes first. Both leave-one-set-out searches choose by it.
func rankGrid[P any](grid []P, mean func(P) float64) []scored[P] {
	ranked := make([]scored[P], len(grid))
	for i, p := range grid {
		ranked[i] = scored[P]{p, mean(p)}
	}
	sort.SliceStable(ranked, func(a, b int) bool { return ranked[a].mean > ranked[b].mean+1e-12 })
	return ranked
}

func fusionName(o search.HybridOptions) string {
	return fmt.Sprintf("RRFK=%g VectorWeight=%g ClauseWeight=%g LexicalPlace=%d", o.RRFK, o.VectorWeight, o.ClauseWeight, o.LexicalPlace)
}
