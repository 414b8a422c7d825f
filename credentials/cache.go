package credentials

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// Defaults for token fetching and caching.
const (
	// DefaultExpiryDelta is how long before its expiry a cached token is
	// replaced (capped at half the token's lifetime).
	DefaultExpiryDelta = 10 * time.Second
	// DefaultFetchTimeout bounds one token request.
	DefaultFetchTimeout = 10 * time.Second
)

// cachedToken is a token and the time it stops being used.
type cachedToken struct {
	tok       *oauth2.Token
	refreshAt time.Time // zero: never
	header    []string  // {"Bearer <token>"}, built once, never modified
	fetched   time.Time
}

// tokenCache holds one token and fetches a new one when it is about to
// expire. Concurrent callers that find no usable token share one fetch.
// The fetch runs detached from any caller's context, bounded by timeout,
// so a caller that gives up does not fail the others; each caller waits
// only as long as its own context allows.
type tokenCache struct {
	fetch   func(ctx context.Context) (*oauth2.Token, error)
	delta   time.Duration
	timeout time.Duration
	now     func() time.Time

	cur atomic.Pointer[cachedToken]

	mu       sync.Mutex
	inflight *tokenFetch
}

type tokenFetch struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

func newTokenCache(fetch func(context.Context) (*oauth2.Token, error), delta, timeout time.Duration) *tokenCache {
	if delta <= 0 {
		delta = DefaultExpiryDelta
	}
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	return &tokenCache{fetch: fetch, delta: delta, timeout: timeout, now: time.Now}
}

// usable returns the cached token if it is not due for refresh.
func (c *tokenCache) usable() *oauth2.Token {
	if ct := c.usableEntry(); ct != nil {
		return ct.tok
	}
	return nil
}

func (c *tokenCache) usableEntry() *cachedToken {
	ct := c.cur.Load()
	if ct == nil || (!ct.refreshAt.IsZero() && !c.now().Before(ct.refreshAt)) {
		return nil
	}
	return ct
}

// authorization returns the Authorization header value {"Bearer <token>"}
// for a usable token, fetching one if needed. It is the hot path of every
// request: the slice is shared between requests, with its capacity capped
// so that an append copies it.
func (c *tokenCache) authorization(ctx context.Context) ([]string, error) {
	if ct := c.usableEntry(); ct != nil {
		return ct.header[:1:1], nil
	}
	tok, err := c.token(ctx)
	if err != nil {
		return nil, err
	}
	if ct := c.cur.Load(); ct != nil && ct.tok == tok {
		return ct.header[:1:1], nil
	}
	return []string{"Bearer " + tok.AccessToken}, nil
}

// token returns a usable token, fetching one if needed.
func (c *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	if t := c.usable(); t != nil {
		return t, nil
	}
	c.mu.Lock()
	if t := c.usable(); t != nil {
		c.mu.Unlock()
		return t, nil
	}
	f := c.inflight
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		c.inflight = f
		go c.run(f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			// A token in its refresh window is still valid: use it
			// rather than fail while the endpoint is unwell.
			if old := c.cur.Load(); old != nil && old.tok.Expiry.After(c.now()) {
				return old.tok, nil
			}
		}
		return f.tok, f.err
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for token: %w", context.Cause(ctx))
	}
}

func (c *tokenCache) run(f *tokenFetch) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	start := c.now()
	tok, err := c.fetch(ctx)
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = fmt.Errorf("token response has no access_token")
	}
	if err == nil {
		ct := &cachedToken{tok: tok, header: []string{"Bearer " + tok.AccessToken}, fetched: start}
		if !tok.Expiry.IsZero() {
			delta := c.delta
			if life := tok.Expiry.Sub(start); life < 2*delta {
				delta = life / 2
			}
			ct.refreshAt = tok.Expiry.Add(-delta)
		}
		c.cur.Store(ct)
	}
	f.tok, f.err = tok, err
	c.mu.Lock()
	c.inflight = nil
	c.mu.Unlock()
	close(f.done)
}

// minRejectAge is how old a token must be before a backend's refusal
// drops it, so that a backend refusing every token costs at most one token
// request per second rather than one per call.
const minRejectAge = time.Second

// invalidate drops the cached token if its Authorization value is
// header: the backend refused it, so the next caller fetches a new one.
// A token that has already been replaced, or is younger than
// minRejectAge, is left alone. It reports whether the token was dropped.
func (c *tokenCache) invalidate(header string) bool {
	ct := c.cur.Load()
	if ct == nil || ct.header[0] != header || c.now().Sub(ct.fetched) < minRejectAge {
		return false
	}
	return c.cur.CompareAndSwap(ct, nil)
}
