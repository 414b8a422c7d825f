package search

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
)

// known says which tools the tests' catalogue holds: all but "gone".
func known(tool string) bool { return tool != "gone" }

// TestFollowups follows sessions through searches and calls: each tool
// counted once per search at its rank class, a search again before any
// call counted, nothing followed without a session or past the window,
// a tool the catalogue does not hold not counted, and the tools called
// without having been returned ranked by count.
func TestFollowups(t *testing.T) {
	var f followups
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	results := []string{"a", "b", "c", "d", "e", "f", "g"}
	steps := []struct {
		what          string
		search        bool
		session, tool string
		at            time.Duration
		want          string // the rank class counted, for a call
	}{
		{what: "a call before any search", session: "s1", tool: "a", want: ""},
		{what: "s1 searches", search: true, session: "s1"},
		{what: "first", session: "s1", tool: "a", at: time.Second, want: rankFirst},
		{what: "the same tool again", session: "s1", tool: "a", at: 2 * time.Second, want: ""},
		{what: "fifth", session: "s1", tool: "e", at: 3 * time.Second, want: rankTop5},
		{what: "seventh", session: "s1", tool: "g", at: 3 * time.Second, want: rankLater},
		{what: "not returned", session: "s1", tool: "z", at: 4 * time.Second, want: rankMissing},
		{what: "not in the catalogue", session: "s1", tool: "gone", at: 4 * time.Second, want: ""},
		{what: "another session's call", session: "s2", tool: "a", at: 4 * time.Second, want: ""},
		{what: "no session", search: true, session: ""},
		{what: "no session's call", session: "", tool: "a", want: ""},
		{what: "s2 searches", search: true, session: "s2", at: 5 * time.Second},
		{what: "s2 searches again", search: true, session: "s2", at: 6 * time.Second},
		{what: "after the new search, the same tool counts again", session: "s2", tool: "a", at: 7 * time.Second, want: rankFirst},
		{what: "past the window", session: "s2", tool: "b", at: 7*time.Second + followWindow, want: ""},
		{what: "s2 searches after the window", search: true, session: "s2", at: 8*time.Second + followWindow},
		{what: "not returned, again", session: "s2", tool: "z", at: 9*time.Second + followWindow, want: rankMissing},
		{what: "another tool not returned", session: "s2", tool: "y", at: 9*time.Second + followWindow, want: rankMissing},
		{what: "s3 searches", search: true, session: "s3", at: 10 * time.Second},
		{what: "third, the first passed over", session: "s3", tool: "c", at: 11 * time.Second, want: rankTop5},
		{what: "s3 searches again: its last search's first was passed over", search: true, session: "s3", at: 12 * time.Second},
		{what: "s1 searches again: its first was called", search: true, session: "s1", at: 12 * time.Second},
	}
	for _, st := range steps {
		now := t0.Add(st.at)
		if st.search {
			f.searched(st.session, results, learnFrom{}, now)
			continue
		}
		if got, _ := f.called(st.session, st.tool, now, known); got != st.want {
			t.Errorf("%s: counted %q, want %q", st.what, got, st.want)
		}
	}
	c, missed, passed := f.snapshot(5)
	want := followCounts{searches: 7, searchAgain: 1, calls: 8, first: 2, top5: 4, returned: 5}
	if c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	if !slices.Equal(missed, []string{"z (2)", "y (1)"}) {
		t.Errorf("missed %v", missed)
	}
	if !slices.Equal(passed, []string{"a (1)"}) {
		t.Errorf("passed over %v", passed)
	}
	if _, top, _ := f.snapshot(1); !slices.Equal(top, []string{"z (2)"}) {
		t.Errorf("the first missed: %v", top)
	}
}

