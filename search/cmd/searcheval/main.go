// Command searcheval measures tool retrieval: recall at 1, 5 and 10, MRR,
// NDCG@10 and median search latency, over the corpus sets in
// testdata/corpus/toolsearch or over any tool set in a generic form.
//
// Usage:
//
//	searcheval [-corpus DIR] [-sets metatool,seal-tools,livemcpbench]
//	searcheval -tools TOOLS.jsonl -queries QUERIES.jsonl
//	searcheval -loso [-coord]
//	searcheval -embed-url URL [-embed-cache FILE] [-vector-weight W] [-rrf-k K] [-loso]
//	searcheval -learn [-embed-url URL [-embed-cache FILE]] [-tools TOOLS.jsonl -queries QUERIES.jsonl]
//
// With -loso the ranking constants are chosen by leave-one-set-out over
// MetaTool, Seal-Tools, LiveMCPBench and MCP-Bench: for each set, the grid
// point with the best mean R@5 on the other sets is measured on it. The
// table shows plain BM25, the shipped constants, the held-out figure and
// the figure with constants chosen on all sets (dev). With -coord the grid's
// choice is then improved by coordinate ascent over the BM25F constants
// (k1, field weights, length normalisation), the feedback depth and the
// name boost.
//
// In the generic form each line of TOOLS.jsonl is an MCP Tool object
// (name, description, inputSchema) and each line of QUERIES.jsonl is
// {"query": "...", "gold": ["tool name", ...]}. The last line printed is
//
//	R@1=… R@5=… R@10=… MRR=… NDCG@10=… p50_ms=…
//
// With -embed-url (an OpenAI-compatible base URL such as
// http://127.0.0.1:8081/v1, the local server scripts/embeddings/serve.sh
// runs) the hybrid ranker is measured instead of the embedded lexical one,
// with the Hybrid's default fusion constants unless -vector-weight or
// -rrf-k say otherwise. With -loso as well, the fusion constants are chosen
// leave-one-set-out, each fold's lexical constants being those the lexical
// leave-one-set-out chose on its other sets. Each distinct text is embedded
// once a run; -embed-cache keeps the vectors in a file between runs.
//
// With -learn, learning from callers is measured prequentially (each query
// ranked before it is learned from), its constants chosen leave-one-set-out;
// with -embed-url as well, beside hybrid ranking at the fusion constants
// the other flags give. With -tools and -queries (requests logged by a
// gateway, say, with the tools callers then called) it measures learning
// on that set alone, at the shipped constants.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
	"github.com/toolgate/toolgate/search/internal/tuning"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "searcheval:", err)
		os.Exit(1)
	}
}

