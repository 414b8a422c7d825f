package search

import "slices"

// Companion tools.
//
// MCP tools often say in a parameter's description which tool of the same
// server supplies the argument: "the station_code, obtained from
// get-station-code-by-names", "a library ID from resolve-library-id",
// "call get-current-date first for relative dates". Such a tool is a step
// of the same task, and the request rarely names it (it asks for train
// tickets, not for station codes). When one of the first hits names a
// sibling tool in its input schema, the sibling gets half its referrer's
// rank-fusion score, 0.5/(0.1 + r) for the hit at rank r, which places it
// just after rank 2r (third for the first hit's companions).
//
// Only names that cannot be ordinary prose count: a name with a '_', '-'
// or '.', or camelCase ("search" or "fetch" in a description is a word,
// "get-current-date" is a tool).

// companions re-ranks hits, the final ranking best first, raising the
// tools that the first ix.p.compDepth hits name in their input schemas. It
// returns hits unchanged when there are none. The caller holds ix.mu.
func (ix *Index) companions(hits []Hit, k int, opts *SearchOptions) []Hit {
	if ix.p.compW <= 0 || len(ix.byTool) == 0 {
		return hits
	}
	var bonus map[string]float64
	for i := 0; i < len(hits) && i < ix.p.compDepth; i++ {
		slot, ok := ix.byName[hits[i].Name]
		if !ok {
			continue
		}
		e := &ix.docs[slot]
		siblings := ix.byTool[e.doc.Target]
		if len(siblings) < 2 {
			continue
		}
		share := ix.p.compW / (ix.p.fuseK + float64(i+1))
		var named []uint32 // each sibling counts once per referrer
		eachIdentifier(e.doc.Tool.InputSchema, func(tok []byte) {
			for _, s := range siblings[string(tok)] {
				if s != slot && !slices.Contains(named, s) {
					named = append(named, s)
				}
			}
		})
		for _, s := range named {
			name := ix.docs[s].name
			if opts != nil && opts.Filter != nil && !opts.Filter(name) {
				continue
			}
			if bonus == nil {
				bonus = map[string]float64{}
			}
			bonus[name] += share
		}
	}
	if bonus == nil {
		return hits
	}
	// Rank-based scores, as in the fusion of several rankings.
	scores := make(map[string]float64, len(hits)+len(bonus))
	for i, h := range hits {
		scores[h.Name] = 1 / (ix.p.fuseK + float64(i+1))
	}
	for n, b := range bonus {
		scores[n] += b
	}
	out := make([]Hit, 0, len(scores))
	for n, s := range scores {
		out = append(out, Hit{Name: n, Score: s})
	}
	sortHits(out)
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// eachIdentifier calls fn with each token of text, JSON text, that looks
// like a tool name (see identifierLike), in text order. Tokens are runs of
// letters, digits, '_', '-' and '.', without a trailing '.' or '-'; a JSON
// escape ("\n", "\u6216") separates tokens.
func eachIdentifier(text []byte, fn func(tok []byte)) {
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		tok := text[start:end]
		start = -1
		for len(tok) > 0 && (tok[len(tok)-1] == '.' || tok[len(tok)-1] == '-') {
			tok = tok[:len(tok)-1]
		}
		if identifierLike(tok) {
			fn(tok)
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if isNameByte(c) || c == '.' && start >= 0 {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		if c == '\\' && i+1 < len(text) {
			if text[i+1] == 'u' {
				i += 5
			} else {
				i++
			}
		}
	}
	flush(len(text))
}

func isNameByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// identifierLike reports whether tok cannot be a word of prose: it joins
// parts with '_', '-' or '.', or is camelCase.
func identifierLike(tok []byte) bool {
	if len(tok) < 3 {
		return false
	}
	for i, c := range tok {
		switch {
		case i == 0:
		case c == '_' || c == '-' || c == '.':
			return true
		case 'A' <= c && c <= 'Z' && 'a' <= tok[i-1] && tok[i-1] <= 'z':
			return true
		}
	}
	return false
}

// toolName is the name a target gave the tool, or the published name when
// the document has none.
func (d *Document) toolName() string {
	if d.Tool.Name != "" {
		return d.Tool.Name
	}
	return d.Name
}

// addTool and removeTool keep ix.byTool, the slots of each target's tools
// by tool name, in step with the index. The caller holds ix.mu for writing.
func (ix *Index) addTool(slot uint32, d *Document) {
	m := ix.byTool[d.Target]
	if m == nil {
		m = map[string][]uint32{}
		ix.byTool[d.Target] = m
	}
	n := d.toolName()
	m[n] = append(m[n], slot)
}

func (ix *Index) removeTool(slot uint32, d *Document) {
	m := ix.byTool[d.Target]
	n := d.toolName()
	s := m[n]
	for i, x := range s {
		if x == slot {
			s = append(s[:i], s[i+1:]...)
			break
		}
	}
	if len(s) == 0 {
		delete(m, n)
	} else {
		m[n] = s
	}
	if len(m) == 0 {
		delete(ix.byTool, d.Target)
	}
}
