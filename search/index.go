package search

import (
	"encoding/json"
	"hash/fnv"
	"maps"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

// A Document is one tool as the index sees it: the published tool and,
// optionally, a description of the target that owns it (see
// [toolgate.Describer]).
type Document struct {
	toolgate.ToolInfo
	// TargetDescription describes the owning target; it is indexed with
	// each of the target's tools, so that a query naming what a service
	// is for finds its tools.
	TargetDescription string
}

// A Hit is one search result: a published tool name and its score. Scores
// are comparable within one result list only.
type Hit struct {
	// Name is the tool's published name (ToolInfo.Name).
	Name string `json:"name"`
	// Score is the relevance, higher is better.
	Score float64 `json:"score"`
}

// SearchOptions tune one search.
type SearchOptions struct {
	// Limit is the largest number of hits returned; zero means 10.
	Limit int
	// Filter, if set, is asked about each candidate tool by published
	// name; tools for which it returns false are never returned. Use it
	// to show a caller only the tools it may call. A hybrid search over
	// a large catalogue calls it from several goroutines at once.
	Filter func(name string) bool
	// Scope, if set, searches with the words callers taught within it
	// (Index.LearnScoped) as well as those every caller taught: a
	// tenant's, say. A search without it sees no scope's words.
	Scope string
}

func (o *SearchOptions) scope() string {
	if o == nil {
		return ""
	}
	return o.Scope
}

func (o *SearchOptions) limit() int {
	if o == nil || o.Limit <= 0 {
		return 10
	}
	return o.Limit
}

// The indexed fields of a tool, each with its own weight.
const (
	fieldName    = iota // the tool's name, identifiers split
	fieldTitle          // the title
	fieldDesc           // the description
	fieldParams         // parameter names, titles, descriptions, enum values
	fieldTarget         // target name and description
	fieldConcept        // WordNet concepts of the name, title and description
	fieldLearned        // words learned from callers (learn.go)
	numFields
)

// An Index is a lexical index over tools, ranked with BM25F over the
// fields above plus a few general rules (see doc.go). It is safe for
// concurrent use; updates are incremental and searches see either the
// state before or after an update, never a part of it.
//
// Results are deterministic: equal scores are ordered by name.
type Index struct {
	mu       sync.RWMutex
	p        tuning.Params
	termID   map[string]uint32
	prefixes map[string][]uint32 // first prefixLen bytes of a term -> term ids
	terms    []string            // by term id
	postings [][]posting         // by term id
	docs     []docEntry          // by slot; a free slot has name ""
	free     []uint32
	byName   map[string]uint32
	lenSum   [numFields]float64
	live     int
	nameIDF  []float64 // by slot; see refreshStats
	gen      uint64    // bumped on every change
	scratch  sync.Pool // *scoreState, reused between rankings
	related  relatedCache
	// expansions holds query term expansions between searches; see
	// expansions.go.
	expansions expansionCache
	learn      *learner // nil unless EnableLearning
}

type posting struct {
	doc uint32
	tf  [numFields]uint8
	// sat is the BM25F term-frequency saturation tf/(k1+tf) of the
	// field-weighted, length-normalised tf; it depends on the average
	// field lengths, so refreshStats recomputes it after each change.
	sat float32
}

type docEntry struct {
	name      string
	hash      uint64
	lens      [numFields]uint16
	terms     []uint32 // distinct term ids, for removal
	nameTerms []uint32 // distinct term ids of the name field
	doc       Document
	learned   []string // the terms of fieldLearned
}

// NewIndex returns an empty index.
func NewIndex() *Index { return newIndex(tuning.Default()) }

func newIndex(p tuning.Params) *Index {
	return &Index{
		p:        p,
		termID:   make(map[string]uint32),
		prefixes: make(map[string][]uint32),
		byName:   make(map[string]uint32),
	}
}

// Len reports the number of tools in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Document returns the indexed document of the named tool.
func (ix *Index) Document(name string) (Document, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	slot, ok := ix.byName[name]
	if !ok {
		return Document{}, false
	}
	return ix.docs[slot].doc, true
}

// has reports whether the named tool is indexed.
func (ix *Index) has(name string) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, ok := ix.byName[name]
	return ok
}

