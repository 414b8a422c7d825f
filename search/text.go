package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// analyze turns text into index terms. It splits identifiers (camelCase,
// PascalCase, snake_case, kebab-case, letter/digit boundaries), lower-cases,
// drops stop words, expands common abbreviations, stems English words with
// the Porter algorithm, and turns runs of CJK characters into overlapping
// bigrams. The whole of a compound identifier is kept as a term as well, so
// that an exact tool name in a query still matches.
//
// emit is called once per term, in text order.
func analyze(text string, emit func(term string)) {
	var a analyzer
	a.analyze(text, emit)
}

// An analyzer analyses text, remembering the terms of each word it has
// seen: catalogues repeat their vocabulary, so most words cost a lookup.
// An analyzer is not safe for concurrent use.
type analyzer struct {
	words      map[string][]termWord
	conceptsOf map[string][]string // see concepts
}

// A termWord is an index term and the lower-case word it comes from (a
// part of an identifier; empty for a whole compound identifier or CJK).
type termWord struct{ term, word string }

func (a *analyzer) analyze(text string, emit func(term string)) {
	a.analyzeWords(text, func(t, _ string) { emit(t) })
}

// analyzeWords is analyze, also giving the word each term comes from.
func (a *analyzer) analyzeWords(text string, emit func(term, word string)) {
	start, cjkStart := -1, -1
	flushWord := func(end int) {
		if start >= 0 {
			a.wordTerms(text[start:end], emit)
			start = -1
		}
	}
	flushCJK := func(end int) {
		if cjkStart < 0 {
			return
		}
		run := []rune(text[cjkStart:end])
		cjkStart = -1
		if len(run) == 1 {
			emit(string(run), "")
		} else {
			for i := 0; i+1 < len(run); i++ {
				emit(string(run[i:i+2]), "")
			}
		}
	}
	for i, r := range text {
		switch {
		case r < utf8.RuneSelf:
			if c := byte(r); 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				flushCJK(i)
				if start < 0 {
					start = i
				}
				continue
			}
		case isCJK(r):
			flushWord(i)
			if cjkStart < 0 {
				cjkStart = i
			}
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			flushCJK(i)
			if start < 0 {
				start = i
			}
			continue
		}
		// Anything else separates words, apostrophes included:
		// "user's" -> "user", "don't" -> "don".
		flushCJK(i)
		flushWord(i)
	}
	flushWord(len(text))
	flushCJK(len(text))
}

// word emits the terms of one run of letters and digits.
func (a *analyzer) word(w string, emit func(string)) {
	a.wordTerms(w, func(t, _ string) { emit(t) })
}

// wordTerms is word, also giving the word each term comes from.
func (a *analyzer) wordTerms(w string, emit func(term, word string)) {
	terms, ok := a.words[w]
	if !ok {
		analyzeWord([]rune(w), func(t, word string) { terms = append(terms, termWord{t, word}) })
		if a.words == nil {
			a.words = make(map[string][]termWord)
		}
		a.words[strings.Clone(w)] = terms
	}
	for _, t := range terms {
		emit(t.term, t.word)
	}
}

func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// analyzeWord handles one run of letters and digits.
func analyzeWord(w []rune, emit func(term, word string)) {
	parts := splitIdentifier(w)
	if len(parts) > 1 {
		whole := strings.ToLower(string(w))
		if utf8.RuneCountInString(whole) <= maxTermLen && !isStopWord(whole) {
			emit(whole, "")
		}
	}
	for _, p := range parts {
		lw := strings.ToLower(string(p))
		emitWord(lw, func(t string) { emit(t, lw) })
	}
}

// maxTermLen bounds the length of a term, in runes. Longer runs (hashes,
// base64) are cut: they carry no meaning for retrieval.
const maxTermLen = 40

func emitWord(lw string, emit func(string)) {
	if utf8.RuneCountInString(lw) > maxTermLen {
		lw = string([]rune(lw)[:maxTermLen])
	}
	if isStopWord(lw) {
		return
	}
	if len(lw) == 1 && lw[0] < utf8.RuneSelf && !isDigit(lw[0]) {
		return // single ASCII letters carry nothing
	}
	emit(porterStem(lw))
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// splitIdentifier splits a run of letters and digits at case changes and
// letter/digit boundaries: "getHTTPResponse2" -> get, HTTP, Response, 2.
func splitIdentifier(w []rune) [][]rune {
	var parts [][]rune
	start := 0
	for i := 1; i < len(w); i++ {
		prev, cur := w[i-1], w[i]
		split := false
		switch {
		case unicode.IsLower(prev) && unicode.IsUpper(cur):
			split = true // fooBar
		case unicode.IsUpper(prev) && unicode.IsUpper(cur) && i+1 < len(w) && unicode.IsLower(w[i+1]):
			split = true // HTTPResponse: split before R
		case unicode.IsDigit(prev) != unicode.IsDigit(cur):
			split = true // v2, 3d
		}
		if split {
			parts = append(parts, w[start:i])
			start = i
		}
	}
	return append(parts, w[start:])
}

// Terms returns the index terms of text, as the index sees them. It is
// exported for diagnostics ("why did this tool match?").
func Terms(text string) []string {
	var out []string
	analyze(text, func(t string) { out = append(out, t) })
	return out
}

func isStopWord(w string) bool {
	_, ok := stopWords[w]
	return ok
}

// stopWords are English function words (prepositions, conjunctions,
// adverbs of degree and frequency) plus the filler of requests made to an
// assistant ("please", "could", "want") and the words of recency ("latest",
// "current", "new"): a request for data wants the current data, and a tool
// that fetches data fetches the current data, so these words state the
// default on both sides. None carries evidence about which tool is meant.
var stopWords = setOf(`a about above after again against all am an and any are as at be
because been before being below between both but by can could did do does doing down
during each few for from further had has have having he her here hers herself him himself
his how i if in into is it its itself just me more most my myself no nor not now of off on
once only or other our ours ourselves out over own same she should so some such than that
the their theirs them themselves then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you
your yours yourself yourselves s t don let please could would might may shall must
also like want wanted need needs get gets got give given tell know use using used via etc
e g ie eg something anything someone anyone thing things way lot lots really much many
able us hi hello thanks thank help ok okay sure yes
across within among amongst around along beyond upon per toward towards onto since unless
whether either neither yet though although however therefore thus else every another whose
whatever whichever rather quite almost already still even ever never always often usually
perhaps maybe
recent recently latest newest new current currently`)

func setOf(words string) map[string]struct{} {
	m := make(map[string]struct{})
	for _, w := range strings.Fields(words) {
		m[w] = struct{}{}
	}
	return m
}
