package toolgate

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/schema"
)

// prepared is a tool whose schemas are normalized and compiled.
type prepared struct {
	tool      Tool
	validator *schema.Validator
	fn        CallFunc                        // builtins only
	encoded   atomic.Pointer[encodedTool]     // its tools/list JSON, see encodeTool
	secrets   atomic.Pointer[map[string]bool] // see secretProps
}

// entry is one published tool.
type entry struct {
	info   ToolInfo
	mcp    *mcp.Tool
	prep   *prepared
	target Target       // nil for builtins
	ts     *targetState // nil for builtins

	targetSets atomic.Pointer[attrSets] // metric attributes of its target calls
	okSets     atomic.Pointer[attrSets] // and of its successful calls
}

// catalog is an immutable snapshot of the published tools.
type catalog struct {
	byName map[string]*entry
	sorted []*entry           // by published name: what tools/list shows
	all    []*entry           // every entry, by published name
	byTool map[toolKey]string // published name by target and tool

	// What the targets offer besides tools (sources.go).
	prompts       []*promptEntry // by published name
	promptByName  map[string]*promptEntry
	resources     []*resourceEntry // by URI
	resourceByURI map[string]*resourceEntry
	templates     []*templateEntry // in the order they are tried
	live          []string         // names of the LiveLister targets (live.go)
}

// prepareTools normalizes and compiles each tool's schemas, spreading
// large batches over the available cores. Tools that cannot be served are
// left out and described in problems.
func prepareTools(tools []Tool) ([]*prepared, []string) {
	preps := make([]*prepared, len(tools))
	errs := make([]error, len(tools))
	workers := min(runtime.GOMAXPROCS(0), 1+len(tools)/256)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := schema.NewCompiler()
			for i := w; i < len(tools); i += workers {
				preps[i], errs[i] = prepareTool(sc, tools[i])
			}
		}()
	}
	wg.Wait()

	out := make([]*prepared, 0, len(tools))
	var problems []string
	seen := make(map[string]bool, len(tools))
	for i, t := range tools {
		switch {
		case t.Name == "":
			problems = append(problems, "a tool has no name")
		case seen[t.Name]:
			problems = append(problems, fmt.Sprintf("tool %q: listed twice", t.Name))
		case errs[i] != nil:
			problems = append(problems, fmt.Sprintf("tool %q: %v", t.Name, errs[i]))
		default:
			seen[t.Name] = true
			out = append(out, preps[i])
		}
	}
	return out, problems
}

func prepareTool(sc *schema.Compiler, t Tool) (*prepared, error) {
	in, err := schema.NormalizeInput(t.InputSchema)
	if err != nil {
		return nil, err
	}
	v, err := sc.Compile(in)
	if err != nil {
		return nil, fmt.Errorf("input %w", err)
	}
	out, err := schema.NormalizeOutput(t.OutputSchema)
	if err != nil {
		return nil, err
	}
	t.InputSchema, t.OutputSchema = in, out
	return &prepared{tool: t, validator: v}, nil
}

func fingerprint(tools []Tool) [32]byte {
	b, err := json.Marshal(tools)
	if err != nil {
		return [32]byte{1} // never equal to a real digest's first use
	}
	return sha256.Sum256(b)
}

// AddBuiltin publishes a gateway-level tool under its own name, without a
// target prefix (for example a tool-search tool). Builtins are listed
// before target tools win a name: a target tool whose published name
// equals a builtin's is renamed. fn receives calls after validation and
// interceptors, like a target.
func (g *Gateway) AddBuiltin(t Tool, fn CallFunc) error {
	if fn == nil {
		return fmt.Errorf("toolgate: builtin %q: nil handler", t.Name)
	}
	if t.Name == "" || sanitizeName(t.Name) != t.Name || len(t.Name) > g.opts.MaxNameLength {
		return fmt.Errorf("toolgate: builtin name %q must be 1-%d characters of A-Z, a-z, 0-9, '_', '-', '.'", t.Name, g.opts.MaxNameLength)
	}
	p, err := prepareTool(schema.NewCompiler(), t)
	if err != nil {
		return fmt.Errorf("toolgate: builtin %q: %w", t.Name, err)
	}
	p.fn = fn
	g.mu.Lock()
	if _, dup := g.builtins[t.Name]; dup {
		g.mu.Unlock()
		return fmt.Errorf("toolgate: builtin %q already exists", t.Name)
	}
	// A published name never changes while it is served, and a builtin
	// cannot be renamed: a name a target's tool holds is not free.
	if e := g.cat.Load().byName[t.Name]; e != nil {
		g.mu.Unlock()
		return fmt.Errorf("toolgate: builtin %q: the name is published for tool %q of target %q", t.Name, e.info.Tool.Name, e.info.Target)
	}
	g.builtins[t.Name] = p
	g.rebuildLocked()
	g.mu.Unlock()
	g.changed(true)
	return nil
}

