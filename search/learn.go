package search

import (
	"cmp"
	"crypto/rand"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Learning from callers: when callers who searched with a word then call a
// tool (the search tool teaches only a tool its search did not return
// first), the word becomes one of the tool's, in a field of its own
// (tuning.Params.W[fieldLearned]). A request in the callers' words ("a
// two-bedroom apartment") then finds the tool described in others ("house
// renting") the next time, for every caller. A word is learned only once
// MinCallers distinct callers have taught it, so that no single caller
// steers what others find, and each tool keeps the tuning.Params.LearnWords
// words most callers taught.

// LearnOptions turn on learning from callers ([Index.EnableLearning],
// [Options].Learn).
type LearnOptions struct {
	// MinCallers is how many distinct callers must have called a tool
	// after a search whose request held a word before the word is learned
	// for the tool. Default 2; 1 lets one caller teach what everyone
	// finds.
	MinCallers int
}

// Bounds of what learning holds.
const (
	maxVoters     = 16           // distinct callers remembered per tool and term
	maxVotes      = 200000       // tool and term pairs voted for; past it, new pairs are ignored
	maxScopeVotes = maxVotes / 8 // the pairs of one scope (learnscope.go): no tenant takes them all
)

// learner holds the votes of callers and the words learned.
type learner struct {
	opts  LearnOptions
	keep  int      // words kept per tool (tuning.Params.LearnWords)
	salt  [16]byte // callers are kept as hashes salted with it (see hashCaller)
	mu    sync.Mutex
	votes map[string]map[string][]uint64 // tool -> term -> callers (hashed) who taught it
	pairs votesHeld
	words map[string][]string // tool -> learned terms, most taught first
	// changes counts the votes taken (see learnfile.go: the file is
	// written when it moved)
	changes uint64
}

func newLearner(opts LearnOptions, words int) *learner {
	if opts.MinCallers <= 0 {
		opts.MinCallers = 2
	}
	l := &learner{opts: opts, keep: max(words, 1), votes: map[string]map[string][]uint64{}, words: map[string][]string{}}
	_, _ = rand.Read(l.salt[:]) // never fails (crypto/rand)
	return l
}

// hashCaller is how a caller is kept: only to tell callers apart, never
// to name them.
func (l *learner) hashCaller(caller string) uint64 {
	h := fnv.New64a()
	h.Write(l.salt[:])
	h.Write([]byte(caller))
	return h.Sum64()
}

// vote records that caller called tool after a search with terms, and
// reports whether the tool's learned terms changed.
func (l *learner) vote(tool string, terms []string, caller string) (changed bool) {
	l.mu.Lock()
	who := l.hashCaller(caller)
	defer l.mu.Unlock()
	byTerm := l.votes[tool]
	grew := false
	for _, t := range terms {
		callers, ok := byTerm[t]
		if !ok && l.pairs.full(t) {
			continue
		}
		if slices.Contains(callers, who) || len(callers) >= maxVoters {
			continue
		}
		if byTerm == nil {
			byTerm = map[string][]uint64{}
			l.votes[tool] = byTerm
		}
		if !ok {
			l.pairs.add(t, 1)
		}
		byTerm[t] = append(callers, who)
		l.changes++
		grew = grew || len(byTerm[t]) >= l.opts.MinCallers
	}
	if !grew {
		return false
	}
	return l.relearn(tool)
}

// relearn sets tool's learned terms from its votes: within each scope
// (learnscope.go), the l.keep terms taught by at least MinCallers
// callers, most taught first. It reports whether they changed. l.mu is
// held.
func (l *learner) relearn(tool string) bool {
	byTerm := l.votes[tool]
	var taught []string
	for t, callers := range byTerm {
		if len(callers) >= l.opts.MinCallers {
			taught = append(taught, t)
		}
	}
	slices.SortFunc(taught, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(byTerm[b]), len(byTerm[a])), strings.Compare(a, b))
	})
	kept := map[string]int{}
	taught = slices.DeleteFunc(taught, func(t string) bool {
		scope, _ := splitScoped(t)
		kept[scope]++
		return kept[scope] > l.keep
	})
	if slices.Equal(taught, l.words[tool]) {
		return false
	}
	if len(taught) == 0 {
		delete(l.words, tool)
	} else {
		l.words[tool] = taught
	}
	return true
}

// learned returns the terms learned for tool.
func (l *learner) learned(tool string) []string {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.words[tool]
}

// counts reports the words learned and the tools that have any.
func (l *learner) counts() (words, tools int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.words {
		words += len(w)
		if len(w) > 0 {
			tools++
		}
	}
	return words, tools
}

