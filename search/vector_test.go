package search

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDot checks the dot product against a sum in float64, over lengths
// around the vector instructions' widths, and that vectors of different
// lengths never score.
func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	tests := []struct {
		name    string
		a, b    []float32
		want    float64
		exactly bool
	}{
		{name: "empty", a: nil, b: []float32{}, want: 0, exactly: true},
		{name: "one", a: []float32{3}, b: []float32{-2}, want: -6, exactly: true},
		{name: "orthogonal", a: []float32{1, 0, 0, 0, 0}, b: []float32{0, 1, 0, 0, 0}, want: 0, exactly: true},
		{name: "lengths differ", a: []float32{1, 2}, b: []float32{1, 2, 3}, want: math.Inf(-1), exactly: true},
	}
	for _, n := range []int{3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 384, 512, 513, 1536} {
		a, b := vec(n), vec(n)
		var want float64
		for i := range a {
			want += float64(a[i]) * float64(b[i])
		}
		tests = append(tests, struct {
			name    string
			a, b    []float32
			want    float64
			exactly bool
		}{name: "random", a: a, b: b, want: want})
	}
	for _, tt := range tests {
		got := float64(dot(tt.a, tt.b))
		if tt.exactly && got != tt.want || !tt.exactly && math.Abs(got-tt.want) > 1e-4*math.Sqrt(float64(len(tt.a))) {
			t.Errorf("%s (%d): dot = %v, want %v", tt.name, len(tt.a), got, tt.want)
		}
	}
}