// rebuildLocked recomputes the published catalogue.
//
// A published name never changes while it is served: every tool that was
// published keeps its name. Tools new to the catalogue are then named in a
// deterministic order — builtins first, then targets by name, each
// target's tools by name — and a newcomer whose name is taken gets the
// smallest free "_N" suffix. The same targets added in the same order
// therefore always yield the same names.
func (g *Gateway) rebuildLocked() {
	n := len(g.builtins)
	for _, ts := range g.targets {
		n += len(ts.tools)
	}
	prev := g.cat.Load()
	c := &catalog{byName: make(map[string]*entry, n), all: make([]*entry, 0, n)}
	for _, ts := range g.targets {
		ts.problems = slices.DeleteFunc(ts.problems, isRenameProblem)
	}
	// Every tool in naming order, under the name it asks for.
	type candidate struct {
		e  *entry
		ts *targetState // nil for builtins
	}
	cands := make([]candidate, 0, n)
	for _, name := range slices.Sorted(maps.Keys(g.builtins)) {
		p := g.builtins[name]
		cands = append(cands, candidate{e: &entry{info: ToolInfo{Name: name, Tool: p.tool}, prep: p}})
	}
	for _, tname := range slices.Sorted(maps.Keys(g.targets)) {
		ts := g.targets[tname]
		tools := slices.Clone(ts.tools)
		slices.SortFunc(tools, func(a, b *prepared) int { return strings.Compare(a.tool.Name, b.tool.Name) })
		for _, p := range tools {
			pub := g.publish(ts.target, p.tool.Name)
			cands = append(cands, candidate{e: &entry{info: ToolInfo{Name: pub, Target: tname, Tool: p.tool}, prep: p, target: ts.target, ts: ts}, ts: ts})
		}
	}
	publish := func(cd candidate, name string) {
		e := cd.e
		if name != e.info.Name && cd.ts != nil {
			cd.ts.problems = append(cd.ts.problems, fmt.Sprintf("%stool %q published as %q: %q is taken", renamePrefix, e.info.Tool.Name, name, e.info.Name))
		}
		e.info.Name = name
		e.mcp = toMCPTool(name, &e.prep.tool)
		c.byName[name] = e
		c.all = append(c.all, e)
	}
	// Tools already published keep their names.
	held := make([]bool, len(cands))
	for i, cd := range cands {
		if name, ok := prev.nameOf(cd.e.info.Target, cd.e.info.Tool.Name); ok && c.byName[name] == nil {
			publish(cd, name)
			held[i] = true
		}
	}
	// Newcomers take what is free.
	for i, cd := range cands {
		if held[i] {
			continue
		}
		name := cd.e.info.Name
		for k := 2; c.byName[name] != nil; k++ {
			name = withCounter(cd.e.info.Name, k, g.opts.MaxNameLength)
		}
		if name != cd.e.info.Name {
			g.log.Warn("toolgate: tool name collision", "target", cd.e.info.Target, "tool", cd.e.info.Tool.Name, "published", name)
		}
		publish(cd, name)
	}
	slices.SortFunc(c.all, func(a, b *entry) int { return strings.Compare(a.info.Name, b.info.Name) })
	g.publishOffers(c)
	c.live = liveTargets(g.targets)
	c.byTool = make(map[toolKey]string, len(c.all))
	for _, e := range c.all {
		c.byTool[toolKey{e.info.Target, e.info.Tool.Name}] = e.info.Name
	}
	if g.opts.ListBuiltinsOnly {
		for _, e := range c.all {
			if e.target == nil {
				c.sorted = append(c.sorted, e)
			}
		}
	} else {
		c.sorted = c.all
	}
	g.cat.Store(c)
}

