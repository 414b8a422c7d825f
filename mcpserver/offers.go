package mcpserver

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
)

// The server's prompts, resources and completions, through the shared
// backend session: the gateway publishes the prompts with the target's
// prefix (or without, for an Unprefixed target), keeps resource URIs, and
// routes prompts/get, resources/read, resources/subscribe and
// completion/complete here. prompts/get, resources/read and
// completion/complete carry the request's trace context in _meta (see
// withTrace).

var (
	_ toolgate.PromptTarget        = (*Target)(nil)
	_ toolgate.ResourceTarget      = (*Target)(nil)
	_ toolgate.Completer           = (*Target)(nil)
	_ toolgate.ResourceSubscriber  = (*Target)(nil)
	_ toolgate.ResourceNotifier    = (*Target)(nil)
	_ toolgate.ResourcePrioritizer = (*Target)(nil)
	_ toolgate.Unprefixed          = (*Target)(nil)
	_ toolgate.LiveLister          = (*Target)(nil)
)

// serverCaps returns the shared session and what the server declared.
func (t *Target) serverCaps(ctx context.Context) (*mcp.ClientSession, *mcp.ServerCapabilities, error) {
	return t.sessionCaps(ctx, t.shared)
}

// sessionCaps returns l's session and what the server declared.
func (t *Target) sessionCaps(ctx context.Context, l *link) (*mcp.ClientSession, *mcp.ServerCapabilities, error) {
	cs, err := l.session(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("mcp server %q unavailable: %w", t.opts.Name, err)
	}
	caps := &mcp.ServerCapabilities{}
	if ir := cs.InitializeResult(); ir != nil && ir.Capabilities != nil {
		caps = ir.Capabilities
	}
	return cs, caps, nil
}

// callerSession returns the session for a request made for the caller of
// ctx (prompts/get, resources/read, completion/complete): the backend
// session of the caller's session (toolgate.SessionIDFrom) if its calls
// have opened one, so that a server that keeps state per session answers
// from the caller's; else, when the credentials act for the caller
// (caller.go), the principal's own; else the shared one.
func (t *Target) callerSession(ctx context.Context) (*link, *mcp.ClientSession, *mcp.ServerCapabilities, error) {
	if l := t.openLink(toolgate.SessionIDFrom(ctx)); l != nil {
		cs, caps, err := t.sessionCaps(ctx, l)
		return l, cs, caps, err
	}
	if !t.forCaller {
		cs, caps, err := t.serverCaps(ctx)
		return t.shared, cs, caps, err
	}
	l, err := t.linkFor(ctx, "", nil)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("mcp server %q: %w", t.opts.Name, err)
	}
	defer l.release() // a caller's link is closed only after IdleTimeout
	cs, caps, err := t.sessionCaps(ctx, l)
	return l, cs, caps, err
}

// openLink returns the backend session the calls of the caller's session
// id have opened, or nil, marked as used now.
func (t *Target) openLink(id string) *link {
	if id == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.links[id]
	if l != nil {
		l.touch()
	}
	return l
}

// fail wraps the error of a request to the server on l, and drops a
// session that could not be reached.
func (t *Target) fail(l *link, cs *mcp.ClientSession, method string, err error) error {
	if !answered(err) {
		l.failed(cs, err)
	}
	return fmt.Errorf("mcp server %q: %s: %w", t.opts.Name, method, err)
}

// ListPrompts implements toolgate.PromptTarget: every prompt of a server
// that declares prompts.
func (t *Target) ListPrompts(ctx context.Context) ([]*mcp.Prompt, error) {
	cs, caps, err := t.serverCaps(ctx)
	if err != nil || caps.Prompts == nil {
		return nil, err
	}
	return listAll(t, cs, "prompts/list", func(cursor string) ([]*mcp.Prompt, string, error) {
		res, err := cs.ListPrompts(ctx, &mcp.ListPromptsParams{Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		return res.Prompts, res.NextCursor, nil
	})
}

// GetPrompt implements toolgate.PromptTarget.
func (t *Target) GetPrompt(ctx context.Context, name string, args map[string]string) (*mcp.GetPromptResult, error) {
	l, cs, _, err := t.callerSession(ctx)
	if err != nil {
		return nil, err
	}
	res, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Meta: withTrace(ctx, nil), Name: name, Arguments: args})
	if err != nil {
		return nil, t.fail(l, cs, "prompts/get", err)
	}
	return res, nil
}

