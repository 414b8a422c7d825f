package main

import (
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/toolgate/toolgate/search/internal/evalset"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

// Leave-one-set-out evaluation. For each set, the ranking constants are
// chosen on the other sets (the grid point with the best mean R@5 over
// them, each set weighing the same) and measured on it, which it was not
// tuned on. The shipped constants are the ones chosen on all the sets.

// losoSets are the held-out units: one per benchmark.
var losoSets = []string{"metatool", "seal-tools", "livemcpbench", "mcp-bench"}

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
	ix := indexed(s, p)
	return evalset.Evaluate(s, func(q string) ([]string, error) { return names(ix.Search(q, nil)), nil })
}

// coordAxes are searched, after the grid, by coordinate ascent from the
// grid point chosen for a fold: the grid's axes again and the BM25F
// constants (k1, the field weights against the description's 1, the
// length normalisation per field), the feedback depth and the name
// coverage boost. Each axis in turn moves to its best value if that
// raises the fold's mean R@5 by more than minGain, for coordPasses passes.
var coordAxes = append(slices.Clone(grid), []struct {
	name   string
	values []string
}{
	{"K1", []string{"0.8", "1.2", "1.6", "2"}},
	{"W[0]", []string{"2", "3", "4.5"}},
	{"W[3]", []string{"0.4", "0.8", "1.2"}},
	{"W[4]", []string{"0.5", "1", "1.5"}},
	{"B[0]", []string{"0.25", "0.5", "0.75"}},
	{"B[2]", []string{"0.5", "0.75", "0.9"}},
	{"B[3]", []string{"0.5", "0.75", "0.9"}},
	{"B[4]", []string{"0.5", "0.75", "0.9"}},
	{"PRFDocs", []string{"3", "5", "10"}},
	{"PRFTerms", []string{"10", "20"}},
	{"NameCover", []string{"0.35", "0.7", "1"}},
}...)

const (
	coordPasses = 2
	minGain     = 1e-4
)

// evaluator measures R@5 of constants on every set, each point once.
type evaluator struct {
	sets  []*evalset.Set
	mu    sync.Mutex
	cache map[string][]float64 // by Params.Diff(tuning.Default())
}

// r5 returns, for each spec, R@5 on each set, measuring the new ones on
// GOMAXPROCS goroutines.
func (e *evaluator) r5(specs []string) ([][]float64, error) {
	out := make([][]float64, len(specs))
	err := parallel(len(specs), func(i int) error {
		p := tuning.Default()
		if err := p.Set(specs[i]); err != nil {
			return err
		}
		key := p.Diff(tuning.Default())
		e.mu.Lock()
		r, ok := e.cache[key]
		e.mu.Unlock()
		if !ok {
			r = make([]float64, len(e.sets))
			for j, s := range e.sets {
				m, err := evalParams(s, p)
				if err != nil {
					return err
				}
				r[j] = m.R5
			}
			e.mu.Lock()
			e.cache[key] = r
			e.mu.Unlock()
		}
		out[i] = r
		return nil
	})
	return out, err
}

// mean is the mean of r over the sets but skip (-1: all sets).
func mean(r []float64, skip int) float64 {
	var sum float64
	n := 0
	for j, v := range r {
		if j != skip {
			sum += v
			n++
		}
	}
	return sum / float64(n)
}

// ascend improves spec for the fold that leaves out skip by coordinate
// ascent over coordAxes.
func (e *evaluator) ascend(spec string, skip int) (string, error) {
	r, err := e.r5([]string{spec})
	if err != nil {
		return "", err
	}
	cur := mean(r[0], skip)
	for range coordPasses {
		moved := false
		for _, axis := range coordAxes {
			specs := make([]string, len(axis.values))
			for i, v := range axis.values {
				specs[i] = spec + "," + axis.name + "=" + v
			}
			rs, err := e.r5(specs)
			if err != nil {
				return "", err
			}
			bi, bv := -1, cur+minGain
			for i, r := range rs {
				if v := mean(r, skip); v > bv {
					bi, bv = i, v
				}
			}
			if bi >= 0 {
				spec, cur, moved = mustParams(specs[bi]).Diff(tuning.Default()), bv, true
			}
		}
		if !moved {
			break
		}
	}
	return spec, nil
}

