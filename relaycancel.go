package toolgate

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// A request a tool sends the caller during its call (sampling,
// elicitation) and gives up must be cancelled toward the caller before
// the call's answer closes the call's stream: after it, go-sdk drops what
// relates to the call. go-sdk sends that notifications/cancelled in the
// background once the given-up request has returned, so an answer that
// follows at once overtakes it, and the caller's handler runs on until
// its own timeout. The gateway therefore ends a call's requests itself
// when the tool returns, and holds the answer (for a bounded time) until
// the stream has carried one cancellation per request given up, counted
// as go-sdk writes them through cancelWatch.

// relayCancelWait bounds how long a call's answer waits for the
// cancellations of the requests it gave up.
const relayCancelWait = 250 * time.Millisecond

// cancelledMethod is how a cancellation reads on the wire.
var cancelledMethod = []byte(`"notifications/cancelled"`)

// cancelWatch is the ResponseWriter go-sdk answers a POST through: it
// counts the cancellations written on the POST's stream.
type cancelWatch struct {
	http.ResponseWriter

	mu      sync.Mutex
	n       int           // cancellations written
	changed chan struct{} // closed when n grows
}

func newCancelWatch(w http.ResponseWriter) *cancelWatch {
	return &cancelWatch{ResponseWriter: w, changed: make(chan struct{})}
}

// Write implements http.ResponseWriter.
func (w *cancelWatch) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	if k := bytes.Count(p[:n], cancelledMethod); k > 0 {
		w.mu.Lock()
		w.n += k
		close(w.changed)
		w.changed = make(chan struct{})
		w.mu.Unlock()
	}
	return n, err
}

// Flush implements http.Flusher.
func (w *cancelWatch) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap gives http.ResponseController the writer beneath.
func (w *cancelWatch) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// count returns the cancellations written so far, and a channel closed
// when there are more.
func (w *cancelWatch) count() (int, <-chan struct{}) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n, w.changed
}

// stream reports whether the POST is answered with an event stream, where
// the call's requests and their cancellations travel (with plain JSON
// they go on the session's own stream, which the answer does not close).
func (w *cancelWatch) stream() bool {
	return strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream")
}

// waitFor waits until n cancellations have been written, or ctx ends.
func (w *cancelWatch) waitFor(ctx context.Context, n int) {
	for {
		got, more := w.count()
		if got >= n {
			return
		}
		select {
		case <-more:
		case <-ctx.Done():
			return
		}
	}
}

// relays are the requests a call's Session sent to the caller.
type relays struct {
	watch *cancelWatch // the call's POST stream; nil if unknown
	base  int          // cancellations on it before the call

	mu      sync.Mutex
	pending map[*context.CancelFunc]struct{}
	wg      sync.WaitGroup
	gaveUp  int  // requests that ended by their context
	over    bool // the call has returned
}

// newRelays tracks the requests of a call answered through watch.
func newRelays(watch *cancelWatch) *relays {
	r := &relays{watch: watch, pending: map[*context.CancelFunc]struct{}{}}
	if watch != nil {
		r.base, _ = watch.count()
	}
	return r
}

// errCallOver refuses a request sent after its call returned.
var errCallOver = errors.New("toolgate: the call has returned; its session can ask nothing more")

// begin starts a request with ctx: it returns the context to send it with,
// which also ends when the call does, and the function to call with its
// outcome.
func (r *relays) begin(ctx context.Context) (context.Context, func(error), error) {
	ctx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.over {
		cancel()
		return nil, nil, errCallOver
	}
	r.pending[&cancel] = struct{}{}
	r.wg.Add(1)
	return ctx, func(err error) {
		// go-sdk sends notifications/cancelled for a request that its
		// context ended before the answer came.
		gaveUp := err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
		r.mu.Lock()
		delete(r.pending, &cancel)
		if gaveUp {
			r.gaveUp++
		}
		r.mu.Unlock()
		cancel()
		r.wg.Done()
	}, nil
}

// end is called as the call returns: it gives up the requests still
// pending and waits, at most relayCancelWait, for them to return and for
// the stream to carry the cancellation of each request given up.
func (r *relays) end() {
	r.mu.Lock()
	r.over = true
	for cancel := range r.pending {
		(*cancel)()
	}
	asked := len(r.pending) > 0 || r.gaveUp > 0
	r.mu.Unlock()
	if !asked {
		return
	}
	ctx, stop := context.WithTimeout(context.Background(), relayCancelWait)
	defer stop()
	returned := make(chan struct{})
	go func() { r.wg.Wait(); close(returned) }()
	select {
	case <-returned:
	case <-ctx.Done():
		return
	}
	r.mu.Lock()
	n := r.gaveUp
	r.mu.Unlock()
	if n > 0 && r.watch != nil && r.watch.stream() {
		r.watch.waitFor(ctx, r.base+n)
	}
}
