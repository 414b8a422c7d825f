package search

import (
	"strings"

	"github.com/toolgate/toolgate"
)

// Learning within a scope: a gateway that serves several tenants may keep
// what one tenant's callers teach from the others' searches. A word
// learned within a scope is indexed as a term of its own, the scope and
// the word joined by scopeSep (never part of an analysed term), in the
// learned field; a search within the scope (SearchOptions.Scope) scores,
// beside each of its terms, that term learned within the scope, weighted
// so that it counts as the word itself would (its idf, not the rarer
// scoped term's). Scoped terms are not matched by prefix, nor chosen as
// feedback terms, so no search sees another scope's words. Each scope
// keeps its own tuning.Params.LearnWords words a tool.

// scopeSep joins a scope and a word learned within it.
const scopeSep = '\x1f'

// scopedTerm is how term, learned within scope, is indexed; term itself
// for no scope.
func scopedTerm(scope, term string) string {
	if scope == "" {
		return term
	}
	return scope + string(scopeSep) + term
}

// splitScoped returns the scope and the word of an indexed learned term
// ("" and t for a word every caller taught).
func splitScoped(t string) (scope, word string) {
	if i := strings.LastIndexByte(t, scopeSep); i >= 0 {
		return t[:i], t[i+1:]
	}
	return "", t
}

// isScoped reports whether the indexed term t was learned within a scope.
func isScoped(t string) bool { return strings.IndexByte(t, scopeSep) >= 0 }

// scoreScoped adds to st the matches of q's terms among the words learned
// within scope. The caller holds ix.mu.
func (ix *Index) scoreScoped(st *scoreState, q []queryTerm, scope string) {
	if scope == "" || ix.learn == nil {
		return
	}
	key := make([]byte, 0, len(scope)+32)
	for _, qt := range q {
		key = append(append(append(key[:0], scope...), scopeSep), qt.term...)
		sid, ok := ix.termID[string(key)]
		if !ok || len(ix.postings[sid]) == 0 {
			continue
		}
		w := qt.weight
		if id, ok := ix.termID[qt.term]; ok && len(ix.postings[id]) > 0 {
			// As the word would score, were it in the tool's text.
			w *= idf(float64(len(ix.postings[id])), st.n) / idf(float64(len(ix.postings[sid])), st.n)
		}
		ix.addTerm(st, sid, w, false)
	}
}

// learnScope is the scope p teaches and searches within (Options.LearnScope).
func (s *Service) learnScope(p *toolgate.Principal) string {
	if s.opts.Learn == nil || s.opts.LearnScope == nil {
		return ""
	}
	return s.opts.LearnScope(p)
}

// votesHeld counts the tool and term pairs voted for, in all and by
// scope: past maxVotes in all, or maxScopeVotes in a scope, new pairs
// are ignored, so that the callers of one scope cannot keep the others'
// from being learned.
type votesHeld struct {
	all     int
	byScope map[string]int
}

// full reports whether a new pair of term may not be held.
func (v *votesHeld) full(term string) bool {
	if v.all >= maxVotes {
		return true
	}
	scope, _ := splitScoped(term)
	return scope != "" && v.byScope[scope] >= maxScopeVotes
}

// add counts d pairs of term.
func (v *votesHeld) add(term string, d int) {
	v.all += d
	scope, _ := splitScoped(term)
	if scope == "" {
		return
	}
	if v.byScope == nil {
		v.byScope = map[string]int{}
	}
	if v.byScope[scope] += d; v.byScope[scope] <= 0 {
		delete(v.byScope, scope)
	}
}
