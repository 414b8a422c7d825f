package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

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
		c.CustomClaims, c.KeysRefreshInterval, c.UnknownKeyRefetchInterval = nil, every, time.Nanosecond
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
		if _, ok := lookup(*j.keys.cur.Load(), "ec-2"); ok {
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
