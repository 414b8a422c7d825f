package credentials

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

func TestParseExchangeResponse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ok := `"access_token":"at","issued_token_type":"urn:ietf:params:oauth:token-type:access_token"`
	cases := []struct {
		name    string
		status  int
		body    string
		wantErr string
		expiry  time.Duration
	}{
		{"minimal", 200, `{` + ok + `,"token_type":"Bearer"}`, "", 0},
		{"lower-case bearer, expires_in", 200, `{` + ok + `,"token_type":"bearer","expires_in":3600}`, "", time.Hour},
		{"expires_in as string", 200, `{` + ok + `,"token_type":"Bearer","expires_in":"60"}`, "", time.Minute},
		{"N_A for a JWT", 200, `{"access_token":"j","issued_token_type":"urn:ietf:params:oauth:token-type:jwt","token_type":"N_A"}`, "", 0},
		{"N_A for an access token", 200, `{` + ok + `,"token_type":"N_A"}`, "unsupported token_type", 0},
		{"DPoP", 200, `{` + ok + `,"token_type":"DPoP"}`, "unsupported token_type", 0},
		{"no issued_token_type", 200, `{"access_token":"at","token_type":"Bearer"}`, "issued_token_type", 0},
		{"no access_token", 200, `{"issued_token_type":"x","token_type":"Bearer"}`, "no access_token", 0},
		{"negative expiry", 200, `{` + ok + `,"token_type":"Bearer","expires_in":-5}`, "out of range", 0},
		{"bad expiry", 200, `{` + ok + `,"token_type":"Bearer","expires_in":{}}`, "not a number", 0},
		{"not JSON", 200, `<html>`, "not JSON", 0},
		{"oauth error", 400, `{"error":"invalid_target","error_description":"unknown audience"}`, "invalid_target: unknown audience (HTTP 400)", 0},
		{"html error", 502, `<html>Bad Gateway</html>`, "HTTP 502: <html>Bad Gateway</html>", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := parseExchangeResponse(tc.status, "application/json", []byte(tc.body), now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.TokenType != "Bearer" || tok.AccessToken == "" {
				t.Errorf("token = %+v", tok)
			}
			if tc.expiry == 0 && !tok.Expiry.IsZero() || tc.expiry != 0 && !tok.Expiry.Equal(now.Add(tc.expiry)) {
				t.Errorf("expiry = %v, want now+%v", tok.Expiry, tc.expiry)
			}
		})
	}
}

