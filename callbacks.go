package toolgate

import (
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
	mu      sync.Mutex
	next    int
	entries []callback[F]       // in order of registration
	snap    atomic.Pointer[[]F] // the entries' functions; nil: none yet
}

type callback[F any] struct {
	id int
	fn F
}

// add registers fn after those registered before it; remove unregisters
// it (again: nothing).
func (c *callbacks[F]) add(fn F) (remove func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.entries = append(c.entries, callback[F]{id, fn})
	c.publish()
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		n := len(c.entries)
		c.entries = slices.DeleteFunc(c.entries, func(e callback[F]) bool { return e.id == id })
		if len(c.entries) != n {
			c.publish()
		}
	}
}

// publish makes the list readers see the entries. The caller holds c.mu.
func (c *callbacks[F]) publish() {
	fns := make([]F, len(c.entries))
	for i, e := range c.entries {
		fns[i] = e.fn
	}
	c.snap.Store(&fns)
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
