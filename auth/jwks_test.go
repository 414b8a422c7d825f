package auth

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
)

// fakeClock is a clock that moves only when told; its zero value reads
// as an arbitrary fixed instant.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	t := c.now()
	c.mu.Lock()
	c.t = t.Add(d)
	c.mu.Unlock()
}

// authorize asks j about tok, as the gateway would.
func authorize(j *JWT, tok string) error {
	r := httptest.NewRequest("POST", "https://gw.test/mcp", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	_, err := j.Authorize(r)
	return err
}

// withKid returns tok with its header replaced by one naming kid: the
// token now claims a key the test chooses, without a signature to match.
func withKid(tok, kid string) string {
	_, rest, _ := strings.Cut(tok, ".")
	return b64(map[string]string{"alg": "ES256", "kid": kid, "typ": "at+jwt"}) + "." + rest
}

// TestKeysRefreshInBackground checks that the keys are fetched every
// KeysRefreshInterval, even a short one, and that refetches for unknown
// keys do not add background fetches.
func TestKeysRefreshInBackground(t *testing.T) {
	const every = 20 * time.Millisecond
	is := newIssuer(t)
	j := newJWT(t, is, func(c *JWTConfig) {
		c.CustomClaims, c.KeysRefreshInterval, c.KeysRefetchBurst = nil, every, 5
	})
	tok := is.sign(t, "ec-1", is.claims(nil))
	for i := range 5 {
		before := is.jwksHits.Load()
		if err := authorize(j, withKid(tok, "unknown-"+string(rune('a'+i)))); err == nil {
			t.Fatal("unknown kid accepted")
		}
		if is.jwksHits.Load() == before {
			t.Fatal("an unknown kid caused no refetch")
		}
	}

	// A key published now shows up without any token asking for it.
	is.addKey(t, "ec-2", "ES256", true)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(every) {
		if _, ok := lookup(j.keys.cur.Load().set, "ec-2"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background refresh did not fetch the new key")
		}
	}

	// At most one background fetch per interval (a ticker delivers no
	// more; one tick may be pending when the window opens).
	start, before := time.Now(), is.jwksHits.Load()
	time.Sleep(10 * every)
	n, elapsed := is.jwksHits.Load()-before, time.Since(start)
	if limit := int32(elapsed/every) + 2; n > limit {
		t.Fatalf("%d background fetches in %v, want at most %d", n, elapsed, limit)
	}
}

// TestUnknownKidRefetch checks, step by step against a JWKS server, when a
// token naming a key the authorizer does not hold refetches the keys, and
// that a newly published key is accepted at once. The clock moves only
// when a step says so; the defaults apply (burst 3, one refetch a second,
// unknown kids remembered for 1s).
func TestUnknownKidRefetch(t *testing.T) {
	type step struct {
		do      string // "token" (with kid), "publish" (kid), "advance" (by d)
		kid     string
		d       func(JWTConfig) time.Duration
		ok      bool  // a token is accepted
		fetches int32 // JWKS fetches the step causes
	}
	ttl := func(c JWTConfig) time.Duration { return c.UnknownKeyTTL }
	interval := func(c JWTConfig) time.Duration { return c.KeysRefetchInterval }
	justUnder := func(c JWTConfig) time.Duration { return c.UnknownKeyTTL - time.Nanosecond }
	cases := []struct {
		name  string
		steps []step
	}{
		{"a new key right after another unknown kid's refetch", []step{
			{do: "token", kid: "other", fetches: 1},
			{do: "publish", kid: "new"},
			{do: "token", kid: "new", ok: true, fetches: 1},
			{do: "token", kid: "new", ok: true},
		}},
		{"a new key after three unknown kids spent the burst", []step{
			{do: "token", kid: "x1", fetches: 1},
			{do: "token", kid: "x2", fetches: 1},
			{do: "token", kid: "x3", fetches: 1},
			{do: "publish", kid: "new"},
			{do: "token", kid: "new"},
			{do: "advance", d: interval},
			{do: "token", kid: "new", ok: true, fetches: 1},
		}},
		{"a key used before it was published", []step{
			{do: "token", kid: "new", fetches: 1},
			{do: "publish", kid: "new"},
			{do: "token", kid: "new"},
			{do: "advance", d: ttl},
			{do: "token", kid: "new", ok: true, fetches: 1},
		}},
		{"the same unknown kid, again and again", []step{
			{do: "token", kid: "nope", fetches: 1},
			{do: "token", kid: "nope"},
			{do: "token", kid: "nope"},
			{do: "advance", d: justUnder},
			{do: "token", kid: "nope"},
			{do: "advance", d: func(JWTConfig) time.Duration { return time.Nanosecond }},
			{do: "token", kid: "nope", fetches: 1},
			{do: "token", kid: "nope"},
		}},
		{"no kid, several keys", []step{
			{do: "token", kid: "", fetches: 1},
			{do: "token", kid: ""},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			is := newIssuer(t)
			j := newJWT(t, is, func(c *JWTConfig) { c.CustomClaims = nil })
			if j.cfg.UnknownKeyTTL > time.Second || j.cfg.KeysRefetchInterval > time.Second || j.cfg.KeysRefetchBurst < 2 {
				t.Fatalf("the defaults %+v do not accept a new key within a second", j.cfg)
			}
			clk := &fakeClock{}
			j.keys.now = clk.now
			is.addKey(t, "new", "ES256", false)
			valid := is.sign(t, "new", is.claims(nil))
			for i, s := range c.steps {
				before := is.jwksHits.Load()
				switch s.do {
				case "token":
					tok := withKid(valid, s.kid)
					if s.kid == "new" {
						tok = valid
					}
					err := authorize(j, tok)
					if s.ok != (err == nil) {
						t.Fatalf("step %d: token with kid %q: %v, want accepted %v", i, s.kid, err, s.ok)
					}
					if err != nil && strings.Contains(err.Error(), strings.Split(tok, ".")[1]) {
						t.Fatalf("step %d: error %q echoes the token", i, err)
					}
				case "publish":
					is.mu.Lock()
					is.published = append(is.published, s.kid)
					is.mu.Unlock()
				case "advance":
					clk.advance(s.d(j.cfg))
				}
				if n := is.jwksHits.Load() - before; n != s.fetches {
					t.Fatalf("step %d (%s %q): %d JWKS fetches, want %d", i, s.do, s.kid, n, s.fetches)
				}
			}
		})
	}
}

// TestUnknownKidFlood sends 1000 tokens with random kids from several
// goroutines: all are refused, and the JWKS is fetched at most as often as
// the refetch rate allows for the time the clock moved.
func TestUnknownKidFlood(t *testing.T) {
	cases := []struct {
		burst    int
		interval time.Duration
		ticks    int // the clock moves by interval this many times
	}{
		{burst: 1, interval: time.Second},
		{burst: 3, interval: time.Second, ticks: 4},
		{burst: 10, interval: 100 * time.Millisecond, ticks: 20},
	}
	const tokens, workers = 1000, 8
	for _, c := range cases {
		t.Run(fmt.Sprintf("burst %d, %d ticks of %v", c.burst, c.ticks, c.interval), func(t *testing.T) {
			is := newIssuer(t)
			j := newJWT(t, is, func(cfg *JWTConfig) {
				cfg.CustomClaims, cfg.KeysRefetchBurst, cfg.KeysRefetchInterval = nil, c.burst, c.interval
			})
			clk := &fakeClock{}
			j.keys.now = clk.now
			valid := is.sign(t, "ec-1", is.claims(nil))
			before := is.jwksHits.Load()
			kids := make(chan string)
			var wg sync.WaitGroup
			var accepted sync.Map
			for range workers {
				wg.Go(func() {
					for kid := range kids {
						if authorize(j, withKid(valid, kid)) == nil {
							accepted.Store(kid, true)
						}
					}
				})
			}
			for i := range tokens {
				if c.ticks > 0 && i%(tokens/c.ticks) == tokens/c.ticks-1 {
					clk.advance(c.interval)
				}
				kids <- fmt.Sprintf("%016x", rand.Uint64())
			}
			close(kids)
			wg.Wait()
			accepted.Range(func(k, _ any) bool { t.Fatalf("token with kid %v accepted", k); return false })
			n := is.jwksHits.Load() - before
			if limit := int32(c.burst + c.ticks); n < 1 || n > limit {
				t.Fatalf("%d tokens with random kids caused %d JWKS fetches, want 1 to %d", tokens, n, limit)
			}
			if m := j.keys.unknown.len(); m > unknownKidsMax {
				t.Fatalf("%d kids remembered, more than %d", m, unknownKidsMax)
			}
			// A known key still works, without a fetch.
			before = is.jwksHits.Load()
			if err := authorize(j, valid); err != nil || is.jwksHits.Load() != before {
				t.Fatalf("known key after the flood: %v, %d fetches", err, is.jwksHits.Load()-before)
			}
		})
	}
}

// TestSameUnknownKidShared sends one kid from many goroutines at once:
// they share a single JWKS fetch, whether the kid turns out unknown or
// newly published.
func TestSameUnknownKidShared(t *testing.T) {
	for _, publish := range []bool{false, true} {
		t.Run(fmt.Sprintf("published %v", publish), func(t *testing.T) {
			is := newIssuer(t)
			j := newJWT(t, is, func(c *JWTConfig) { c.CustomClaims, c.KeysRefetchBurst = nil, 100 })
			j.keys.now = (&fakeClock{}).now
			is.addKey(t, "new", "ES256", publish)
			tok := is.sign(t, "new", is.claims(nil))
			before := is.jwksHits.Load()
			errs := make(chan error, 50)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range cap(errs) {
				wg.Go(func() {
					<-start
					errs <- authorize(j, tok)
				})
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if publish != (err == nil) {
					t.Fatalf("%v, want accepted %v", err, publish)
				}
			}
			if n := is.jwksHits.Load() - before; n != 1 {
				t.Fatalf("%d concurrent requests with one kid caused %d JWKS fetches, want 1", cap(errs), n)
			}
		})
	}
}

// TestUnknownKidMemoryBound checks that the kids remembered as unknown
// stay within bounds: expired ones make room first, and a full memory
// starts over.
func TestUnknownKidMemoryBound(t *testing.T) {
	const max, ttl = 4, time.Second
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	type add struct {
		kid string
		at  time.Duration // after t0
	}
	cases := []struct {
		name    string
		adds    []add
		at      time.Duration // when to ask
		want    []string      // remembered at that time
		notWant []string
		len     int
	}{
		{"under the bound", []add{{"a", 0}, {"b", 0}, {"c", 0}}, 0, []string{"a", "b", "c"}, []string{"d"}, 3},
		{"expired", []add{{"a", 0}}, ttl, nil, []string{"a"}, 1},
		{"re-added later", []add{{"a", 0}, {"a", ttl / 2}}, ttl, []string{"a"}, nil, 1},
		{"full, expired ones make room", []add{{"a", 0}, {"b", 0}, {"c", ttl}, {"d", ttl}, {"e", ttl}}, ttl, []string{"c", "d", "e"}, []string{"a", "b"}, 3},
		{"full, none expired: start over", []add{{"a", 0}, {"b", 0}, {"c", 0}, {"d", 0}, {"e", 0}}, 0, []string{"e"}, []string{"a", "b", "c", "d"}, 1},
		{"a kid already held does not count twice", []add{{"a", 0}, {"b", 0}, {"c", 0}, {"d", 0}, {"d", 0}}, 0, []string{"a", "b", "c", "d"}, nil, 4},
		{"long kids cost a digest", []add{{strings.Repeat("k", 16<<10), 0}}, 0, []string{strings.Repeat("k", 16<<10)}, []string{strings.Repeat("k", 16<<10-1)}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			km := newKidMemory(max, ttl)
			for _, a := range c.adds {
				km.add(kidID(a.kid), t0.Add(a.at))
				if km.len() > max {
					t.Fatalf("%d kids remembered, bound %d", km.len(), max)
				}
			}
			for _, k := range c.want {
				if !km.has(kidID(k), t0.Add(c.at)) {
					t.Errorf("%.8s… forgotten", k)
				}
			}
			for _, k := range c.notWant {
				if km.has(kidID(k), t0.Add(c.at)) {
					t.Errorf("%.8s… remembered", k)
				}
			}
			if km.len() != c.len {
				t.Errorf("%d kids remembered, want %d", km.len(), c.len)
			}
		})
	}

	// Through the authorizer: with refetches to spare, every random kid
	// is refetched for and remembered, and the memory stays bounded.
	is := newIssuer(t)
	j := newJWT(t, is, func(c *JWTConfig) { c.CustomClaims, c.KeysRefetchBurst = nil, 1<<20 })
	j.keys.now = (&fakeClock{}).now
	j.keys.unknown = newKidMemory(16, time.Hour)
	valid := is.sign(t, "ec-1", is.claims(nil))
	before := is.jwksHits.Load()
	for i := range 100 {
		if authorize(j, withKid(valid, fmt.Sprint("kid-", i))) == nil {
			t.Fatalf("unknown kid %d accepted", i)
		}
		if m := j.keys.unknown.len(); m > 16 {
			t.Fatalf("after %d kids, %d remembered", i+1, m)
		}
	}
	if n := is.jwksHits.Load() - before; n != 100 {
		t.Fatalf("100 new unknown kids caused %d fetches, want 100", n)
	}
	// The last kid is remembered: asking again costs no fetch.
	before = is.jwksHits.Load()
	if authorize(j, withKid(valid, "kid-99")) == nil || is.jwksHits.Load() != before {
		t.Fatal("the last unknown kid was not remembered")
	}
}