// loso prints, for each set, plain BM25, the shipped constants, the
// constants chosen on the other sets (held-out) and those chosen on all
// sets (dev), as R@5. The constants are chosen on the grid and, with
// coord, improved by coordinate ascent from the grid's best point.
func loso(w io.Writer, dir string, thin int, coord bool) error {
	sets, sel, err := loadLOSO(dir, thin)
	if err != nil {
		return err
	}
	choose, points, err := lexicalChooser(sel, coord)
	if err != nil {
		return err
	}
	all, err := choose(-1)
	if err != nil {
		return err
	}
	if coord {
		fmt.Fprintf(w, "grid: %d points, then coordinate ascent over %d axes; constants chosen on all sets: %s\n", points, len(coordAxes), shipped(all))
	} else {
		fmt.Fprintf(w, "grid: %d points; constants chosen on all sets: %s\n", points, shipped(all))
	}
	fmt.Fprintf(w, "%-13s %8s %8s %8s %8s  %s\n", "set (R@5)", "plain", "shipped", "held-out", "dev", "chosen on the other sets")
	for j, s := range sets {
		held, err := choose(j)
		if err != nil {
			return err
		}
		row := []float64{}
		for _, p := range []tuning.Params{tuning.Plain(), tuning.Default(), mustParams(held), mustParams(all)} {
			m, err := evalParams(s, p)
			if err != nil {
				return err
			}
			row = append(row, m.R5)
		}
		fmt.Fprintf(w, "%-13s %8.4f %8.4f %8.4f %8.4f  %s\n", s.Name, row[0], row[1], row[2], row[3], shipped(held))
	}
	return nil
}

// loadLOSO loads the held-out units, whole and as the constants are
// chosen on them: MetaTool's 20,614 queries thinned to 1 in thin (every
// query for thin 1; the others are small). The held-out figures read
// every query.
func loadLOSO(dir string, thin int) (sets, sel []*evalset.Set, err error) {
	sets = make([]*evalset.Set, len(losoSets))
	sel = make([]*evalset.Set, len(losoSets))
	for i, name := range losoSets {
		s, err := evalset.Load(dir, name)
		if err != nil {
			return nil, nil, err
		}
		sets[i], sel[i] = s, s
		if name == "metatool" && thin > 1 {
			sel[i] = s.Thin(thin)
		}
	}
	return sets, sel, nil
}

// lexicalChooser measures the grid on sel and returns the choice of
// constants for the fold that leaves out a set (skip; -1 for none), as a
// difference from the shipped constants, and the grid's size. With coord,
// each choice is improved by coordinate ascent.
func lexicalChooser(sel []*evalset.Set, coord bool) (func(skip int) (string, error), int, error) {
	e := &evaluator{sets: sel, cache: map[string][]float64{}}
	points := gridPoints()
	r5, err := e.r5(points)
	if err != nil {
		return nil, 0, err
	}
	indexes := make([]int, len(points))
	for i := range indexes {
		indexes[i] = i
	}
	return func(skip int) (string, error) {
		best := points[rankGrid(indexes, func(i int) float64 { return mean(r5[i], skip) })[0].p]
		if !coord {
			return mustParams(best).Diff(tuning.Default()), nil
		}
		return e.ascend(best, skip)
	}, len(points), nil
}

// shipped names a difference from the shipped constants, or says there is
// none.
func shipped(diff string) string {
	if diff == "" {
		return "the shipped constants"
	}
	return diff + " (the rest shipped)"
}

func mustParams(spec string) tuning.Params {
	p := tuning.Default()
	if err := p.Set(spec); err != nil {
		panic(err)
	}
	return p
}
