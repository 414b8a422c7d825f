package search

import "slices"

// feedback adds to st, at weight PRFW, the terms that best characterise
// the first PRFDocs hits (pseudo-relevance feedback): terms shared by the
// tools a request finds first are likely words of what it asks for. Only
// terms of two tools or more count, weighted by the sum of their idf over
// the feedback tools.
//
// A long request ranks each of its sentences with feedback, so the
// weights are summed in st's per-term array (st.termW, cleared after
// use) rather than in a map, and the best candidates are selected from
// (term, weight) pairs (bestTerms) rather than sorted.
func (ix *Index) feedback(st *scoreState, q []queryTerm, opts *SearchOptions) {
	tk := ix.newTopHits(ix.p.PRFDocs, len(st.touched), opts)
	for _, d := range st.touched {
		tk.offer(d, st.acc[d].score)
	}
	top := tk.sorted()
	if len(top) == 0 {
		return
	}
	weight := st.markQuery(ix, q)
	cands := st.cands[:0]
	for _, h := range top {
		for _, id := range ix.docs[ix.byName[h.Name]].terms {
			df := len(ix.postings[id])
			if df < 2 || weight[id] == inQueryWeight || isScoped(ix.terms[id]) {
				continue // scoped terms: another scope's, or the request's own
			}
			if weight[id] == 0 { // idf is positive: a term seen before has a weight
				cands = append(cands, termWeight{id: id})
			}
			weight[id] += idf(float64(df), st.n)
		}
	}
	for i := range cands {
		cands[i].w = weight[cands[i].id]
	}
	// Clear the array for the next ranking: the query's terms and the
	// candidates are the only entries set.
	st.unmarkQuery()
	for _, c := range cands {
		weight[c.id] = 0
	}
	st.cands = cands
	cands = bestTerms(cands, ix.p.PRFTerms)
	if len(cands) == 0 {
		return
	}
	maxW := cands[0].w
	for _, c := range cands {
		ix.addTerm(st, c.id, ix.p.PRFW*c.w/maxW, false)
	}
}

// A termWeight is a feedback candidate and its summed idf.
type termWeight struct {
	id uint32
	w  float64
}

// bestTerms returns the n best of cands (by weight, then term id), best
// first, reordering cands: the first n are sorted, and each later one
// that beats the n-th is inserted in its place. A request's feedback
// candidates number some hundreds, of which n (PRFTerms) are kept.
func bestTerms(cands []termWeight, n int) []termWeight {
	if n <= 0 {
		return nil
	}
	cmp := func(a, b termWeight) int {
		if a.w != b.w {
			if a.w > b.w {
				return -1
			}
			return 1
		}
		return int(a.id) - int(b.id)
	}
	if len(cands) <= n {
		slices.SortFunc(cands, cmp)
		return cands
	}
	slices.SortFunc(cands[:n], cmp)
	for _, c := range cands[n:] {
		if cmp(c, cands[n-1]) >= 0 {
			continue
		}
		j := n - 1
		for ; j > 0 && cmp(c, cands[j-1]) < 0; j-- {
			cands[j] = cands[j-1]
		}
		cands[j] = c
	}
	return cands[:n]
}
