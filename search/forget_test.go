package search

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestForget: what two callers taught is listed with its callers, and
// forgetting a word (as written or as learned) removes it from searches
// at once with its votes, so one more caller does not bring it back;
// forgetting a tool's words removes them all; an index that does not
// learn, an unknown tool and a word never taught forget nothing.
func TestForget(t *testing.T) {
	const req = "a furnished two-bedroom apartment"
	ix := NewIndex()
	ix.Upsert(learnDocs()...)
	if ix.Learned() != nil || ix.Forget("house_renting") != nil {
		t.Fatal("an index that does not learn has learned or forgotten something")
	}
	ix.EnableLearning(LearnOptions{})
	for _, caller := range []string{"alice", "bob"} {
		ix.Learn(req, "house_renting", caller)
	}
	ix.Learn("umbrella", "weather", "alice")
	ix.Learn("umbrella", "weather", "bob")
	ix.Learn("umbrella", "weather", "carol")

	learned := ix.Learned()
	words := func(tool string) []string {
		var w []string
		for _, lw := range ix.Learned()[tool] {
			w = append(w, lw.Word)
		}
		return w
	}
	if got := learned["weather"]; len(got) != 1 || got[0] != (LearnedWord{Word: "umbrella", Callers: 3}) {
		t.Fatalf("weather learned %+v", got)
	}
	if got := words("house_renting"); !slices.Contains(got, "apart") || !slices.Contains(got, "furnish") || len(learned) != 2 {
		t.Fatalf("learned %+v", learned)
	}
	if first(ix, "apartment") != "house_renting" {
		t.Fatal("not found after learning")
	}

	for _, c := range []struct {
		what, tool string
		words      []string
		removed    []string
	}{
		{"an unknown tool", "flat_finder", nil, nil},
		{"a word never taught", "house_renting", []string{"castle"}, nil},
		{"a word as written", "house_renting", []string{"Apartments"}, []string{"apart"}},
		{"a word as learned", "house_renting", []string{"furnish"}, []string{"furnish"}},
	} {
		if got := ix.Forget(c.tool, c.words...); !slices.Equal(got, c.removed) {
			t.Errorf("%s: removed %v, want %v", c.what, got, c.removed)
		}
	}
	if got := words("house_renting"); slices.Contains(got, "apart") || slices.Contains(got, "furnish") || len(got) == 0 {
		t.Errorf("after forgetting two words: %v", got)
	}
	if got := first(ix, "apartment"); got == "house_renting" {
		t.Error("a forgotten word still finds the tool")
	}
	if ix.Learn(req, "house_renting", "carol") {
		t.Error("one more caller brought a forgotten word back: its votes were kept")
	}
	if got := ix.Forget("house_renting"); len(got) == 0 || words("house_renting") != nil {
		t.Errorf("forgetting every word removed %v, left %v", got, words("house_renting"))
	}
	if got := words("weather"); len(got) != 1 {
		t.Errorf("another tool's words went too: %v", got)
	}
	if ix.Learn(req, "house_renting", "carol") || !ix.Learn(req, "house_renting", "dave") {
		t.Error("after forgetting, two callers do not teach as before")
	}
}

// TestServiceForget: the search tool lists what it learned, and forgetting
// a word writes the learned-words file at once, so that a gateway started
// from it does not know the word.
func TestServiceForget(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "learned.json")
	opts := &Options{Learn: &LearnOptions{MinCallers: 1}, LearnFile: path, Logger: slog.New(slog.DiscardHandler)}
	s, err := Enable(forecastGateway(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	s.sync()
	s.ix.Learn("umbrella raincoat", "weather___forecast", "alice")
	if got := s.Learned()["weather___forecast"]; len(got) != 2 {
		t.Fatalf("learned %+v", got)
	}
	if got := s.Forget(ctx, "weather___forecast", "umbrellas"); !slices.Equal(got, []string{"umbrella"}) {
		t.Fatalf("removed %v", got)
	}
	b, err := os.ReadFile(path)
	if err != nil || strings.Contains(string(b), "umbrella") || !strings.Contains(string(b), "raincoat") {
		t.Fatalf("the file after Forget: %s %v", b, err)
	}
	s.Close()

	again, err := Enable(forecastGateway(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	again.sync()
	if got := again.Learned()["weather___forecast"]; len(got) != 1 || got[0].Word != "raincoat" {
		t.Fatalf("after a restart, learned %+v", got)
	}
	if again.Forget(ctx, "weather___forecast"); again.Learned()["weather___forecast"] != nil {
		t.Fatal("forgetting every word left some")
	}
}

// TestForgetConcurrent: listing and forgetting while callers teach and
// search (run with -race).
func TestForgetConcurrent(t *testing.T) {
	ix := NewIndex()
	ix.Upsert(learnDocs()...)
	ix.EnableLearning(LearnOptions{})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				switch g {
				case 0, 1:
					ix.Learn("a furnished apartment by the sea", "house_renting", fmt.Sprint("caller-", g, "-", i%7))
				case 2:
					ix.Forget("house_renting", "apartment")
					_ = ix.Learned()
				default:
					_ = ix.Search("apartment by the sea", nil)
				}
			}
		})
	}
	wg.Wait()
	ix.Forget("house_renting")
	if got := ix.Learned()["house_renting"]; got != nil {
		t.Fatalf("after forgetting all: %v", got)
	}
	if first(ix, "furnished apartment") == "house_renting" {
		t.Error("forgotten words still find the tool")
	}
}
