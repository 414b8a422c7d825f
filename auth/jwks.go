package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// errUnknownKey: the token names a signing key the issuer does not publish.
var errUnknownKey = errors.New("token is signed with an unknown key")

// keyStore holds the issuer's signing keys (its JWKS). It fetches them when
// the authorizer starts, every KeysRefreshInterval in the background, and
// again when a token names a key it does not hold.
type keyStore struct {
	url     string
	hc      *http.Client
	refetch time.Duration // least time between two refetches for unknown keys
	now     func() time.Time

	cur atomic.Pointer[jwk.Set]
	// sem lets one fetch run at a time; it guards the fields below.
	sem         chan struct{}
	lastRefetch time.Time
}

func newKeyStore(url string, hc *http.Client, refetch time.Duration) *keyStore {
	return &keyStore{url: url, hc: hc, refetch: refetch, now: time.Now, sem: make(chan struct{}, 1)}
}

// lock waits for the right to fetch, or for ctx to end.
func (ks *keyStore) lock(ctx context.Context) error {
	select {
	case ks.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (ks *keyStore) unlock() { <-ks.sem }

// fetchLocked fetches the key set and makes it current; the caller holds
// the lock.
func (ks *keyStore) fetchLocked(ctx context.Context) (jwk.Set, error) {
	var raw json.RawMessage
	if err := getJSON(ctx, ks.hc, ks.url, &raw); err != nil {
		return nil, fmt.Errorf("fetching signing keys from %s: %w", ks.url, err)
	}
	set, err := jwk.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("signing keys from %s: %w", ks.url, err)
	}
	ks.cur.Store(&set)
	return set, nil
}

// fetch fetches the key set and makes it current.
func (ks *keyStore) fetch(ctx context.Context) error {
	if err := ks.lock(ctx); err != nil {
		return err
	}
	defer ks.unlock()
	_, err := ks.fetchLocked(ctx)
	return err
}

// refreshEvery fetches the keys every d until ctx is done. A failed fetch
// keeps the keys held.
func (ks *keyStore) refreshEvery(ctx context.Context, d time.Duration) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = ks.fetch(ctx)
		}
	}
}

// key returns the signing key a token names: the key with its kid, or the
// only key of a one-key set for a token without a kid. When the keys held
// lack it, perhaps the provider rotated its keys: they are fetched again,
// at most once per refetch interval. The error is errUnknownKey, or a
// failure to fetch the keys.
func (ks *keyStore) key(ctx context.Context, kid string) (jwk.Key, error) {
	if k, ok := lookup(*ks.cur.Load(), kid); ok {
		return k, nil
	}
	if err := ks.lock(ctx); err != nil {
		return nil, err
	}
	defer ks.unlock()
	set := *ks.cur.Load()
	if k, ok := lookup(set, kid); ok { // fetched while this call waited
		return k, nil
	}
	if now := ks.now(); now.Sub(ks.lastRefetch) >= ks.refetch {
		ks.lastRefetch = now
		var err error
		if set, err = ks.fetchLocked(ctx); err != nil {
			return nil, err
		}
	}
	if k, ok := lookup(set, kid); ok {
		return k, nil
	}
	return nil, errUnknownKey
}

func lookup(set jwk.Set, kid string) (jwk.Key, bool) {
	if kid != "" {
		return set.LookupKeyID(kid)
	}
	if set.Len() == 1 {
		return set.Key(0)
	}
	return nil, false
}
