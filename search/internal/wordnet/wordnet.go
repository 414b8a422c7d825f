// Package wordnet gives the search ranker the word relations of WordNet 3.0:
// for an English word, its lemma, the synonyms of its most frequent senses,
// their hypernyms (broader concepts) a level or two up, and the words
// derived from it (translate -> translation, translator).
//
// The relations are an embedded table (table.txt.gz, about 1.1 MB) that
// package wngen builds from the WordNet database files:
//
//	go generate ./search/internal/wordnet
//
// after scripts/setup/wordnet.sh has installed Debian's wordnet-base
// package. WordNet is © 2006 Princeton University; its licence, which
// permits redistribution with the notice, is in LICENSE next to the table.
package wordnet

//go:generate go run ./gen -dict /usr/share/wordnet -out table.txt.gz

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed table.txt.gz
var tableGz []byte

// Table returns the uncompressed table, as wngen.Build writes it.
func Table() ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tableGz))
	if err != nil {
		return nil, fmt.Errorf("wordnet: %w", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("wordnet: %w", err)
	}
	return b, nil
}

// A DB answers questions about words. It is read-only and safe for
// concurrent use. Lines of the table are parsed when asked for.
type DB struct {
	text    []byte
	synsets []int32 // line starts
	words   []int32 // line starts, sorted by word
	exc     []int32 // line starts, sorted by form
}

// Load returns the embedded database, decompressed and indexed on first
// use (about 3 MB).
var Load = sync.OnceValue(func() *DB {
	b, err := Table()
	if err != nil {
		panic(err) // the embedded table is part of the build
	}
	db, err := parse(b)
	if err != nil {
		panic(err)
	}
	return db
})

func parse(b []byte) (*DB, error) {
	db := &DB{text: b}
	var cur *[]int32
	for off := 0; off < len(b); {
		end := bytes.IndexByte(b[off:], '\n')
		if end < 0 {
			end = len(b) - off
		}
		line := b[off : off+end]
		switch {
		case string(line) == "#synsets":
			cur = &db.synsets
		case string(line) == "#words":
			cur = &db.words
		case string(line) == "#exceptions":
			cur = &db.exc
		case cur == nil:
			return nil, fmt.Errorf("wordnet: table does not start with a section")
		default:
			*cur = append(*cur, int32(off))
		}
		off += end + 1
	}
	return db, nil
}

func (db *DB) line(start int32) string {
	l := db.text[start:]
	if i := bytes.IndexByte(l, '\n'); i >= 0 {
		l = l[:i]
	}
	return string(l)
}

// find returns the line of starts whose first field is w.
func (db *DB) find(starts []int32, w string) (string, bool) {
	i := sort.Search(len(starts), func(i int) bool { return string(db.first(starts[i])) >= w })
	if i < len(starts) && string(db.first(starts[i])) == w {
		return db.line(starts[i]), true
	}
	return "", false
}

// first returns the first field of the line at start.
func (db *DB) first(start int32) []byte {
	l := db.text[start:]
	for i, c := range l {
		if c == ' ' || c == '\n' {
			return l[:i]
		}
	}
	return l
}

// Lemmas returns the dictionary forms of a lower-case word: the word itself
// if WordNet knows it, its forms from the exception lists (children ->
// child), and the forms that WordNet's detachment rules give (files ->
// file, running -> run), those WordNet knows. Most common first.
func (db *DB) Lemmas(w string) []string {
	var out []string
	add := func(l string) {
		if !slices.Contains(out, l) {
			if _, ok := db.find(db.words, l); ok {
				out = append(out, l)
			}
		}
	}
	add(w)
	if l, ok := db.find(db.exc, w); ok {
		for _, f := range strings.Fields(l)[1:] {
			add(f)
		}
	}
	for _, r := range detach {
		if strings.HasSuffix(w, r.suffix) && len(w) > len(r.suffix)+1 {
			add(w[:len(w)-len(r.suffix)] + r.ending)
		}
	}
	return out
}