// Names returns the names of all indexed tools, sorted.
func (ix *Index) Names() []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]string, 0, ix.live)
	for name := range ix.byName {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Upsert adds documents, replacing any indexed tool of the same name.
// A document whose content has not changed costs only a hash, and an
// Upsert that changes nothing leaves the collection statistics (and what
// depends on them) as they are; so do Remove and Sync.
func (ix *Index) Upsert(docs ...Document) {
	idx := make([]int, len(docs))
	for i := range idx {
		idx[i] = i
	}
	prepared := prepareAll(docs, idx, &ix.p, ix.learner())
	ix.mu.Lock()
	defer ix.mu.Unlock()
	changed := false
	for i := range prepared {
		changed = ix.upsertLocked(&prepared[i]) || changed
	}
	if changed {
		ix.refreshStats()
	}
}

// Remove removes the named tools; unknown names are ignored.
func (ix *Index) Remove(names ...string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	changed := false
	for _, n := range names {
		changed = ix.removeLocked(n) || changed
	}
	if changed {
		ix.refreshStats()
	}
}

// Sync makes the index hold exactly docs: new tools are added, changed
// ones re-indexed, missing ones removed, unchanged ones left alone. It
// reports how many tools were added or changed and how many removed.
func (ix *Index) Sync(docs []Document) (changed, removed int) {
	want := make(map[string]struct{}, len(docs))
	for i := range docs {
		want[docs[i].Name] = struct{}{}
	}
	var prepared []preparedDoc
	ix.mu.RLock()
	var todo []int
	for i := range docs {
		if slot, ok := ix.byName[docs[i].Name]; ok && ix.docs[slot].hash == docs[i].hash() {
			continue
		}
		todo = append(todo, i)
	}
	ix.mu.RUnlock()
	prepared = prepareAll(docs, todo, &ix.p, ix.learner())
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var gone []string
	for name := range ix.byName {
		if _, ok := want[name]; !ok {
			gone = append(gone, name)
		}
	}
	dirty := len(gone) > 0
	for i := range prepared {
		dirty = ix.upsertLocked(&prepared[i]) || dirty
	}
	for _, n := range gone {
		ix.removeLocked(n)
	}
	if dirty {
		ix.refreshStats() // else the statistics and cached expansions still hold
	}
	return len(prepared), len(gone)
}

// preparedDoc is a document analysed outside the lock.
type preparedDoc struct {
	doc     Document
	hash    uint64
	lens    [numFields]uint16
	tf      map[string]*[numFields]uint8
	learned []string
}

// prepare analyses d, with the terms learned for it (see learn.go).
func prepare(a *analyzer, d *Document, p *tuning.Params, learned []string) preparedDoc {
	pd := prepareText(a, d)
	pd.learned = learned
	for _, t := range learned {
		pd.count(t, fieldLearned)
	}
	if p.Plain || p.ConceptW <= 0 {
		return pd
	}
	words := func(_, w string) {
		for _, c := range a.concepts(w, p) {
			pd.count(c, fieldConcept)
		}
	}
	name := d.Tool.Name
	if name == "" {
		name = d.Name
	}
	a.analyzeWords(name, words)
	a.analyzeWords(d.Tool.Title, words)
	a.analyzeWords(d.Tool.Description, words)
	return pd
}

// count counts one occurrence of term t in field f, each count saturating.
func (pd *preparedDoc) count(t string, f int) {
	c := pd.tf[t]
	if c == nil {
		c = new([numFields]uint8)
		pd.tf[t] = c
	}
	if c[f] < math.MaxUint8 {
		c[f]++
	}
	if pd.lens[f] < math.MaxUint16 {
		pd.lens[f]++
	}
}

// prepareText analyses the text fields of d.
func prepareText(a *analyzer, d *Document) preparedDoc {
	p := preparedDoc{doc: *d, hash: d.hash(), tf: make(map[string]*[numFields]uint8)}
	add := func(f int) func(string) {
		return func(t string) { p.count(t, f) }
	}
	name := d.Tool.Name
	if name == "" {
		name = d.Name
	}
	a.analyze(name, add(fieldName))
	a.analyze(d.Tool.Title, add(fieldTitle))
	a.analyze(d.Tool.Description, add(fieldDesc))
	if len(d.Tool.InputSchema) > 0 {
		schemaText(a, d.Tool.InputSchema, add(fieldParams))
	}
	if len(d.Tool.OutputSchema) > 0 {
		schemaText(a, d.Tool.OutputSchema, add(fieldParams))
	}
	a.analyze(d.Target, add(fieldTarget))
	a.analyze(d.TargetDescription, add(fieldTarget))
	return p
}

// prepareAll analyses docs[i] for each i in idx, on several goroutines
// when there are many, with the terms l learned for them (l may be nil).
func prepareAll(docs []Document, idx []int, p *tuning.Params, l *learner) []preparedDoc {
	out := make([]preparedDoc, len(idx))
	workers := min(runtime.GOMAXPROCS(0), len(idx)/256+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var a analyzer
			for j := w; j < len(idx); j += workers {
				d := &docs[idx[j]]
				out[j] = prepare(&a, d, p, l.learned(d.Name))
			}
		})
	}
	wg.Wait()
	return out
}