// TestMissesShareTheNextFetch checks that tokens with different unknown
// kids, arriving while a fetch runs, share the one fetch that follows
// instead of fetching one by one.
func TestMissesShareTheNextFetch(t *testing.T) {
	is := newIssuer(t)
	var gate sync.RWMutex // held by the test: JWKS answers wait
	var hits, arrived atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		arrived.Add(1)
		gate.RLock()
		gate.RUnlock()
		resp, err := http.Get(is.srv.URL + "/jwks")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(proxy.Close)
	j := newJWT(t, is, func(c *JWTConfig) { c.CustomClaims, c.JWKSURL, c.KeysRefetchBurst = nil, proxy.URL, 100 })
	j.keys.now = (&fakeClock{}).now
	valid := is.sign(t, "ec-1", is.claims(nil))
	before := hits.Load()

	gate.Lock()
	var wg sync.WaitGroup
	refused := func(kid string) {
		if authorize(j, withKid(valid, kid)) == nil {
			t.Errorf("kid %s accepted", kid)
		}
	}
	wg.Go(func() { refused("first") })
	testenv.WaitFor(t, "the condition", func() bool { return arrived.Load() == before+1 })
	const others = 10
	for i := range others {
		wg.Go(func() { refused(fmt.Sprint("other-", i)) })
	}
	testenv.WaitFor(t, "the condition", func() bool { return waitingToFetch() == others })
	gate.Unlock()
	wg.Wait()
	if n := hits.Load() - before; n != 2 {
		t.Fatalf("%d unknown kids waiting on a fetch caused %d more, want 1", others, n-1)
	}
}

// waitingToFetch counts the goroutines waiting for a keyStore's lock.
func waitingToFetch() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), ".(*keyStore).lock(")
		}
		buf = make([]byte, 2*len(buf))
	}
}