// detach are WordNet's detachment rules (morphy), nouns, verbs and
// adjectives together.
var detach = []struct{ suffix, ending string }{
	{"ies", "y"}, {"ses", "s"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"}, {"shes", "sh"},
	{"men", "man"}, {"es", "e"}, {"es", ""}, {"s", ""}, {"ed", "e"}, {"ed", ""},
	{"ing", "e"}, {"ing", ""}, {"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"},
}

// Relations are the words related to one lemma.
type Relations struct {
	// Synonyms are the other lemmas of the word's senses.
	Synonyms []string
	// Derived are the words derived from the word or from which it is
	// derived, in the kept senses.
	Derived []string
	// Broader holds, per level (Broader[0] the direct hypernyms), the
	// lemmas of the senses' hypernyms.
	Broader [][]string
}

// Related returns the relations of lemma in its first senses senses (per
// part of speech, at most 3, most frequent first), with hypernyms up to
// levels levels (at most 2). A word WordNet does not know has none.
func (db *DB) Related(lemma string, senses, levels int) Relations {
	var r Relations
	l, ok := db.find(db.words, lemma)
	if !ok {
		return r
	}
	head, ders, _ := strings.Cut(l, "|")
	r.Derived = strings.Fields(ders)
	ids := strings.Fields(head)[1:]
	// Senses are listed per part of speech, each most frequent first; the
	// table keeps at most 3 per part.
	if senses < len(ids) {
		ids = firstPerPOS(db, ids, senses)
	}
	seen := map[string]bool{lemma: true}
	frontier := make([]int, 0, len(ids))
	for _, id := range ids {
		n, err := strconv.Atoi(id)
		if err != nil || n < 0 || n >= len(db.synsets) {
			continue
		}
		frontier = append(frontier, n)
		words, _ := db.synset(n)
		for _, w := range words {
			if !seen[w] {
				seen[w] = true
				r.Synonyms = append(r.Synonyms, w)
			}
		}
	}
	for range min(levels, 2) {
		var next []int
		var level []string
		for _, n := range frontier {
			_, hyper := db.synset(n)
			for _, h := range hyper {
				if slices.Contains(next, h) {
					continue
				}
				next = append(next, h)
				words, _ := db.synset(h)
				for _, w := range words {
					if !seen[w] {
						seen[w] = true
						level = append(level, w)
					}
				}
			}
		}
		if len(next) == 0 {
			break
		}
		r.Broader = append(r.Broader, level)
		frontier = next
	}
	return r
}

// firstPerPOS keeps the first n sense ids of each part of speech. The
// table numbers synsets by part of speech (nouns, then verbs, adjectives,
// adverbs), so a part of speech is a range of numbers.
func firstPerPOS(db *DB, ids []string, n int) []string {
	var out []string
	count := map[byte]int{}
	for _, id := range ids {
		k, err := strconv.Atoi(id)
		if err != nil || k < 0 || k >= len(db.synsets) {
			continue
		}
		p := db.pos(k)
		if count[p] < n {
			count[p]++
			out = append(out, id)
		}
	}
	return out
}

// pos returns the part of speech of synset n: n, v, a or r.
func (db *DB) pos(n int) byte { return db.text[db.synsets[n]] }

func (db *DB) synset(n int) (words []string, hyper []int) {
	l := db.line(db.synsets[n])
	ws, hs, _ := strings.Cut(l, "|")
	words = strings.Fields(ws)[1:] // after the part of speech
	for _, h := range strings.Fields(hs) {
		if k, err := strconv.Atoi(h); err == nil && k >= 0 && k < len(db.synsets) {
			hyper = append(hyper, k)
		}
	}
	return words, hyper
}

// Concepts returns the synsets of lemma's first senses senses per part of
// speech (level 0) and of their hypernyms up to levels levels (at most
// 2), as synset numbers by level. Two words that share a synset at some
// level share a concept: picture and image at level 0, apartment and
// house through housing. Numbers are stable for one table only.
func (db *DB) Concepts(lemma string, senses, levels int) [][]int {
	l, ok := db.find(db.words, lemma)
	if !ok {
		return nil
	}
	head, _, _ := strings.Cut(l, "|")
	ids := firstPerPOS(db, strings.Fields(head)[1:], senses)
	var level []int
	for _, id := range ids {
		if n, err := strconv.Atoi(id); err == nil && n >= 0 && n < len(db.synsets) {
			level = append(level, n)
		}
	}
	if len(level) == 0 {
		return nil
	}
	out := [][]int{level}
	seen := map[int]bool{}
	for _, n := range level {
		seen[n] = true
	}
	for range min(levels, 2) {
		var next []int
		for _, n := range out[len(out)-1] {
			_, hyper := db.synset(n)
			for _, h := range hyper {
				if !seen[h] {
					seen[h] = true
					next = append(next, h)
				}
			}
		}
		if len(next) == 0 {
			break
		}
		out = append(out, next)
	}
	return out
}
