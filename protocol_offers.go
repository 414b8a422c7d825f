package toolgate

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP methods for what targets offer besides tools (sources.go):
// prompts/list, prompts/get, resources/list, resources/templates/list and
// resources/read, answered from the catalogue and routed to the owning
// target.

// serveOffers answers method if it is one of the above; ok is false for
// any other method.
func (g *Gateway) serveOffers(ctx context.Context, method string, req mcp.Request) (res mcp.Result, ok bool, err error) {
	c := g.cat.Load()
	switch method {
	case "prompts/list":
		out := &mcp.ListPromptsResult{}
		out.Prompts, out.NextCursor, err = page(c.prompts, cursorOf(req), g.opts.PageSize,
			func(e *promptEntry) string { return e.prompt.Name }, func(e *promptEntry) *mcp.Prompt { return e.prompt })
		if err != nil {
			return nil, true, err
		}
		return out, true, nil
	case "prompts/get":
		r, _ := req.(*mcp.GetPromptRequest)
		if r == nil || r.Params == nil {
			return nil, true, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing params"}
		}
		e := c.promptByName[r.Params.Name]
		if e == nil {
			return nil, true, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown prompt %q", r.Params.Name)}
		}
		ctx, done := g.offerContext(ctx, req)
		defer done()
		out, err := e.target.GetPrompt(ctx, e.own, r.Params.Arguments)
		if err != nil {
			return nil, true, fmt.Errorf("prompt %q: %w", r.Params.Name, err)
		}
		return out, true, nil
	case "resources/list":
		out := &mcp.ListResourcesResult{}
		out.Resources, out.NextCursor, err = page(c.resources, cursorOf(req), g.opts.PageSize,
			func(e *resourceEntry) string { return e.res.URI }, func(e *resourceEntry) *mcp.Resource { return e.res })
		if err != nil {
			return nil, true, err
		}
		return out, true, nil
	case "resources/templates/list":
		out := &mcp.ListResourceTemplatesResult{ResourceTemplates: []*mcp.ResourceTemplate{}}
		for _, t := range c.templates {
			out.ResourceTemplates = append(out.ResourceTemplates, t.tpl)
		}
		return out, true, nil
	case "completion/complete":
		r, _ := req.(*mcp.CompleteRequest)
		if r == nil || r.Params == nil || r.Params.Ref == nil {
			return nil, true, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing params"}
		}
		params := *r.Params
		ref := *params.Ref
		params.Ref = &ref
		var owner Target
		switch ref.Type {
		case "ref/prompt":
			e := c.promptByName[ref.Name]
			if e == nil {
				return nil, true, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: fmt.Sprintf("unknown prompt %q", ref.Name)}
			}
			owner, ref.Name = e.target, e.own
		case "ref/resource":
			owner = c.templateOwner(ref.URI)
		}
		cp, ok := owner.(Completer)
		if !ok {
			return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}}}, true, nil
		}
		ctx, done := g.offerContext(ctx, req)
		defer done()
		out, err := cp.Complete(ctx, &params)
		if err != nil {
			return nil, true, fmt.Errorf("completion: %w", err)
		}
		return out, true, nil
	case "resources/read":
		r, _ := req.(*mcp.ReadResourceRequest)
		if r == nil || r.Params == nil {
			return nil, true, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing params"}
		}
		t := c.resourceOwner(r.Params.URI)
		if t == nil {
			return nil, true, mcp.ResourceNotFoundError(r.Params.URI)
		}
		ctx, done := g.offerContext(ctx, req)
		defer done()
		out, err := t.ReadResource(ctx, r.Params.URI)
		if err != nil {
			return nil, true, fmt.Errorf("resource %q: %w", r.Params.URI, err)
		}
		return out, true, nil
	}
	return nil, false, nil
}

// requestContext is the context of a request routed to a target: the
// caller's principal (with the call of ob, for a call: withCall), ended
// when the client goes away (the HTTP request that carried it is done).
func (g *Gateway) requestContext(ctx context.Context, req mcp.Request, ob *observation) (context.Context, func()) {
	ri := infoOf(req)
	if ob != nil {
		ctx = withCall(ctx, ob)
	} else {
		ctx = WithPrincipal(ctx, ri.principal)
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(ri.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}

// offerContext is requestContext for a request other than a call: with
// the client's session id (SessionIDFrom), which a call has in its
// CallRequest.
func (g *Gateway) offerContext(ctx context.Context, req mcp.Request) (context.Context, func()) {
	if ss, ok := req.GetSession().(*mcp.ServerSession); ok && ss != nil && ss.ID() != "" {
		ctx = context.WithValue(ctx, sessionIDKey{}, ss.ID())
	}
	return g.requestContext(ctx, req, nil)
}

// page returns the page of items (sorted by key) after cursor, at most
// size of them as item makes them, never nil, and the cursor of the next
// page ("" after the last).
func page[E, T any](items []E, cursor string, size int, key func(E) string, item func(E) T) ([]T, string, error) {
	start, err := afterCursor(cursor, len(items), func(i int) string { return key(items[i]) })
	if err != nil {
		return nil, "", err
	}
	end := min(start+size, len(items))
	out := make([]T, 0, end-start)
	for _, e := range items[start:end] {
		out = append(out, item(e))
	}
	next := ""
	if end < len(items) {
		next = cursorAfter(key(items[end-1]))
	}
	return out, next, nil
}

// cursorOf returns the cursor of a list request; "" asks for the first
// page.
func cursorOf(req mcp.Request) string {
	switch r := req.(type) {
	case *mcp.ListToolsRequest:
		if r.Params != nil {
			return r.Params.Cursor
		}
	case *mcp.ListPromptsRequest:
		if r.Params != nil {
			return r.Params.Cursor
		}
	case *mcp.ListResourcesRequest:
		if r.Params != nil {
			return r.Params.Cursor
		}
	case *mcp.ListResourceTemplatesRequest:
		if r.Params != nil {
			return r.Params.Cursor
		}
	}
	return ""
}

// afterCursor returns the index of the first item after the one a cursor
// names, over n items sorted by key.
func afterCursor(cursor string, n int, key func(int) string) (int, error) {
	if cursor == "" {
		return 0, nil
	}
	after, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(after) == 0 {
		return 0, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "invalid cursor"}
	}
	return sort.Search(n, func(i int) bool { return key(i) > string(after) }), nil
}

// cursorAfter is the cursor of the page after the item with key.
func cursorAfter(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}
