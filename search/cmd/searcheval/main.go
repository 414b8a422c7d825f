// Command searcheval measures tool retrieval: recall at 1, 5 and 10, MRR,
// NDCG@10 and median search latency, over the corpus sets in
// testdata/corpus/toolsearch or over any tool set in a generic form.
//
// Usage:
//
//	searcheval [-corpus DIR] [-sets metatool,seal-tools,livemcpbench]
//	searcheval -tools TOOLS.jsonl -queries QUERIES.jsonl
//
// In the generic form each line of TOOLS.jsonl is an MCP Tool object
// (name, description, inputSchema) and each line of QUERIES.jsonl is
// {"query": "...", "gold": ["tool name", ...]}. The last line printed is
//
//	R@1=… R@5=… R@10=… MRR=… NDCG@10=… p50_ms=…
//
// With -embed-url (an OpenAI-compatible base URL such as
// http://127.0.0.1:11434/v1) the hybrid ranker is measured instead of the
// embedded lexical one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/search/internal/evalset"
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
	verbose := flag.Bool("v", false, "also print p99 latency and index build time")
	flag.Parse()

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
		ix := search.NewIndex()
		ix.Upsert(s.Docs...)
		build := time.Since(start)
		rank := func(q string) ([]string, error) { return names(ix.Search(q, nil)), nil }
		if *embedURL != "" {
			h := search.NewHybrid(ix, &search.OpenAIEmbedder{BaseURL: *embedURL, Model: *embedModel}, nil)
			h.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
			rank = func(q string) ([]string, error) {
				res, err := h.Search(context.Background(), q, nil)
				if err != nil {
					return nil, err
				}
				if res.Fallback != nil {
					return nil, fmt.Errorf("embedder failed: %w", res.Fallback)
				}
				return names(res.Hits), nil
			}
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