func FuzzParseExchangeResponse(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"at","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":60}`))
	f.Add(400, []byte(`{"error":"invalid_grant","error_description":"x"}`))
	f.Add(200, []byte(`{"expires_in":"1e308"}`))
	f.Add(500, []byte("\xff\xfe"))
	now := time.Now()
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		tok, err := parseExchangeResponse(status, "application/json", body, now)
		if err == nil {
			if status != 200 || tok == nil || tok.AccessToken == "" || tok.TokenType != "Bearer" {
				t.Fatalf("accepted status %d body %q as %+v", status, body, tok)
			}
			if !tok.Expiry.IsZero() && !tok.Expiry.After(now) {
				t.Fatalf("accepted an expiry in the past: %v", tok.Expiry)
			}
		}
		if err != nil && len(err.Error()) > 1000 {
			t.Fatalf("error message of %d bytes", len(err.Error()))
		}
		if err != nil && !utf8.ValidString(err.Error()) {
			t.Fatalf("error message is not valid UTF-8: %q", err.Error())
		}
	})
}

func TestParseMetadata(t *testing.T) {
	const u = "https://idp.test/tenant/.well-known/openid-configuration"
	cases := []struct {
		name, url, body, wantErr string
	}{
		{"ok", u, `{"issuer":"https://idp.test/tenant","token_endpoint":"https://idp.test/tenant/token"}`, ""},
		{"issuer with slash", u, `{"issuer":"https://idp.test/tenant/","token_endpoint":"https://idp.test/t"}`, ""},
		{"RFC 8414", "https://idp.test/.well-known/oauth-authorization-server", `{"issuer":"https://idp.test","token_endpoint":"https://idp.test/t"}`, ""},
		{"other URL, no issuer check", "https://idp.test/meta.json", `{"token_endpoint":"https://idp.test/t"}`, ""},
		{"issuer mismatch", u, `{"issuer":"https://evil.test/tenant","token_endpoint":"https://idp.test/t"}`, "issuer"},
		{"no endpoint", u, `{"issuer":"https://idp.test/tenant"}`, "no token_endpoint"},
		{"relative endpoint", u, `{"issuer":"https://idp.test/tenant","token_endpoint":"/token"}`, "absolute"},
		{"endpoint with user info", u, `{"issuer":"https://idp.test/tenant","token_endpoint":"https://u:p@idp.test/t"}`, "user info"},
		{"wrong type", u, `{"issuer":1}`, "not a metadata document"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md, err := parseMetadata(tc.url, []byte(tc.body))
			if tc.wantErr == "" {
				if err != nil || md.TokenEndpoint == "" {
					t.Fatalf("md = %+v, err = %v", md, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzParseMetadata(f *testing.F) {
	f.Add("https://idp.test/.well-known/openid-configuration", []byte(`{"issuer":"https://idp.test","token_endpoint":"https://idp.test/token"}`))
	f.Add("http://x/.well-known/oauth-authorization-server", []byte(`{"token_endpoint":"javascript:1"}`))
	f.Fuzz(func(t *testing.T, u string, body []byte) {
		md, err := parseMetadata(u, body)
		if err != nil {
			return
		}
		if checkEndpoint(md.TokenEndpoint) != nil {
			t.Fatalf("accepted token_endpoint %q", md.TokenEndpoint)
		}
	})
}

func TestTokenCache(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }

	var fetches atomic.Int32
	var fail atomic.Bool
	release := make(chan struct{})
	c := newTokenCache(func(ctx context.Context) (*oauth2.Token, error) {
		n := fetches.Add(1)
		<-release
		if fail.Load() {
			return nil, errors.New("endpoint down")
		}
		return &oauth2.Token{AccessToken: string(rune('a' + n - 1)), Expiry: now().Add(time.Hour)}, nil
	}, time.Minute, time.Second)
	c.now = now

	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if tok, err := c.token(context.Background()); err != nil || tok.AccessToken != "a" {
				t.Errorf("token = %v, %v", tok, err)
			}
		})
	}
	for fetches.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Fatalf("50 callers caused %d fetches", n)
	}

	steps := []struct {
		advance time.Duration
		fail    bool
		want    string
		fetches int32
	}{
		{58 * time.Minute, false, "a", 1}, // 2 minutes left: still cached
		{90 * time.Second, false, "b", 2}, // 30s left, inside the 1m delta: refreshed
		{59 * time.Minute, true, "b", 3},  // refresh fails, old token still valid: used
		{2 * time.Minute, true, "", 4},    // refresh fails, old token expired: error
		{0, false, "e", 5},                // endpoint back
	}
	for i, s := range steps {
		advance(s.advance)
		fail.Store(s.fail)
		tok, err := c.token(context.Background())
		switch {
		case s.want == "" && err == nil:
			t.Errorf("step %d: no error", i)
		case s.want != "" && (err != nil || tok.AccessToken != s.want):
			t.Errorf("step %d: token %v, %v, want %s", i, tok, err, s.want)
		}
		if n := fetches.Load(); n != s.fetches {
			t.Errorf("step %d: fetches = %d, want %d", i, n, s.fetches)
		}
	}
}

func TestTokenCacheShortLifetime(t *testing.T) {
	// A token living less than twice the delta is refreshed at half life.
	start := time.Now()
	c := newTokenCache(func(ctx context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "x", Expiry: start.Add(4 * time.Second)}, nil
	}, 10*time.Second, time.Second)
	c.now = func() time.Time { return start }
	if _, err := c.token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c.usable() == nil {
		t.Fatal("a 4s token was not cached at all")
	}
	c.now = func() time.Time { return start.Add(2 * time.Second) }
	if c.usable() != nil {
		t.Error("a 4s token is still used at half life")
	}
}
