package search

import (
	"slices"
	"testing"
)

func TestKeepPlace(t *testing.T) {
	ranking := func(names ...string) []Hit {
		hits := make([]Hit, len(names))
		for i, n := range names {
			hits[i] = Hit{Name: n, Score: float64(len(names) - i)}
		}
		return hits
	}
	tests := []struct {
		name  string
		hits  []Hit
		keep  string
		place int
		want  []string
	}{
		{"already in place", ranking("a", "b", "c", "d"), "b", 3, []string{"a", "b", "c", "d"}},
		{"at the place", ranking("a", "b", "c", "d"), "c", 3, []string{"a", "b", "c", "d"}},
		{"moved up", ranking("a", "b", "c", "d", "e"), "e", 2, []string{"a", "e", "b", "c", "d"}},
		{"cut off: the last dropped", ranking("a", "b", "c", "d"), "x", 3, []string{"a", "b", "x", "c"}},
		{"first place", ranking("a", "b", "c"), "c", 1, []string{"c", "a", "b"}},
		{"no place kept", ranking("a", "b", "c", "d"), "x", 0, []string{"a", "b", "c", "d"}},
		{"ranking shorter than the place", ranking("a", "b"), "x", 3, []string{"a", "b"}},
		{"empty", nil, "x", 3, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.hits)
			keepPlace(tt.hits, tt.keep, tt.place)
			got := []string{}
			for _, h := range tt.hits {
				got = append(got, h.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := 1; i < len(tt.hits); i++ {
				if tt.hits[i].Score > tt.hits[i-1].Score {
					t.Fatalf("scores rise at %d: %v", i, tt.hits)
				}
			}
			if !slices.Equal(tt.hits, before) { // moved: it takes the displaced hit's score
				if at := tt.place - 1; tt.hits[at].Score != tt.hits[at+1].Score {
					t.Fatalf("moved hit scored %g, want the displaced hit's %g", tt.hits[at].Score, tt.hits[at+1].Score)
				}
			}
		})
	}
}
