package evalset

import (
	"context"
	"slices"
	"testing"
)

type countingEmbedder struct{ calls [][]string }

func (c *countingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	c.calls = append(c.calls, slices.Clone(texts))
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(len(t))}
	}
	return out, nil
}

func TestMemo(t *testing.T) {
	inner := &countingEmbedder{}
	m := &Memo{E: inner}
	tests := []struct {
		texts []string
		call  []string // what reaches the inner embedder; nil for nothing
	}{
		{[]string{"ab", "abc", "ab"}, []string{"ab", "abc"}},
		{[]string{"abc", "ab"}, nil},
		{[]string{"x", "abc"}, []string{"x"}},
	}
	for _, tt := range tests {
		before := len(inner.calls)
		vecs, err := m.Embed(context.Background(), tt.texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vecs {
			if len(v) != 1 || int(v[0]) != len(tt.texts[i]) {
				t.Errorf("%q: vector %v for %q", tt.texts, v, tt.texts[i])
			}
		}
		var got []string
		if len(inner.calls) > before {
			got = inner.calls[before]
		}
		if !slices.Equal(got, tt.call) || len(inner.calls) > before+1 {
			t.Errorf("%q: the inner embedder got %q, want %q", tt.texts, inner.calls[before:], tt.call)
		}
	}
}
