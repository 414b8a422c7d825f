package search

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// requestCache keeps the vectors of the request texts embedded last (a
// request's parts: the whole, its sentences and clauses), so that a
// request asked again, or a sentence of it, is not embedded again. It
// holds at most max texts, the least recently used dropped first.
type requestCache struct {
	max int

	mu    sync.Mutex
	items map[contentHash]*list.Element // of *cachedVector
	order *list.List                    // most recently used first

	hits, misses atomic.Uint64 // texts found, and embedded
}

type cachedVector struct {
	key contentHash
	vec []float32 // unit length
}

func newRequestCache(max int) *requestCache {
	return &requestCache{max: max, items: make(map[contentHash]*list.Element), order: list.New()}
}

// get returns the cached vector of a text of hash k, if it has length dim
// (a vector of a model used before is not). A nil cache holds nothing.
func (c *requestCache) get(k contentHash, dim int) ([]float32, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[k]
	if !ok {
		return nil, false
	}
	v := e.Value.(*cachedVector).vec
	if dim != 0 && len(v) != dim {
		return nil, false
	}
	c.order.MoveToFront(e)
	return v, true
}

// put keeps v, of unit length, as the vector of the text of hash k; a
// nil cache keeps nothing.
func (c *requestCache) put(k contentHash, v []float32) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		e.Value.(*cachedVector).vec = v
		c.order.MoveToFront(e)
		return
	}
	c.items[k] = c.order.PushFront(&cachedVector{key: k, vec: v})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cachedVector).key)
	}
}

// count adds to the texts found and embedded; a nil cache counts nothing.
func (c *requestCache) count(found, embedded int) {
	if c != nil {
		c.hits.Add(uint64(found))
		c.misses.Add(uint64(embedded))
	}
}

// embedRequest returns the unit vectors of a request's texts: those the
// cache holds from there, the others from one call to the embedder.
func (h *Hybrid) embedRequest(ctx context.Context, texts []string) ([][]float32, error) {
	c := h.requests // nil without a cache: every text is embedded
	h.mu.RLock()
	dim := h.dim
	h.mu.RUnlock()
	out := make([][]float32, len(texts))
	keys := make([]contentHash, len(texts))
	var missing []int
	for i, t := range texts {
		if c != nil {
			keys[i] = hashText(t)
		}
		if v, ok := c.get(keys[i], dim); ok {
			out[i] = v
			continue
		}
		missing = append(missing, i)
	}
	c.count(len(texts)-len(missing), len(missing))
	h.metrics.requestTexts(ctx, len(texts)-len(missing), len(missing))
	if len(missing) == 0 {
		return out, nil
	}
	ask := make([]string, len(missing))
	for j, i := range missing {
		ask[j] = texts[i]
	}
	vecs, err := h.embed(ctx, purposeRequest, ask)
	if err != nil {
		return nil, err
	}
	if vecs, err = unitVectors(vecs, len(ask)); err != nil {
		return nil, fmt.Errorf("search: embedding the request: %w", err)
	}
	keep := c != nil // only vectors the ranking can use: of one length, the tools' if known
	for _, v := range vecs {
		keep = keep && len(v) == len(vecs[0]) && (dim == 0 || len(v) == dim)
	}
	for j, i := range missing {
		out[i] = vecs[j]
		if keep {
			v := slices.Clip(slices.Clone(vecs[j])) // its own allocation: the cache keeps it alone
			out[i] = v
			c.put(keys[i], v)
		}
	}
	return out, nil
}
