package toolgate

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/yosida95/uritemplate/v3"
)

// A PromptTarget is a Target that also offers prompts (an MCP server, for
// example). The gateway lists them with the target's tools and publishes
// each under "<target><separator><name>", as tools are; prompts/get reaches
// GetPrompt with the target's own name. Prompts are visible to every
// caller (ToolFilter decides about tools only).
type PromptTarget interface {
	Target
	ListPrompts(ctx context.Context) ([]*mcp.Prompt, error)
	GetPrompt(ctx context.Context, name string, args map[string]string) (*mcp.GetPromptResult, error)
}

// A ResourceTarget is a Target that also offers resources and resource
// templates. The gateway keeps their URIs as the target gives them; when
// two targets offer the same URI, the one with the lower priority
// (ResourcePrioritizer; DefaultResourcePriority otherwise) serves it, and
// between equal priorities the target whose name sorts first.
// resources/read of a URI no target lists goes to the first target, in the
// same order, with a template that matches it. Resources are visible to
// every caller.
type ResourceTarget interface {
	Target
	ListResources(ctx context.Context) ([]*mcp.Resource, error)
	ListResourceTemplates(ctx context.Context) ([]*mcp.ResourceTemplate, error)
	ReadResource(ctx context.Context, uri string) (*mcp.ReadResourceResult, error)
}

// A Completer is a PromptTarget or ResourceTarget that completes the
// arguments of its prompts and resource templates (completion/complete).
// The gateway routes a completion to the owner of the prompt (under the
// target's own prompt name) or of the resource template or resource.
type Completer interface {
	Complete(ctx context.Context, params *mcp.CompleteParams) (*mcp.CompleteResult, error)
}

// A ResourceSubscriber is a ResourceTarget whose resources can change:
// the gateway passes on a client's resources/subscribe and
// resources/unsubscribe of a URI it serves, and the target reports changes
// with Gateway.ResourceUpdated, which tells every subscribed session.
type ResourceSubscriber interface {
	Subscribe(ctx context.Context, uri string) error
	Unsubscribe(ctx context.Context, uri string) error
}

// A ResourcePrioritizer is a ResourceTarget with a priority for the URIs it
// shares with other targets: lower wins, as AgentCore's resourcePriority.
type ResourcePrioritizer interface {
	ResourcePriority() int
}

// DefaultResourcePriority is the priority of a ResourceTarget that states
// none.
const DefaultResourcePriority = 1000

// offers is what a target lists besides its tools.
type offers struct {
	prompts   []*mcp.Prompt
	resources []*mcp.Resource
	templates []*mcp.ResourceTemplate
	parsed    []*uritemplate.Template // templates[i] parsed once; nil if it does not parse
}

// listOffers lists t's prompts, resources and templates, whichever it
// offers, turning a panic into an error.
func listOffers(ctx context.Context, t Target) (o offers, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("listing prompts or resources panicked: %v", r)
		}
	}()
	if pt, ok := t.(PromptTarget); ok {
		if o.prompts, err = pt.ListPrompts(ctx); err != nil {
			return o, fmt.Errorf("listing prompts: %w", err)
		}
	}
	if rt, ok := t.(ResourceTarget); ok {
		if o.resources, err = rt.ListResources(ctx); err != nil {
			return o, fmt.Errorf("listing resources: %w", err)
		}
		if o.templates, err = rt.ListResourceTemplates(ctx); err != nil {
			return o, fmt.Errorf("listing resource templates: %w", err)
		}
		o.parsed = make([]*uritemplate.Template, len(o.templates))
		for i, t := range o.templates {
			if t != nil {
				o.parsed[i], _ = uritemplate.New(t.URITemplate) // nil: never matches
			}
		}
	}
	return o, nil
}

// fingerprint is a digest of the offers, to tell whether they changed;
// zero for none.
func (o offers) fingerprint() [32]byte {
	if len(o.prompts)+len(o.resources)+len(o.templates) == 0 {
		return [32]byte{}
	}
	b, err := json.Marshal([]any{o.prompts, o.resources, o.templates})
	if err != nil {
		return [32]byte{1} // never equal to a real digest's first use
	}
	return sha256.Sum256(b)
}

// promptEntry is one published prompt.
type promptEntry struct {
	prompt *mcp.Prompt // as listed, under its published name
	own    string      // the target's own name for it
	target PromptTarget
}

// resourceEntry is a resource as the catalogue serves it.
type resourceEntry struct {
	res    *mcp.Resource
	target ResourceTarget
}

