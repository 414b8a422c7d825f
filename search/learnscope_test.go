package search

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/toolgate/toolgate/search/internal/tuning"
)

// TestLearnScoped: words learned within a scope are found by searches
// within it, and by no other: another scope's searches and unscoped ones
// rank exactly as an index that learned nothing does (scores included:
// no prefix match, no feedback term, no statistic reaches them). Callers
// are counted within each scope, words are listed with their scope, and
// Forget forgets a word in every scope.
func TestLearnScoped(t *testing.T) {
	const req = "a furnished two-bedroom apartment for three months"
	ix, fresh := NewIndex(), NewIndex()
	ix.Upsert(learnDocs()...)
	fresh.Upsert(learnDocs()...)
	ix.EnableLearning(LearnOptions{})
	// One caller of each scope: neither scope has two.
	if ix.LearnScoped("tenant", req, "house_renting", "alice") || ix.LearnScoped("globex", req, "house_renting", "bob") ||
		ix.Learn(req, "house_renting", "carol") {
		t.Fatal("learned from one caller of each scope")
	}
	if !ix.LearnScoped("tenant", req, "house_renting", "dave") {
		t.Fatal("two callers of a scope taught nothing")
	}
	// A short word of two tools: were scoped terms matched by prefix, a
	// request naming the scope would find it; were they feedback terms, a
	// request that finds both tools would be scored with it.
	for _, tool := range []string{"house_renting", "house_purchasing"} {
		for _, caller := range []string{"erin", "frank"} {
			ix.LearnScoped("tenant", "ux", tool, caller)
		}
	}
	within := func(scope, q string) []Hit { return ix.Search(q, &SearchOptions{Scope: scope}) }
	for _, q := range []string{"apartment", "an apartment in Boston for a few months", "furnished flat"} {
		if hits := within("tenant", q); len(hits) == 0 || hits[0].Name != "house_renting" {
			t.Errorf("within the scope, %q finds %v", q, hits)
		}
	}
	for _, q := range []string{"apartment", "an apartment in Boston for a few months", "furnished flat", "tenant", "tenant\x1fapart",
		"houses for rent", "weather in a city", "purchasing a house for a furnished apartment", "houses in a city"} {
		want := fresh.Search(q, nil)
		for _, scope := range []string{"globex", ""} {
			if got := within(scope, q); !reflect.DeepEqual(got, want) {
				t.Errorf("scope %q, %q: %v; an index that learned nothing: %v", scope, q, got, want)
			}
		}
	}
	learned := ix.Learned()["house_renting"]
	if len(learned) == 0 || slices.ContainsFunc(learned, func(w LearnedWord) bool { return w.Scope != "tenant" || w.Callers != 2 }) {
		t.Errorf("learned: %+v, want tenant's words, each of two callers", learned)
	}
	if removed := ix.Forget("house_renting", "apartments"); !slices.Equal(removed, []string{"apart"}) {
		t.Errorf("Forget removed %q", removed)
	}
	if hits := within("tenant", "apartment"); len(hits) > 0 && hits[0].Name == "house_renting" {
		t.Errorf("a forgotten word still finds the tool: %v", hits)
	}
}

// TestLearnScopedKeep: each scope keeps its own LearnWords words a tool,
// so that one scope's callers cannot push another's words out.
func TestLearnScopedKeep(t *testing.T) {
	p := tuning.Default()
	p.LearnWords = 2
	ix := newIndex(p)
	ix.Upsert(learnDocs()...)
	ix.EnableLearning(LearnOptions{MinCallers: 1})
	ix.LearnScoped("acme", "apartment", "house_renting", "alice")
	for i, req := range []string{"studio loft bungalow", "studio loft", "studio"} {
		ix.LearnScoped("globex", req, "house_renting", fmt.Sprint("caller", i))
	}
	want := []string{"globex\x1fstudio", "globex\x1floft", "acme\x1fapart"} // most taught first
	if got := ix.learn.learned("house_renting"); !slices.Equal(got, want) {
		t.Errorf("learned %q, want %q", got, want)
	}
}

// TestLearnFileScoped: words learned within a scope are written with it,
// and read back within it.
func TestLearnFileScoped(t *testing.T) {
	l := newLearner(LearnOptions{}, 64)
	for _, caller := range []string{"alice", "bob"} {
		l.vote("weather", []string{scopedTerm("https://idp.acme.example", "umbrella"), "raincoat"}, caller)
	}
	var buf bytes.Buffer
	if _, err := l.write(&buf); err != nil {
		t.Fatal(err)
	}
	back := newLearner(LearnOptions{}, 64)
	if err := back.read(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got, want := back.learned("weather"), l.learned("weather"); !slices.Equal(got, want) || len(got) != 2 {
		t.Errorf("read back %q, want %q", got, want)
	}
}

// TestLearnScopeBudget: the callers of one scope hold at most
// maxScopeVotes tool and term pairs: past them, that scope's new words
// are ignored, and the others' are still counted; forgetting frees them.
func TestLearnScopeBudget(t *testing.T) {
	l := newLearner(LearnOptions{}, 64)
	for i := range maxScopeVotes {
		l.vote("tool", []string{scopedTerm("greedy", fmt.Sprint("w", i))}, "mallory")
	}
	held := func(tool, scope, word string) bool { _, ok := l.votes[tool][scopedTerm(scope, word)]; return ok }
	l.vote("tool", []string{scopedTerm("greedy", "more")}, "mallory")
	l.vote("tool", []string{scopedTerm("other", "umbrella"), "raincoat"}, "alice")
	if held("tool", "greedy", "more") || !held("tool", "other", "umbrella") || !held("tool", "", "raincoat") {
		t.Errorf("past its share, greedy's new word held %v; other's %v; the shared one %v",
			held("tool", "greedy", "more"), held("tool", "other", "umbrella"), held("tool", "", "raincoat"))
	}
	if l.pairs.all != maxScopeVotes+2 || l.pairs.byScope["greedy"] != maxScopeVotes || l.pairs.byScope["other"] != 1 {
		t.Errorf("pairs %d, by scope %v", l.pairs.all, l.pairs.byScope)
	}
	l.forget("tool", []string{"w0"})
	l.vote("tool", []string{scopedTerm("greedy", "more")}, "mallory")
	if !held("tool", "greedy", "more") {
		t.Error("a word forgotten did not free its pair")
	}
}
