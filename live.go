package toolgate

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A LiveLister is a Target listed live, as AgentCore's DYNAMIC listing
// mode: the gateway lists it again before it answers the first page of
// every tools/list, prompts/list, resources/list and
// resources/templates/list, instead of serving what it listed last. A
// listing that fails leaves the target's last good listing in place and
// the target unhealthy, as Refresh does. Other targets are listed when
// added, on Refresh, and when they report a change (ChangeNotifier).
type LiveLister interface {
	ListsLive() bool
}

// refreshLive lists the live targets again, bounded by ctx.
func (g *Gateway) refreshLive(ctx context.Context) {
	g.mu.Lock()
	var live []string
	for name, ts := range g.targets {
		if l, ok := ts.target.(LiveLister); ok && l.ListsLive() {
			live = append(live, name)
		}
	}
	g.mu.Unlock()
	for _, name := range live {
		_ = g.Refresh(ctx, name)
	}
}

// hasCursor reports whether a list request asks for a page after the
// first.
func hasCursor(req mcp.Request) bool {
	switch r := req.(type) {
	case *mcp.ListPromptsRequest:
		return r.Params != nil && r.Params.Cursor != ""
	case *mcp.ListResourcesRequest:
		return r.Params != nil && r.Params.Cursor != ""
	case *mcp.ListResourceTemplatesRequest:
		return r.Params != nil && r.Params.Cursor != ""
	}
	return false
}
