package search

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// What was learned from callers can be read and undone: an operator who
// finds a tool ranking for words it should not (callers who agreed to
// teach them, a proper noun of one period's requests) forgets them.

// LearnedWord is a word learned for a tool.
type LearnedWord struct {
	// Word is the term as the index holds it: lower case, stemmed
	// ("apart" for apartment, apartments).
	Word string `json:"word"`
	// Scope is the scope it was learned within (Index.LearnScoped), ""
	// for a word every search finds.
	Scope string `json:"scope,omitempty"`
	// Callers is how many distinct callers taught it (at most 16 are
	// counted).
	Callers int `json:"callers"`
}

// Learned returns the words learned for each tool that has any, the most
// taught first; nil when the index does not learn (EnableLearning).
func (ix *Index) Learned() map[string][]LearnedWord {
	l := ix.learner()
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string][]LearnedWord, len(l.words))
	for tool, words := range l.words {
		lw := make([]LearnedWord, len(words))
		for i, w := range words {
			scope, word := splitScoped(w)
			lw[i] = LearnedWord{Word: word, Scope: scope, Callers: len(l.votes[tool][w])}
		}
		out[tool] = lw
	}
	return out
}

// Forget forgets words learned for tool, with every caller's vote for
// them, so that MinCallers distinct callers must teach a word again before
// it is learned; given no words, it forgets all the tool's words and
// votes. A word is matched as learned ("apart") or as written
// ("apartments", after the index's text handling), in every scope it was
// learned within. The change is searched at once. Forget returns the
// learned words it removed, each once (a word taught by too few callers to
// be learned yet is forgotten without being counted). Without
// EnableLearning it does nothing.
func (ix *Index) Forget(tool string, words ...string) []string {
	l := ix.learner()
	if l == nil {
		return nil
	}
	var terms []string
	var a analyzer
	for _, w := range words {
		terms = append(terms, strings.ToLower(w))
		for _, q := range parseQuery(&a, w) {
			terms = append(terms, q.term)
		}
	}
	removed, changed := l.forget(tool, terms)
	if changed {
		ix.applyLearned([]string{tool})
	}
	return removed
}

// forget drops tool's votes for terms (all its votes for none) and
// relearns it; it returns the learned terms removed and whether its
// learned terms changed.
func (l *learner) forget(tool string, terms []string) (removed []string, changed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	byTerm := l.votes[tool]
	before := l.words[tool]
	for t := range byTerm {
		if _, word := splitScoped(t); len(terms) == 0 || slices.Contains(terms, word) {
			delete(byTerm, t)
			l.pairs.add(t, -1)
			l.changes++
		}
	}
	if len(byTerm) == 0 {
		delete(l.votes, tool)
	}
	if !l.relearn(tool) {
		return nil, false
	}
	for _, t := range before {
		if _, ok := byTerm[t]; !ok {
			_, word := splitScoped(t)
			removed = append(removed, word)
		}
	}
	slices.SortFunc(removed, cmp.Compare)
	return slices.Compact(removed), true
}

// Learned returns what the search tool learned from callers
// (Index.Learned); nil when it does not learn (Options.Learn).
func (s *Service) Learned() map[string][]LearnedWord { return s.ix.Learned() }

// Forget forgets words learned for the tool named tool, or all its words
// given none (Index.Forget), and returns the learned words removed. With
// Options.LearnFile the file is written before it returns, so that a
// restart does not bring them back; a write failure is logged and shown on
// the status page, as the periodic writes' are, and retried with them.
func (s *Service) Forget(ctx context.Context, tool string, words ...string) []string {
	removed := s.ix.Forget(tool, words...)
	s.writeLearned(ctx)
	return removed
}
