// Package search finds the right tool among thousands: a lexical index
// over a gateway's catalogue, an optional semantic ranker, and the
// builtin search tool that agents call.
//
// # The index
//
// An [Index] holds [Document]s — published tools plus an optional
// description of their target — and ranks them for a query with BM25F
// over five fields (tool name, title, description, parameter and output
// names and descriptions, target name and description). Text handling
// splits identifiers (camelCase, snake_case, kebab-case, letter/digit),
// drops stop words, expands common abbreviations, stems with the Porter
// algorithm, indexes CJK text as character bigrams, and maps common
// Chinese words to English through a small glossary.
//
// On top of BM25F the ranker applies general rules, the same for every
// catalogue:
//   - a query term also matches indexed terms that extend or shorten its
//     stem by a few letters (rent, rental), at half weight;
//   - a built-in concept lexicon matches synonyms (picture, image, photo)
//     and broader concepts (bitcoin -> cryptocurrency, save -> write file)
//     at lower weights; a document scores the best match of a concept,
//     never the sum of its synonyms;
//   - a tool whose name the query covers is raised;
//   - a query of several sentences is ranked sentence by sentence as well
//     as whole, and the rankings are fused, so a request for several
//     things finds a tool for each; the clauses of a sentence (split at
//     commas and "and") are ranked too, at a lower weight;
//   - a tool that one of the first hits names in a parameter's
//     description, as the source of the argument ("a station code from
//     get-station-code-by-names"), is raised to just after twice its
//     referrer's rank.
//
// Updates are incremental ([Index.Upsert], [Index.Remove], [Index.Sync]),
// safe alongside searches, and results are deterministic: the same
// catalogue gives the same ranking whatever the order it was indexed in,
// equal scores ordered by name. No model files and no network are used.
//
// # Semantic ranking
//
// An [Embedder] turns text into vectors; [OpenAIEmbedder] calls any
// OpenAI-compatible /v1/embeddings endpoint (OpenAI, Ollama, vLLM, TEI).
// [Hybrid] fuses the lexical and the vector rankings, caches tool vectors
// by content hash, and falls back to lexical ranking — saying so — when
// the embedder fails.
//
// # In a gateway
//
// [Enable] adds the search tool (named x_amz_bedrock_agentcore_search by
// default, as in AgentCore Gateway) to a toolgate.Gateway, keeps the
// index in step with the catalogue, and answers each caller with the
// tools it may call. With Options.CallTool and the gateway's
// ListBuiltinsOnly option, tools/list shows just two tools, search and
// call, however large the catalogue.
//
//	gw, _ := toolgate.New(&toolgate.Options{ListBuiltinsOnly: true})
//	svc, err := search.Enable(gw, &search.Options{CallTool: true})
//
// The searcheval command (search/cmd/searcheval) measures retrieval on
// public benchmarks or on any tool set; see docs/search.md.
package search
