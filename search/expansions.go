package search

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Query term expansions, cached between searches.
//
// Expanding a query term (expandTerm) costs map lookups: the indexed
// terms sharing its stem prefix, its words' WordNet relations and their
// terms. A long request has a couple of hundred terms, and a gateway's
// requests repeat their vocabulary, so the index keeps each expansion,
// by term and the query words it comes from, until the catalogue
// changes: an expansion depends on which terms are indexed and on their
// document frequencies, so refreshStats clears the cache. At most
// maxExpansions are kept; past the bound, new terms are expanded on every
// search, as before the cache.

// expansionCache maps expansionKey(term, words) to *expansion. Searches
// read and fill it holding ix.mu for reading; it is cleared holding ix.mu
// for writing. Cached expansions are never modified.
type expansionCache struct {
	m sync.Map
	n atomic.Int64
}

const maxExpansions = 20000

// expansion returns expandTerm(t, words), from the cache if it is there.
func (ix *Index) expansion(t string, words []string) expansion {
	key := expansionKey(t, words)
	if v, ok := ix.expansions.m.Load(key); ok {
		return *v.(*expansion)
	}
	e := ix.expandTerm(t, words)
	if ix.expansions.n.Load() < maxExpansions {
		if _, loaded := ix.expansions.m.LoadOrStore(key, &e); !loaded {
			ix.expansions.n.Add(1)
		}
	}
	return e
}

// expansionKey joins a term and its words with a byte that analysis
// never yields.
func expansionKey(t string, words []string) string {
	if len(words) == 0 {
		return t
	}
	return t + "\x00" + strings.Join(words, "\x00")
}

// clear drops every cached expansion. The caller holds ix.mu for writing.
func (c *expansionCache) clear() {
	c.m.Clear()
	c.n.Store(0)
}
