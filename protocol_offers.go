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
		cursor := ""
		if r, _ := req.(*mcp.ListPromptsRequest); r != nil && r.Params != nil {
			cursor = r.Params.Cursor
		}
		out := &mcp.ListPromptsResult{Prompts: []*mcp.Prompt{}}
		start, err := afterCursor(cursor, len(c.prompts), func(i int) string { return c.prompts[i].prompt.Name })
		if err != nil {
			return nil, true, err
		}
		end := min(start+g.opts.PageSize, len(c.prompts))
		for _, e := range c.prompts[start:end] {
			out.Prompts = append(out.Prompts, e.prompt)
		}
		if end < len(c.prompts) {
			out.NextCursor = cursorAfter(c.prompts[end-1].prompt.Name)
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
		cursor := ""
		if r, _ := req.(*mcp.ListResourcesRequest); r != nil && r.Params != nil {
			cursor = r.Params.Cursor
		}
		out := &mcp.ListResourcesResult{Resources: []*mcp.Resource{}}
		start, err := afterCursor(cursor, len(c.resources), func(i int) string { return c.resources[i].res.URI })
		if err != nil {
			return nil, true, err
		}
		end := min(start+g.opts.PageSize, len(c.resources))
		for _, e := range c.resources[start:end] {
			out.Resources = append(out.Resources, e.res)
		}
		if end < len(c.resources) {
			out.NextCursor = cursorAfter(c.resources[end-1].res.URI)
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

// offerContext is the context of a request routed to a target: the
// caller's principal, ended when the client goes away.
func (g *Gateway) offerContext(ctx context.Context, req mcp.Request) (context.Context, func()) {
	ri := infoOf(req)
	ctx, cancel := context.WithCancel(WithPrincipal(ctx, ri.principal))
	stop := context.AfterFunc(ri.ctx, cancel)
	return ctx, func() { stop(); cancel() }
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
