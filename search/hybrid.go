package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HybridOptions tune a [Hybrid] searcher.
type HybridOptions struct {
	// Candidates is how many hits each ranker contributes to the fusion;
	// zero means 50.
	Candidates int
	// RRFK is the k constant of reciprocal rank fusion; zero means 3.
	// A small k lets the head of each ranking count.
	RRFK float64
	// LexicalWeight scales the lexical ranking's share of the fused
	// score; zero means 1.
	LexicalWeight float64
	// VectorWeight scales the vector ranking's share, which is also
	// proportional, for each request, to the share of the request's terms
	// that no tool holds (what the lexical ranker cannot see): a request
	// in the catalogue's own words is ranked lexically, one in other
	// words by its meaning. Zero means 2.
	VectorWeight float64
	// ClauseWeight is the weight, within the vector ranking, of each
	// clause of a sentence (split at commas and "and"; three words or
	// more) ranked on its own, the whole request's being 1: one sentence
	// that asks for several things finds each of them. Zero means 0.5;
	// negative means clauses are not ranked apart.
	ClauseWeight float64
	// LexicalPlace is the lowest place (from 1) that the lexical
	// ranking's first hit takes in the fused ranking: a tool the request
	// names in its own words is not pushed out by tools the model finds
	// close in meaning. Zero means 3; negative means no place is kept.
	LexicalPlace int
	// Timeout bounds each call to the embedder: a request's texts, or up
	// to 64 tools' when the catalogue is embedded; zero means 10 seconds.
	Timeout time.Duration
	// RetryAfter is how long searches stay lexical after the embedder
	// failed before it is tried again; zero means 30 seconds, negative
	// means it is tried on every search.
	RetryAfter time.Duration
	// RequestCache is how many request texts (a request's parts: the
	// whole, its sentences and clauses) keep their vectors, the least
	// recently used dropped first, so that a request asked again is not
	// embedded again; zero means 1024 (about 2 MB with 512 dimensions),
	// negative means none.
	RequestCache int
}

// Hybrid ranks tools with both the lexical [Index] and an [Embedder],
// fusing the two rankings by weighted reciprocal rank fusion. The vector
// ranking weighs in proportion to the share of a request's terms that the
// index does not hold (see [HybridOptions]); a request of several
// sentences or clauses is ranked by vector sentence by sentence and clause
// by clause as well as whole, and the lexical ranking's first hit keeps a
// place among the first few (HybridOptions.LexicalPlace). The default
// constants were chosen leave-one-set-out on public tool-retrieval
// benchmarks with a local model (docs/search.md). Tool embeddings are
// computed on first use and whenever the index changes (or ahead, by
// [Hybrid.Refresh]), 64 tools an embedder call, and cached by a hash of
// the embedded text, so a tool whose text did not change is never embedded
// twice and an interrupted refresh resumes where it stopped. While the
// index's changes are embedded, other searches go on with the vectors of
// before; while its first tools are (no vector exists yet), they are
// lexical and say so in Result.Fallback, without the back-off of a
// failure.
//
// When the embedder fails, Search falls back to the lexical ranking and
// says so in Result.Mode and Result.Fallback; it then stays lexical for
// HybridOptions.RetryAfter before trying the embedder again, and so it
// does after a failed Refresh.
type Hybrid struct {
	ix   *Index
	emb  Embedder
	opts HybridOptions
	// Logger receives a warning on each fallback; nil means slog.Default().
	Logger *slog.Logger

	failMu    sync.Mutex
	failUntil time.Time // no embedder calls before this
	lastErr   error

	refreshing chan struct{}             // holds a token while a refresh runs; guards cache and texts
	cache      map[contentHash][]float32 // tool vectors by text, kept across refreshes
	// stash holds vectors ReadVectors read that no refresh has used
	// yet: tools of targets not listed yet find theirs here.
	stash map[contentHash][]float32
	texts map[string]toolText // by tool name, as of the last refresh
	// changed counts the refreshes that changed the cache; written is
	// its value at the last WriteVectors.
	changed, written atomic.Uint64

	mu      sync.RWMutex // guards the vectors searched
	gen     uint64
	ready   bool
	names   []string
	vecs    [][]float32
	dim     int      // every vector's length; 0 without tools
	metrics *metrics // the search tool's, or nil
	// background is set by the search tool, whose warmer embeds the
	// catalogue's changes: a search never waits for them, and stale
	// (the warmer's kick) is called when the catalogue must be embedded
	// again.
	background bool
	stale      func()
	// redo is set when a request's vector and the tools' differ in
	// length: the next refresh embeds the whole catalogue again.
	redo atomic.Bool
	// requests keeps the vectors of recent request texts; nil without
	// HybridOptions.RequestCache.
	requests *requestCache
}

