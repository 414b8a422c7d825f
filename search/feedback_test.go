package search

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBestTerms holds bestTerms to the first n of a full sort.
func TestBestTerms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(size, distinct int) []termWeight {
		out := make([]termWeight, size)
		for i := range out {
			// Few distinct weights: ties are broken by term id.
			out[i] = termWeight{id: uint32(i * 7 % (size + 3)), w: float64(rng.IntN(distinct))}
		}
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	tests := []struct {
		name    string
		cands   []termWeight
		n       int
		wantLen int
	}{
		{"none", nil, 20, 0},
		{"n zero", random(10, 5), 0, 0},
		{"fewer than n", random(5, 3), 20, 5},
		{"exactly n", random(20, 4), 20, 20},
		{"many, ties", random(300, 6), 20, 20},
		{"many, distinct", random(300, 1000), 20, 20},
		{"n one", random(50, 10), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slices.Clone(tt.cands)
			slices.SortFunc(want, func(a, b termWeight) int {
				if a.w != b.w {
					if a.w > b.w {
						return -1
					}
					return 1
				}
				return int(a.id) - int(b.id)
			})
			want = want[:min(tt.n, len(want))]
			got := bestTerms(slices.Clone(tt.cands), tt.n)
			if len(got) != tt.wantLen || !slices.Equal(got, want) {
				t.Errorf("bestTerms = %v, want %v", got, want)
			}
		})
	}
}
