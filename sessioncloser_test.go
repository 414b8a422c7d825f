package toolgate

import (
	"context"
	"testing"
	"time"
)

// closerTarget is a Target that records the sessions the gateway says
// have ended.
type closerTarget struct {
	Target
	ended chan string
}

func (c *closerTarget) CloseSession(id string) { c.ended <- id }

// TestSessionCloser: a target that keeps something per session learns the
// id of each session that ends, closed by its client or timed out; in
// stateless mode there are no sessions to end.
func TestSessionCloser(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  Options
		close bool // the client closes its session
		want  bool
	}{
		{"closed by the client", Options{}, true, true},
		{"timed out", Options{SessionTimeout: 200 * time.Millisecond}, false, true},
		{"stateless", Options{Stateless: true}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := &closerTarget{Target: Funcs("f", Func("noop", "Does nothing", func(context.Context, struct{}) (string, error) { return "", nil })),
				ended: make(chan string, 4)}
			cs := connect(t, serve(t, mustGateway(t, &tc.opts, ct)), nil)
			id := cs.ID()
			if tc.close {
				if err := cs.Close(); err != nil {
					t.Fatal(err)
				}
			}
			wait := 3 * time.Second
			if !tc.want {
				wait = 300 * time.Millisecond // nothing may come: a short look
			}
			select {
			case got := <-ct.ended:
				if !tc.want || got != id {
					t.Fatalf("ended %q; want %q (%v)", got, id, tc.want)
				}
			case <-time.After(wait):
				if tc.want {
					t.Fatalf("session %q never said to end", id)
				}
			}
		})
	}
}
