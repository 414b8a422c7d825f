package toolgate

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
)

// changingTarget is a ChangeNotifier whose tools the test sets.
type changingTarget struct {
	name    string
	mu      sync.Mutex
	tools   []Tool
	lists   atomic.Int32
	refresh func()
}

func (c *changingTarget) Name() string { return c.name }
func (c *changingTarget) ListTools(context.Context) ([]Tool, error) {
	c.lists.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Tool(nil), c.tools...), nil
}
func (c *changingTarget) CallTool(context.Context, *CallRequest) (*Result, error) {
	return TextResult("ok"), nil
}
func (c *changingTarget) OnToolsChanged(refresh func()) { c.refresh = refresh }

func (c *changingTarget) set(names ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tools = nil
	for _, n := range names {
		c.tools = append(c.tools, Tool{Name: n, Description: n})
	}
}

func catalogNames(g *Gateway) map[string]bool {
	m := map[string]bool{}
	for _, ti := range g.Catalog(context.Background()) {
		m[ti.Name] = true
	}
	return m
}

// TestChangeNotifier: the func a ChangeNotifier is given lists the target
// again, from any goroutine, and does nothing once the target is removed or
// the gateway closed.
func TestChangeNotifier(t *testing.T) {
	successor := &changingTarget{name: "live"}
	for _, tc := range []struct {
		name string
		end  func(g *Gateway) // after which refresh is a no-op; nil: none
	}{
		{name: "refreshes"},
		{name: "after RemoveTarget", end: func(g *Gateway) { g.RemoveTarget("live") }},
		{name: "a new target under the name", end: func(g *Gateway) {
			g.RemoveTarget("live")
			if err := g.AddTarget(context.Background(), successor); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "after Close", end: func(g *Gateway) { _ = g.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := &changingTarget{name: "live"}
			ct.set("a")
			g := mustGateway(t, nil, ct)
			defer g.Close()
			if ct.refresh == nil {
				t.Fatal("OnToolsChanged was not called")
			}
			if !catalogNames(g)["live___a"] {
				t.Fatalf("catalog %v", catalogNames(g))
			}
			if tc.end != nil {
				tc.end(g)
				before, beforeSucc := ct.lists.Load(), successor.lists.Load()
				ct.set("a", "b")
				ct.refresh()
				time.Sleep(50 * time.Millisecond) // nothing may happen: give it the chance
				if n := ct.lists.Load(); n != before {
					t.Fatalf("listed %d more times after the end", n-before)
				}
				if n := successor.lists.Load(); n != beforeSucc {
					t.Fatalf("listed the new target under the name %d times", n-beforeSucc)
				}
				return
			}
			ct.set("a", "b")
			// Many goroutines at once: the listings are folded, and the
			// last one sees the change.
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() { defer wg.Done(); ct.refresh() }()
			}
			wg.Wait()
			testenv.WaitFor(t, "the new tool", func() bool { return catalogNames(g)["live___b"] })
			if n := ct.lists.Load(); n > 1+20 {
				t.Fatalf("%d listings", n)
			}
		})
	}
}
