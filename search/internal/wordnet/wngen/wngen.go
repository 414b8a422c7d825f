// Package wngen builds the compact word-relation table of package wordnet
// from the WordNet 3.0 database files (data.*, index.*, *.exc), as Debian's
// wordnet-base package installs them in /usr/share/wordnet.
//
// Only what the search ranker reads is kept: for each single-word lemma of
// letters only, its most frequent senses (the senses tagged in WordNet's
// sense-tagged corpus, at most MaxSenses per part of speech, or the first
// sense when none is tagged); for each kept sense, the synonyms (the other
// single-word lemmas of the synset) and the hypernyms up to MaxLevels
// levels; the derivationally related single-word lemmas of the word in
// those senses (translate -> translation, translator); and the exception
// lists that map irregular forms to their lemma (children -> child).
//
// The table is text, one record per line, in three sections, each
// introduced by a line "#synsets", "#words" or "#exceptions":
//
//	#synsets            one line per synset, numbered from 0 in order
//	                    (nouns, verbs, adjectives, adverbs):
//	pos lemma lemma ...|hypernym-number ...
//	#words              one line per word, sorted:
//	word sense-synset-number ...|derived-word ...
//	#exceptions         one line per irregular form, sorted:
//	form lemma ...
//
// Output is deterministic: the same database gives the same bytes.
package wngen

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// MaxSenses is the most senses kept per word and part of speech.
const MaxSenses = 3

// MaxLevels is the number of hypernym levels kept above a sense.
const MaxLevels = 2

// minNounDepth is the shallowest noun synset kept as a hypernym: the top of
// the noun hierarchy (entity, physical entity, abstraction, object, whole,
// ...) is too general to say anything about a tool.
const minNounDepth = 4

var posFiles = []struct {
	pos  byte
	name string
}{{'n', "noun"}, {'v', "verb"}, {'a', "adj"}, {'r', "adv"}}

type key struct {
	pos byte // n, v, a, r (satellites are a)
	off int
}

type synset struct {
	words []string // lemmas, lower case, as in the file (multi-word with _)
	hyper []key
	deriv []deriv
}

type deriv struct {
	src    int // 1-based word number in this synset
	target key
	tgtW   int // 1-based word number in the target synset
}

// Build reads the WordNet database in dir and returns the table.
func Build(dir string) ([]byte, error) { return BuildFS(os.DirFS(dir), dir) }

