package search

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
