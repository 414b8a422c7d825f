// Package evalset loads tool-retrieval evaluation sets and scores a
// ranker on them: recall at 1, 5 and 10, mean reciprocal rank, NDCG@10
// and search latency.
package evalset

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/search"
)

// Thin returns s with 1 query in every (all of them for every <= 1).
func (s *Set) Thin(every int) *Set {
	if every <= 1 {
		return s
	}
	t := *s
	t.Queries = nil
	for i, q := range s.Queries {
		if i%every == 0 {
			t.Queries = append(t.Queries, q)
		}
	}
	return &t
}

// A Set is a tool catalogue with queries whose relevant tools are known.
type Set struct {
	Name string
	Docs []search.Document
	// Key maps a published tool name to the id the gold labels use. Names
	// missing from Key are their own key.
	Key     map[string]string
	Queries []Query
}

// A Query is a request and the keys of the tools that answer it.
type Query struct {
	Text string   `json:"query"`
	Gold []string `json:"gold"`
}

// Sets lists the corpus sets Load knows, in report order.
var Sets = []string{"metatool", "metatool-multi", "seal-tools", "livemcpbench", "mcp-bench"}

// Load reads the named corpus set from dir (the toolsearch corpus folder).
func Load(dir, name string) (*Set, error) {
	var s *Set
	var err error
	switch name {
	case "metatool":
		s, err = loadMetaTool(dir, false)
	case "metatool-multi":
		s, err = loadMetaTool(dir, true)
	case "seal-tools":
		s, err = loadSeal(dir)
	case "livemcpbench":
		s, err = loadLiveMCP(dir)
	case "mcp-bench":
		s, err = loadMCPBench(dir)
	default:
		return nil, fmt.Errorf("evalset: unknown set %q (known: %s)", name, strings.Join(Sets, ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("evalset: %s: %w", name, err)
	}
	s.Name = name
	return s, nil
}

func readJSON(path string, v any) error {
	b, err := readFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func loadMetaTool(dir string, multi bool) (*Set, error) {
	var des map[string]string
	if err := readJSON(filepath.Join(dir, "metatool", "plugin_des.json"), &des); err != nil {
		return nil, err
	}
	s := &Set{}
	names := make([]string, 0, len(des))
	for n := range des {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s.Docs = append(s.Docs, search.Document{ToolInfo: toolgate.ToolInfo{
			Name: n, Tool: toolgate.Tool{Name: n, Description: des[n]},
		}})
	}
	if multi {
		var qs []struct {
			Query string   `json:"query"`
			Tool  []string `json:"tool"`
		}
		if err := readJSON(filepath.Join(dir, "metatool", "multi_tool_query_golden.json"), &qs); err != nil {
			return nil, err
		}
		for _, q := range qs {
			s.Queries = append(s.Queries, Query{Text: q.Query, Gold: q.Tool})
		}
		return s, nil
	}
	f, err := open(filepath.Join(dir, "metatool", "all_clean_data.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil { // header
		return nil, err
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		s.Queries = append(s.Queries, Query{Text: rec[0], Gold: []string{rec[1]}})
	}
	return s, nil
}

func loadSeal(dir string) (*Set, error) {
	s := &Set{}
	err := eachFileLine(filepath.Join(dir, "seal-tools", "tool.jsonl"), func(line []byte) error {
		var t struct {
			Name       string `json:"api_name"`
			Desc       string `json:"api_description"`
			Parameters map[string]struct {
				Type        string `json:"type"`
				Description string `json:"description"`
			} `json:"parameters"`
			Required  []string `json:"required"`
			Responses map[string]struct {
				Type        string `json:"type"`
				Description string `json:"description"`
			} `json:"responses"`
		}
		if err := json.Unmarshal(line, &t); err != nil {
			return err
		}
		props := map[string]any{}
		for n, p := range t.Parameters {
			props[n] = map[string]any{"type": jsonType(p.Type), "description": p.Description}
		}
		schema := map[string]any{"type": "object", "properties": props}
		if len(t.Required) > 0 {
			schema["required"] = t.Required
		}
		raw, err := json.Marshal(schema)
		if err != nil {
			return err
		}
		var out json.RawMessage
		if len(t.Responses) > 0 {
			props := map[string]any{}
			for n, p := range t.Responses {
				props[n] = map[string]any{"type": jsonType(p.Type), "description": p.Description}
			}
			if out, err = json.Marshal(map[string]any{"type": "object", "properties": props}); err != nil {
				return err
			}
		}
		s.Docs = append(s.Docs, search.Document{ToolInfo: toolgate.ToolInfo{
			Name: t.Name, Tool: toolgate.Tool{Name: t.Name, Description: t.Desc, InputSchema: raw, OutputSchema: out},
		}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachFileLine(filepath.Join(dir, "seal-tools", "dev.jsonl"), func(line []byte) error {
		var q struct {
			Query   string `json:"query"`
			Calling []struct {
				API string `json:"api"`
			} `json:"calling"`
		}
		if err := json.Unmarshal(line, &q); err != nil {
			return err
		}
		var gold []string
		for _, c := range q.Calling {
			if !slices.Contains(gold, c.API) {
				gold = append(gold, c.API)
			}
		}
		s.Queries = append(s.Queries, Query{Text: q.Query, Gold: gold})
		return nil
	})
	return s, err
}

// jsonType maps the Python-style parameter types of Seal-Tools to JSON Schema.
func jsonType(t string) string {
	switch strings.ToLower(t) {
	case "str", "string":
		return "string"
	case "int", "integer":
		return "integer"
	case "float", "number":
		return "number"
	case "bool", "boolean":
		return "boolean"
	case "list", "array":
		return "array"
	case "dict", "object":
		return "object"
	}
	return "string"
}

var stepPrefix = regexp.MustCompile(`^\s*\d+\.\s*`)

func loadLiveMCP(dir string) (*Set, error) {
	var servers []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Tools       map[string]struct {
			Tools []struct {
				Name        string          `json:"name"`
				Description string          `json:"description"`
				InputSchema json.RawMessage `json:"inputSchema"`
			} `json:"tools"`
		} `json:"tools"`
	}
	if err := readJSON(filepath.Join(dir, "livemcpbench", "tools.json"), &servers); err != nil {
		return nil, err
	}
	s := &Set{Key: map[string]string{}}
	seen := map[string]bool{}
	for _, srv := range servers {
		keys := slices.Sorted(maps.Keys(srv.Tools))
		for _, k := range keys {
			target := sanitize(k)
			for _, t := range srv.Tools[k].Tools {
				name := target + "___" + sanitize(t.Name)
				if seen[name] {
					continue
				}
				seen[name] = true
				s.Key[name] = t.Name
				s.Docs = append(s.Docs, search.Document{
					ToolInfo: toolgate.ToolInfo{Name: name, Target: target, Tool: toolgate.Tool{
						Name: t.Name, Description: t.Description, InputSchema: t.InputSchema,
					}},
					TargetDescription: srv.Name + ". " + srv.Description,
				})
			}
		}
	}
	var tasks []struct {
		Question string `json:"Question"`
		Meta     struct {
			Tools string `json:"Tools"`
		} `json:"Annotator Metadata"`
	}
	if err := readJSON(filepath.Join(dir, "livemcpbench", "all_annotations.json"), &tasks); err != nil {
		return nil, err
	}
	for _, t := range tasks {
		var gold []string
		for _, line := range strings.Split(t.Meta.Tools, "\n") {
			g := strings.TrimSpace(stepPrefix.ReplaceAllString(line, ""))
			if g != "" && !slices.Contains(gold, g) {
				gold = append(gold, g)
			}
		}
		if len(gold) > 0 {
			s.Queries = append(s.Queries, Query{Text: t.Question, Gold: gold})
		}
	}
	return s, nil
}

// sanitize keeps the characters MCP allows in a tool name.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, s)
}

// LoadGeneric reads a tool set in the generic form: toolsPath holds one
// MCP Tool object per line (name, title, description, inputSchema) and
// queriesPath one {"query": ..., "gold": [tool names]} per line. Either
// may be gzip-compressed as path + ".gz".
func LoadGeneric(toolsPath, queriesPath string) (*Set, error) {
	tools, err := open(toolsPath)
	if err != nil {
		return nil, fmt.Errorf("evalset: tools: %w", err)
	}
	defer tools.Close()
	queries, err := open(queriesPath)
	if err != nil {
		return nil, fmt.Errorf("evalset: queries: %w", err)
	}
	defer queries.Close()
	return readGeneric(toolsPath, tools, queriesPath, queries)
}

// readGeneric reads the generic form (see [LoadGeneric]) from two readers
// named as their files. Every tool has a name of its own, every query a
// text and gold tools of the catalogue: a slip in a hand-made file is an
// error naming its line, not a quietly lower score.
func readGeneric(toolsName string, tools io.Reader, queriesName string, queries io.Reader) (*Set, error) {
	s := &Set{Name: filepath.Base(toolsName)}
	lineOf := map[string]int{}
	err := eachLine(toolsName, tools, func(n int, line []byte) error {
		var t struct {
			Name        string          `json:"name"`
			Title       string          `json:"title"`
			Description string          `json:"description"`
			InputSchema json.RawMessage `json:"inputSchema"`
		}
		if err := json.Unmarshal(line, &t); err != nil {
			return err
		}
		if t.Name == "" {
			return errors.New("tool without a name")
		}
		if first, ok := lineOf[t.Name]; ok {
			return fmt.Errorf("tool %q named again (first on line %d)", t.Name, first)
		}
		lineOf[t.Name] = n
		s.Docs = append(s.Docs, search.Document{ToolInfo: toolgate.ToolInfo{Name: t.Name, Tool: toolgate.Tool{
			Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: t.InputSchema,
		}}})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("evalset: tools: %w", err)
	}
	err = eachLine(queriesName, queries, func(_ int, line []byte) error {
		var q Query
		if err := json.Unmarshal(line, &q); err != nil {
			return err
		}
		if strings.TrimSpace(q.Text) == "" {
			return errors.New("query without text")
		}
		if len(q.Gold) == 0 {
			return errors.New("query without gold tools")
		}
		for _, g := range q.Gold {
			if _, ok := lineOf[g]; !ok {
				return fmt.Errorf("gold tool %q is not in the tools file", g)
			}
		}
		s.Queries = append(s.Queries, q)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("evalset: queries: %w", err)
	}
	return s, nil
}

// eachFileLine calls fn with each line of the file at path (or path +
// ".gz") that is not blank.
func eachFileLine(path string, fn func([]byte) error) error {
	f, err := open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return eachLine(path, f, func(_ int, line []byte) error { return fn(line) })
}

// eachLine calls fn with each line of r that is not blank and its number;
// an error names the line as name:number.
func eachLine(name string, r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := fn(n, line); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Metrics are the scores of a ranker on a set, averaged over queries.
type Metrics struct {
	Queries int
	R1      float64
	R5      float64
	R10     float64
	MRR     float64
	NDCG10  float64
	P50     time.Duration
	P99     time.Duration
}

// String formats m as the one-line summary the evaluation prints.
func (m Metrics) String() string {
	return fmt.Sprintf("R@1=%.4f R@5=%.4f R@10=%.4f MRR=%.4f NDCG@10=%.4f p50_ms=%.4f",
		m.R1, m.R5, m.R10, m.MRR, m.NDCG10, float64(m.P50.Microseconds())/1000)
}

// A Ranker returns published tool names, best first.
type Ranker func(query string) ([]string, error)

// Evaluate runs every query of s through rank (asking for 10 results) and
// scores the answers.
func Evaluate(s *Set, rank Ranker) (Metrics, error) {
	var m Metrics
	lat := make([]time.Duration, 0, len(s.Queries))
	for _, q := range s.Queries {
		if len(q.Gold) == 0 {
			continue
		}
		start := time.Now()
		names, err := rank(q.Text)
		lat = append(lat, time.Since(start))
		if err != nil {
			return m, err
		}
		r := score(s.Keys(names), q.Gold)
		m.R1 += r.r1
		m.R5 += r.r5
		m.R10 += r.r10
		m.MRR += r.rr
		m.NDCG10 += r.ndcg
		m.Queries++
	}
	if m.Queries == 0 {
		return m, errors.New("evalset: no queries with gold labels")
	}
	n := float64(m.Queries)
	m.R1, m.R5, m.R10, m.MRR, m.NDCG10 = m.R1/n, m.R5/n, m.R10/n, m.MRR/n, m.NDCG10/n
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	m.P50 = lat[len(lat)/2]
	m.P99 = lat[len(lat)*99/100]
	return m, nil
}

// Keys returns the gold keys of tool names: Key's, or the name itself.
func (s *Set) Keys(names []string) []string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = n
		if k, ok := s.Key[n]; ok {
			keys[i] = k
		}
	}
	return keys
}

// Recall5 is R@5 of one ranked list of gold keys (see Keys), as Evaluate
// counts it.
func Recall5(keys, gold []string) float64 { return score(keys, gold).r5 }

type queryScore struct{ r1, r5, r10, rr, ndcg float64 }

// score scores one ranked list of gold keys. A gold tool counts once, at
// its best rank; a later duplicate of the same key earns nothing.
func score(keys, gold []string) queryScore {
	var s queryScore
	found := map[string]bool{}
	var dcg float64
	for i, k := range keys {
		if i >= 10 {
			break
		}
		if !slices.Contains(gold, k) || found[k] {
			continue
		}
		found[k] = true
		if s.rr == 0 {
			s.rr = 1 / float64(i+1)
		}
		if i < 1 {
			s.r1++
		}
		if i < 5 {
			s.r5++
		}
		s.r10++
		dcg += 1 / log2(float64(i+2))
	}
	var idcg float64
	for i := 0; i < len(gold) && i < 10; i++ {
		idcg += 1 / log2(float64(i+2))
	}
	g := float64(len(gold))
	s.r1, s.r5, s.r10 = s.r1/g, s.r5/g, s.r10/g
	s.ndcg = dcg / idcg
	return s
}

func log2(x float64) float64 { return math.Log2(x) }
