package search

import "sync"

// Query term expansions, cached between searches.
//
// Expanding a query term (expandTerm) costs map lookups: the indexed
// terms sharing its stem prefix, its words' WordNet relations and their
// terms. A long request has a couple of hundred terms, and a gateway's
// requests repeat their vocabulary, so the index keeps each expansion,
// by term and the query words it comes from, until the catalogue
// changes: an expansion depends on which terms are indexed and on their
// document frequencies, so refreshStats clears the cache (an update that
// changes nothing, such as a Sync of the same tools, keeps it). At most
// maxExpansions are kept; past the bound, new terms are expanded on every
// search, as before the cache.

// expansionCache maps expansionKey(term, words) to an expansion. Cached
// expansions are never modified.
type expansionCache struct {
	mu sync.RWMutex
	m  map[string]expansion
}

const maxExpansions = 20000

// expansion returns expandTerm(t, words), from the cache if it is there.
// key is scratch space for the cache key, returned for reuse.
func (ix *Index) expansion(t string, words []string, key []byte) (expansion, []byte) {
	key = expansionKey(key[:0], t, words)
	c := &ix.expansions
	c.mu.RLock()
	e, ok := c.m[string(key)] // no copy of key for the lookup
	c.mu.RUnlock()
	if ok {
		return e, key
	}
	e = ix.expandTerm(t, words)
	c.mu.Lock()
	if len(c.m) < maxExpansions {
		if c.m == nil {
			c.m = make(map[string]expansion)
		}
		c.m[string(key)] = e
	}
	c.mu.Unlock()
	return e, key
}

// expansionKey appends to b a term and its words, joined with a byte that
// analysis never yields.
func expansionKey(b []byte, t string, words []string) []byte {
	b = append(b, t...)
	for _, w := range words {
		b = append(b, 0)
		b = append(b, w...)
	}
	return b
}

// clear drops every cached expansion. The caller holds ix.mu for writing.
func (c *expansionCache) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