// NewHybrid returns a hybrid searcher over ix using e. opts may be nil.
func NewHybrid(ix *Index, e Embedder, opts *HybridOptions) *Hybrid {
	h := &Hybrid{ix: ix, emb: e, cache: make(map[contentHash][]float32), refreshing: make(chan struct{}, 1)}
	if opts != nil {
		h.opts = *opts
	}
	if h.opts.Candidates <= 0 {
		h.opts.Candidates = 50
	}
	if h.opts.RRFK <= 0 {
		h.opts.RRFK = 3
	}
	if h.opts.LexicalWeight <= 0 {
		h.opts.LexicalWeight = 1
	}
	if h.opts.VectorWeight <= 0 {
		h.opts.VectorWeight = 2
	}
	switch {
	case h.opts.ClauseWeight == 0:
		h.opts.ClauseWeight = 0.5
	case h.opts.ClauseWeight < 0:
		h.opts.ClauseWeight = 0
	}
	switch {
	case h.opts.LexicalPlace == 0:
		h.opts.LexicalPlace = 3
	case h.opts.LexicalPlace < 0:
		h.opts.LexicalPlace = 0
	}
	if h.opts.Timeout <= 0 {
		h.opts.Timeout = 10 * time.Second
	}
	if h.opts.RetryAfter == 0 {
		h.opts.RetryAfter = 30 * time.Second
	}
	switch {
	case h.opts.RequestCache == 0:
		h.opts.RequestCache = 1024
	case h.opts.RequestCache < 0:
		h.opts.RequestCache = 0
	}
	if h.opts.RequestCache > 0 {
		h.requests = newRequestCache(h.opts.RequestCache)
	}
	return h
}

// Ranking modes reported in [Result].
const (
	ModeHybrid  = "hybrid"
	ModeLexical = "lexical"
)

// Result is the answer of [Hybrid.Search].
type Result struct {
	// Hits are the tools found, most relevant first.
	Hits []Hit `json:"hits"`
	// Mode is ModeHybrid, or ModeLexical when the embedder could not be
	// used.
	Mode string `json:"mode"`
	// Fallback is why Mode is ModeLexical: the embedder's error, or
	// that the catalogue's first tools are still being embedded.
	Fallback error `json:"-"`
}

// Search ranks tools for query. It returns an error only when ctx is done;
// an embedder failure degrades to lexical ranking.
func (h *Hybrid) Search(ctx context.Context, query string, opts *SearchOptions) (*Result, error) {
	limit := opts.limit()
	var filter func(string) bool
	if opts != nil {
		filter = opts.Filter
	}
	cand := max(h.opts.Candidates, limit)
	lex := h.ix.Search(query, &SearchOptions{Limit: cand, Filter: filter, Scope: opts.scope()})
	lexical := func(err error) *Result {
		return &Result{Hits: lex[:min(limit, len(lex))], Mode: ModeLexical, Fallback: err}
	}

	if wait, lastErr := h.backingOff(); wait > 0 {
		return lexical(fmt.Errorf("%w: %w", errBackingOff, lastErr)), nil
	}
	vec, err := h.vectorSearch(ctx, query, cand, filter)
	if errors.Is(err, errWarming) {
		return lexical(err), nil // not the embedder's failure
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("search: %w", ctx.Err())
		}
		h.logger().WarnContext(ctx, "search: embedder failed, using lexical ranking", "err", err, "retry_after", h.opts.RetryAfter)
		h.backOff(err)
		return lexical(err), nil
	}
	return &Result{Hits: h.fuse(lex, vec, limit, h.opts.VectorWeight*h.ix.unseen(query)), Mode: ModeHybrid}, nil
}

// backOff keeps searches lexical for RetryAfter after the embedder failed
// with err.
func (h *Hybrid) backOff(err error) {
	if h.opts.RetryAfter <= 0 {
		return
	}
	h.failMu.Lock()
	h.failUntil, h.lastErr = time.Now().Add(h.opts.RetryAfter), err
	h.failMu.Unlock()
}

// backingOff returns how long searches stay lexical still after the
// embedder failed (zero or less: they do not), and its error.
func (h *Hybrid) backingOff() (wait time.Duration, err error) {
	h.failMu.Lock()
	defer h.failMu.Unlock()
	return time.Until(h.failUntil), h.lastErr
}

