package search_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/toolgate/toolgate/search"
)

// A request asked again, or a sentence of one, is not embedded again; the
// cache keeps the texts used last, and its answers are those of the
// embedder.
func TestHybridRequestCache(t *testing.T) {
	ctx := context.Background()
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	emb := &gatedEmbedder{}
	h := search.NewHybrid(ix, emb, &search.HybridOptions{RequestCache: 3, RetryAfter: -1})
	h.Logger = discard()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	plain := &gatedEmbedder{}
	uncached := search.NewHybrid(ix, plain, &search.HybridOptions{RequestCache: -1, RetryAfter: -1})
	uncached.Logger = discard()
	if err := uncached.Refresh(ctx); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name  string
		query string
		texts int // embedded for it
	}{
		{"new", "weather forecast", 1},
		{"asked again", "weather forecast", 0},
		{"two sentences, new", "Is it raining in Paris? Read the file notes.txt.", 3}, // the whole and each sentence; the first evicted
		{"evicted", "weather forecast", 1},
		{"a sentence seen before, alone", "Is it raining in Paris?", 0},
		{"one sentence seen, one not", "Is it raining in Paris? Delete the old file.", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := emb.texts()
			res, err := h.Search(ctx, tt.query, nil)
			if err != nil || res.Mode != search.ModeHybrid {
				t.Fatalf("%v %+v", err, res)
			}
			if n, _ := emb.texts(); n-before != tt.texts {
				t.Errorf("%d texts embedded, want %d", n-before, tt.texts)
			}
			want, err := uncached.Search(ctx, tt.query, nil)
			if err != nil || !reflect.DeepEqual(res.Hits, want.Hits) {
				t.Errorf("hits %v, without the cache %v (%v)", res.Hits, want.Hits, err)
			}
		})
	}

	// Without the cache, every search embeds its request.
	for range 2 {
		before, _ := plain.texts()
		if _, err := uncached.Search(ctx, "weather forecast", nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := plain.texts(); n != before+1 {
			t.Fatalf("%d texts embedded for a request asked again without the cache, want 1", n-before)
		}
	}
}

// Vectors the ranking cannot use (of two lengths in one answer) are not
// kept: the request is embedded whole again.
func TestHybridRequestCacheKeepsOnlyUsable(t *testing.T) {
	ctx := context.Background()
	ix := search.NewIndex()
	ix.Upsert(catalogue()...)
	broken, texts := true, 0
	emb := &funcEmbedder{f: func(catalogue bool, in []string) [][]float32 {
		if !catalogue {
			texts += len(in)
		}
		out := make([][]float32, len(in))
		for i, s := range in {
			out[i] = fakeEmbed(s)[:8]
			if !catalogue && broken && i == len(in)-1 {
				out[i] = fakeEmbed(s)[:16] // the last of a request's texts of another length
			}
		}
		return out
	}}
	h := search.NewHybrid(ix, emb, &search.HybridOptions{RetryAfter: -1})
	h.Logger = discard()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	const q = "Is it raining in Paris? Read the file notes.txt."
	if res, err := h.Search(ctx, q, nil); err != nil || res.Mode != search.ModeLexical {
		t.Fatalf("vectors of two lengths: %v %+v", err, res)
	}
	broken, texts = false, 0
	if res, err := h.Search(ctx, q, nil); err != nil || res.Mode != search.ModeHybrid {
		t.Fatalf("%v %+v", err, res)
	}
	if texts != 3 {
		t.Errorf("%d texts embedded again, want the request's 3", texts)
	}
}
