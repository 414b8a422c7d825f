package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"

	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

// learnPoint is a point of the learning grid: the learned field's weight,
// the terms counted per request and the words kept per tool.
// LearnOptions.MinCallers stays at its default (2): it is a safeguard, not
// a constant to tune.
type learnPoint struct {
	weight       float64
	terms, words int
}

func (p learnPoint) String() string {
	return fmt.Sprintf("weight %g, %d terms a request, %d words a tool", p.weight, p.terms, p.words)
}

// learnGrid is searched leave-one-set-out; the first (the shipped
// constants) is preferred on a tie.
func learnGrid() []learnPoint {
	d := tuning.Default()
	grid := []learnPoint{{d.W[tuning.NumFields-1], d.LearnTerms, d.LearnWords}}
	for _, w := range []float64{1, 0.5, 2} {
		for _, t := range []int{16, 8, 32} {
			for _, n := range []int{32, 16, 64} {
				if p := (learnPoint{w, t, n}); p != grid[0] {
					grid = append(grid, p)
				}
			}
		}
	}
	return grid
}

// ranking makes the ranker of an index, searching within scope (""
// for none): lexical (the index alone) or hybrid (the index fused with a
// model's vectors).
type ranking func(ix *search.Index, scope string) evalset.Ranker

// lexical ranks by the index alone.
func lexical(ix *search.Index, scope string) evalset.Ranker {
	return func(q string) ([]string, error) {
		return names(ix.Search(q, &search.SearchOptions{Limit: 5, Scope: scope})), nil
	}
}

// teaching is how the callers of a prequential run teach: noise is the
// share of calls after a search that go to a wrong tool of its answer,
// scope the one they teach and search within ("": every caller's words,
// Index.Learn).
type teaching struct {
	noise float64
	scope string
}

// prequential ranks s's queries by rank in a fixed shuffled order with
// learning (at lp; none for lp nil), each query scored before anything is
// learned from it: query i's caller, a caller of its own, then calls its
// gold tools. No query is ranked by what it taught. With noise, each gold
// tool is instead, with that probability, a wrong tool of the answer that
// is not its first (an agent that chose wrongly; calling the first hit
// teaches nothing), when there is one. It returns R@5 over all queries
// and over the second half, once the first half is learned.
func prequential(s *evalset.Set, lp *learnPoint, rank ranking, how teaching) (all, second float64, err error) {
	p := tuning.Default()
	if lp != nil {
		p.W[tuning.NumFields-1], p.LearnTerms, p.LearnWords = lp.weight, lp.terms, lp.words
	}
	ix := search.NewIndexParams(p)
	if lp != nil {
		ix.EnableLearning(search.LearnOptions{})
	}
	ix.Upsert(s.Docs...)
	byKey := map[string][]string{} // the tools of each gold key
	for _, d := range s.Docs {
		k := s.Keys([]string{d.Name})[0]
		byKey[k] = append(byKey[k], d.Name)
	}
	ranker := rank(ix, how.scope)
	qs := slices.Clone(s.Queries)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	agent := rand.New(rand.NewPCG(3, 4))
	var sumAll, sumSecond float64
	for i, q := range qs {
		names, err := ranker(q.Text)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", s.Name, err)
		}
		hits := s.Keys(names[:min(5, len(names))])
		r := evalset.Recall5(hits, q.Gold)
		sumAll += r
		if i >= len(qs)/2 {
			sumSecond += r
		}
		if lp == nil {
			continue
		}
		for _, g := range q.Gold {
			if how.noise > 0 && agent.Float64() < how.noise {
				var wrong []string
				for _, h := range hits[min(1, len(hits)):] {
					if !slices.Contains(q.Gold, h) {
						wrong = append(wrong, h)
					}
				}
				if len(wrong) > 0 {
					g = wrong[agent.IntN(len(wrong))]
				}
			}
			if len(hits) > 0 && hits[0] == g {
				continue // found first: nothing to learn (as the search tool does)
			}
			for _, name := range byKey[g] {
				ix.LearnScoped(how.scope, q.Text, name, fmt.Sprint("caller-", i))
			}
		}
	}
	return sumAll / float64(len(qs)), sumSecond / float64(len(qs)-len(qs)/2), nil
}

// learnLOSO prints, for each benchmark, R@5 without learning and with it,
// prequentially: held out (the learning constants chosen on the other
// three sets, by the best mean prequential R@5 there), dev (those chosen
// on all four) and at the shipped constants, over every query and over
// the second half, once the first is learned. rank is the ranker learned
// beside: lexical, or hybrid at fixed fusion constants.
func learnLOSO(w io.Writer, dir string, rank ranking, how teaching) error {
	sets, _, err := loadLOSO(dir, 1)
	if err != nil {
		return err
	}
	grid := learnGrid()
	r5 := make([][]float64, len(grid)) // point -> set
	second := make([][]float64, len(grid))
	for i := range grid {
		r5[i], second[i] = make([]float64, len(sets)), make([]float64, len(sets))
	}
	err = parallel(len(grid)*len(sets), func(k int) (err error) {
		i, j := k/len(sets), k%len(sets)
		r5[i][j], second[i][j], err = prequential(sets[j], &grid[i], rank, how)
		return err
	})
	if err != nil {
		return err
	}
	indexes := make([]int, len(grid))
	for i := range indexes {
		indexes[i] = i
	}
	choose := func(skip int) int {
		return rankGrid(indexes, func(i int) float64 { return mean(r5[i], skip) })[0].p
	}
	all := choose(-1)
	fmt.Fprintf(w, "learning grid: %d points; chosen on all sets: %s\n", len(grid), grid[all])
	fmt.Fprintf(w, "%-13s %9s %9s %9s %9s %9s %9s %9s  %s\n", "set (R@5)", "none", "held-out", "gain", "dev", "shipped", "2nd half", "(none)", "chosen on the other sets")
	for j, s := range sets {
		base, baseSecond, err := prequential(s, nil, rank, teaching{})
		if err != nil {
			return err
		}
		i := choose(j)
		fmt.Fprintf(w, "%-13s %9.4f %9.4f %+9.3f %9.4f %9.4f %9.4f %9.4f  %s\n", s.Name, base, r5[i][j], r5[i][j]-base, r5[all][j], r5[0][j], second[i][j], baseSecond, grid[i])
	}
	return nil
}

// learnOne prints R@5 on s without learning and with it at the shipped
// constants, prequentially, over every query and over the second half.
// The set's queries are taken in a fixed shuffled order, as in learnLOSO,
// not in the order of the file.
func learnOne(w io.Writer, s *evalset.Set, rank ranking, how teaching) error {
	base, baseSecond, err := prequential(s, nil, rank, teaching{})
	if err != nil {
		return err
	}
	shipped := learnGrid()[0]
	all, second, err := prequential(s, &shipped, rank, how)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %d tools, %d queries; learning at %s\n", s.Name, len(s.Docs), len(s.Queries), shipped)
	fmt.Fprintf(w, "R@5 without learning %.4f (second half %.4f), learning %.4f (second half %.4f), gain %+.3f\n", base, baseSecond, all, second, all-base)
	return nil
}
