package toolgate

import (
	"context"
	"maps"
	"slices"
)

// A LiveLister is a Target listed live (ListsLive is asked when the
// target is added and whenever the catalogue changes), as AgentCore's DYNAMIC listing
// mode: the gateway lists it again before it answers the first page of
// every tools/list, prompts/list, resources/list and
// resources/templates/list, instead of serving what it listed last. A
// listing that fails leaves the target's last good listing in place and
// the target unhealthy, as Refresh does. Other targets are listed when
// added, on Refresh, and when they report a change (ChangeNotifier).
type LiveLister interface {
	ListsLive() bool
}

// refreshLive lists the live targets again, bounded by ctx. Which
// targets are live is known from the catalogue, so that a gateway without
// any pays nothing per listing.
func (g *Gateway) refreshLive(ctx context.Context) {
	for _, name := range g.cat.Load().live {
		_ = g.Refresh(ctx, name)
	}
}

// liveTargets returns the names of the live targets, in order.
func liveTargets(targets map[string]*targetState) []string {
	var live []string
	for _, name := range slices.Sorted(maps.Keys(targets)) {
		if l, ok := targets[name].target.(LiveLister); ok && l.ListsLive() {
			live = append(live, name)
		}
	}
	return live
}