// hash is a content hash of everything the index reads from d.
func (d *Document) hash() uint64 {
	h := fnv.New64a()
	for _, s := range []string{d.Name, d.Target, d.TargetDescription, d.Tool.Name, d.Tool.Title, d.Tool.Description} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(d.Tool.InputSchema)
	h.Write([]byte{0})
	h.Write(d.Tool.OutputSchema)
	return h.Sum64()
}

func (ix *Index) upsertLocked(p *preparedDoc) (changed bool) {
	if slot, ok := ix.byName[p.doc.Name]; ok {
		if ix.docs[slot].hash == p.hash && slices.Equal(ix.docs[slot].learned, p.learned) {
			return false
		}
		ix.removeLocked(p.doc.Name)
	}
	var slot uint32
	if n := len(ix.free); n > 0 {
		slot = ix.free[n-1]
		ix.free = ix.free[:n-1]
	} else {
		slot = uint32(len(ix.docs))
		ix.docs = append(ix.docs, docEntry{})
	}
	// Insert terms in sorted order so term ids do not depend on map order.
	keys := slices.Sorted(maps.Keys(p.tf))
	ids := make([]uint32, 0, len(keys))
	var nameIDs []uint32
	for _, t := range keys {
		id, ok := ix.termID[t]
		if !ok {
			id = uint32(len(ix.terms))
			ix.termID[t] = id
			ix.terms = append(ix.terms, t)
			ix.postings = append(ix.postings, nil)
			if len(t) >= prefixLen && !isScoped(t) {
				ix.prefixes[t[:prefixLen]] = append(ix.prefixes[t[:prefixLen]], id)
			}
		}
		ix.postings[id] = append(ix.postings[id], posting{doc: slot, tf: *p.tf[t]})
		ids = append(ids, id)
		if p.tf[t][fieldName] > 0 {
			nameIDs = append(nameIDs, id)
		}
	}
	ix.docs[slot] = docEntry{name: p.doc.Name, hash: p.hash, lens: p.lens, terms: ids, nameTerms: nameIDs, doc: p.doc, learned: p.learned}
	ix.byName[p.doc.Name] = slot
	for f := range numFields {
		ix.lenSum[f] += float64(p.lens[f])
	}
	ix.live++
	ix.gen++
	return true
}

func (ix *Index) removeLocked(name string) (removed bool) {
	slot, ok := ix.byName[name]
	if !ok {
		return false
	}
	e := &ix.docs[slot]
	for _, id := range e.terms {
		pl := ix.postings[id]
		for i := range pl {
			if pl[i].doc == slot {
				// Keep the list ordered by insertion: order does not
				// change scores, but a stable layout keeps runs repeatable.
				ix.postings[id] = append(pl[:i], pl[i+1:]...)
				break
			}
		}
	}
	for f := range numFields {
		ix.lenSum[f] -= float64(e.lens[f])
	}
	*e = docEntry{}
	delete(ix.byName, name)
	ix.free = append(ix.free, slot)
	ix.live--
	ix.gen++
	return true
}

// schemaText feeds the text of a JSON Schema's properties to emit:
// property names, titles, descriptions and string enum values, nested
// objects and array items included.
func schemaText(a *analyzer, raw json.RawMessage, emit func(string)) {
	var s schemaNode
	if err := json.Unmarshal(raw, &s); err != nil {
		return
	}
	s.walk(a, emit, 0)
}

