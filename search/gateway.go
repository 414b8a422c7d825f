package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"go.opentelemetry.io/otel/metric"
)

// Default names of the builtin tools Enable adds.
const (
	// DefaultToolName is the search tool's name, the one AgentCore Gateway
	// uses, so agents written against AgentCore work unchanged.
	DefaultToolName = "x_amz_bedrock_agentcore_search"
	// DefaultCallToolName is the call-tool tool's name (see Options.CallTool).
	DefaultCallToolName = "call_tool"
)

// Options configure [Enable].
type Options struct {
	// ToolName is the search tool's name; default DefaultToolName.
	ToolName string
	// MaxResults is the most tools one search returns (the default and
	// the cap of the tool's "limit" argument); default 10.
	MaxResults int
	// Embedder, if set, ranks tools by hybrid lexical and semantic
	// ranking (see [Hybrid]); without it the embedded lexical ranker is
	// used, offline.
	Embedder Embedder
	// Hybrid tunes hybrid ranking; nil means defaults.
	Hybrid *HybridOptions
	// VectorFile, with an Embedder, keeps the catalogue's vectors across
	// restarts: Enable reads it (see
	// Hybrid.ReadVectors), so that only tools it does not cover are
	// embedded, and written again, whole, after each refresh that
	// embedded a tool (to a temporary file renamed over it). A file that
	// cannot be read is logged and embedded over.
	VectorFile string
	// VectorModel names the embedder's model in VectorFile (its URL,
	// name and dimensions, say): vectors written under another name are
	// not read. Seed's vectors are taken over only under the same name.
	VectorModel string
	// Seed, with an Embedder and a VectorModel, is the search tool this
	// one replaces, on a gateway rebuilt with another configuration, say:
	// when Seed's VectorModel is the same, its vectors are taken over
	// before the catalogue is embedded, so that only the tools it had not
	// embedded are. An embedding of Seed's under way is waited for. A
	// Seed replaced before it had taken over from its own Seed (two
	// reloads in quick succession) passes that one's vectors on. With
	// Learn, what Seed learned from callers is kept too. Seed is not used
	// after that, and may be closed at any time.
	Seed *Service
	// CallTool adds a second builtin, named CallToolName, that calls any
	// tool by name: with toolgate.Options.ListBuiltinsOnly a client's
	// tools/list then holds two tools (search and call) whatever the size
	// of the catalogue.
	CallTool bool
	// CallToolName is the call tool's name; default DefaultCallToolName.
	CallToolName string
	// Logger receives warnings (embedder fallbacks); nil means the
	// default logger.
	Logger *slog.Logger
	// Learn, if set, learns from callers: when distinct callers who
	// searched with a word then call a tool the search did not return
	// first, the word becomes one of the tool's, and later searches find
	// it by that word (see LearnOptions and docs/search.md). Only
	// authenticated callers teach. Off by default: it lets callers change
	// what other callers find.
	Learn *LearnOptions
	// LearnScope, with Learn, names the scope a caller teaches and
	// searches within (Index.LearnScoped): the words a scope's callers
	// teach are then found by that scope's searches alone, so that a
	// gateway serving several tenants keeps each tenant's from the
	// others'. A caller it gives "" teaches nothing (a token without the
	// tenant's claim, say) and finds only the words every caller shares
	// (learned before scopes). Called for every search, with the
	// caller's principal.
	LearnScope func(*toolgate.Principal) string
	// LearnFile, with Learn, keeps what was learned across restarts:
	// Enable reads it (a file that cannot be read is logged and learned
	// over), and it is written, whole, every minute while callers teach,
	// by Service.Forget and at Close. It holds the learned words (stems of
	// request words, each with its scope under LearnScope; read, they are
	// learned again from the votes) and, to tell callers apart, salted
	// hashes of their identities; never a request. A Seed that learns is
	// taken over instead.
	LearnFile string
	// MeterProvider, if set, receives the search tool's metrics: searches
	// by how they were ranked, the embedder's calls, the tools indexed
	// and embedded (docs/operations.md).
	MeterProvider metric.MeterProvider
}