// nameOf returns the name under which c publishes the tool of target (""
// for a builtin) whose own name is tool.
func (c *catalog) nameOf(target, tool string) (string, bool) {
	name, ok := c.byTool[toolKey{target, tool}]
	return name, ok
}

// toolKey names a tool by its target and its own name.
type toolKey struct{ target, tool string }

const renamePrefix = "renamed: "

func isRenameProblem(s string) bool { return strings.HasPrefix(s, renamePrefix) }

func toMCPTool(name string, t *Tool) *mcp.Tool {
	mt := &mcp.Tool{
		Name:        name,
		Title:       t.Title,
		Description: t.Description,
		InputSchema: t.InputSchema,
		Annotations: t.Annotations,
		Meta:        t.Meta,
	}
	if t.OutputSchema != nil {
		mt.OutputSchema = t.OutputSchema
	}
	return mt
}

// sentinelTool is registered with the underlying go-sdk server only to
// make it send notifications/tools/list_changed (debounced) to every
// session; the gateway answers tools/list and tools/call itself, so it is
// never listed or callable.
var sentinelSchema = json.RawMessage(`{"type":"object"}`)

// changed tells the catalogue's watchers that it changed, and every
// session that tools/list changed, unless what changed is a target's tools
// and tools/list shows builtins only (ListBuiltinsOnly): what clients list
// is then the same, and a large catalogue's changes would otherwise send
// every session notifications for nothing.
func (g *Gateway) changed(builtin bool) {
	if builtin || !g.opts.ListBuiltinsOnly {
		g.server.AddTool(&mcp.Tool{Name: "toolgate.list-changed", InputSchema: sentinelSchema}, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return nil, errors.New("not callable")
		})
	}
	for _, w := range g.watchers.list() {
		w()
	}
}

// offersChanged makes go-sdk tell every session that the prompt and
// resource lists changed, through sentinels it never lists (the gateway
// answers those lists itself).
func (g *Gateway) offersChanged() {
	g.server.AddPrompt(&mcp.Prompt{Name: "toolgate.list-changed"}, func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
		return nil, errors.New("not a prompt")
	})
	g.server.AddResource(&mcp.Resource{URI: "toolgate:list-changed", Name: "toolgate.list-changed"}, func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
		return nil, errors.New("not a resource")
	})
}

// Watch calls fn after every change to the catalogue (a target added,
// removed or refreshed with different tools, a builtin added). fn runs on
// the goroutine that made the change and must not block. The returned
// func stops the watching.
func (g *Gateway) Watch(fn func()) (stop func()) {
	return g.watchers.add(fn)
}

// Catalog returns the published tools that the principal in ctx may see
// (all of them without a ToolFilter), sorted by name. Builtins are
// included even when ListBuiltinsOnly hides target tools from tools/list.
func (g *Gateway) Catalog(ctx context.Context) []ToolInfo {
	c := g.cat.Load()
	p := PrincipalFrom(ctx)
	out := make([]ToolInfo, 0, len(c.all))
	for _, e := range c.all {
		if g.visible(ctx, p, e) {
			out = append(out, e.info)
		}
	}
	return out
}

// Lookup returns the published tool called name if the principal in ctx
// may see it, as Catalog would list it, without copying the catalogue.
func (g *Gateway) Lookup(ctx context.Context, name string) (ToolInfo, bool) {
	e := g.cat.Load().byName[name]
	if e == nil || !g.visible(ctx, PrincipalFrom(ctx), e) {
		return ToolInfo{}, false
	}
	return e.info, true
}

// Tools returns every published tool, whoever may see it, sorted by name,
// for in-process uses such as indexing the catalogue. To honour a caller's
// visibility use Catalog or Lookup.
func (g *Gateway) Tools() []ToolInfo {
	c := g.cat.Load()
	out := make([]ToolInfo, len(c.all))
	for i, e := range c.all {
		out[i] = e.info
	}
	return out
}

func (g *Gateway) visible(ctx context.Context, p *Principal, e *entry) bool {
	return g.opts.ToolFilter == nil || g.opts.ToolFilter(ctx, p, &e.info)
}
