package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"

	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

// Leave-one-set-out evaluation. For each set, the ranking constants are
// chosen on the other sets (the grid point with the best mean R@5 over
// them, each set weighing the same) and measured on it, which it was not
// tuned on. The shipped constants are the ones chosen on all the sets.

// losoSets are the held-out units: one per benchmark.
var losoSets = []string{"metatool", "seal-tools", "livemcpbench", "mcp-bench"}

// selectEvery thins MetaTool's 20,614 queries to 1 in selectEvery while
// constants are chosen; the held-out figures use every query.
const selectEvery = 10

// grid is the constants searched: each axis a constant and its values,
// the first value of each axis preferred on a tie.
var grid = []struct {
	name   string
	values []string
}{
	{"SynW", []string{"0", "0.5"}},
	{"DerW", []string{"0", "0.5"}},
	{"BroadW", []string{"0", "0.3"}},
	{"ConceptW", []string{"0", "0.3"}},
	{"PRFW", []string{"0", "0.1"}},
	{"FuseSeg", []string{"1", "0.5", "0"}},
	{"FuseClause", []string{"0", "0.2"}},
}

func gridPoints() []string {
	points := []string{""}
	for _, axis := range grid {
		var next []string
		for _, p := range points {
			for _, v := range axis.values {
				kv := axis.name + "=" + v
				if p != "" {
					kv = p + "," + kv
				}
				next = append(next, kv)
			}
		}
		points = next
	}
	return points
}

func evalParams(s *evalset.Set, p tuning.Params) (evalset.Metrics, error) {
	ix := search.NewIndexParams(p)
	ix.Upsert(s.Docs...)
	return evalset.Evaluate(s, func(q string) ([]string, error) { return names(ix.Search(q, nil)), nil })
}

func thin(s *evalset.Set, every int) *evalset.Set {
	t := *s
	t.Queries = nil
	for i, q := range s.Queries {
		if i%every == 0 {
			t.Queries = append(t.Queries, q)
		}
	}
	return &t
}

// loso prints, for each set, plain BM25, the shipped constants, the
// constants chosen on the other sets (held-out) and those chosen on all
// sets (dev), as R@5.
func loso(w io.Writer, dir string) error {
	sets := make([]*evalset.Set, len(losoSets))
	sel := make([]*evalset.Set, len(losoSets))
	for i, name := range losoSets {
		s, err := evalset.Load(dir, name)
		if err != nil {
			return err
		}
		sets[i], sel[i] = s, s
		if name == "metatool" {
			sel[i] = thin(s, selectEvery)
		}
	}
	points := gridPoints()
	r5 := make([][]float64, len(points)) // by point, by set
	var wg sync.WaitGroup
	errs := make([]error, len(points))
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				p := tuning.Default()
				if err := p.Set(points[i]); err != nil {
					errs[i] = err
					continue
				}
				r5[i] = make([]float64, len(sets))
				for j, s := range sel {
					m, err := evalParams(s, p)
					if err != nil {
						errs[i] = err
						break
					}
					r5[i][j] = m.R5
				}
			}
		})
	}
	for i := range points {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	best := func(skip int) int {
		bi, bv := 0, -1.0
		for i := range points {
			var sum float64
			n := 0
			for j := range sets {
				if j != skip {
					sum += r5[i][j]
					n++
				}
			}
			if v := sum / float64(n); v > bv+1e-12 {
				bi, bv = i, v
			}
		}
		return bi
	}
	all := best(-1)
	fmt.Fprintf(w, "grid: %d points; constants chosen on all sets: %s\n", len(points), points[all])
	fmt.Fprintf(w, "%-13s %8s %8s %8s %8s  %s\n", "set (R@5)", "plain", "shipped", "held-out", "dev", "chosen on the other sets")
	for j, s := range sets {
		row := []float64{}
		for _, p := range []tuning.Params{tuning.Plain(), tuning.Default(), mustParams(points[best(j)]), mustParams(points[all])} {
			m, err := evalParams(s, p)
			if err != nil {
				return err
			}
			row = append(row, m.R5)
		}
		fmt.Fprintf(w, "%-13s %8.4f %8.4f %8.4f %8.4f  %s\n", s.Name, row[0], row[1], row[2], row[3], strings.ReplaceAll(points[best(j)], ",", " "))
	}
	return nil
}

func mustParams(spec string) tuning.Params {
	p := tuning.Default()
	if err := p.Set(spec); err != nil {
		panic(err)
	}
	return p
}
