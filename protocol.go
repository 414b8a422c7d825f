package toolgate

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/fastpath"
)

// middleware answers tools/list and tools/call from the gateway's
// catalogue, the other offers from the targets', and sends every other
// method to go-sdk.
func (g *Gateway) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method == "tools/call" {
			cr, ok := req.(*mcp.CallToolRequest)
			if !ok || cr.Params == nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing params"}
			}
			return g.serveCall(ctx, cr)
		}
		return g.observed(ctx, method, req, func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			return g.serveMethod(ctx, method, req, next)
		})
	}
}

// serveMethod serves a request other than tools/call.
func (g *Gateway) serveMethod(ctx context.Context, method string, req mcp.Request, next mcp.MethodHandler) (mcp.Result, error) {
	switch method {
	case "initialize":
		res, err := next(ctx, method, req)
		if err == nil && !g.opts.Stateless {
			g.fast.Track(req)
		}
		return res, err
	case "logging/setLevel":
		res, err := next(ctx, method, req)
		if err == nil {
			g.fast.Logging(req)
		}
		return res, err
	case "tools/list", "prompts/list", "resources/list", "resources/templates/list":
		if cursorOf(req) == "" {
			g.refreshLive(ctx) // live targets are listed again for a first page
		}
		if method == "tools/list" {
			ri := infoOf(req)
			return g.listTools(WithPrincipal(ctx, ri.principal), ri.principal, cursorOf(req), ri.splice)
		}
	}
	if res, ok, err := g.serveOffers(ctx, method, req); ok {
		return res, err
	}
	return next(ctx, method, req)
}

// observed serves an MCP request other than tools/call, reported as one.
func (g *Gateway) observed(ctx context.Context, method string, req mcp.Request, serve mcp.MethodHandler) (res mcp.Result, err error) {
	if g.tel == nil {
		return serve(ctx, method, req)
	}
	var name string
	switch p := req.GetParams().(type) {
	case *mcp.GetPromptParams:
		if p != nil {
			name = p.Name
		}
	case *mcp.ReadResourceParams:
		if p != nil {
			name = p.URI
		}
	}
	ctx, ob := g.observeRequest(ctx, infoOf(req), knownMethod(method), name, metaOf(req.GetParams()))
	defer func() { ob.end(ctx, nil, err) }()
	return serve(ctx, method, req)
}

// metaOf returns p's _meta; nil for absent params.
func metaOf(p mcp.Params) (m map[string]any) {
	defer func() {
		if recover() != nil { // a nil *XParams
			m = nil
		}
	}()
	if p == nil {
		return nil
	}
	return p.GetMeta()
}

// knownMethod returns method if MCP defines it, "other" if not: a metric
// attribute may not take whatever a caller sends.
func knownMethod(method string) string {
	switch method {
	case "initialize", "ping", "tools/list", "tools/call", "prompts/list", "prompts/get",
		"resources/list", "resources/templates/list", "resources/read", "resources/subscribe",
		"resources/unsubscribe", "completion/complete", "logging/setLevel",
		"notifications/initialized", "notifications/cancelled", "notifications/progress",
		"notifications/roots/list_changed", "tasks/get", "tasks/list", "tasks/cancel", "tasks/result":
		return method
	}
	return "other"
}

// infoOf returns the request info the gateway attached to req, or an
// anonymous one.
func infoOf(req mcp.Request) *requestInfo {
	if ex := req.GetExtra(); ex != nil && ex.TokenInfo != nil {
		if ri, ok := ex.TokenInfo.Extra[requestInfoExtra].(*requestInfo); ok {
			return ri
		}
	}
	return &requestInfo{principal: anonymousPrincipal(), ctx: context.Background()}
}

// listTools answers one page of tools/list for p. With sp, the page's
// tools are written from their cached JSON (see internal/fastpath).
func (g *Gateway) listTools(ctx context.Context, p *Principal, cursor string, sp *fastpath.Splicer) (*mcp.ListToolsResult, error) {
	c := g.cat.Load()
	start, err := afterCursor(cursor, len(c.sorted), func(i int) string { return c.sorted[i].info.Name })
	if err != nil {
		return nil, err
	}
	n := min(g.opts.PageSize, len(c.sorted)-start)
	page := make([]*entry, 0, n)
	res := &mcp.ListToolsResult{}
	// The answer depends on the caller when a filter decides what it sees.
	res.CacheScope = "public"
	if g.opts.ToolFilter != nil || g.opts.Policy != nil {
		res.CacheScope = "private"
	}
	listable := g.listFilter(ctx, p)
	for i := start; i < len(c.sorted); i++ {
		e := c.sorted[i]
		if !g.visible(ctx, p, e) || listable != nil && !listable(&e.info) {
			continue
		}
		if len(page) == g.opts.PageSize {
			res.NextCursor = cursorAfter(page[len(page)-1].info.Name)
			break
		}
		page = append(page, e)
	}
	if sp != nil && len(page) > 0 && !g.spliceOff.Load() {
		if t, err := g.splicePage(sp, page); err == nil {
			res.Tools = []*mcp.Tool{t}
			return res, nil
		}
	}
	res.Tools = make([]*mcp.Tool, len(page))
	for i, e := range page {
		res.Tools[i] = e.mcp
	}
	return res, nil
}

