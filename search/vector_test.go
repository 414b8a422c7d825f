package search

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
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
	lengths := []int{384, 512, 513, 1536, 3072}
	for n := 2; n <= 70; n++ { // around every step of the kernels: 8 and 32 floats
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		// Not aligned (4 bytes in), and followed by values that must not
		// be read.
		bufA, bufB := vec(n+2), vec(n+2)
		bufA[n+1], bufB[n+1] = float32(math.NaN()), float32(math.Inf(1))
		a, b := bufA[1:n+1], bufB[1:n+1]
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
	kernels := []struct {
		name string
		f    func(a, b []float32) float32
	}{
		{"dot", dot},
		{"gonum", func(a, b []float32) float32 { return gonum.Implementation{}.Sdot(len(a), a, 1, b, 1) }},
	}
	if haveFMA {
		kernels = append(kernels, struct {
			name string
			f    func(a, b []float32) float32
		}{"fma", dotFMA})
	} else {
		t.Log("no AVX2 and FMA here: dotFMA not tested")
	}
	for _, k := range kernels {
		for _, tt := range tests {
			if k.name != "dot" && len(tt.a) != len(tt.b) {
				continue // the kernels' callers check lengths
			}
			got := float64(k.f(tt.a, tt.b))
			if tt.exactly && got != tt.want || !tt.exactly && math.Abs(got-tt.want) > 1e-4*math.Sqrt(float64(len(tt.a))) {
				t.Errorf("%s: %s (%d): %v, want %v", k.name, tt.name, len(tt.a), got, tt.want)
			}
		}
	}
}

// TestNearestShares checks that the vector pass split among goroutines
// selects what one pass selects: the same hits in the same order, ties of
// score broken by name, the filter applied.
func TestNearestShares(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	const n, dim = 1000, 16
	h := &Hybrid{dim: dim}
	for i := range n {
		v := make([]float32, dim)
		for d := range v {
			v[d] = float32(r.IntN(3) - 1) // few distinct vectors: many equal scores
		}
		h.names = append(h.names, fmt.Sprintf("tool_%04d", (i*7919)%n))
		h.vecs = append(h.vecs, normalize(v))
	}
	qs := make([][]float32, 4)
	for j := range qs {
		qs[j] = make([]float32, dim)
		for d := range qs[j] {
			qs[j][d] = float32(r.NormFloat64())
		}
		qs[j] = normalize(qs[j])
	}
	qs[3] = h.vecs[17] // a tool's own vector: ties at the top
	odd := func(name string) bool { return name[len(name)-1]%2 == 1 }
	for _, tc := range []struct {
		name   string
		k      int
		filter func(string) bool
	}{
		{"k 10", 10, nil},
		{"k 50, filtered", 50, odd},
		{"k above the tools", n + 5, nil},
		{"k 1", 1, odd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := h.nearestIn(qs, tc.k, tc.filter, 1)
			for _, shares := range []int{2, 3, 7, 64} {
				if got := h.nearestIn(qs, tc.k, tc.filter, shares); !reflect.DeepEqual(got, want) {
					t.Fatalf("%d shares: %v\nwant %v", shares, got, want)
				}
			}
			if tc.filter != nil {
				for _, hits := range want {
					for _, hit := range hits {
						if !tc.filter(hit.Name) {
							t.Fatalf("%s passed the filter", hit.Name)
						}
					}
				}
			}
		})
	}
}

// TestDots4 holds the four-at-once dot products to sums in float64, at
// each length around the kernel's steps, from an unaligned start, with
// values after the end that must not be read.
func TestDots4(t *testing.T) {
	if !haveFMA {
		t.Skip("no AVX2 and FMA here: dots4 is not used")
	}
	r := rand.New(rand.NewPCG(13, 17))
	vec := func(n int) []float32 {
		buf := make([]float32, n+2)
		for i := range buf {
			buf[i] = float32(r.NormFloat64())
		}
		buf[n+1] = float32(math.NaN())
		return buf[1 : n+1]
	}
	lengths := []int{384, 512, 768, 1536}
	for n := 1; n <= 70; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		v := vec(n)
		qs := [4][]float32{vec(n), vec(n), vec(n), vec(n)}
		var out [4]float32
		dots4(v, qs[0], qs[1], qs[2], qs[3], &out)
		for k, q := range qs {
			var want float64
			for i := range v {
				want += float64(v[i]) * float64(q[i])
			}
			if math.Abs(float64(out[k])-want) > 1e-4*math.Sqrt(float64(n)) {
				t.Errorf("length %d, vector %d: %v, want %v", n, k, out[k], want)
			}
		}
	}
}
