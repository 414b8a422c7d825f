package search_test

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/toolgate/toolgate/search"
)

// instantModel gives each text a fixed pseudo-random vector of 512
// dimensions at once: what a hybrid search costs beside the model.
type instantModel struct{}

func (instantModel) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		h := fnv.New64a()
		h.Write([]byte(t))
		r := rand.New(rand.NewPCG(h.Sum64(), 1))
		v := make([]float32, 512)
		for d := range v {
			v[d] = float32(r.NormFloat64())
		}
		out[i] = v
	}
	return out, nil
}

// BenchmarkHybrid10k searches 10,000 tools as BenchmarkSearch10k does,
// hybrid, with a model that answers at once: the lexical ranking, the
// vector ranking of the request and of each of its sentences and clauses
// over 10,000 vectors, and the fusion. It reports the median and 99th
// percentile latency; the model's own time comes on top.
func BenchmarkHybrid10k(b *testing.B) {
	docs, queries := corpus10k(b)
	ix := search.NewIndex()
	ix.Upsert(docs...)
	h := search.NewHybrid(ix, instantModel{}, nil)
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		start := time.Now()
		res, err := h.Search(ctx, queries[i%len(queries)], nil)
		lat = append(lat, time.Since(start))
		if err != nil || res.Mode != search.ModeHybrid {
			b.Fatalf("mode %q err %v", res.Mode, err)
		}
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
