package toolgate

import (
	"maps"
	"slices"
	"sync"
)

// callbacks are functions registered one after another, each kept until
// the func that registering it returned is called: the catalogue's
// watchers, the status page's sections. The zero value is ready.
type callbacks[F any] struct {
	mu   sync.Mutex
	next int
	fns  map[int]F
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
	return func() {
		c.mu.Lock()
		delete(c.fns, id)
		c.mu.Unlock()
	}
}

// list returns the functions registered now, in the order they were
// registered; the caller calls them without holding any lock of c.
func (c *callbacks[F]) list() []F {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]F, 0, len(c.fns))
	for _, id := range slices.Sorted(maps.Keys(c.fns)) {
		out = append(out, c.fns[id])
	}
	return out
}