// embed calls the embedder with the per-call timeout, for purpose
// (purposeRequest or purposeTools).
func (h *Hybrid) embed(ctx context.Context, purpose string, texts []string) ([][]float32, error) {
	ctx, cancel := context.WithTimeout(ctx, h.opts.Timeout)
	defer cancel()
	start := time.Now()
	vecs, err := h.emb.Embed(ctx, texts)
	h.metrics.embedded(ctx, purpose, start, err)
	return vecs, err
}

// embeddedTools is how many tools' vectors are searched.
func (h *Hybrid) embeddedTools() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.names)
}

func (h *Hybrid) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// fuse combines two rankings by weighted reciprocal rank fusion, the
// vector ranking at weight vw, the lexical ranking's first hit kept at
// LexicalPlace or higher.
func (h *Hybrid) fuse(lex, vec []Hit, limit int, vw float64) []Hit {
	f := fusion{}
	f.add(lex, h.opts.LexicalWeight, h.opts.RRFK)
	if vw <= 0 { // the lexical index sees the whole request
		return f.best(limit)
	}
	f.add(vec, vw, h.opts.RRFK)
	hits := f.best(limit)
	if len(lex) > 0 {
		keepPlace(hits, lex[0].Name, h.opts.LexicalPlace)
	}
	return hits
}

