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
// drops function words, stems with the Porter algorithm and indexes CJK
// text as character bigrams.
//
// On top of BM25F the ranker applies general rules, the same for every
// catalogue and written for none:
//   - a query term also matches indexed terms that extend or shorten its
//     stem by a few letters (rent, rental), at half weight;
//   - a query word also matches, at lower weights, the words WordNet
//     derives from it (translate: translation) and the broader concepts
//     of its most frequent sense (inn -> hotel); a document scores the
//     best match of a word, never the sum of its relatives. The WordNet
//     3.0 relations are embedded (about 1.1 MB);
//   - terms of more than a fifth of the tools are not ranked by, and the
//     terms that best characterise the first hits are added to the
//     request at a low weight (pseudo-relevance feedback);
//   - a tool whose name the query covers is raised;
//   - a query of several sentences is ranked sentence by sentence as well
//     as whole, and the rankings are fused, so a request for several
//     things finds a tool for each.
//
// The weights of these rules were chosen by leave-one-set-out over four
// public benchmarks (docs/search.md).
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
// by content hash (and, with Options.VectorFile, keeps them across
// restarts) and the vectors of recent requests, and falls back to lexical
// ranking — saying so — when the embedder fails.
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
// A tool called through the call tool reaches the caller's client as a
// direct call of it does (progress, log messages, sampling, elicitation:
// the call tool declares toolgate.Tool.CallsTool).
//
// # Learning from callers
//
// With Options.Learn the search tool learns the words of requests after
// which distinct authenticated callers called a tool the search had not
// returned first ([Index.Learn]); with Options.LearnScope, within each
// caller's scope (a tenant: [Index.LearnScoped], SearchOptions.Scope).
// What was learned is listed and forgotten with [Index.Learned] and
// [Index.Forget]. Off by default: it lets callers change what others
// find.
//
// The searcheval command (search/cmd/searcheval) measures retrieval on
// public benchmarks or on any tool set; see docs/search.md.
package search