// A Service is tool search enabled on a gateway: an index that follows
// the gateway's catalogue, and the builtin tools that query it.
type Service struct {
	gw      *toolgate.Gateway
	opts    Options
	ix      *Index
	hybrid  *Hybrid // nil without an Embedder
	log     *slog.Logger
	metrics *metrics // nil without a MeterProvider

	dirty atomic.Bool // the catalogue changed since the last sync
	mu    sync.Mutex  // serializes catalogue syncs
	stop  func()

	// With an Embedder, a goroutine embeds the catalogue's tools ahead
	// of searches: at start and after each change.
	kick     chan struct{}
	stopWarm context.CancelFunc
	warming  sync.WaitGroup

	st       serviceState // for the status page
	unstatus func()       // removes the status page's section
	follow   followups    // what sessions call after a search
	unsink   func()       // removes the audit sink that follows calls

	// pending is Options.Seed until its vectors are taken over; one
	// replaced before then passes them on (see takeOver).
	pending atomic.Pointer[Service]

	learnWritten atomic.Uint64 // the learner's change count when LearnFile was last read or written
	learnWrite   sync.Mutex    // one write of LearnFile at a time
	learnQ       *learnQueue   // tools whose learned words await indexing; nil without Learn
	stopLearn    context.CancelFunc
	learning     sync.WaitGroup // the learned words' applier and file writer
}

// Enable adds the search tool (and, with Options.CallTool, the call tool)
// to gw as builtins and keeps an index of gw's catalogue, updated
// incrementally whenever the catalogue changes. Searches respect
// per-principal visibility: a caller finds only the tools its tools/list
// would show it (toolgate.Gateway.Listable: the ToolFilter and the
// policies). The
// gateway's status page (toolgate.Gateway.StatusHandler) gains a section,
// "search", that shows how the tool ranks and why, the tools indexed and
// embedded, the searches answered and what fails. opts may be nil.
func Enable(gw *toolgate.Gateway, opts *Options) (*Service, error) {
	s := &Service{gw: gw, ix: NewIndex()}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.ToolName == "" {
		s.opts.ToolName = DefaultToolName
	}
	if s.opts.CallToolName == "" {
		s.opts.CallToolName = DefaultCallToolName
	}
	if s.opts.MaxResults <= 0 {
		s.opts.MaxResults = 10
	}
	if s.opts.VectorFile != "" && s.opts.Embedder == nil {
		return nil, errors.New("search: Options.VectorFile keeps an Embedder's vectors, and there is no Embedder")
	}
	if s.opts.LearnFile != "" && s.opts.Learn == nil {
		return nil, errors.New("search: Options.LearnFile keeps what Learn learned, and Learn is not set")
	}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	seed := s.opts.Seed
	if s.opts.Learn != nil {
		s.ix.EnableLearning(*s.opts.Learn)
		if seed != nil && seed.ix.learner() != nil {
			s.ix.learner().takeOver(seed.ix.learner()) // applied as the catalogue is indexed
			s.learnWritten.Store(seed.learnWritten.Load())
		} else {
			s.readLearned(context.Background())
		}
		var ctx context.Context
		ctx, s.stopLearn = context.WithCancel(context.Background())
		s.learnQ = newLearnQueue()
		s.learning.Go(func() { s.learnApplier(ctx) })
		if s.opts.LearnFile != "" {
			s.learning.Go(func() { s.learnWriter(ctx, learnWriteEvery) })
		}
	}
	s.opts.Seed = nil // kept in pending only until taken over: a chain of replaced services would stay alive
	if s.opts.Embedder != nil {
		s.hybrid = NewHybrid(s.ix, s.opts.Embedder, s.opts.Hybrid)
		s.hybrid.Logger = s.log
		s.readVectors(context.Background()) // before any search can embed what it holds
	}
	if s.opts.MeterProvider != nil {
		m, err := newMetrics(s.opts.MeterProvider, s)
		if err != nil {
			return nil, err
		}
		s.metrics = m
		if s.hybrid != nil {
			s.hybrid.metrics = m
		}
	}
	s.dirty.Store(true)
	if s.hybrid != nil {
		// The warmer embeds the catalogue's changes: searches never wait
		// for them.
		s.hybrid.background, s.hybrid.stale = true, s.warm
		var ctx context.Context
		ctx, s.stopWarm = context.WithCancel(context.Background())
		s.kick = make(chan struct{}, 1)
		if seed != nil {
			s.pending.Store(seed)
		}
		s.warming.Go(func() {
			if seed != nil {
				s.takeOver(ctx, seed) // before the first refresh, which would embed it all
				seed = nil
			}
			s.warmer(ctx)
		})
		s.warm()
	}
	s.stop = gw.Watch(func() {
		s.dirty.Store(true)
		s.warm()
	})

	if err := gw.AddBuiltin(s.searchTool(), s.callSearch); err != nil {
		s.Close()
		return nil, fmt.Errorf("search: %w", err)
	}
	if s.opts.CallTool {
		if err := gw.AddBuiltin(s.callTool(), s.callCall); err != nil {
			s.Close()
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	s.unsink = gw.AddAuditSink(s.observeCall)
	s.unstatus = gw.AddStatusSection(s.status)
	return s, nil
}

// Close stops following the gateway's catalogue and removes the search
// tool's section from the gateway's status page. The builtin tools stay
// published but search a catalogue frozen at its last state.
func (s *Service) Close() {
	s.stop()
	if s.unstatus != nil {
		s.unstatus()
	}
	if s.unsink != nil {
		s.unsink()
	}
	if s.stopWarm != nil {
		s.stopWarm()
		s.warming.Wait()
	}
	if s.stopLearn != nil {
		s.stopLearn()
		s.learning.Wait()
		s.writeLearned(context.Background()) // what was learned since the last write
	}
	s.metrics.close()
}

// warm asks the warmer, if any, to embed the catalogue's new tools.
func (s *Service) warm() {
	if s.kick == nil {
		return
	}
	select {
	case s.kick <- struct{}{}:
	default: // a refresh is already asked for
	}
}

// warmer embeds the catalogue's tools whenever warm asks, until ctx ends,
// so that searches find their vectors ready. After a failure it tries
// again on its own once HybridOptions.RetryAfter has passed, changes in
// the meantime folded into that one try (with no RetryAfter, at the next
// change). The first failure of a run of them is a warning, the others
// are logged at debug level, and the recovery is noted.
func (s *Service) warmer(ctx context.Context) {
	retry := s.hybrid.opts.RetryAfter
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		for {
			s.sync()
			err := s.hybrid.Refresh(ctx)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				if failures > 0 {
					s.log.InfoContext(ctx, "search: embedding the catalogue works again", "failures", failures)
				}
				failures = 0
				s.st.warmed(nil, 0)
				s.writeVectors(ctx)
				break
			}
			failures++
			s.st.warmed(err, failures)
			level := slog.LevelDebug
			if failures == 1 {
				level = slog.LevelWarn
			}
			s.log.Log(ctx, level, "search: embedding the catalogue failed", "err", err, "failures", failures, "retry_after", max(retry, 0))
			if retry <= 0 {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(retry):
			}
			select {
			case <-s.kick: // this try covers the changes since
			default:
			}
		}
	}
}

