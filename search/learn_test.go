package search

import (
	"fmt"
	"slices"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

func learnDocs() []Document {
	doc := func(name, desc string) Document {
		return Document{ToolInfo: toolgate.ToolInfo{Name: name, Target: "homes", Tool: toolgate.Tool{Name: name, Description: desc}}}
	}
	return []Document{
		doc("house_renting", "Find houses for rent in a city."),
		doc("house_purchasing", "Find houses for sale in a city."),
		doc("weather", "Weather forecasts for a city."),
	}
}

func first(ix *Index, q string) string {
	if hits := ix.Search(q, nil); len(hits) > 0 {
		return hits[0].Name
	}
	return ""
}

// TestLearn: a request's words are learned for the tool callers call once
// MinCallers distinct callers have taught them (the same caller twice, an
// anonymous caller, an unknown tool count nothing), then found by others'
// searches; they survive a Sync of the same catalogue and a change of the
// tool, and a second EnableLearning; an index without EnableLearning
// learns nothing.
func TestLearn(t *testing.T) {
	const req = "a furnished two-bedroom apartment for three months"
	ix := NewIndex()
	ix.Upsert(learnDocs()...)
	if got := first(ix, "apartment"); got == "house_renting" {
		t.Fatal("found before learning: the test proves nothing")
	}
	if ix.Learn(req, "house_renting", "alice") {
		t.Error("learned without EnableLearning")
	}
	ix.EnableLearning(LearnOptions{})
	for _, step := range []struct {
		what, tool, caller string
		learned            bool
	}{
		{"the first caller", "house_renting", "alice", false},
		{"the same caller again", "house_renting", "alice", false},
		{"an anonymous caller", "house_renting", "", false},
		{"an unknown tool", "flat_finder", "bob", false},
		{"a second caller", "house_renting", "bob", true},
		{"a third caller: the same words", "house_renting", "carol", false},
	} {
		if got := ix.Learn(req, step.tool, step.caller); got != step.learned {
			t.Errorf("%s: learned %v, want %v", step.what, got, step.learned)
		}
	}
	for _, q := range []string{"apartment", "an apartment in Boston for a few months", "furnished flat"} {
		if got := first(ix, q); got != "house_renting" {
			t.Errorf("after learning, %q finds %q first", q, got)
		}
	}
	if got := first(ix, "weather forecast"); got != "weather" {
		t.Errorf("a request in the tools' own words now finds %q", got)
	}
	ix.EnableLearning(LearnOptions{MinCallers: 5}) // a second call changes nothing
	if ix.Learn("a chalet", "house_renting", "dave") || !ix.Learn("a chalet", "house_renting", "erin") {
		t.Error("after a second EnableLearning, two callers no longer teach as before")
	}

	ix.Sync(learnDocs()) // the same catalogue: nothing re-indexed, nothing forgotten
	if got := first(ix, "apartment"); got != "house_renting" {
		t.Errorf("after a Sync, %q", got)
	}
	changed := learnDocs()
	changed[0].Tool.Description = "Find homes to rent."
	ix.Sync(changed)
	if got := first(ix, "apartment"); got != "house_renting" {
		t.Errorf("after the tool changed, %q", got)
	}
}

// TestLearnKeepsMostTaught: a tool keeps tuning.Params.LearnWords words,
// those the most callers taught; the request's LearnTerms terms rarest in
// the catalogue are counted, numbers not.
func TestLearnKeepsMostTaught(t *testing.T) {
	p := tuning.Default()
	p.LearnWords, p.LearnTerms = 2, 3
	ix := newIndex(p)
	ix.Upsert(learnDocs()...)
	ix.EnableLearning(LearnOptions{MinCallers: 1})
	for i, req := range []string{"apartment studio loft", "apartment studio", "apartment", "city apartment bungalow chalet villa"} {
		ix.Learn(req, "house_renting", fmt.Sprint("caller", i))
	}
	if got := ix.learn.learned("house_renting"); !slices.Equal(got, []string{"apart", "studio"}) {
		t.Errorf("learned %v, want the two most taught", got)
	}
	// "city" is in every tool: of the last request, the three rarest terms
	// were counted, not it.
	if got := ix.learnTerms("city apartment bungalow chalet villa"); len(got) != 3 || slices.Contains(got, "citi") {
		t.Errorf("terms counted %v", got)
	}
	if got := ix.learnTerms("200 2500"); len(got) != 0 {
		t.Errorf("numbers counted: %v", got)
	}
	words, tools := ix.learn.counts()
	if words != 2 || tools != 1 {
		t.Errorf("counts %d words, %d tools", words, tools)
	}
}

// TestLearnQueue: tools queued twice are taken once, in order; adds never
// block, and leave a wake-up pending.
func TestLearnQueue(t *testing.T) {
	q := newLearnQueue()
	for _, tool := range []string{"b", "a", "b"} {
		q.add(tool) // never blocks, whatever the pending wake-ups
	}
	select {
	case <-q.kick:
	default:
		t.Fatal("no wake-up pending after adds")
	}
	if got := q.take(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("took %v", got)
	}
	if got := q.take(); len(got) != 0 {
		t.Errorf("took %v from an empty queue", got)
	}
}

// TestLearnTakeOverRules: what a replaced learner learned is learned again
// by its successor's rules (a reload that raised MinCallers or lowered the
// words kept), as a file read is.
func TestLearnTakeOverRules(t *testing.T) {
	old := newLearner(LearnOptions{MinCallers: 1}, 64)
	old.vote("weather", []string{"umbrella", "raincoat"}, "alice")
	old.vote("weather", []string{"umbrella"}, "bob")
	for _, tc := range []struct {
		name string
		opts LearnOptions
		keep int
		want []string
	}{
		{"the same rules", LearnOptions{MinCallers: 1}, 64, []string{"umbrella", "raincoat"}},
		{"two callers a word", LearnOptions{MinCallers: 2}, 64, []string{"umbrella"}},
		{"one word a tool", LearnOptions{MinCallers: 1}, 1, []string{"umbrella"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLearner(tc.opts, tc.keep)
			l.takeOver(old)
			if got := l.learned("weather"); !slices.Equal(got, tc.want) {
				t.Errorf("learned %v, want %v", got, tc.want)
			}
		})
	}
}
