package search

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/toolgate/toolgate/search/internal/tuning"
	"github.com/toolgate/toolgate/search/internal/wordnet"
)

// Word relations from WordNet (search/internal/wordnet): the synonyms of a
// query word's most frequent senses, the words derived from it, and its
// broader concepts, as index terms. They depend on the word alone, not on
// the catalogue, so each index caches them by word.

// related are the index terms related to one query word.
type related struct {
	syn, der []string
	broad    [][]string // by hypernym level
	concepts [][]string // concept terms (see conceptTerm), by level
}

// relatedCache caches related terms by word, up to maxRelated words (a
// gateway's requests use a vocabulary of some thousands of words; past
// the bound words are looked up on every search).
type relatedCache struct {
	m sync.Map // string -> *related
	n atomic.Int64
}

const maxRelated = 50000

func (c *relatedCache) get(w string, p tuning.Params) *related {
	if v, ok := c.m.Load(w); ok {
		return v.(*related)
	}
	r := lookupRelated(w, p)
	if c.n.Load() < maxRelated {
		if _, loaded := c.m.LoadOrStore(w, r); !loaded {
			c.n.Add(1)
		}
	}
	return r
}

// minExpandLen is the shortest query word expanded through WordNet: two
// letters are mostly abbreviations, which WordNet reads as something else
// (os: bone, id: Idaho).
const minExpandLen = 3

func lookupRelated(w string, p tuning.Params) *related {
	r := &related{}
	if len(w) < minExpandLen || p.SynW <= 0 && p.DerW <= 0 && p.BroadW <= 0 && p.ConceptW <= 0 {
		return r
	}
	db := wordnet.Load()
	var a analyzer
	add := func(dst []string, words []string) []string {
		for _, x := range words {
			a.word(x, func(t string) {
				if !slices.Contains(dst, t) {
					dst = append(dst, t)
				}
			})
		}
		return dst
	}
	levels := 0
	if p.BroadW > 0 {
		levels = p.Levels
	}
	lemmas := db.Lemmas(w)
	if p.ConceptW > 0 && len(lemmas) > 0 {
		for _, level := range db.Concepts(lemmas[0], p.Senses, p.ConceptLevels) {
			terms := make([]string, len(level))
			for i, n := range level {
				terms[i] = conceptTerm(n)
			}
			r.concepts = append(r.concepts, terms)
		}
	}
	for _, lemma := range lemmas {
		rel := db.Related(lemma, p.Senses, levels)
		if p.SynW > 0 {
			r.syn = add(r.syn, rel.Synonyms)
		}
		if p.DerW > 0 {
			r.der = add(r.der, rel.Derived)
		}
		for l, level := range rel.Broader {
			for len(r.broad) <= l {
				r.broad = append(r.broad, nil)
			}
			r.broad[l] = add(r.broad[l], level)
		}
	}
	return r
}

// conceptTerm is the index term of WordNet synset n. It starts with a
// byte that text analysis never yields, so no word can match it.
func conceptTerm(n int) string { return "#" + strconv.Itoa(n) }

// concepts returns the concept terms, all levels, of a lower-case word of
// a tool's text (see tuning.Params.ConceptW), remembered per analyzer.
func (a *analyzer) concepts(w string, p *tuning.Params) []string {
	if len(w) < minExpandLen {
		return nil
	}
	if c, ok := a.conceptsOf[w]; ok {
		return c
	}
	var out []string
	db := wordnet.Load()
	if lemmas := db.Lemmas(w); len(lemmas) > 0 {
		for _, level := range db.Concepts(lemmas[0], p.Senses, p.ConceptLevels) {
			for _, n := range level {
				out = append(out, conceptTerm(n))
			}
		}
	}
	if a.conceptsOf == nil {
		a.conceptsOf = make(map[string][]string)
	}
	a.conceptsOf[w] = out
	return out
}
