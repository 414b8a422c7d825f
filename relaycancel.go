package toolgate

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
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

// cancelWatch is the ResponseWriter go-sdk answers a POST through: once a
// call of the POST has sent the caller a request (arm), it counts the
// cancellations written on the POST's stream. Until then it only passes
// the bytes on.
type cancelWatch struct {
	http.ResponseWriter
	armed atomic.Bool

	mu      sync.Mutex
	n       int           // cancellations written since armed
	changed chan struct{} // closed when n grows; made by a waiter
}

func newCancelWatch(w http.ResponseWriter) *cancelWatch { return &cancelWatch{ResponseWriter: w} }

// Write implements http.ResponseWriter.
func (w *cancelWatch) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	if !w.armed.Load() {
		return n, err
	}
	if k := bytes.Count(p[:n], cancelledMethod); k > 0 {
		w.mu.Lock()
		w.n += k
		if w.changed != nil {
			close(w.changed)
			w.changed = nil
		}
		w.mu.Unlock()
	}
	return n, err
}

// Flush implements http.Flusher.
func (w *cancelWatch) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap gives http.ResponseController the writer beneath.
func (w *cancelWatch) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// arm starts the count, if it has not started, and returns it.
func (w *cancelWatch) arm() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed.Store(true)
	return w.n
}

// stream reports whether the POST is answered with an event stream, where
// the call's requests and their cancellations travel (with plain JSON
// they go on the session's own stream, which the answer does not close).
func (w *cancelWatch) stream() bool {
	return strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream")
}

// waitFor waits until n cancellations have been counted, or ctx ends.
func (w *cancelWatch) waitFor(ctx context.Context, n int) {
	for {
		w.mu.Lock()
		if w.n >= n {
			w.mu.Unlock()
			return
		}
		if w.changed == nil {
			w.changed = make(chan struct{})
		}
		more := w.changed
		w.mu.Unlock()
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

	over      context.Context // ends when the call returns
	endAll    context.CancelFunc
	requests  sync.WaitGroup
	mu        sync.Mutex
	asked     bool // a request was sent
	base      int  // the watch's count when the first was
	gaveUp    int  // requests that ended by their context
	returning bool // the call has returned
}

// newRelays tracks the requests of a call answered through watch.
func newRelays(watch *cancelWatch) *relays {
	over, endAll := context.WithCancel(context.Background())
	return &relays{watch: watch, over: over, endAll: endAll}
}

// errCallOver refuses a request sent after its call returned.
var errCallOver = errors.New("toolgate: the call has returned; its session can ask nothing more")

// begin starts a request with ctx: it returns the context to send it with,
// which also ends when the call does, and the function to call with its
// outcome.
func (r *relays) begin(ctx context.Context) (context.Context, func(error), error) {
	r.mu.Lock()
	if r.returning {
		r.mu.Unlock()
		return nil, nil, errCallOver
	}
	if !r.asked && r.watch != nil {
		r.base = r.watch.arm()
	}
	r.asked = true
	r.requests.Add(1)
	r.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(r.over, cancel)
	return ctx, func(err error) {
		// go-sdk sends notifications/cancelled for a request that its
		// context ended before the answer came.
		if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			r.mu.Lock()
			r.gaveUp++
			r.mu.Unlock()
		}
		stop()
		cancel()
		r.requests.Done()
	}, nil
}

// end is called as the call returns: it gives up the requests still
// pending and waits, at most relayCancelWait, for them to return and for
// the stream to carry the cancellation of each request given up.
func (r *relays) end() {
	r.mu.Lock()
	r.returning = true
	asked := r.asked
	r.mu.Unlock()
	r.endAll()
	if !asked {
		return
	}
	ctx, stop := context.WithTimeout(context.Background(), relayCancelWait)
	defer stop()
	returned := make(chan struct{})
	go func() { r.requests.Wait(); close(returned) }()
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