// schemaNode is the part of a JSON Schema the index reads.
type schemaNode struct {
	Title       string                 `json:"title"`
	Description string                 `json:"description"`
	Enum        []json.RawMessage      `json:"enum"`
	Properties  map[string]*schemaNode `json:"properties"`
	Items       json.RawMessage        `json:"items"` // a schema, or an array of them in old drafts
}

func (s *schemaNode) walk(a *analyzer, emit func(string), depth int) {
	if s == nil || depth > 4 {
		return
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		a.analyze(n, emit)
		pm := s.Properties[n]
		if pm == nil {
			continue
		}
		a.analyze(pm.Title, emit)
		a.analyze(pm.Description, emit)
		for _, e := range pm.Enum {
			var v string
			if json.Unmarshal(e, &v) == nil {
				a.analyze(v, emit)
			}
		}
		pm.walk(a, emit, depth+1)
	}
	if len(s.Items) > 0 && s.Items[0] == '{' {
		var items schemaNode
		if json.Unmarshal(s.Items, &items) == nil {
			items.walk(a, emit, depth+1)
		}
	}
}

// Search returns the tools that best match query, most relevant first.
//
// A query of several sentences is treated as several requests: each
// sentence is ranked on its own as well as the whole query, and the
// rankings are fused, so that a request for four different things finds
// four different tools rather than four variants of the first. The
// clauses of a sentence (split at commas and "and") can be ranked too, at
// a lower weight (off in the shipped constants: leave-one-set-out did not
// choose it).
func (ix *Index) Search(query string, opts *SearchOptions) []Hit {
	// The whole request and each sentence are analysed: the analyzer
	// remembers each word, and is sized for about a word every six bytes
	// (up to maxSizeHint words).
	a := analyzer{words: make(map[string][]termWord, min(len(query)/6, maxSizeHint))}
	if ix.p.Plain {
		full := parseQuery(&a, query)
		if len(full) == 0 {
			return nil
		}
		ix.mu.RLock()
		defer ix.mu.RUnlock()
		if ix.live == 0 {
			return nil
		}
		return ix.rank(full, opts.limit(), opts, nil)
	}
	query = rewritePaths(query)
	segs := splitSegments(query)
	full := parseQuery(&a, query)
	if len(full) == 0 {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.live == 0 {
		return nil
	}
	var parts, clauses [][]queryTerm
	for _, s := range segs {
		if len(segs) > 1 {
			if q := parseQuery(&a, s); len(q) > 0 {
				parts = append(parts, q)
			}
		}
		if ix.p.FuseClause <= 0 {
			continue // clause rankings are off: no need to parse them
		}
		if cl := splitClauses(s); len(cl) > 1 {
			for _, c := range cl {
				if q := parseQuery(&a, c); len(q) >= minClauseTerms {
					clauses = append(clauses, q)
				}
			}
		}
	}
	k := opts.limit()
	memo := make(map[string]expansion, len(full))
	if len(parts) < 2 && (len(clauses) == 0 || ix.p.FuseClause <= 0) {
		return ix.rank(full, k, opts, memo)
	}
	cand := max(k, ix.p.FuseDepth)
	scores := make(fusion, min(2*cand, ix.live))
	scores.add(ix.rank(full, cand, opts, memo), ix.p.FuseFull, ix.p.FuseK)
	for _, q := range parts {
		scores.add(ix.rank(q, cand, opts, memo), ix.p.FuseSeg, ix.p.FuseK)
	}
	if ix.p.FuseClause > 0 {
		for _, q := range clauses {
			scores.add(ix.rank(q, cand, opts, memo), ix.p.FuseClause, ix.p.FuseK)
		}
	}
	return scores.best(k)
}

// maxSizeHint bounds the maps sized from a request's length: a long
// request repeats its words.
const maxSizeHint = 1024

// minClauseTerms is the fewest terms a clause needs to be ranked on its
// own: a clause of one word is too weak a request.
const minClauseTerms = 2

// clauseRE separates the clauses of a sentence: a comma followed by a
// space (not the comma of "15,000"), or "and".
var clauseRE = regexp.MustCompile(`(?i),\s+|，\s*|\s+and\s+`)

// splitClauses splits a sentence into clauses at commas and "and"; a
// sentence without them is one clause.
func splitClauses(s string) []string {
	var out []string
	for _, c := range clauseRE.Split(s, -1) {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

type queryTerm struct {
	term   string
	weight float64
	words  []string // the words of the query the term comes from, lower case
}

// parseQuery analyses query text into distinct terms with weights (term
// frequency in the query, dampened), in sorted order.
func parseQuery(a *analyzer, query string) []queryTerm {
	// One map, sized for the query (a term every eight bytes or so, up to
	// maxSizeHint), from a term to its place in q; weight counts
	// occurrences until the end.
	at := make(map[string]int, min(len(query)/8, maxSizeHint))
	var q []queryTerm
	a.analyzeWords(query, func(t, w string) {
		i, ok := at[t]
		if !ok {
			i = len(q)
			at[t] = i
			q = append(q, queryTerm{term: t})
		}
		q[i].weight++
		if w != "" && !slices.Contains(q[i].words, w) {
			q[i].words = append(q[i].words, w)
		}
	})
	slices.SortFunc(q, func(x, y queryTerm) int { return strings.Compare(x.term, y.term) })
	for i := range q {
		q[i].weight = 1 + math.Log(q[i].weight)
	}
	return q
}

// tokenRE matches a run of characters that may form a path or URL.
var tokenRE = regexp.MustCompile("[^\\s'\"`()<>,;“”‘’]+")

// rewritePaths replaces each file path in a request by the word "file",
// the file's base name and its extension: a request that names a path is
// about a file, and the folders on the way carry little about the tool
// it needs (a report saved under /root/markdown is not a request for a
// Markdown converter). URLs are left alone.
func rewritePaths(q string) string {
	if !strings.ContainsAny(q, "/\\") {
		return q
	}
	return tokenRE.ReplaceAllStringFunc(q, func(tok string) string {
		p := strings.TrimRight(tok, ".?!:")
		if strings.Contains(p, "://") || !isPath(p) {
			return tok
		}
		base := p[strings.LastIndexAny(strings.TrimRight(p, "/\\"), "/\\")+1:]
		base = strings.TrimRight(base, "/\\")
		return " file " + strings.ReplaceAll(base, ".", " ") + " " + tok[len(p):]
	})
}

// isPath reports whether tok looks like a file path: two separators or
// more, or rooted (/, ~/, ./, a drive letter) with a file extension
// ("/notes.txt", not "/login").
func isPath(tok string) bool {
	seps := strings.Count(tok, "/") + strings.Count(tok, "\\")
	if seps == 0 {
		return false
	}
	rooted := strings.HasPrefix(tok, "/") || strings.HasPrefix(tok, "~/") || strings.HasPrefix(tok, "./") ||
		strings.HasPrefix(tok, "../") || len(tok) > 2 && tok[1] == ':' && (tok[2] == '\\' || tok[2] == '/')
	last := tok[strings.LastIndexAny(tok, "/\\")+1:]
	ext := strings.LastIndexByte(last, '.') > 0
	return seps >= 2 || rooted && (ext || strings.HasPrefix(tok, "~/"))
}

// thenRE finds a clause that starts a new step of a request: ", then",
// ", and then", ", after that".
var thenRE = regexp.MustCompile(`(?i)[,;]\s+(?:and\s+)?((?:then|after that|afterwards|finally|next)\b)`)

// splitSegments splits text into sentences: at '.', '!', '?' or ';'
// followed by white space, at line breaks, and before a clause that
// starts a new step (", then ...").
func splitSegments(text string) []string {
	text = thenRE.ReplaceAllString(text, ".\n$1")
	var out []string
	start := 0
	for i, c := range text {
		end := false
		switch c {
		case '\n':
			end = true
		case '。', '！', '？', '；':
			end = true
		case '.', '!', '?', ';':
			end = i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\t' || text[i+1] == '\n'
		}
		if end {
			next := i + utf8.RuneLen(c)
			if s := strings.TrimSpace(text[start:next]); s != "" {
				out = append(out, s)
			}
			start = next
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// A concept is one query term resolved to weighted index terms: the
// term itself and, at lower weights, indexed terms that share its stem as
// a prefix (rent, rental) and the WordNet synonyms and derived words of
// the query word (picture, image; translate, translation). A document
// scores the best of its matches with a concept, never their sum, so that
// expansion cannot outweigh the query itself.
type concept struct {
	ids     []uint32
	weights []float64
}

// An expansion is a query term's concept at query weight 1 and the concept
// of its broader terms (WordNet hypernyms), which may be empty.
type expansion struct {
	same, broad, concepts concept
}

// expandTerm resolves one query term, at weight 1: the term itself, the
// prefix-related terms, the WordNet synonyms and derived words of the
// words it comes from, and, apart, their broader terms.
func (ix *Index) expandTerm(t string, words []string) expansion {
	var e expansion
	// An expansion term in more than a tenth of the tools says little
	// (its idf is low) and costs a long walk: it is left out.
	maxDF := max(ix.live/10, 2)
	put := func(c *concept, id uint32, w float64) {
		if w < 1 && len(ix.postings[id]) > maxDF {
			return
		}
		if ix.p.CommonDF > 0 && float64(len(ix.postings[id])) > ix.p.CommonDF*float64(ix.live) && ix.live >= minCommonDocs {
			return // a term of most tools: see CommonDF
		}
		for i, x := range c.ids {
			if x == id {
				c.weights[i] = max(c.weights[i], w)
				return
			}
		}
		c.ids = append(c.ids, id)
		c.weights = append(c.weights, w)
	}
	self, hasSelf := ix.termID[t]
	if hasSelf {
		put(&e.same, self, 1)
	}
	if ix.p.PrefixW > 0 && len(t) >= prefixLen {
		for _, id := range ix.prefixes[t[:prefixLen]] {
			v := ix.terms[id]
			if v == t {
				continue
			}
			if (strings.HasPrefix(v, t) && len(v)-len(t) <= ix.p.PrefixExtra) ||
				(strings.HasPrefix(t, v) && len(t)-len(v) <= ix.p.PrefixExtra) {
				put(&e.same, id, ix.p.PrefixW)
			}
		}
	}
	if ix.p.SynW <= 0 && ix.p.DerW <= 0 && ix.p.BroadW <= 0 && ix.p.ConceptW <= 0 {
		return e
	}
	each := func(terms []string, fn func(id uint32)) {
		for _, term := range terms {
			if id, ok := ix.termID[term]; ok && id != self {
				fn(id)
			}
		}
	}
	for _, w := range words {
		r := ix.related.get(w, ix.p)
		each(r.syn, func(id uint32) { put(&e.same, id, ix.p.SynW) })
		each(r.der, func(id uint32) { put(&e.same, id, ix.p.DerW) })
		for l, level := range r.broad {
			w := ix.p.BroadW / float64(l+1)
			each(level, func(id uint32) { put(&e.broad, id, w) })
		}
		for l, level := range r.concepts {
			w := ix.p.ConceptW / float64(l+1)
			each(level, func(id uint32) { put(&e.concepts, id, w) })
		}
	}
	return e
}

// minCommonDocs is the smallest catalogue in which a term can be too
// common to rank by (tuning.Params.CommonDF).
const minCommonDocs = 50

// prefixLen is the length of the stem prefix used to find related terms.
const prefixLen = 4

// rank scores the documents for q and returns the best k that pass the
// filter. The caller holds ix.mu.
//
// The score of a document is its BM25F score, raised by the share of its
// name the query covers (idf-weighted): a query that names every part of
// a tool's name is about that tool more surely than one that mentions a
// part of a long description.
func (ix *Index) rank(q []queryTerm, k int, opts *SearchOptions, memo map[string]expansion) []Hit {
	st := ix.newState()
	defer ix.scratch.Put(st)
	ix.score(st, q, memo)
	ix.scoreScoped(st, q, opts.scope())
	if ix.p.PRFDocs > 0 && ix.p.PRFW > 0 && !ix.p.Plain {
		ix.feedback(st, q, opts)
	}
	return ix.finish(st, k, opts)
}

// score adds the BM25F scores of the documents matching q to st. Each
// query term resolves to concepts (see expansion): the term's own, and
// those of its broader terms and WordNet concepts, less the terms the
// query names itself. Weights scale with the query weight: the best of
// scaled matches is the scaled best.
//
// memo, if not nil, holds the expansions of terms already expanded in
// this search: a search ranks the whole request, each sentence and each
// clause, and their terms repeat.
func (ix *Index) score(st *scoreState, q []queryTerm, memo map[string]expansion) {
	inQuery := st.markQuery(ix, q)
	defer st.unmarkQuery()
	for _, qt := range q {
		e, ok := memo[qt.term]
		if !ok {
			e, st.key = ix.expansion(qt.term, qt.words, st.key)
			if memo != nil {
				memo[qt.term] = e
			}
		}
		for i, c := range [...]*concept{&e.same, &e.broad, &e.concepts} {
			broad := i != 0 // related terms, not the word itself
			keep := func(j int) bool { return !broad || inQuery[c.ids[j]] != inQueryWeight }
			n, last := 0, 0
			for j := range c.ids {
				if keep(j) {
					n, last = n+1, j
				}
			}
			switch {
			case n == 0:
				continue
			case n == 1:
				ix.addTerm(st, c.ids[last], c.weights[last]*qt.weight, false)
				continue
			}
			// Several index terms: keep each document's best match.
			for j, id := range c.ids {
				if keep(j) {
					ix.addTerm(st, id, c.weights[j]*qt.weight, true)
				}
			}
			for _, d := range st.bestTouched {
				st.add(d, st.best[d])
				st.best[d] = match{}
			}
			st.bestTouched = st.bestTouched[:0]
		}
	}
}

// finish applies the name-coverage boost, selects the best k documents
// that pass the filter, and clears st for reuse.
func (ix *Index) finish(st *scoreState, k int, opts *SearchOptions) []Hit {
	g := ix.p.NameCover
	boost := g > 0 && !ix.p.Plain
	top := ix.newTopHits(k, len(st.touched), opts)
	// One pass over the touched documents: boost, select, clear.
	for _, d := range st.touched {
		a := st.acc[d]
		st.acc[d] = match{}
		if boost && a.name > 0 {
			if total := ix.nameIDF[d]; total > 0 {
				a.score *= 1 + g*min(1, a.name/total)
			}
		}
		top.offer(d, a.score)
	}
	st.touched = st.touched[:0]
	return top.sorted()
}

// refreshStats recomputes, after a change, what depends on collection
// statistics: each posting's saturated term frequency, and the summed idf
// of the distinct terms of each document's name. The caller holds ix.mu
// for writing.
func (ix *Index) refreshStats() {
	ix.expansions.clear() // they depend on the catalogue
	p := &ix.p
	n := float64(ix.live)
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = 1
		if n > 0 && ix.lenSum[f] > 0 {
			avg[f] = ix.lenSum[f] / n
		}
	}
	avgAll := 1.0
	if sum := ix.lenSum[0] + ix.lenSum[1] + ix.lenSum[2] + ix.lenSum[3] + ix.lenSum[4]; n > 0 && sum > 0 {
		avgAll = sum / n
	}
	for _, pl := range ix.postings {
		for i := range pl {
			e := &pl[i]
			lens := &ix.docs[e.doc].lens
			var tfw float64
			if p.Plain { // one text: BM25
				var tf, l float64
				for f := range numFields {
					tf += float64(e.tf[f])
					l += float64(lens[f])
				}
				tfw = tf / (1 - p.B[fieldDesc] + p.B[fieldDesc]*l/avgAll)
			} else {
				for f := range numFields {
					if tf := e.tf[f]; tf > 0 {
						norm := 1 - p.B[f] + p.B[f]*float64(lens[f])/avg[f]
						tfw += p.W[f] * float64(tf) / norm
					}
				}
			}
			e.sat = float32(tfw / (p.K1 + tfw))
		}
	}
	ix.nameIDF = slices.Grow(ix.nameIDF[:0], len(ix.docs))[:len(ix.docs)]
	for d := range ix.docs {
		var t float64
		for _, id := range ix.docs[d].nameTerms {
			t += idf(float64(len(ix.postings[id])), n)
		}
		ix.nameIDF[d] = t
	}
}

func idf(df, n float64) float64 { return math.Log(1 + (n-df+0.5)/(df+0.5)) }

// scoreState holds one ranking's accumulators.
type scoreState struct {
	buf *[]match // pooled: the two slices below, back to back
	// acc holds, per document slot, the BM25F score and the idf of the
	// name terms matched; the two are read and written together, so they
	// share a cache line.
	acc     []match
	best    []match // best match with the current concept, per document slot
	touched []uint32
	// bestTouched lists the documents with a best match.
	bestTouched []uint32
	termW       []float64    // feedback weight per term id, zero between uses
	marked      []uint32     // the query's terms marked in termW
	key         []byte       // expansion cache key
	cands       []termWeight // feedback candidates
	n           float64
}

type match struct{ score, name float64 }

func (st *scoreState) add(d uint32, m match) {
	a := &st.acc[d]
	if a.score == 0 {
		st.touched = append(st.touched, d)
	}
	a.score += m.score
	a.name += m.name
}

func (ix *Index) newState() *scoreState {
	st, _ := ix.scratch.Get().(*scoreState)
	if st == nil {
		st = &scoreState{touched: make([]uint32, 0, 256)}
	}
	st.n = float64(ix.live)
	st.touched, st.bestTouched = st.touched[:0], st.bestTouched[:0]
	nd := len(ix.docs)
	if st.buf == nil || cap(*st.buf) < 2*nd {
		b := make([]match, 2*nd)
		st.buf = &b
	}
	all := (*st.buf)[:2*nd]
	st.acc, st.best = all[:nd], all[nd:]
	return st
}

// inQueryWeight marks, in st.termW, a term the query names (markQuery):
// feedback leaves it out, and so do broader concepts. Feedback weights
// are sums of idf, which is positive.
const inQueryWeight = -1

// markQuery sets st.termW to inQueryWeight for the indexed terms of q,
// and returns st.termW, otherwise zero; unmarkQuery clears the marks.
func (st *scoreState) markQuery(ix *Index, q []queryTerm) []float64 {
	w := st.termWeights(len(ix.terms))
	st.marked = st.marked[:0]
	for _, qt := range q {
		if id, ok := ix.termID[qt.term]; ok {
			w[id] = inQueryWeight
			st.marked = append(st.marked, id)
		}
	}
	return w
}

func (st *scoreState) unmarkQuery() {
	for _, id := range st.marked {
		st.termW[id] = 0
	}
	st.marked = st.marked[:0]
}

// termWeights returns st's per-term array for n terms, all zero.
func (st *scoreState) termWeights(n int) []float64 {
	if cap(st.termW) < n {
		st.termW = make([]float64, n, n+n/4)
	}
	st.termW = st.termW[:n]
	return st.termW
}

// addTerm adds the BM25F contribution of term id, scaled by w, to st, or,
// if best is set, keeps the largest contribution per document in st.best.
func (ix *Index) addTerm(st *scoreState, id uint32, w float64, best bool) {
	pl := ix.postings[id]
	if len(pl) == 0 {
		return
	}
	termIDF := idf(float64(len(pl)), st.n)
	nameW := min(w, 1) * termIDF
	w *= termIDF
	if best {
		for i := range pl {
			e := &pl[i]
			m := match{score: w * float64(e.sat)}
			if e.tf[fieldName] > 0 {
				m.name = nameW
			}
			b := &st.best[e.doc]
			if b.score == 0 && b.name == 0 {
				st.bestTouched = append(st.bestTouched, e.doc)
			}
			b.score = max(b.score, m.score)
			b.name = max(b.name, m.name)
		}
		return
	}
	for i := range pl {
		e := &pl[i]
		m := match{score: w * float64(e.sat)}
		if e.tf[fieldName] > 0 {
			m.name = nameW
		}
		st.add(e.doc, m)
	}
}

// generation returns a number that changes whenever the index does.
func (ix *Index) generation() uint64 {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.gen
}

// hashedDoc is an indexed document and its content hash.
type hashedDoc struct {
	doc  Document
	hash uint64 // Document.hash
}

// snapshot returns the generation and the indexed documents with their
// content hashes, by name order.
func (ix *Index) snapshot() (uint64, []hashedDoc) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	docs := make([]hashedDoc, 0, ix.live)
	for i := range ix.docs {
		if e := &ix.docs[i]; e.name != "" {
			docs = append(docs, hashedDoc{e.doc, e.hash})
		}
	}
	slices.SortFunc(docs, func(a, b hashedDoc) int { return strings.Compare(a.doc.Name, b.doc.Name) })
	return ix.gen, docs
}
