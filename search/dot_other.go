//go:build !amd64 || purego

package search

import "gonum.org/v1/gonum/blas/gonum"

// haveFMA is false: dotFMA is for amd64.
const haveFMA = false

func dotFMA(a, b []float32) float32 { panic("search: dotFMA without AVX2 and FMA") }

// dotEqual is the dot product of a and b, of equal lengths: gonum's (with
// the processor's vector instructions where gonum has them).
func dotEqual(a, b []float32) float32 {
	return gonum.Implementation{}.Sdot(len(a), a, 1, b, 1)
}

func dots4(v, q0, q1, q2, q3 []float32, out *[4]float32) {
	panic("search: dots4 without AVX2 and FMA")
}
