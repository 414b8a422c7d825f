package toolgate

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
)

// liveTarget lists whatever it holds, live when live is set.
type liveTarget struct {
	listTarget
	live bool
	mu   sync.Mutex
	fail bool
	n    int // listings
}

func (l *liveTarget) ListsLive() bool { return l.live }
func (l *liveTarget) ListTools(ctx context.Context) ([]Tool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	if l.fail {
		return nil, errors.New("backend down")
	}
	return l.listTarget.ListTools(ctx)
}
func (l *liveTarget) listings() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}
func (l *liveTarget) set(tools []Tool, fail bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tools, l.fail = tools, fail
}

// TestLiveListing: a live target is listed again for every tools/list
// (first pages only); a failing live listing keeps the last good one; a
// target that is not live is served from what was listed last.
func TestLiveListing(t *testing.T) {
	live := &liveTarget{listTarget: listTarget{name: "live", tools: []Tool{{Name: "a"}}}, live: true}
	cached := &liveTarget{listTarget: listTarget{name: "cached", tools: []Tool{{Name: "a"}}}}
	gw := mustGateway(t, &Options{PageSize: 1}, live, cached)
	cs := connect(t, serve(t, gw), nil)
	ctx := context.Background()
	list := func() string {
		t.Helper()
		var names []string
		for tool, err := range cs.Tools(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, tool.Name)
		}
		return strings.Join(names, " ")
	}
	if got := list(); got != "cached___a live___a" {
		t.Fatalf("first listing: %s", got)
	}
	live.set([]Tool{{Name: "a"}, {Name: "b"}}, false)
	cached.set([]Tool{{Name: "a"}, {Name: "b"}}, false)
	before := live.listings()
	if got := list(); got != "cached___a live___a live___b" {
		t.Fatalf("after both changed: %s", got)
	}
	if n := live.listings(); n != before+1 {
		t.Fatalf("live target listed %d times for one paged tools/list, want once", n-before)
	}
	live.set(nil, true)
	if got := list(); got != "cached___a live___a live___b" {
		t.Fatalf("with the live listing failing: %s", got)
	}
	if st := gw.Status(); st[1].Name != "live" || st[1].Healthy {
		t.Fatalf("status: %+v", st)
	}
}

// TestLiveListingAfterAFailedStart: a live target whose first listing
// fails is listed again by the next tools/list.
func TestLiveListingAfterAFailedStart(t *testing.T) {
	live := &liveTarget{listTarget: listTarget{name: "live"}, live: true, fail: true}
	gw := mustGateway(t, nil)
	if err := gw.AddTarget(context.Background(), live); err == nil {
		t.Fatal("the failing listing was not reported")
	}
	live.set([]Tool{{Name: "a"}}, false)
	cs := connect(t, serve(t, gw), nil)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil || len(res.Tools) != 1 || res.Tools[0].Name != "live___a" {
		t.Fatalf("tools/list after the target came up: %v %+v", err, res)
	}
}