// EnableLearning makes the index learn from callers (see LearnOptions and
// Learn). Call it before the first Learn; later calls change nothing.
// The words learned are applied as they change, each change costing a
// refresh of the index's statistics (about 5 ms at 10,000 tools); the
// search tool applies them off the call path.
func (ix *Index) EnableLearning(opts LearnOptions) {
	ix.mu.Lock()
	if ix.learn == nil {
		ix.learn = newLearner(opts, ix.p.LearnWords)
	}
	ix.mu.Unlock()
}

func (ix *Index) learner() *learner {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.learn
}

// Learn records that caller (an identity: distinct callers are counted
// apart), having searched with request, then called the indexed tool
// named tool. Once enough distinct callers have (LearnOptions.MinCallers),
// the request's words are learned for the tool and found by searches. It
// reports whether the tool's learned words changed. Without
// EnableLearning, for an unknown tool or an empty caller it does nothing.
func (ix *Index) Learn(request, tool, caller string) bool {
	return ix.LearnScoped("", request, tool, caller)
}

// LearnScoped is Learn within scope (a tenant, say): the words it learns
// are found only by searches within the same scope (SearchOptions.Scope);
// distinct callers are counted, and words kept, within each scope. An
// empty scope is Learn's: words every search finds.
func (ix *Index) LearnScoped(scope, request, tool, caller string) bool {
	if !ix.teach(scope, request, tool, caller) {
		return false
	}
	ix.applyLearned([]string{tool})
	return true
}

// teach counts caller's vote within scope, as LearnScoped does, and
// reports whether the tool's learned words changed; they are searched once
// applyLearned has indexed them.
func (ix *Index) teach(scope, request, tool, caller string) bool {
	ix.mu.RLock()
	l := ix.learn
	_, known := ix.byName[tool]
	ix.mu.RUnlock()
	if l == nil || !known || caller == "" {
		return false
	}
	terms := ix.learnTerms(request)
	for i, t := range terms {
		terms[i] = scopedTerm(scope, t)
	}
	return l.vote(tool, terms, caller)
}

// applyLearned indexes the tools' latest learned words, refreshing the
// statistics once for them all.
func (ix *Index) applyLearned(tools []string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.learn == nil {
		return
	}
	var a analyzer
	changed := false
	for _, tool := range tools {
		slot, ok := ix.byName[tool]
		if !ok {
			continue
		}
		doc := ix.docs[slot].doc
		pd := prepare(&a, &doc, &ix.p, ix.learn.learned(tool)) // the latest, whatever vote ran last
		changed = ix.upsertLocked(&pd) || changed
	}
	if changed {
		ix.refreshStats()
	}
}

// learnTerms returns the terms of request that learning counts: after the
// index's text handling and without numbers, the tuning.Params.LearnTerms
// rarest in the catalogue (a word no tool holds first), in order of
// rarity.
func (ix *Index) learnTerms(request string) []string {
	var a analyzer
	q := parseQuery(&a, rewritePaths(request))
	terms := make([]string, 0, len(q))
	for i := range q {
		if strings.IndexFunc(q[i].term, unicode.IsLetter) >= 0 { // a number is an argument, not what a tool does
			terms = append(terms, q[i].term)
		}
	}
	ix.mu.RLock()
	df := func(t string) int {
		if id, ok := ix.termID[t]; ok {
			return len(ix.postings[id])
		}
		return 0
	}
	slices.SortStableFunc(terms, func(a, b string) int { return cmp.Compare(df(a), df(b)) })
	ix.mu.RUnlock()
	return terms[:min(len(terms), ix.p.LearnTerms)]
}

// takeOver copies from's votes into l, which has learned nothing yet, and
// learns from them by l's rules: a search tool that replaces another
// keeps what callers taught it.
func (l *learner) takeOver(from *learner) {
	from.mu.Lock()
	defer from.mu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	for tool, byTerm := range from.votes {
		m := make(map[string][]uint64, len(byTerm))
		for t, callers := range byTerm {
			m[t] = slices.Clone(callers)
		}
		l.votes[tool] = m
	}
	l.pairs = votesHeld{all: from.pairs.all, byScope: maps.Clone(from.pairs.byScope)}
	l.salt, l.changes = from.salt, from.changes // callers hashed alike
	// Learned by l's rules: a reload may have changed MinCallers or the
	// words kept.
	l.relearnAll()
}

// relearnAll sets every tool's learned terms from its votes (relearn).
// l.mu is held.
func (l *learner) relearnAll() {
	for tool := range l.votes {
		l.relearn(tool)
	}
}
