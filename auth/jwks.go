package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"golang.org/x/time/rate"

	"github.com/toolgate/toolgate/internal/every"
)

// errUnknownKey: the token names a signing key the issuer does not publish.
var errUnknownKey = errors.New("token is signed with an unknown key")

// keyStore holds the issuer's signing keys (its JWKS). It fetches them when
// the authorizer starts, every KeysRefreshInterval in the background, and
// again at once when a token names a key it does not hold, so a key the
// provider publishes is accepted without waiting for the next refresh.
//
// Tokens with made-up kids cannot make it hammer the provider: a kid that a
// refetch did not find is remembered for UnknownKeyTTL, during which tokens
// naming it are refused without a refetch; and all refetches draw on one
// token bucket (KeysRefetchBurst, then one per KeysRefetchInterval).
// Requests that miss while a refetch is running share the next one.
type keyStore struct {
	url string
	hc  *http.Client
	now func() time.Time

	cur     atomic.Pointer[keySnapshot]
	started atomic.Uint64 // fetches started; a snapshot holds its fetch's number
	sem     chan struct{} // lets one fetch run at a time
	limit   *rate.Limiter // refetches for unknown keys
	unknown *kidMemory    // kids that a refetch did not find
}

// keySnapshot is a fetched key set and the number of the fetch.
type keySnapshot struct {
	set jwk.Set
	seq uint64
}

func newKeyStore(url string, hc *http.Client, cfg *JWTConfig) *keyStore {
	return &keyStore{
		url:     url,
		hc:      hc,
		now:     time.Now,
		sem:     make(chan struct{}, 1),
		limit:   rate.NewLimiter(rate.Every(cfg.KeysRefetchInterval), cfg.KeysRefetchBurst),
		unknown: newKidMemory(unknownKidsMax, cfg.UnknownKeyTTL),
	}
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
func (ks *keyStore) fetchLocked(ctx context.Context) (*keySnapshot, error) {
	seq := ks.started.Add(1)
	var raw json.RawMessage
	if err := getJSON(ctx, ks.hc, ks.url, &raw); err != nil {
		return nil, fmt.Errorf("fetching signing keys from %s: %w", ks.url, err)
	}
	set, err := jwk.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("signing keys from %s: %w", ks.url, err)
	}
	snap := &keySnapshot{set: set, seq: seq}
	ks.cur.Store(snap)
	return snap, nil
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
	every.Run(ctx, d, func(ctx context.Context) { _ = ks.fetch(ctx) })
}

// key returns the signing key a token names: the key with its kid, or the
// only key of a one-key set for a token without a kid. When the keys held
// lack it, they are fetched again if the kid is not remembered as unknown
// and the refetch rate allows. The error is errUnknownKey, or a failure to
// fetch the keys.
func (ks *keyStore) key(ctx context.Context, kid string) (jwk.Key, error) {
	if k, ok := lookup(ks.cur.Load().set, kid); ok {
		return k, nil
	}
	// A fetch numbered above seen started after the lookup above missed.
	seen := ks.started.Load()
	set, err := ks.refetch(ctx, kid, seen)
	if err != nil {
		return nil, err
	}
	if k, ok := lookup(set, kid); ok {
		return k, nil
	}
	return nil, errUnknownKey
}

// refetch returns the key set to look kid up in again after a miss: the
// current one, or one fetched after the miss.
func (ks *keyStore) refetch(ctx context.Context, kid string, seen uint64) (jwk.Set, error) {
	id := kidID(kid)
	if ks.unknown.has(id, ks.now()) {
		return ks.cur.Load().set, nil
	}
	if err := ks.lock(ctx); err != nil {
		return nil, err
	}
	defer ks.unlock()
	snap := ks.cur.Load()
	if _, ok := lookup(snap.set, kid); ok { // fetched while this call waited
		return snap.set, nil
	}
	now := ks.now()
	if snap.seq > seen {
		// A fetch that started after the miss has answered for this kid.
		ks.unknown.add(id, now)
		return snap.set, nil
	}
	if ks.unknown.has(id, now) || !ks.limit.AllowN(now, 1) {
		return snap.set, nil
	}
	snap, err := ks.fetchLocked(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := lookup(snap.set, kid); !ok {
		ks.unknown.add(id, now)
	}
	return snap.set, nil
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

// unknownKidsMax bounds the kids a keyStore remembers as unknown.
const unknownKidsMax = 1024

// kidMemory remembers kids, each until a deadline, in bounded memory: it
// keeps a digest of each kid, and when full it drops the expired entries,
// then all of them.
type kidMemory struct {
	mu  sync.Mutex
	max int
	ttl time.Duration
	m   map[[sha256.Size]byte]time.Time // kid digest -> forgotten at
}

func newKidMemory(max int, ttl time.Duration) *kidMemory {
	return &kidMemory{max: max, ttl: ttl, m: map[[sha256.Size]byte]time.Time{}}
}

// kidID is the digest a kidMemory keeps of a kid, whatever its length.
func kidID(kid string) [sha256.Size]byte { return sha256.Sum256([]byte(kid)) }

// has reports whether id was added less than the TTL before now.
func (km *kidMemory) has(id [sha256.Size]byte, now time.Time) bool {
	km.mu.Lock()
	until, ok := km.m[id]
	km.mu.Unlock()
	return ok && now.Before(until)
}

// add remembers id from now for the TTL.
func (km *kidMemory) add(id [sha256.Size]byte, now time.Time) {
	km.mu.Lock()
	defer km.mu.Unlock()
	if _, ok := km.m[id]; !ok && len(km.m) >= km.max {
		for k, until := range km.m {
			if !now.Before(until) {
				delete(km.m, k)
			}
		}
		if len(km.m) >= km.max {
			clear(km.m)
		}
	}
	km.m[id] = now.Add(km.ttl)
}

// len is the number of kids remembered, expired or not.
func (km *kidMemory) len() int {
	km.mu.Lock()
	defer km.mu.Unlock()
	return len(km.m)
}
