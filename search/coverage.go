package search

// unseen returns the share of query's terms that no indexed tool holds:
// the part of a request the lexical ranker cannot see, which only a
// vector ranking can weigh. A request without terms is unseen entirely.
func (ix *Index) unseen(query string) float64 {
	a := analyzer{words: make(map[string][]termWord, min(len(query)/6, maxSizeHint))}
	q := parseQuery(&a, rewritePaths(query))
	if len(q) == 0 {
		return 1
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	missing := 0
	for _, t := range q {
		if id, ok := ix.termID[t.term]; !ok || len(ix.postings[id]) == 0 {
			missing++
		}
	}
	return float64(missing) / float64(len(q))
}
