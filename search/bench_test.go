package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/policy"
	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
)

// corpus10k returns 10,000 tools: every tool of the four tool-retrieval
// sets (4,830 tools), then copies of them under other target names until
// there are 10,000, and the queries of all four sets (MCP-Bench's are long
// requests of several sentences and clauses).
func corpus10k(b *testing.B) ([]search.Document, []string) {
	b.Helper()
	var base []search.Document
	var queries []string
	for _, name := range []string{"seal-tools", "livemcpbench", "metatool", "mcp-bench"} {
		s, err := evalset.Load(corpusDir, name)
		if err != nil {
			b.Fatal(err)
		}
		base = append(base, s.Docs...)
		for i, q := range s.Queries {
			if len(s.Queries) < 1000 || i%20 == 0 { // keep the sets balanced
				queries = append(queries, q.Text)
			}
		}
	}
	docs := make([]search.Document, 0, 10000)
	for copyN := 0; len(docs) < 10000; copyN++ {
		for _, d := range base {
			if len(docs) == 10000 {
				break
			}
			if copyN > 0 {
				d.Target = fmt.Sprintf("replica%d", copyN)
				d.Name = d.Target + "___" + d.Name
				d.ToolInfo = toolgate.ToolInfo{Name: d.Name, Target: d.Target, Tool: d.Tool}
			}
			docs = append(docs, d)
		}
	}
	return docs, queries
}

// BenchmarkSearch10k searches 10,000 tools with the queries of all three
// sets in turn, and reports the median and 99th percentile latency.
func BenchmarkSearch10k(b *testing.B) {
	docs, queries := corpus10k(b)
	ix := search.NewIndex()
	ix.Upsert(docs...)
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		start := time.Now()
		ix.Search(queries[i%len(queries)], nil)
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkBuild10k(b *testing.B) {
	docs, _ := corpus10k(b)
	b.ResetTimer()
	for b.Loop() {
		ix := search.NewIndex()
		ix.Upsert(docs...)
	}
}

// BenchmarkMemory10k reports the heap an index of 10,000 tools holds,
// per tool, beyond the documents themselves.
func BenchmarkMemory10k(b *testing.B) {
	docs, _ := corpus10k(b)
	var ix *search.Index
	var before, after runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix = search.NewIndex()
		ix.Upsert(docs...)
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(ix.Len()), "bytes/tool")
}

// BenchmarkServiceSearch10k is the search tool's in-process path over a
// gateway of 10,000 tools: the caller's catalogue, the index, the filter;
// "open" without policies, "policies" under Cedar policies (a permit by
// role for every tool, a permit and a forbid for one tool of each of the
// 20 targets), which the filter applies to each candidate as tools/list
// would.
func BenchmarkServiceSearch10k(b *testing.B) {
	for _, withPolicies := range []bool{false, true} {
		name := map[bool]string{false: "open", true: "policies"}[withPolicies]
		b.Run(name, func(b *testing.B) { benchServiceSearch(b, withPolicies) })
	}
}

func benchServiceSearch(b *testing.B, withPolicies bool) {
	docs, queries := corpus10k(b)
	opts := &toolgate.Options{Logger: discard()}
	var eng *policy.Engine
	if withPolicies {
		var err error
		if eng, err = policy.New(policy.Config{Gateway: "gw", Logger: discard()}); err != nil {
			b.Fatal(err)
		}
		opts.Policy = eng
	}
	gw, err := toolgate.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	defer gw.Close()
	byTarget := map[string][]toolgate.FuncTool{}
	var firsts []string // the first tool of each target
	for i, d := range docs {
		t := d.Tool
		t.Name = fmt.Sprintf("%s_%d", sanitize(t.Name), i)
		if len(t.Name) > 60 {
			t.Name = t.Name[len(t.Name)-60:]
		}
		target := fmt.Sprintf("t%02d", i%20)
		if len(byTarget[target]) == 0 {
			firsts = append(firsts, target+"___"+t.Name)
		}
		byTarget[target] = append(byTarget[target], toolgate.RawFunc(t, func(context.Context, json.RawMessage) (*toolgate.Result, error) {
			return toolgate.TextResult("ok"), nil
		}))
	}
	for name, tools := range byTarget {
		if err := gw.AddTarget(context.Background(), toolgate.Funcs(name, tools...)); err != nil {
			b.Fatal(err)
		}
	}
	svc, err := search.Enable(gw, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	if withPolicies {
		defer eng.Attach(gw)()
		ps := []policy.Policy{{Name: "ops", Statement: `permit(principal is AgentCore::OAuthUser, action in AgentCore::Action::"CallTool", resource == AgentCore::Gateway::"gw")
when { principal.hasTag("role") && principal.getTag("role") == "ops" };`}}
		for i, name := range firsts {
			ps = append(ps,
				policy.Policy{Name: fmt.Sprintf("p%d", i), Statement: `permit(principal, action == AgentCore::Action::"` + name + `", resource == AgentCore::Gateway::"gw");`},
				policy.Policy{Name: fmt.Sprintf("f%d", i), Statement: `forbid(principal, action == AgentCore::Action::"` + name + `", resource == AgentCore::Gateway::"gw") when { principal.hasTag("role") && principal.getTag("role") == "guest" };`})
		}
		if err := eng.SetPolicies(ps); err != nil {
			b.Fatal(err)
		}
		ctx = toolgate.WithPrincipal(ctx, &toolgate.Principal{Subject: "ops-1", Claims: map[string]any{"role": "ops"}})
	}
	if infos, _, err := svc.Search(ctx, "warm up", 0); err != nil || len(infos) == 0 { // first search builds the index
		b.Fatal(err, len(infos))
	}
	lat := make([]time.Duration, 0, b.N)
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, _, err := svc.Search(ctx, queries[i%len(queries)], 0); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, s)
}
