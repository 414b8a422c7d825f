// Package tuning holds the ranking constants of the search index, so that
// the evaluation command can choose them by leave-one-set-out and the
// index ships the chosen ones. Nothing here is fitted to a query: each
// constant is a weight of a rule that holds for any catalogue.
package tuning

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Fields are indexed in this order: the tool's name, its title, its
// description, its parameters (and output schema), its target, the
// WordNet concepts of the words of its name, title and description, and
// the words learned from callers (search.LearnOptions).
const NumFields = 7

// Params are the ranking constants of an index.
type Params struct {
	// Plain turns every rule off: BM25 (k1, B[2]) over all fields as one
	// text, with the same text analysis. It is the baseline.
	Plain bool

	K1 float64
	W  [NumFields]float64 // field weights
	B  [NumFields]float64 // length normalisation per field

	PrefixW     float64 // weight of indexed terms that extend or shorten a query term's stem
	PrefixExtra int     // most extra bytes of such a term

	// WordNet relations of a query word (its first Senses senses per part
	// of speech): synonyms and derived words match as the word itself at
	// these weights; broader concepts (hypernyms up to Levels levels) are
	// a concept of their own at BroadW.
	SynW   float64
	DerW   float64
	BroadW float64
	Senses int
	Levels int

	// Concept matching: the words of a tool's name, title and description
	// and those of the query are also indexed as WordNet concepts (the
	// synsets of their first sense per part of speech and the hypernyms of
	// those up to ConceptLevels levels), so a query and a tool that use
	// different words for one thing, or words for things of one kind
	// (apartment, house: housing), match. A query word's concepts count
	// ConceptW, divided by 1 + the level.
	ConceptW      float64
	ConceptLevels int

	// Pseudo-relevance feedback from the catalogue: the PRFTerms terms
	// that best characterise the first PRFDocs hits are added to the
	// request at up to PRFW.
	PRFDocs  int
	PRFTerms int
	PRFW     float64

	// CommonDF: a term in more than this share of the tools (of a
	// catalogue of 50 tools or more) is not ranked by: its idf is low, it
	// hardly moves a ranking, and its postings are the longest to walk.
	// Zero keeps every term.
	CommonDF float64

	NameCover float64 // boost for a query that covers a tool's name

	FuseDepth  int     // hits per ranking fused for multi-part requests
	FuseK      float64 // reciprocal rank fusion constant
	FuseFull   float64 // weight of the whole request's ranking
	FuseSeg    float64 // weight of each sentence's ranking
	FuseClause float64 // weight of each clause's ranking

	// Learning from callers (search.LearnOptions): the LearnTerms terms of
	// a request rarest in the catalogue are counted, and a tool keeps the
	// LearnWords words most callers taught it, in a field of weight
	// W[NumFields-1].
	LearnTerms int
	LearnWords int
}

// Default returns the shipped constants (docs/search.md says how they were
// chosen).
func Default() Params {
	return Params{
		K1:            1.2,
		W:             [NumFields]float64{3, 2, 1, 0.8, 1, 1, 1},
		B:             [NumFields]float64{0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 0},
		PrefixW:       0.5,
		PrefixExtra:   3,
		SynW:          0,
		DerW:          0.5,
		BroadW:        0.3,
		Senses:        1,
		Levels:        1,
		ConceptW:      0,
		ConceptLevels: 1,
		PRFDocs:       5,
		PRFTerms:      20,
		PRFW:          0.1,
		CommonDF:      0.2,
		NameCover:     0.7,
		FuseDepth:     20,
		FuseK:         0.1,
		FuseFull:      1,
		FuseSeg:       0.5,
		FuseClause:    0,
		LearnTerms:    16,
		LearnWords:    64,
	}
}

// Plain returns the plain BM25 baseline.
func Plain() Params {
	return Params{Plain: true, K1: 1.2, W: [NumFields]float64{1, 1, 1, 1, 1, 0, 0}, B: [NumFields]float64{0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75}}
}

// Set changes the constants named in spec, a comma-separated list of
// Name=value (field names of Params; W and B take seven values separated
// by '/', in field order, or one value as W[i]=x). Numbers must be finite
// and not negative: every constant is a weight, a share or a count.
func (p *Params) Set(spec string) error {
	v := reflect.ValueOf(p).Elem()
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("tuning: %q is not Name=value", kv)
		}
		index := -1
		if base, rest, ok := strings.Cut(name, "["); ok {
			i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
			if err != nil || i < 0 || !strings.HasSuffix(rest, "]") {
				return fmt.Errorf("tuning: %q is not Name[index]", name)
			}
			name, index = base, i
		}
		f := v.FieldByName(name)
		if !f.IsValid() || !f.CanSet() {
			return fmt.Errorf("tuning: no constant %q", name)
		}
		if index >= 0 {
			if f.Kind() != reflect.Array || index >= f.Len() {
				return fmt.Errorf("tuning: %s[%d]: no such element", name, index)
			}
			x, err := number(val)
			if err != nil {
				return fmt.Errorf("tuning: %s[%d]: %w", name, index, err)
			}
			f.Index(index).SetFloat(x)
			continue
		}
		switch f.Kind() {
		case reflect.Bool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return fmt.Errorf("tuning: %s: %w", name, err)
			}
			f.SetBool(b)
		case reflect.Int:
			x, err := number(val)
			if err == nil && (x != math.Trunc(x) || x > math.MaxInt32) {
				err = fmt.Errorf("%q is not a whole number below 2^31", val)
			}
			if err != nil {
				return fmt.Errorf("tuning: %s: %w", name, err)
			}
			f.SetInt(int64(x))
		case reflect.Float64:
			x, err := number(val)
			if err != nil {
				return fmt.Errorf("tuning: %s: %w", name, err)
			}
			f.SetFloat(x)
		case reflect.Array:
			parts := strings.Split(val, "/")
			if len(parts) != f.Len() {
				return fmt.Errorf("tuning: %s takes %d values separated by /", name, f.Len())
			}
			for i, s := range parts {
				x, err := number(s)
				if err != nil {
					return fmt.Errorf("tuning: %s: %w", name, err)
				}
				f.Index(i).SetFloat(x)
			}
		default:
			return fmt.Errorf("tuning: %s cannot be set", name)
		}
	}
	return nil
}

// number reads a constant's value: a finite number, not negative.
func number(s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
		return 0, fmt.Errorf("%q is not a finite number at least 0", s)
	}
	return x, nil
}

// Diff returns the constants of p that differ from those of base, in the
// form Set reads (arrays element by element), in field order.
func (p Params) Diff(base Params) string {
	v, b := reflect.ValueOf(p), reflect.ValueOf(base)
	var out []string
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		f, g := v.Field(i), b.Field(i)
		if f.Kind() == reflect.Array {
			for j := range f.Len() {
				if f.Index(j).Interface() != g.Index(j).Interface() {
					out = append(out, fmt.Sprintf("%s[%d]=%v", name, j, f.Index(j).Interface()))
				}
			}
			continue
		}
		if f.Interface() != g.Interface() {
			out = append(out, fmt.Sprintf("%s=%v", name, f.Interface()))
		}
	}
	return strings.Join(out, ",")
}