// templateEntry is a resource template and the target that serves it.
type templateEntry struct {
	tpl    *mcp.ResourceTemplate
	re     *uritemplate.Template // nil if the template does not parse
	target ResourceTarget
}

// publishOffers adds the targets' prompts, resources and templates to c.
// Prompt names are made as tool names: a prompt whose name is taken gets
// the smallest free "_N" suffix, with a problem in Status.
func (g *Gateway) publishOffers(c *catalog) {
	c.promptByName = map[string]*promptEntry{}
	c.resourceByURI = map[string]*resourceEntry{}
	type owner struct {
		name string
		prio int
		ts   *targetState
	}
	var owners []owner
	for _, name := range slices.Sorted(maps.Keys(g.targets)) {
		ts := g.targets[name]
		prio := DefaultResourcePriority
		if rp, ok := ts.target.(ResourcePrioritizer); ok {
			prio = rp.ResourcePriority()
		}
		owners = append(owners, owner{name, prio, ts})
		pt, _ := ts.target.(PromptTarget)
		for _, p := range ts.offers.prompts {
			if p == nil || pt == nil {
				continue
			}
			want := g.publish(ts.target, p.Name)
			pub := want
			for k := 2; c.promptByName[pub] != nil; k++ {
				pub = withCounter(want, k, g.opts.MaxNameLength)
			}
			if pub != want {
				ts.problems = append(ts.problems, fmt.Sprintf("%sprompt %q published as %q: %q is taken", renamePrefix, p.Name, pub, want))
			}
			cp := *p
			cp.Name = pub
			c.promptByName[pub] = &promptEntry{prompt: &cp, own: p.Name, target: pt}
		}
	}
	// Lower priority first, then by target name: the first owner of a URI
	// serves it.
	slices.SortStableFunc(owners, func(a, b owner) int { return a.prio - b.prio })
	for _, o := range owners {
		rt, ok := o.ts.target.(ResourceTarget)
		if !ok {
			continue
		}
		for _, r := range o.ts.offers.resources {
			if r != nil && c.resourceByURI[r.URI] == nil {
				c.resourceByURI[r.URI] = &resourceEntry{res: r, target: rt}
			}
		}
		for i, t := range o.ts.offers.templates {
			if t != nil {
				c.templates = append(c.templates, &templateEntry{tpl: t, re: o.ts.offers.parsed[i], target: rt})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.promptByName)) {
		c.prompts = append(c.prompts, c.promptByName[name])
	}
	for _, uri := range slices.Sorted(maps.Keys(c.resourceByURI)) {
		c.resources = append(c.resources, c.resourceByURI[uri])
	}
}

// templateOwner returns the target that serves the resource template (or
// resource) with this URI, or nil.
func (c *catalog) templateOwner(uri string) ResourceTarget {
	for _, t := range c.templates {
		if t.tpl.URITemplate == uri {
			return t.target
		}
	}
	if e := c.resourceByURI[uri]; e != nil {
		return e.target
	}
	return nil
}

// resourceOwner returns the target that serves uri: the owner of a listed
// resource, else the first whose template matches.
func (c *catalog) resourceOwner(uri string) ResourceTarget {
	if e := c.resourceByURI[uri]; e != nil {
		return e.target
	}
	for _, t := range c.templates {
		if t.re != nil && t.re.Regexp().MatchString(uri) {
			return t.target
		}
	}
	return nil
}

// subscribe passes a client's resources/subscribe to the target that
// serves the URI; go-sdk records the session's subscription.
func (g *Gateway) subscribe(ctx context.Context, req *mcp.SubscribeRequest) error {
	if rs, ok := g.cat.Load().resourceOwner(req.Params.URI).(ResourceSubscriber); ok {
		if err := rs.Subscribe(ctx, req.Params.URI); err != nil {
			return fmt.Errorf("subscribing to %q: %w", req.Params.URI, err)
		}
	}
	return nil
}

// unsubscribe passes a client's resources/unsubscribe on.
func (g *Gateway) unsubscribe(ctx context.Context, req *mcp.UnsubscribeRequest) error {
	if rs, ok := g.cat.Load().resourceOwner(req.Params.URI).(ResourceSubscriber); ok {
		if err := rs.Unsubscribe(ctx, req.Params.URI); err != nil {
			return fmt.Errorf("unsubscribing from %q: %w", req.Params.URI, err)
		}
	}
	return nil
}

// ResourceUpdated tells every session subscribed to uri that the resource
// changed (notifications/resources/updated). Targets that serve resources
// call it.
func (g *Gateway) ResourceUpdated(ctx context.Context, uri string) error {
	return g.server.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: uri})
}