// vectorSearch ranks tools by the cosine similarity of their vectors to
// the query's. A request of several sentences or clauses is ranked as
// several requests: the whole request and each part (one embedder call for
// all of them), the rankings fused, so that a request for several things
// finds each of them rather than what the whole is closest to.
func (h *Hybrid) vectorSearch(ctx context.Context, query string, k int, filter func(string) bool) ([]Hit, error) {
	if !h.background {
		if err := h.refresh(ctx, false); err != nil {
			return nil, err
		}
	}
	if h.embeddedTools() == 0 && h.ix.Len() > 0 {
		return nil, errWarming // no vector to rank by: the request is not embedded for nothing
	}
	texts, weights := h.requestParts(query)
	qv, err := h.embedRequest(ctx, texts)
	if err != nil {
		return nil, err
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.gen != h.ix.generation() {
		// A refresh is embedding the index's changes: these vectors may
		// hold tools removed since.
		filter = h.indexed(filter)
	}
	rankings, err := h.nearest(qv, k, filter)
	if err != nil {
		return nil, err
	}
	if len(rankings) == 1 {
		return rankings[0], nil
	}
	f := make(fusion, 2*k)
	for i, hits := range rankings {
		f.add(hits, weights[i], h.ix.p.FuseK)
	}
	return f.best(k), nil
}

// errWarming is why a search is lexical while another embeds the
// catalogue's first tools: there are no vectors to rank by yet.
var errWarming = errors.New("search: the catalogue's tools are being embedded; ranked lexically until they are")

// indexed returns filter restricted to the tools the index holds.
func (h *Hybrid) indexed(filter func(string) bool) func(string) bool {
	return func(name string) bool {
		return h.ix.has(name) && (filter == nil || filter(name))
	}
}

// minClauseWords is the fewest words a clause needs to be ranked by
// vector on its own.
const minClauseWords = 3

// requestParts returns the texts a request is ranked by, by vector, and
// each one's weight in the fusion: the whole request; each sentence of
// several, as the index weighs them; and each clause of a sentence of
// several clauses, at ClauseWeight.
func (h *Hybrid) requestParts(query string) (texts []string, weights []float64) {
	p := &h.ix.p
	texts, weights = []string{query}, []float64{p.FuseFull}
	segs := splitSegments(rewritePaths(query))
	for _, s := range segs {
		if len(segs) > 1 {
			texts, weights = append(texts, s), append(weights, p.FuseSeg)
		}
		if h.opts.ClauseWeight <= 0 {
			continue
		}
		if cl := splitClauses(s); len(cl) > 1 {
			for _, c := range cl {
				if len(strings.Fields(c)) >= minClauseWords {
					texts, weights = append(texts, c), append(weights, h.opts.ClauseWeight)
				}
			}
		}
	}
	return texts, weights
}

// nearest returns, for each of qs (unit vectors), the k tools whose
// vectors are closest to it; h.mu is held. One pass over the tools'
// vectors serves every query vector: each tool's vector is read from
// memory once. A large pass is split among the processors, each
// selecting the best of its share; selection orders hits by score, then
// name, so the merged answer is the one a single pass gives.
func (h *Hybrid) nearest(qs [][]float32, k int, filter func(string) bool) ([][]Hit, error) {
	for _, q := range qs {
		if len(q) != len(qs[0]) {
			return nil, fmt.Errorf("search: embedder returned vectors of %d and %d dimensions", len(qs[0]), len(q))
		}
		if h.dim != 0 && len(q) != h.dim {
			h.redo.Store(true) // the model changed: the next refresh embeds every tool again
			if h.stale != nil {
				h.stale()
			}
			return nil, fmt.Errorf("search: query vector has %d dimensions, tool vectors %d", len(q), h.dim)
		}
	}
	n := len(h.vecs)
	return h.nearestIn(qs, k, filter, min(runtime.GOMAXPROCS(0), n*len(qs)*h.dim/minShareWork+1, n)), nil
}

// nearestIn is nearest's pass in shares parts.
func (h *Hybrid) nearestIn(qs [][]float32, k int, filter func(string) bool, shares int) [][]Hit {
	n := len(h.vecs)
	if shares <= 1 {
		return sortedHits(h.scan(qs, k, filter, 0, n))
	}
	tops := make([][]topHits, shares)
	var wg sync.WaitGroup
	for i := range shares {
		wg.Go(func() { tops[i] = h.scan(qs, k, filter, i*n/shares, (i+1)*n/shares) })
	}
	wg.Wait()
	merged := tops[0]
	for _, share := range tops[1:] {
		for j := range share {
			for _, hit := range share[j].h {
				merged[j].offerHit(hit) // filtered already by its share
			}
		}
	}
	return sortedHits(merged)
}

// minShareWork is the least work, in multiplications, worth a goroutine
// of nearest's pass: about 0.2 ms.
const minShareWork = 1 << 21

// scan selects, for each of qs, the best k of the tools' vectors from lo
// to hi; h.mu is held.
func (h *Hybrid) scan(qs [][]float32, k int, filter func(string) bool, lo, hi int) []topHits {
	tops := make([]topHits, len(qs))
	for j := range qs {
		tops[j] = selectHits(k, len(h.vecs), filter)
	}
	var four [4]float32
	for i, v := range h.vecs[lo:hi] { // all of length h.dim (refresh checked)
		name := h.names[lo+i]
		j := 0
		if haveFMA { // four request vectors at a time: v read once for them
			for ; j+4 <= len(qs); j += 4 {
				dots4(v, qs[j], qs[j+1], qs[j+2], qs[j+3], &four)
				for k, score := range four {
					tops[j+k].offerHit(Hit{Name: name, Score: float64(score)})
				}
			}
		}
		for ; j < len(qs); j++ {
			tops[j].offerHit(Hit{Name: name, Score: float64(dot(qs[j], v))})
		}
	}
	return tops
}

func sortedHits(tops []topHits) [][]Hit {
	out := make([][]Hit, len(tops))
	for j := range tops {
		out[j] = tops[j].sorted()
	}
	return out
}

// toolText is what a refresh knows of a tool's text: the content hash of
// the document it was made from, and the text's hash.
type toolText struct {
	doc  uint64      // Document.hash
	text contentHash // hashText(embedText(doc))
}

// toolChunk is how many tools' texts one embedder call carries when the
// catalogue is embedded.
const toolChunk = 64

// Refresh embeds the tools of the index that have no vector yet, so that
// no search waits for them: an application may call it at start. Search
// refreshes on its own when the index changed. Each embedder call is
// bounded by HybridOptions.Timeout, and the vectors of the calls that
// succeeded are kept when a later one fails. A failure keeps searches
// lexical for HybridOptions.RetryAfter, as a search's own failure does.
func (h *Hybrid) Refresh(ctx context.Context) error {
	err := h.refresh(ctx, true)
	if err != nil && ctx.Err() == nil {
		h.backOff(err)
	}
	return err
}

// refresh brings the tool vectors up to date with the index, embedding
// only texts not in the cache. When another refresh is under way it waits
// for it if wait is set or there are no vectors yet; otherwise it returns
// at once, and the search goes on with the vectors of before.
func (h *Hybrid) refresh(ctx context.Context, wait bool) error {
	gen := h.ix.generation()
	h.mu.RLock()
	fresh, ready := h.ready && h.gen == gen && !h.redo.Load(), h.ready
	h.mu.RUnlock()
	if fresh {
		return nil
	}
	select {
	case h.refreshing <- struct{}{}:
	default:
		if ready && !wait {
			return nil
		}
		select {
		case h.refreshing <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer h.unlockCache()
	gen, docs := h.ix.snapshot()
	h.mu.RLock()
	fresh = h.ready && h.gen == gen && !h.redo.Load()
	h.mu.RUnlock()
	if fresh {
		return nil
	}
	if h.redo.Swap(false) {
		clear(h.cache)
		clear(h.stash)
	}
	hashes := make([]contentHash, len(docs))
	var missing []string
	var missingHash []contentHash
	seen := map[contentHash]bool{}
	texts := make(map[string]toolText, len(docs))
	for i := range docs {
		d := &docs[i]
		t, ok := h.texts[d.doc.Name]
		text := ""
		if !ok || t.doc != d.hash { // the text of an unchanged tool is known
			text = embedText(&d.doc)
			t = toolText{doc: d.hash, text: hashText(text)}
		}
		texts[d.doc.Name], hashes[i] = t, t.text
		if v, ok := h.stash[t.text]; ok {
			if _, ok := h.cache[t.text]; !ok {
				h.cache[t.text] = v
			}
			delete(h.stash, t.text)
		}
		if _, ok := h.cache[t.text]; !ok && !seen[t.text] {
			if text == "" {
				text = embedText(&d.doc)
			}
			seen[t.text] = true
			missing = append(missing, text)
			missingHash = append(missingHash, t.text)
		}
	}
	h.texts = texts
	dim, err := h.embedTools(ctx, missing, missingHash)
	if err != nil {
		return err
	}
	names := make([]string, len(docs))
	vecs := make([][]float32, len(docs))
	live := make(map[contentHash]bool, len(hashes))
	for i := range docs {
		live[hashes[i]] = true
		names[i], vecs[i] = docs[i].doc.Name, h.cache[hashes[i]]
		if dim == 0 {
			dim = len(vecs[i])
		}
	}
	dropped := 0
	for k, v := range h.cache { // drop vectors of tools no longer indexed
		if !live[k] {
			delete(h.cache, k)
			dropped++
			continue
		}
		if len(v) != dim { // of a model of before: embedded again next time
			delete(h.cache, k)
			err = fmt.Errorf("search: the embedder returned vectors of %d dimensions, and of %d before: the catalogue is embedded again", dim, len(v))
		}
	}
	if err != nil {
		clear(h.stash)
		return err
	}
	if len(missing) > 0 || dropped > 0 { // what a vectors file written before lacks, or holds too many of
		h.changed.Add(1)
	}
	h.mu.Lock()
	h.gen, h.ready, h.names, h.vecs, h.dim = gen, true, names, vecs, dim
	h.mu.Unlock()
	return nil
}

// embedTools embeds the tools' texts that no vector covers, toolChunk a
// call, and caches their vectors by hashes; it returns the vectors'
// length (0 when there were none to embed). The vectors of the calls that
// succeeded are kept when a later one fails.
func (h *Hybrid) embedTools(ctx context.Context, texts []string, hashes []contentHash) (dim int, err error) {
	for start := 0; start < len(texts); start += toolChunk {
		end := min(start+toolChunk, len(texts))
		vecs, err := h.embed(ctx, purposeTools, texts[start:end])
		if err != nil {
			return 0, fmt.Errorf("search: embedding tools %d-%d of %d: %w", start+1, end, len(texts), err)
		}
		if dim != 0 && len(vecs) > 0 && len(vecs[0]) != dim {
			// The model changed between two calls: embedded again next time.
			clear(h.cache)
			clear(h.stash)
			return 0, fmt.Errorf("search: embedding tools %d-%d of %d: vectors of %d dimensions, and of %d in the call before", start+1, end, len(texts), len(vecs[0]), dim)
		}
		vecs, err = unitVectors(vecs, end-start)
		if err != nil {
			return 0, fmt.Errorf("search: embedding tools %d-%d of %d: %w", start+1, end, len(texts), err)
		}
		for i, v := range vecs {
			// Each its own allocation: a removed tool's vector is freed
			// with it, not kept by the others of its call.
			h.cache[hashes[start+i]] = slices.Clone(v)
			dim = len(v)
		}
	}
	return dim, nil
}

// lockCache takes the refresh token, which guards the cache, waiting as
// long as ctx allows.
func (h *Hybrid) lockCache(ctx context.Context) error {
	select {
	case h.refreshing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hybrid) unlockCache() { <-h.refreshing }
