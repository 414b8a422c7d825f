package toolgate

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// callbacks are functions registered one after another, each kept until
// the func that registering it returned is called: the catalogue's
// watchers, the status page's sections, the audit sinks. The zero value is
// ready. Reading the list is one atomic load, so that a hot path (each
// tool call's audit) pays nothing for it.
type callbacks[F any] struct {
	mu   sync.Mutex
	next int
	fns  map[int]F
	snap atomic.Pointer[[]F] // fns in order of registration; nil: none yet
}

// add registers fn after those registered before it; remove unregisters
// it (again: nothing).
func (c *callbacks[F]) add(fn F) (remove func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fns == nil {
		c.fns = make(map[int]F)
	}
	id := c.next
	c.next++
	c.fns[id] = fn
	c.publish()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.fns[id]; ok {
			delete(c.fns, id)
			c.publish()
		}
	}
}

// publish makes the list readers see fns. The caller holds c.mu.
func (c *callbacks[F]) publish() {
	out := make([]F, 0, len(c.fns))
	for _, id := range slices.Sorted(maps.Keys(c.fns)) {
		out = append(out, c.fns[id])
	}
	c.snap.Store(&out)
}

// list returns the functions registered now, in the order they were
// registered; the caller calls them without holding any lock of c, and
// must not modify the slice (it is shared with other callers).
func (c *callbacks[F]) list() []F {
	if p := c.snap.Load(); p != nil {
		return *p
	}
	return nil
}