// Index returns the service's index.
func (s *Service) Index() *Index { return s.ix }

// Search returns the tools the principal in ctx may list
// (toolgate.Gateway.Listable) that best match query, most relevant first;
// limit <= 0 means Options.MaxResults. The Result says whether hybrid
// ranking was used.
func (s *Service) Search(ctx context.Context, query string, limit int) ([]toolgate.ToolInfo, *Result, error) {
	return s.search(ctx, query, limit, s.learnScope(toolgate.PrincipalFrom(ctx)))
}

// search is Search within scope, the caller's learning scope.
func (s *Service) search(ctx context.Context, query string, limit int, scope string) ([]toolgate.ToolInfo, *Result, error) {
	if limit <= 0 || limit > s.opts.MaxResults {
		limit = s.opts.MaxResults
	}
	s.sync()
	// The index holds every tool; a caller finds only those its
	// tools/list would show it (its ToolFilter, and the policies that
	// could permit it to call them), and none removed since the last sync.
	listable := s.gw.Listable(ctx)
	opts := &SearchOptions{Limit: limit, Filter: func(name string) bool {
		_, ok := listable(name)
		return ok
	}, Scope: scope}
	var res *Result
	if s.hybrid != nil {
		var err error
		if res, err = s.hybrid.Search(ctx, query, opts); err != nil {
			return nil, nil, err
		}
	} else {
		res = &Result{Hits: s.ix.Search(query, opts), Mode: ModeLexical}
	}
	s.metrics.searched(ctx, res)
	s.st.searches.Add(1)
	if res.Mode == ModeHybrid {
		s.st.hybrid.Add(1)
	}
	out := make([]toolgate.ToolInfo, 0, len(res.Hits))
	for _, h := range res.Hits {
		if info, ok := listable(h.Name); ok {
			out = append(out, info)
		}
	}
	return out, res, nil
}

// sync brings the index up to date with the gateway's whole catalogue,
// without this service's own builtins, if it changed since the last sync.
func (s *Service) sync() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty.Swap(false) {
		return
	}
	descs := map[string]string{}
	for _, st := range s.gw.Status() {
		descs[st.Name] = st.Description
	}
	all := s.gw.Tools()
	docs := make([]Document, 0, len(all))
	for _, info := range all {
		// Our own builtins are not search results.
		if info.Target == "" && (info.Name == s.opts.ToolName || info.Name == s.opts.CallToolName) {
			continue
		}
		docs = append(docs, Document{ToolInfo: info, TargetDescription: descs[info.Target]})
	}
	s.ix.Sync(docs)
}