func run() error {
	corpus := flag.String("corpus", "testdata/corpus/toolsearch", "toolsearch corpus folder (files may be gzip-compressed, NAME.gz)")
	sets := flag.String("sets", "metatool,seal-tools,livemcpbench", "comma-separated corpus sets ("+strings.Join(evalset.Sets, ", ")+")")
	tools := flag.String("tools", "", "generic form: MCP tools, one JSON object per line")
	queries := flag.String("queries", "", "generic form: queries with gold tool names, one JSON object per line")
	embedURL := flag.String("embed-url", "", "OpenAI-compatible embeddings base URL; enables hybrid ranking")
	embedModel := flag.String("embed-model", "", "embedding model name (with -embed-url)")
	vectorWeight := flag.Float64("vector-weight", 0, "with -embed-url: the vector ranking's weight in the fusion, the lexical one's being 1 (0: the Hybrid default)")
	rrfK := flag.Float64("rrf-k", 0, "with -embed-url: the reciprocal rank fusion constant (0: the Hybrid default)")
	embedCache := flag.String("embed-cache", "", "with -embed-url: a file that keeps the model's vectors between runs, by text (the latency then leaves out the texts it held)")
	embedTimeout := flag.Duration("embed-timeout", 10*time.Minute, "with -embed-url: the timeout of each embedder call (a request's texts, or 64 tools')")
	verbose := flag.Bool("v", false, "also print p99 latency and index build time")
	plain := flag.Bool("plain", false, "measure the plain BM25 baseline instead of the shipped ranker")
	params := flag.String("params", "", "ranking constants to change, Name=value,... (see search/internal/tuning)")
	misses := flag.Int("misses", 0, "print up to this many queries per set whose gold tools are not all in the first 5, with the first 5")
	losoFlag := flag.Bool("loso", false, "leave-one-set-out: choose the ranking constants on all sets but one, report R@5 on that one")
	thin := flag.Int("thin", 1, "with -loso: choose the constants on 1 MetaTool query in this many, for speed (the held-out figures read every query)")
	coord := flag.Bool("coord", false, "with -loso: after the grid, coordinate ascent over the BM25F constants, feedback depth and name boost")
	noise := flag.Float64("noise", 0, "with -learn: the share of calls after a search that go to a wrong tool of its answer (not its first)")
	learnScope := flag.String("learn-scope", "", "with -learn: the callers teach and search within this scope (Index.LearnScoped, SearchOptions.Scope) instead of teaching every caller")
	learnFlag := flag.Bool("learn", false, "learning from callers, prequentially (each query scored before it is learned from), its constants chosen leave-one-set-out; beside hybrid ranking with -embed-url")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the searches to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	var emb search.Embedder
	if *embedURL != "" {
		memo := &evalset.Memo{E: &search.OpenAIEmbedder{BaseURL: *embedURL, Model: *embedModel}}
		if *embedCache != "" {
			if err := memo.Load(*embedCache, *embedModel); err != nil {
				return err
			}
			defer func() {
				if err := memo.Save(*embedCache, *embedModel); err != nil {
					fmt.Fprintln(os.Stderr, "searcheval:", err)
				}
			}()
		}
		emb = memo
	}
	if *learnFlag {
		rank := lexical
		if emb != nil {
			o := search.HybridOptions{VectorWeight: *vectorWeight, RRFK: *rrfK}
			rank = func(ix *search.Index, scope string) evalset.Ranker {
				return hybridRanker(ix, emb, o, *embedTimeout, scope)
			}
		}
		if *tools != "" || *queries != "" {
			if *tools == "" || *queries == "" {
				return errors.New("-tools and -queries go together")
			}
			s, err := evalset.LoadGeneric(*tools, *queries)
			if err != nil {
				return err
			}
			return learnOne(os.Stdout, s, rank, teaching{*noise, *learnScope})
		}
		return learnLOSO(os.Stdout, *corpus, rank, teaching{*noise, *learnScope})
	}
	if *losoFlag {
		if emb != nil {
			return losoHybrid(os.Stdout, *corpus, *thin, emb, *embedTimeout)
		}
		return loso(os.Stdout, *corpus, *thin, *coord)
	}
	var todo []*evalset.Set
	switch {
	case *tools != "" || *queries != "":
		if *tools == "" || *queries == "" {
			return errors.New("-tools and -queries go together")
		}
		s, err := evalset.LoadGeneric(*tools, *queries)
		if err != nil {
			return err
		}
		todo = append(todo, s)
	default:
		for _, name := range strings.Split(*sets, ",") {
			s, err := evalset.Load(*corpus, strings.TrimSpace(name))
			if err != nil {
				return err
			}
			todo = append(todo, s)
		}
	}

	var last evalset.Metrics
	for _, s := range todo {
		start := time.Now()
		p := tuning.Default()
		if *plain {
			p = tuning.Plain()
		}
		if err := p.Set(*params); err != nil {
			return err
		}
		ix := indexed(s, p)
		build := time.Since(start)
		rank := func(q string) ([]string, error) { return names(ix.Search(q, nil)), nil }
		if emb != nil {
			rank = hybridRanker(ix, emb, search.HybridOptions{VectorWeight: *vectorWeight, RRFK: *rrfK}, *embedTimeout, "")
		}
		if *misses > 0 {
			printMisses(s, rank, *misses)
		}
		m, err := evalset.Evaluate(s, rank)
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		fmt.Printf("%-15s tools=%-5d queries=%-6d %s", s.Name, len(s.Docs), m.Queries, m)
		if *verbose {
			fmt.Printf(" p99_ms=%.4f build_ms=%.1f", float64(m.P99.Microseconds())/1000, float64(build.Microseconds())/1000)
		}
		fmt.Println()
		last = m
	}
	if len(todo) == 1 {
		fmt.Println(last)
	}
	return nil
}

func names(hits []search.Hit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Name
	}
	return out
}

// printMisses prints up to n queries of s whose gold tools are not all
// among the first five hits.
func printMisses(s *evalset.Set, rank evalset.Ranker, n int) {
	for i, q := range s.Queries {
		if n == 0 {
			return
		}
		if len(s.Queries) > 2000 && i%37 != 0 { // a spread sample of a large set
			continue
		}
		got, err := rank(q.Text)
		if err != nil {
			return
		}
		top := s.Keys(got[:min(5, len(got))])
		for _, g := range q.Gold {
			if !slices.Contains(top, g) {
				fmt.Printf("MISS %q\n  gold %v\n  got  %v\n", q.Text, q.Gold, top)
				n--
				break
			}
		}
	}
}
