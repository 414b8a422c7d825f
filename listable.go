package toolgate

import (
	"context"
	"sync"
)

// Listable returns a lookup of the published tools that tools/list would
// show the principal in ctx (ListBuiltinsOnly aside): those the
// ToolFilter lets it see and, with Options.Policy, those a policy could
// permit it to call. An in-process consumer that shows tools to a caller,
// as the search tool does, uses it so that a caller finds no tool its
// listing hides. The lookup decides by the catalogue and policies of the
// moment it is made, each tool's policy decision once (a search asks
// about the same candidates for each ranking it fuses); it is safe for
// concurrent use.
func (g *Gateway) Listable(ctx context.Context) func(name string) (ToolInfo, bool) {
	c, p := g.cat.Load(), PrincipalFrom(ctx)
	listable := g.listFilter(ctx, p)
	var mu sync.Mutex // a policy's list filter is for one goroutine at a time
	var decided map[string]bool
	return func(name string) (ToolInfo, bool) {
		e := c.byName[name]
		if e == nil || !g.visible(ctx, p, e) {
			return ToolInfo{}, false
		}
		if listable != nil {
			mu.Lock()
			ok, known := decided[name]
			if !known {
				ok = listable(&e.info)
				if decided == nil {
					decided = make(map[string]bool)
				}
				decided[name] = ok
			}
			mu.Unlock()
			if !ok {
				return ToolInfo{}, false
			}
		}
		return e.info, true
	}
}
