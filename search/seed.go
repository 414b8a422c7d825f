package search

import (
	"context"
	"slices"
)

// takeOver copies, into s's stash, the vectors of seed's catalogue when
// both name the same model (Options.VectorModel): s then embeds only the
// tools seed had not. It waits for a refresh of seed under way (its
// vectors are then complete), as long as ctx allows. A seed that had not
// finished taking over from its own seed (replaced again before its first
// embedding: two reloads in quick succession) passes that one's vectors
// on, so the catalogue is not embedded again.
func (s *Service) takeOver(ctx context.Context, seed *Service) {
	defer func() {
		if ctx.Err() == nil { // done: nothing to pass on, and the chain is freed
			s.pending.Store(nil)
		} // else s was closed first: a search tool replacing it takes over from seed
	}()
	model := s.opts.VectorModel
	switch {
	case seed.hybrid == nil:
		s.log.InfoContext(ctx, "search: the search tool replaced had no vectors; the catalogue is embedded")
		return
	case model == "" || seed.opts.VectorModel != model:
		s.log.InfoContext(ctx, "search: the search tool replaced used another model, or neither names one (Options.VectorModel); the catalogue is embedded")
		return
	}
	notTaken := func(err error) {
		if ctx.Err() == nil { // else s was closed: nothing to say
			s.log.WarnContext(ctx, "search: the vectors of the search tool replaced not taken over; the catalogue is embedded", "err", err)
		}
	}
	// seed's vectors, then those of the seeds it had not taken over from,
	// while they are of the same model and length.
	var vecs map[contentHash][]float32
	dim := 0
	for hop, cur := 0, seed; cur != nil && hop < maxSeedHops && cur.hybrid != nil && cur.opts.VectorModel == model; hop, cur = hop+1, cur.pending.Load() {
		more, d, err := cur.hybrid.vectors(ctx)
		if err != nil {
			notTaken(err)
			return
		}
		if dim != 0 && len(more) > 0 && d != dim {
			break
		}
		dim = max(dim, d)
		if vecs == nil {
			vecs = more
			continue
		}
		for k, v := range more {
			if _, ok := vecs[k]; !ok {
				vecs[k] = v
			}
		}
	}
	if err := s.hybrid.stashVectors(ctx, vecs, dim); err != nil {
		notTaken(err)
		return
	}
	s.log.InfoContext(ctx, "search: vectors taken over from the search tool replaced", "vectors", len(vecs))
}

// maxSeedHops bounds the chain of replaced search tools whose vectors a
// new one takes over.
const maxSeedHops = 8

// vectors returns a copy of the vectors of h's catalogue, by text, and
// their length. It waits for a refresh under way, as long as ctx allows.
func (h *Hybrid) vectors(ctx context.Context) (map[contentHash][]float32, int, error) {
	if err := h.lockCache(ctx); err != nil {
		return nil, 0, err
	}
	defer h.unlockCache()
	h.mu.RLock()
	dim := h.dim
	h.mu.RUnlock()
	if dim == 0 { // nothing embedded yet: the length of the vectors read, if any
		for _, v := range h.stash {
			dim = len(v)
			break
		}
	}
	out := make(map[contentHash][]float32, len(h.cache)+len(h.stash))
	for _, m := range []map[contentHash][]float32{h.stash, h.cache} { // those read and not used yet too
		for k, v := range m {
			if len(v) == dim { // not one of another model read since
				out[k] = slices.Clone(v)
			}
		}
	}
	return out, dim, nil
}