func (s *Service) searchTool() toolgate.Tool {
	schema := fmt.Sprintf(`{
  "type": "object",
  "properties": {
    "query": {"type": "string", "minLength": 1, "description": "What you want to do, in natural language; tools are matched on their names, descriptions and parameters."},
    "limit": {"type": "integer", "minimum": 1, "maximum": %d, "description": "How many tools to return at most (default %d)."}
  },
  "required": ["query"],
  "additionalProperties": false
}`, s.opts.MaxResults, s.opts.MaxResults)
	return toolgate.Tool{
		Name:        s.opts.ToolName,
		Title:       "Search tools",
		Description: "A special tool that returns a trimmed down list of tools given a context. Use this tool only when there are many tools available and you want to get a subset that matches the provided context.",
		InputSchema: json.RawMessage(schema),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(false)},
	}
}

// searchResult is the structured content of the search tool's answer.
type searchResult struct {
	Tools []*mcp.Tool `json:"tools"`
	// Ranking is "hybrid" or "lexical"; Notice says why hybrid ranking
	// was not used when an embedder is configured but failed.
	Ranking string `json:"ranking,omitempty"`
	Notice  string `json:"notice,omitempty"`
}

func (s *Service) callSearch(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
	var args struct {
		Query string `json:"query"`
		Limit int    `json:"limit"`
	}
	if err := json.Unmarshal(req.Arguments, &args); err != nil {
		return toolgate.ErrorResult("invalid arguments: " + err.Error()), nil
	}
	p := toolgate.PrincipalFrom(ctx)
	scope := s.learnScope(p)
	infos, res, err := s.search(ctx, args.Query, args.Limit, scope)
	if err != nil {
		return nil, err
	}
	out := searchResult{Tools: make([]*mcp.Tool, 0, len(infos))}
	names := make([]string, len(infos))
	for i := range infos {
		out.Tools = append(out.Tools, mcpTool(&infos[i]))
		names[i] = infos[i].Name
	}
	var learn learnFrom
	// Kept for the calls after it, as long as the search is followed; a
	// caller without a scope, when there are scopes, teaches nothing.
	if s.opts.Learn != nil && (scope != "" || s.opts.LearnScope == nil) {
		learn = learnFrom{request: args.Query, scope: scope}
	}
	s.follow.searched(followKey(req.SessionID, p), names, learn, time.Now())
	if s.hybrid != nil {
		out.Ranking = res.Mode
		if res.Fallback != nil {
			out.Notice = "semantic ranking unavailable, results ranked lexically: " + res.Fallback.Error()
		}
	}
	return toolgate.StructuredResult(out)
}

// mcpTool is the MCP Tool object of a published tool.
func mcpTool(info *toolgate.ToolInfo) *mcp.Tool {
	t := &mcp.Tool{
		Name:        info.Name,
		Title:       info.Tool.Title,
		Description: info.Tool.Description,
		Annotations: info.Tool.Annotations,
		Meta:        info.Tool.Meta,
		InputSchema: json.RawMessage(`{"type":"object"}`),
	}
	if len(info.Tool.InputSchema) > 0 {
		t.InputSchema = info.Tool.InputSchema
	}
	if len(info.Tool.OutputSchema) > 0 {
		t.OutputSchema = info.Tool.OutputSchema
	}
	return t
}

func (s *Service) callTool() toolgate.Tool {
	return toolgate.Tool{
		Name:  s.opts.CallToolName,
		Title: "Call a tool",
		Description: fmt.Sprintf("Calls any tool of this server by name, with its arguments. Find the tool and its input schema with %s first.",
			s.opts.ToolName),
		InputSchema: json.RawMessage(`{
  "type": "object",
  "properties": {
    "name": {"type": "string", "minLength": 1, "description": "The tool's name, as the search tool returned it."},
    "arguments": {"type": "object", "description": "The tool's arguments, matching its input schema."}
  },
  "required": ["name"],
  "additionalProperties": false
}`),
		// The tool named reaches the caller's client as a direct call
		// of it would: progress, log messages, elicitation, sampling.
		CallsTool: "name",
	}
}

func (s *Service) callCall(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
	var args struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	}
	if err := json.Unmarshal(req.Arguments, &args); err != nil {
		return toolgate.ErrorResult("invalid arguments: " + err.Error()), nil
	}
	if args.Name == s.opts.CallToolName {
		return toolgate.ErrorResult(fmt.Sprintf("%s cannot call itself", s.opts.CallToolName)), nil
	}
	res, err := s.gw.Call(ctx, args.Name, args.Arguments) // followed by its audit record (observeCall)
	if errors.Is(err, toolgate.ErrUnknownTool) {
		return toolgate.ErrorResult(fmt.Sprintf("unknown tool %q; find tools with %s", args.Name, s.opts.ToolName)), nil
	}
	return res, err
}