// BuildFS reads the WordNet database at the root of fsys and returns the
// table; errors name its files under dir. A database whose index or
// pointers name a synset its data files lack is an error.
func BuildFS(fsys fs.FS, dir string) ([]byte, error) {
	db := database{fsys, dir}
	syn := map[key]*synset{}
	for _, pf := range posFiles {
		if err := db.readData("data."+pf.name, pf.pos, syn); err != nil {
			return nil, err
		}
	}
	for k, s := range syn {
		for _, h := range s.hyper {
			if syn[h] == nil {
				return nil, fmt.Errorf("wngen: synset %c %08d: hypernym %c %08d is in no data file", k.pos, k.off, h.pos, h.off)
			}
		}
	}
	// Senses per word.
	senses := map[string][]key{}
	for _, pf := range posFiles {
		if err := db.readIndex("index."+pf.name, pf.pos, senses, syn); err != nil {
			return nil, err
		}
	}
	depth := nounDepths(syn)

	// The synsets kept: the senses, and their hypernyms up to MaxLevels.
	kept := map[key]bool{}
	hyperOf := func(k key) []key {
		var out []key
		for _, h := range syn[k].hyper {
			if h.pos == 'n' && depth[h] < minNounDepth {
				continue
			}
			if len(single(syn[h].words)) == 0 {
				continue
			}
			out = append(out, h)
		}
		return out
	}
	var visit func(k key, level int)
	visit = func(k key, level int) {
		kept[k] = true
		if level == MaxLevels {
			return
		}
		for _, h := range hyperOf(k) {
			visit(h, level+1)
		}
	}
	words := slices.Sorted(mapsKeys(senses))
	for _, w := range words {
		for _, k := range senses[w] {
			visit(k, 0)
		}
	}
	keys := slices.SortedFunc(mapsKeys(kept), func(a, b key) int {
		if a.pos != b.pos {
			return int(a.pos) - int(b.pos)
		}
		return a.off - b.off
	})
	num := make(map[key]int, len(keys))
	for i, k := range keys {
		num[k] = i
	}

	var out bytes.Buffer
	out.WriteString("#synsets\n")
	for _, k := range keys {
		s := syn[k]
		out.WriteByte(k.pos)
		out.WriteByte(' ')
		out.WriteString(strings.Join(single(s.words), " "))
		out.WriteByte('|')
		var hs []string
		for _, h := range hyperOf(k) {
			if n, ok := num[h]; ok {
				hs = append(hs, strconv.Itoa(n))
			}
		}
		out.WriteString(strings.Join(hs, " "))
		out.WriteByte('\n')
	}
	out.WriteString("#words\n")
	for _, w := range words {
		var ns []string
		var ders []string
		for _, k := range senses[w] {
			ns = append(ns, strconv.Itoa(num[k]))
			s := syn[k]
			pos := slices.Index(s.words, w) + 1
			for _, d := range s.deriv {
				if d.src != pos {
					continue
				}
				t := syn[d.target]
				if t == nil || d.tgtW < 1 || d.tgtW > len(t.words) {
					continue
				}
				if tw := t.words[d.tgtW-1]; isWord(tw) && tw != w && !slices.Contains(ders, tw) {
					ders = append(ders, tw)
				}
			}
		}
		slices.Sort(ders)
		fmt.Fprintf(&out, "%s %s|%s\n", w, strings.Join(ns, " "), strings.Join(ders, " "))
	}
	out.WriteString("#exceptions\n")
	exc := map[string][]string{}
	for _, pf := range posFiles {
		if err := db.readExc(pf.name+".exc", exc, senses); err != nil {
			return nil, err
		}
	}
	for _, f := range slices.Sorted(mapsKeys(exc)) {
		l := exc[f]
		slices.Sort(l)
		l = slices.Compact(l)
		fmt.Fprintf(&out, "%s %s\n", f, strings.Join(l, " "))
	}
	return out.Bytes(), nil
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// isWord reports whether w is a single word of lower-case letters, at
// least two long.
func isWord(w string) bool {
	if len(w) < 2 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// single returns the single-word lemmas of ws, in order, without repeats.
func single(ws []string) []string {
	var out []string
	for _, w := range ws {
		if isWord(w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// A database is the WordNet files at the root of fsys, named in errors as
// files of dir.
type database struct {
	fsys fs.FS
	dir  string
}

func (db database) lines(name string, fn func(line string) error) error {
	path := filepath.Join(db.dir, name)
	f, err := db.fsys.Open(name)
	if err != nil {
		return fmt.Errorf("wngen: %s: %w", path, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "  ") { // the licence header
			continue
		}
		if err := fn(line); err != nil {
			return fmt.Errorf("wngen: %s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("wngen: %s: %w", path, err)
	}
	return nil
}

func filePos(p string) byte {
	if p == "s" {
		return 'a'
	}
	return p[0]
}

// readData reads a data.* file: offset lex_filenum ss_type w_cnt (word
// lex_id)... p_cnt (symbol offset pos source/target)... | gloss.
func (db database) readData(name string, pos byte, syn map[key]*synset) error {
	return db.lines(name, func(line string) error {
		if i := strings.Index(line, " | "); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 4 {
			return fmt.Errorf("short record")
		}
		off, err := strconv.Atoi(f[0])
		if err != nil {
			return err
		}
		wcnt, err := strconv.ParseInt(f[3], 16, 32)
		if err != nil {
			return err
		}
		s := &synset{}
		i := 4
		for range wcnt {
			if i+1 >= len(f) {
				return fmt.Errorf("short word list")
			}
			w := strings.ToLower(f[i])
			if j := strings.IndexByte(w, '('); j > 0 { // adjective markers: (a), (p), (ip)
				w = w[:j]
			}
			s.words = append(s.words, w)
			i += 2
		}
		if i >= len(f) {
			return fmt.Errorf("no pointer count")
		}
		pcnt, err := strconv.Atoi(f[i])
		if err != nil {
			return err
		}
		i++
		for range pcnt {
			if i+3 >= len(f) {
				return fmt.Errorf("short pointer list")
			}
			sym, toff, tpos, st := f[i], f[i+1], f[i+2], f[i+3]
			i += 4
			o, err := strconv.Atoi(toff)
			if err != nil {
				return err
			}
			target := key{filePos(tpos), o}
			switch sym {
			case "@", "@i":
				s.hyper = append(s.hyper, target)
			case "+", "\\":
				if len(st) != 4 {
					return fmt.Errorf("bad source/target %q", st)
				}
				src, err1 := strconv.ParseInt(st[:2], 16, 32)
				tgt, err2 := strconv.ParseInt(st[2:], 16, 32)
				if err1 != nil || err2 != nil {
					return fmt.Errorf("bad source/target %q", st)
				}
				s.deriv = append(s.deriv, deriv{src: int(src), target: target, tgtW: int(tgt)})
			}
		}
		syn[key{pos, off}] = s
		return nil
	})
}

// readIndex reads an index.* file: lemma pos synset_cnt p_cnt symbol...
// sense_cnt tagsense_cnt offset... (senses most frequent first). A sense
// kept must be a synset of syn.
func (db database) readIndex(name string, pos byte, senses map[string][]key, syn map[key]*synset) error {
	return db.lines(name, func(line string) error {
		f := strings.Fields(line)
		if len(f) < 6 {
			return fmt.Errorf("short record")
		}
		w := f[0]
		if !isWord(w) {
			return nil
		}
		pcnt, err := strconv.Atoi(f[3])
		if err != nil {
			return err
		}
		if pcnt < 0 || pcnt > len(f) {
			return fmt.Errorf("bad pointer count %d", pcnt)
		}
		i := 4 + pcnt
		if i+1 >= len(f) {
			return fmt.Errorf("short record")
		}
		tagged, err := strconv.Atoi(f[i+1])
		if err != nil {
			return err
		}
		offs := f[i+2:]
		n := min(len(offs), MaxSenses, max(tagged, 1))
		for _, o := range offs[:n] {
			off, err := strconv.Atoi(o)
			if err != nil {
				return err
			}
			if syn[key{pos, off}] == nil {
				return fmt.Errorf("%s: synset %08d is in no data file", w, off)
			}
			senses[w] = append(senses[w], key{pos, off})
		}
		return nil
	})
}

// readExc reads an exception list (form lemma...), keeping forms whose
// lemmas are words of the table.
func (db database) readExc(name string, exc map[string][]string, senses map[string][]key) error {
	return db.lines(name, func(line string) error {
		f := strings.Fields(line)
		if len(f) < 2 || !isWord(f[0]) {
			return nil
		}
		for _, l := range f[1:] {
			if _, ok := senses[l]; ok && l != f[0] {
				exc[f[0]] = append(exc[f[0]], l)
			}
		}
		return nil
	})
}

// nounDepths returns the length of the shortest hypernym path from each
// noun synset to a root of the noun hierarchy.
func nounDepths(syn map[key]*synset) map[key]int {
	depth := map[key]int{}
	var d func(k key, seen int) int
	d = func(k key, seen int) int {
		if v, ok := depth[k]; ok {
			return v
		}
		s := syn[k]
		if s == nil || len(s.hyper) == 0 || seen > 40 {
			depth[k] = 0
			return 0
		}
		best := -1
		for _, h := range s.hyper {
			if v := d(h, seen+1); best < 0 || v+1 < best {
				best = v + 1
			}
		}
		depth[k] = best
		return best
	}
	for k := range syn {
		if k.pos == 'n' {
			d(k, 0)
		}
	}
	return depth
}