// ListResources implements toolgate.ResourceTarget: every resource of a
// server that declares resources.
func (t *Target) ListResources(ctx context.Context) ([]*mcp.Resource, error) {
	cs, caps, err := t.serverCaps(ctx)
	if err != nil || caps.Resources == nil {
		return nil, err
	}
	return listAll(t, cs, "resources/list", func(cursor string) ([]*mcp.Resource, string, error) {
		res, err := cs.ListResources(ctx, &mcp.ListResourcesParams{Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		return res.Resources, res.NextCursor, nil
	})
}

// ListResourceTemplates implements toolgate.ResourceTarget.
func (t *Target) ListResourceTemplates(ctx context.Context) ([]*mcp.ResourceTemplate, error) {
	cs, caps, err := t.serverCaps(ctx)
	if err != nil || caps.Resources == nil {
		return nil, err
	}
	return listAll(t, cs, "resources/templates/list", func(cursor string) ([]*mcp.ResourceTemplate, string, error) {
		res, err := cs.ListResourceTemplates(ctx, &mcp.ListResourceTemplatesParams{Cursor: cursor})
		if err != nil {
			return nil, "", err
		}
		return res.ResourceTemplates, res.NextCursor, nil
	})
}

// ReadResource implements toolgate.ResourceTarget.
func (t *Target) ReadResource(ctx context.Context, uri string) (*mcp.ReadResourceResult, error) {
	l, cs, _, err := t.callerSession(ctx)
	if err != nil {
		return nil, err
	}
	res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{Meta: withTrace(ctx, nil), URI: uri})
	if err != nil {
		return nil, t.fail(l, cs, "resources/read", err)
	}
	return res, nil
}

// Subscribe implements toolgate.ResourceSubscriber: the server's updates
// of the resource reach the subscribed sessions (OnResourceUpdated).
func (t *Target) Subscribe(ctx context.Context, uri string) error {
	cs, caps, err := t.serverCaps(ctx)
	if err != nil {
		return err
	}
	if caps.Resources == nil || !caps.Resources.Subscribe {
		return nil // the server sends no updates: nothing to pass on
	}
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: uri}); err != nil {
		return t.fail(t.shared, cs, "resources/subscribe", err)
	}
	return nil
}

// Unsubscribe implements toolgate.ResourceSubscriber.
func (t *Target) Unsubscribe(ctx context.Context, uri string) error {
	cs, caps, err := t.serverCaps(ctx)
	if err != nil {
		return err
	}
	if caps.Resources == nil || !caps.Resources.Subscribe {
		return nil
	}
	if err := cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: uri}); err != nil {
		return t.fail(t.shared, cs, "resources/unsubscribe", err)
	}
	return nil
}

// Complete implements toolgate.Completer.
func (t *Target) Complete(ctx context.Context, params *mcp.CompleteParams) (*mcp.CompleteResult, error) {
	l, cs, caps, err := t.callerSession(ctx)
	if err != nil {
		return nil, err
	}
	if caps.Completions == nil {
		return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}}}, nil
	}
	if params != nil {
		p := *params // the caller's stay as they are
		p.Meta = withTrace(ctx, forwardedMeta(params.Meta))
		params = &p
	}
	res, err := cs.Complete(ctx, params)
	if err != nil {
		return nil, t.fail(l, cs, "completion/complete", err)
	}
	return res, nil
}

// OnResourceUpdated implements toolgate.ResourceNotifier: the server's
// notifications/resources/updated call updated.
func (t *Target) OnResourceUpdated(updated func(uri string)) { t.updated.Store(&updated) }

// resourceUpdated passes a server's resource update to the gateway.
func (t *Target) resourceUpdated(uri string) {
	if f := t.updated.Load(); f != nil && t.ctx.Err() == nil {
		(*f)(uri)
	}
}

// ResourcePriority implements toolgate.ResourcePrioritizer.
func (t *Target) ResourcePriority() int { return t.opts.ResourcePriority }

// Unprefixed implements toolgate.Unprefixed.
func (t *Target) Unprefixed() bool { return t.opts.Unprefixed }

// ListsLive implements toolgate.LiveLister: true in the DYNAMIC listing
// mode.
func (t *Target) ListsLive() bool { return t.opts.ListingMode == Dynamic }

// listAll reads every page of a list (method) through list, which asks
// for the page after a cursor: a server that hands a cursor back twice is
// refused rather than followed forever.
func listAll[T any](t *Target, cs *mcp.ClientSession, method string, list func(cursor string) ([]T, string, error)) ([]T, error) {
	var out []T
	seen := map[string]bool{}
	cursor := ""
	for {
		items, next, err := list(cursor)
		if err != nil {
			return nil, t.fail(t.shared, cs, method, err)
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		if seen[next] {
			return nil, fmt.Errorf("mcp server %q: %s: cursor %q came back", t.opts.Name, method, next)
		}
		seen[next] = true
		cursor = next
	}
}
