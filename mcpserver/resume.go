package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"time"
)

// The lean path's resumption of a call's event stream that broke off or
// that the server ended before its answer (MCP's resumability and
// redelivery, SEP-1699): a GET with Last-Event-ID, the last event read
// whole, after the delay the server asked for (its "retry" field) or a
// growing backoff, as go-sdk's client resumes a stream. A stream without
// an event id cannot be resumed.

const (
	// resumeRetries bounds the reconnections in a row that bring no new
	// event, and the attempts of one reconnection, as go-sdk's client's
	// default MaxRetries.
	resumeRetries = 5
	// resumeGrowth and resumeMaxDelay shape the backoff, as go-sdk's.
	resumeGrowth   = 1.5
	resumeMaxDelay = 30 * time.Second
	// defaultResumeDelay is the first backoff delay.
	defaultResumeDelay = time.Second
)

// resumable reports whether a stream that failed with err may be resumed:
// it broke off or ended early, not for a bad event.
func resumable(err error) bool {
	return errors.Is(err, errCut) || errors.Is(err, errNoAnswer)
}

// resumer resumes one call's stream.
type resumer struct {
	ex       *exchange
	progress string // the last event id of the previous reconnection
	idle     int    // reconnections in a row without a new event
}

// resume returns the continuation of the stream ev read, after ev.lastID,
// or why it cannot be had; cause is how the stream failed.
func (r *resumer) resume(ctx context.Context, ev *eventReader, cause error) (*http.Response, error) {
	if ev.lastID == "" {
		return nil, cause // nothing to resume from
	}
	if ev.lastID != r.progress {
		r.progress, r.idle = ev.lastID, 0
	} else if r.idle++; r.idle > resumeRetries {
		return nil, fmt.Errorf("%w; exceeded %d reconnections without a new event", cause, resumeRetries)
	}
	delay := r.backoff(1)
	if ev.retry > 0 {
		delay = ev.retry
	}
	var last error
	for attempt := 1; attempt <= resumeRetries; attempt++ {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		resp, err := r.get(ctx, ev.lastID)
		if err != nil {
			last = err
			delay = r.backoff(attempt + 1)
			continue
		}
		if _, err := r.ex.check(resp); err != nil {
			_ = resp.Body.Close()
			return nil, fmt.Errorf("resuming the event stream: %w", err)
		}
		if mt := mediaType(resp.Header.Get("Content-Type")); mt != "text/event-stream" {
			_ = resp.Body.Close()
			return nil, fmt.Errorf("resuming the event stream: unsupported content type %q", mt)
		}
		return resp, nil
	}
	return nil, fmt.Errorf("resuming the event stream: %d attempts failed: %w", resumeRetries, last)
}

// get asks for the session's events after lastID.
func (r *resumer) get(ctx context.Context, lastID string) (*http.Response, error) {
	return r.ex.do(ctx, http.MethodGet, nil, http.Header{
		"Accept":        {"text/event-stream"},
		"Last-Event-Id": {lastID},
	})
}

// backoff is the delay before the attempt-th attempt: growing from the
// target's first delay, capped, with full jitter.
func (r *resumer) backoff(attempt int) time.Duration {
	d := time.Duration(float64(r.ex.t.resumeDelay) * math.Pow(resumeGrowth, float64(attempt-1)))
	d = min(d, resumeMaxDelay)
	if d <= 0 {
		return 0
	}
	return d + rand.N(d)
}
