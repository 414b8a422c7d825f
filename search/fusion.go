package search

import "slices"

// A fusion accumulates weighted reciprocal rank fusion: each ranking gives
// its hit at rank r (from 1) weight/(k + r), and a tool scores the sum.
// It needs no calibration between the rankings' own scores. The index
// fuses the rankings of a request's parts, the hybrid ranker its vector
// rankings and then the lexical and vector ones.
type fusion map[string]float64

// add adds the ranking hits at weight w with fusion constant k.
func (f fusion) add(hits []Hit, w, k float64) {
	for i, h := range hits {
		f[h.Name] += w / (k + float64(i+1))
	}
}

// best returns the at most n best fused hits, by score, then by name.
func (f fusion) best(n int) []Hit {
	top := selectHits(n, len(f), nil)
	for name, s := range f {
		top.offerHit(Hit{Name: name, Score: s})
	}
	return top.sorted()
}

// keepPlace moves the hit named name up to place (from 1) in hits, a
// ranking, if it is lower or was cut off, shifting the hits between down
// by one and dropping the last; place 0 keeps no place, and a ranking
// shorter than place is left as it is. The moved hit takes the score of
// the one it displaced.
func keepPlace(hits []Hit, name string, place int) {
	if place <= 0 || place > len(hits) {
		return
	}
	i := slices.IndexFunc(hits, func(h Hit) bool { return h.Name == name })
	if i >= 0 && i < place {
		return
	}
	if i < 0 {
		i = len(hits) - 1
	}
	at := place - 1
	score := hits[at].Score
	copy(hits[at+1:i+1], hits[at:i])
	hits[at] = Hit{Name: name, Score: score}
}