// splicePage registers the JSON of page with sp and returns its
// placeholder tool.
func (g *Gateway) splicePage(sp *fastpath.Splicer, page []*entry) (*mcp.Tool, error) {
	encs := make([][]byte, len(page))
	size := len(page) + 2
	for i, e := range page {
		b, err := encodeTool(e)
		if err != nil {
			return nil, err
		}
		encs[i] = b
		size += len(b)
	}
	arr := append(make([]byte, 0, size), '[')
	for i, b := range encs {
		if i > 0 {
			arr = append(arr, ',')
		}
		arr = append(arr, b...)
	}
	return sp.Placeholder(append(arr, ']'))
}

func (g *Gateway) serveCall(ctx context.Context, cr *mcp.CallToolRequest) (_ *mcp.CallToolResult, err error) {
	ri := infoOf(cr)
	p := ri.principal
	name := cr.Params.Name
	ctx, ob := g.observeCall(ctx, ri, name, cr.Params.Meta)
	var res *Result
	defer func() { ob.end(ctx, res, err) }()
	if cr.Session != nil {
		ob.sessID, ob.client = cr.Session.ID(), cr.Session
	}
	e := g.cat.Load().byName[name]
	if e == nil || !g.visible(WithPrincipal(ctx, p), p, e) {
		return nil, g.unknownTool(ob, e, name)
	}
	ob.entry = e
	ctx, done := g.requestContext(ctx, cr, ob)
	defer done()
	sess := g.session(ctx, g.cat.Load().sessionEntry(e, cr.Params.Arguments), cr, ri)
	if sess.relays != nil {
		defer sess.relays.end() // before go-sdk writes the answer
	}
	if sess.err == nil {
		ob.sess, ob.meta = sess, cr.Params.Meta // for the calls made within this one
	}
	if !e.prep.tool.UsesSession {
		sess = undeclared // built for the tool e calls (Tool.CallsTool)
	}

	req := &CallRequest{
		Arguments: cr.Params.Arguments,
		Meta:      cr.Params.Meta,
		Header:    ri.header,
		Session:   sess,
		SessionID: ob.sessID,
		obs:       ob,
	}
	res, err = g.callEntry(ctx, e, req)
	if err != nil {
		return nil, err
	}
	if res.Content == nil {
		res.Content = []mcp.Content{}
	}
	return res, nil
}

// encodedTool is a tool's JSON as tools/list shows it under name.
type encodedTool struct {
	name string
	json []byte
}

// encodeTool returns the JSON of e's tool exactly as go-sdk would write it,
// cached on the prepared tool for as long as its published name holds.
func encodeTool(e *entry) ([]byte, error) {
	if et := e.prep.encoded.Load(); et != nil && et.name == e.info.Name {
		return et.json, nil
	}
	b, err := fastpath.Encode(e.mcp)
	if err != nil {
		return nil, err
	}
	e.prep.encoded.Store(&encodedTool{name: e.info.Name, json: b})
	return b, nil
}

// direct reports whether the fast path may answer the call with params: a
// call of any tool that does not use the caller's session while it runs
// (an unknown name too: its answer is an error either way; a tool that
// calls another by name as that one: callstool.go), and any call at all
// when it is quiet (nothing could reach the client while it runs; see
// fastpath.Config.Direct).
func (g *Gateway) direct(params *mcp.CallToolParamsRaw, quiet bool) bool {
	if quiet {
		return true
	}
	c := g.cat.Load()
	e := c.sessionEntry(c.byName[params.Name], params.Arguments)
	return e == nil || !e.prep.tool.UsesSession
}

// streams reports whether the fast path may answer the call with params,
// which can reach the client, with an event stream of its own: a call of
// a tool that only relays another server's session (Tool.RelaysSession).
func (g *Gateway) streams(params *mcp.CallToolParamsRaw) bool {
	c := g.cat.Load()
	e := c.sessionEntry(c.byName[params.Name], params.Arguments)
	return e != nil && e.prep.tool.UsesSession && e.prep.tool.RelaysSession
}

// undeclared is the Session of a tool that does not declare it uses one.
var undeclared = noSession("the tool does not declare Tool.UsesSession")

// session is the Session a call of e sees: go-sdk's session of the
// request (whose POST is answered through ri.watch) for a tool that
// declares it uses one, a stub otherwise.
func (g *Gateway) session(ctx context.Context, e *entry, cr *mcp.CallToolRequest, ri *requestInfo) *Session {
	if !e.prep.tool.UsesSession {
		return undeclared
	}
	if st := fastpath.StreamFrom(ctx); st != nil {
		// Answered by the fast path, with a stream of its own.
		return &Session{ss: cr.Session, token: cr.Params.GetProgressToken(), stream: st, relayOnly: true,
			stateless: g.opts.Stateless}
	}
	if cr.Session == nil {
		// Answered directly in stateless mode, which the fast path does
		// only for a quiet call answered in plain JSON: nothing to send.
		return &Session{quiet: true, stateless: true, noStream: g.opts.JSONResponse}
	}
	s := &Session{ss: cr.Session, token: cr.Params.GetProgressToken(), relayOnly: e.prep.tool.RelaysSession,
		stateless: g.opts.Stateless, noStream: g.opts.Stateless && g.opts.JSONResponse}
	if !s.stateless {
		s.relays = newRelays(ri.watch)
	}
	return s
}
