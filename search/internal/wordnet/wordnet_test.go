package wordnet

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/toolgate/toolgate/search/internal/wordnet/wngen"
)

// TestTableIsGenerated checks that the committed table is what the
// generator makes from the installed WordNet database.
func TestTableIsGenerated(t *testing.T) {
	const dict = "/usr/share/wordnet"
	if _, err := os.Stat(filepath.Join(dict, "data.noun")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("WordNet is not installed in %s (run scripts/setup/wordnet.sh): %v", dict, err)
		}
		t.Skipf("WordNet is not installed in %s: run scripts/setup/wordnet.sh", dict)
	}
	want, err := wngen.Build(dict)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Table()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("table.txt.gz (%d bytes of text) differs from the generator's output (%d bytes): run go generate ./search/internal/wordnet", len(got), len(want))
	}
}

func TestLemmas(t *testing.T) {
	db := Load()
	tests := []struct{ word, want string }{
		{"files", "file"},
		{"children", "child"},
		{"running", "run"},
		{"translated", "translate"},
		{"cities", "city"},
		{"picture", "picture"},
	}
	for _, tt := range tests {
		if got := db.Lemmas(tt.word); !slices.Contains(got, tt.want) {
			t.Errorf("Lemmas(%q) = %v, want it to hold %q", tt.word, got, tt.want)
		}
	}
	if got := db.Lemmas("xqzt"); len(got) != 0 {
		t.Errorf("Lemmas(xqzt) = %v, want none", got)
	}
}

func TestRelated(t *testing.T) {
	db := Load()
	tests := []struct {
		lemma, rel, want string
	}{
		{"picture", "syn", "image"},
		{"translate", "der", "translation"},
		{"rain", "broad", "precipitation"},
		{"car", "syn", "automobile"},
		{"song", "broad", "music"},
	}
	for _, tt := range tests {
		r := db.Related(tt.lemma, 3, 2)
		var got []string
		switch tt.rel {
		case "syn":
			got = r.Synonyms
		case "der":
			got = r.Derived
		case "broad":
			for _, l := range r.Broader {
				got = append(got, l...)
			}
		}
		if !slices.Contains(got, tt.want) {
			t.Errorf("Related(%q).%s = %v, want it to hold %q", tt.lemma, tt.rel, got, tt.want)
		}
	}
	if r := db.Related("picture", 1, 0); len(r.Broader) != 0 {
		t.Errorf("levels 0 gave broader terms %v", r.Broader)
	}
}

func TestConcepts(t *testing.T) {
	db := Load()
	shared := func(a, b string, levels int) bool {
		in := map[int]bool{}
		for _, l := range db.Concepts(a, 1, levels) {
			for _, n := range l {
				in[n] = true
			}
		}
		for _, l := range db.Concepts(b, 1, levels) {
			for _, n := range l {
				if in[n] {
					return true
				}
			}
		}
		return false
	}
	tests := []struct {
		a, b   string
		levels int
		want   bool
	}{
		{"photo", "photograph", 0, true},
		{"car", "automobile", 0, true},
		{"apartment", "house", 2, true},
		{"apartment", "house", 0, false},
		{"weather", "picture", 2, false},
	}
	for _, tt := range tests {
		if got := shared(tt.a, tt.b, tt.levels); got != tt.want {
			t.Errorf("%s and %s share a concept within %d levels: %v, want %v", tt.a, tt.b, tt.levels, got, tt.want)
		}
	}
	if db.Concepts("xqzt", 1, 2) != nil {
		t.Error("an unknown word has concepts")
	}
}

// FuzzWords looks up arbitrary words: query words reach the table as
// they are typed.
func FuzzWords(f *testing.F) {
	for _, w := range []string{"files", "children", "running", "", "ies", "xqzt", "ünïcode", "a b", "\n"} {
		f.Add(w)
	}
	db := Load()
	f.Fuzz(func(t *testing.T, w string) {
		for _, l := range db.Lemmas(w) {
			r := db.Related(l, 3, 2)
			if len(r.Broader) > 2 {
				t.Fatalf("Related(%q) gave %d levels", l, len(r.Broader))
			}
			for _, level := range db.Concepts(l, 3, 2) {
				if len(level) == 0 {
					t.Fatalf("Concepts(%q) has an empty level", l)
				}
			}
		}
	})
}
