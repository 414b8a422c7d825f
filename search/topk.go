package search

import (
	"math"
	"slices"
	"strings"
)

// topHits selects the k best-scoring documents that pass a filter, in a
// min-heap of k hits: a ranking offers every document it touched, and
// most fall below the heap's least hit, which costs one comparison.
type topHits struct {
	ix     *Index
	k      int
	filter func(string) bool
	h      []Hit // min-heap ordered by hitLess
	// floor is the least score that may enter: the heap's least score
	// once it holds k hits, -Inf before.
	floor float64
}

// newTopHits returns a selection of the best k of n documents to come.
func (ix *Index) newTopHits(k, n int, opts *SearchOptions) topHits {
	var filter func(string) bool
	if opts != nil {
		filter = opts.Filter
	}
	t := selectHits(k, n, filter)
	t.ix = ix
	return t
}

// selectHits returns a selection of the best k of n hits to come that
// are not document slots (fused or vector hits: offerHit only).
func selectHits(k, n int, filter func(string) bool) topHits {
	t := topHits{k: min(k, n), filter: filter, floor: math.Inf(-1)}
	t.h = make([]Hit, 0, t.k)
	if t.k == 0 {
		t.floor = math.Inf(1)
	}
	return t
}

// offer considers the document in slot d, of the given score.
func (t *topHits) offer(d uint32, score float64) {
	if score >= t.floor { // the cheap test first: most documents fail it
		t.push(d, score)
	}
}

func (t *topHits) push(d uint32, score float64) {
	t.pushHit(Hit{Name: t.ix.docs[d].name, Score: score})
}

// offerHit considers a hit that is not a document slot (a fused one).
func (t *topHits) offerHit(hit Hit) {
	if hit.Score >= t.floor {
		t.pushHit(hit)
	}
}

func (t *topHits) pushHit(hit Hit) {
	if len(t.h) == t.k && !hitLess(t.h[0], hit) {
		return
	}
	if t.filter != nil && !t.filter(hit.Name) {
		return
	}
	if len(t.h) < t.k {
		t.h = append(t.h, hit)
		up(t.h, len(t.h)-1)
	} else {
		t.h[0] = hit
		down(t.h, 0)
	}
	if len(t.h) == t.k {
		t.floor = t.h[0].Score
	}
}

// sorted returns the hits selected, best first.
func (t *topHits) sorted() []Hit {
	slices.SortFunc(t.h, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return t.h
}

// hitLess reports whether a ranks below b: a lower score, or an equal
// score and a later name.
func hitLess(a, b Hit) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.Name > b.Name
}

// up and down maintain a min-heap ordered by hitLess.
func up(h []Hit, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !hitLess(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func down(h []Hit, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && hitLess(h[r], h[l]) {
			m = r
		}
		if !hitLess(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}