// TestPassedOver: a search's first result is passed over when the session
// called others of the answer and not it; not when it called it, nothing,
// or only tools the answer did not hold.
func TestPassedOver(t *testing.T) {
	for _, tc := range []struct {
		name          string
		tools, called []string
		want          string
	}{
		{"another of the answer", []string{"a", "b", "c"}, []string{"c"}, "a"},
		{"the first among others", []string{"a", "b", "c"}, []string{"b", "a"}, ""},
		{"nothing called", []string{"a", "b"}, nil, ""},
		{"only tools not returned", []string{"a", "b"}, []string{"z"}, ""},
		{"a one-tool answer", []string{"a"}, []string{"z"}, ""},
		{"no answer", nil, []string{"z"}, ""},
	} {
		if got := passedOver(tc.tools, tc.called); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestFollowupsBounds: at most maxFollowed sessions are held (the oldest
// search dropped first, or any past the window), and at most
// maxCalledPerSearch tools counted after one search.
func TestFollowupsBounds(t *testing.T) {
	var f followups
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for i := range maxFollowed + 1 {
		f.searched(fmt.Sprint("s", i), []string{"a"}, learnFrom{}, t0.Add(time.Duration(i)*time.Millisecond))
	}
	if n := f.held.Load(); n != maxFollowed {
		t.Fatalf("%d sessions held", n)
	}
	if got, _ := f.called("s0", "a", t0.Add(time.Minute), known); got != "" {
		t.Error("the oldest session was not dropped")
	}
	if got, _ := f.called("s1", "a", t0.Add(time.Minute), known); got != rankFirst {
		t.Error("the second oldest was dropped")
	}
	later := t0.Add(followWindow + time.Hour)
	f.searched("new", []string{"a"}, learnFrom{}, later) // every other search is past the window
	if n := f.held.Load(); n != 1 {
		t.Errorf("%d sessions held after the window, want 1", n)
	}
	for i := range maxCalledPerSearch + 5 {
		f.called("new", fmt.Sprint("t", i), later, known)
	}
	v, _ := f.sessions.Load("new")
	if n := len(v.(*followed).called); n != maxCalledPerSearch {
		t.Errorf("%d tools counted after one search", n)
	}
}

// TestFollowupsConcurrent: sessions searching and calling from many
// goroutines at once (under -race), evictions among them, count every call
// once.
func TestFollowupsConcurrent(t *testing.T) {
	var f followups
	t0 := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for i := range maxFollowed - 4 { // near the bound: the goroutines' searches evict
		f.searched(fmt.Sprint("old", i), []string{"a"}, learnFrom{}, t0)
	}
	const goroutines, rounds = 8, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			session := fmt.Sprint("s", g)
			for r := range rounds {
				now := t0.Add(time.Duration(r+1) * time.Second)
				f.searched(session, []string{"a", "b"}, learnFrom{}, now)
				f.called(session, "a", now, known)
				f.called(session, "a", now, known) // counted once
				f.called(session, "z", now, known)
				f.called(fmt.Sprint("old", r), "a", now, known) // perhaps evicted meanwhile
			}
		})
	}
	wg.Wait()
	c, missed, _ := f.snapshot(1)
	mine := uint64(goroutines * rounds)
	if c.searches != uint64(maxFollowed-4)+mine || c.first < mine || c.calls-c.first != mine {
		t.Errorf("counts %+v: want %d searches of the goroutines, each followed by one first and one missing", c, mine)
	}
	if want := fmt.Sprintf("z (%d)", mine); len(missed) != 1 || missed[0] != want {
		t.Errorf("missed %v, want %s", missed, want)
	}
	if n := f.held.Load(); n > maxFollowed+goroutines {
		t.Errorf("%d sessions held", n)
	}
}

// TestFollowKey: a session is followed by its id; without one, a caller by
// its identity, apart from any session id and from other callers; an
// anonymous caller without a session is not followed.
func TestFollowKey(t *testing.T) {
	for _, tc := range []struct {
		name                             string
		session, issuer, subject, client string
		want                             string
	}{
		{"a session", "ABC123", "https://idp", "alice", "agent", "ABC123"},
		{"a session, anonymous", "ABC123", "", "", "", "ABC123"},
		{"no session: the caller", "", "https://idp", "alice", "agent", "\x00https://idp\x00alice\x00agent"},
		{"no session: a client alone", "", "", "", "agent", "\x00\x00\x00agent"},
		{"no session, anonymous", "", "", "", "", ""},
	} {
		p := &toolgate.Principal{Issuer: tc.issuer, Subject: tc.subject, ClientID: tc.client}
		if got := followKey(tc.session, p); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
