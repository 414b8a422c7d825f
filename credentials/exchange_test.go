package credentials_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"golang.org/x/oauth2"

	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

func principal(sub, token string) *toolgate.Principal {
	return &toolgate.Principal{Subject: sub, ClientID: "agent", Issuer: "https://idp.test", Token: token}
}

func TestTokenExchangeWithProvider(t *testing.T) {
	p := oidc.Start(t)
	c := p.Register(t, oidc.Client{Scopes: []string{"tools.read"}})
	x, err := credentials.NewTokenExchange(t.Context(), credentials.TokenExchangeConfig{
		ClientID: c.ID, ClientSecret: credentials.Literal(c.Secret), DiscoveryURL: p.DiscoveryURL(),
		Audience: "https://down.test/", Scopes: []string{"tools.read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	backend := newRecorder(t)
	client := credentials.Client(nil, x)
	call := func(pr *toolgate.Principal) (*http.Request, error) {
		ctx := toolgate.WithPrincipal(t.Context(), pr)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.srv.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		_ = resp.Body.Close()
		got, _ := backend.last(t)
		return got, nil
	}

	alice := p.Mint(t, map[string]any{"sub": "alice", "aud": "https://gateway.test/", "scope": "mcp"}, "ES256", time.Hour)
	bob := p.Mint(t, map[string]any{"sub": "bob", "aud": "https://gateway.test/"}, "RS256", time.Hour)
	p.ResetStats(t)

	var aliceAuth string
	for i := range 3 {
		got, err := call(principal("alice", alice))
		if err != nil {
			t.Fatal(err)
		}
		tok := strings.TrimPrefix(got.Header.Get("Authorization"), "Bearer ")
		if tok == alice {
			t.Fatal("the inbound token was forwarded")
		}
		v := p.Verify(t, tok)
		if v.Subject() != "alice" || !slices.Equal(v.Audience(), []string{"https://down.test/"}) || v.Claims["scope"] != "tools.read" {
			t.Errorf("exchanged token claims = %v", v.Claims)
		}
		if act, _ := v.Claims["act"].(map[string]any); act["sub"] != c.ID {
			t.Errorf("act = %v, want the gateway's client %s", v.Claims["act"], c.ID)
		}
		if i == 0 {
			aliceAuth = got.Header.Get("Authorization")
		} else if got.Header.Get("Authorization") != aliceAuth {
			t.Error("cached token not reused for the same subject")
		}
	}
	got, err := call(principal("bob", bob))
	if err != nil {
		t.Fatal(err)
	}
	if v := p.Verify(t, strings.TrimPrefix(got.Header.Get("Authorization"), "Bearer ")); v.Subject() != "bob" {
		t.Errorf("bob's call carried a token for %q", v.Subject())
	}

	st := p.Stats(t)
	if len(st.Exchanges) != 2 {
		t.Fatalf("exchanges = %d, want 2 (one per subject)", len(st.Exchanges))
	}
	want := map[string]string{
		"grant_type":         credentials.GrantTypeTokenExchange,
		"subject_token":      alice,
		"subject_token_type": credentials.TokenTypeAccessToken,
		"audience":           "https://down.test/",
		"scope":              "tools.read",
	}
	if !mapsEqual(st.Exchanges[0].Params, want) {
		t.Errorf("exchange form = %v\nwant %v", st.Exchanges[0].Params, want)
	}
	if st.Exchanges[0].AuthMethod != oidc.AuthSecretBasic {
		t.Errorf("client auth = %s, want basic", st.Exchanges[0].AuthMethod)
	}

	t.Run("concurrent callers share one exchange", func(t *testing.T) {
		carol := p.Mint(t, map[string]any{"sub": "carol"}, "RS256", time.Hour)
		p.ResetStats(t)
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				if _, err := x.Token(toolgate.WithPrincipal(context.Background(), principal("carol", carol))); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := len(p.Stats(t).Exchanges); n != 1 {
			t.Errorf("20 concurrent calls made %d exchanges, want 1", n)
		}
	})

	t.Run("rejected subject token", func(t *testing.T) {
		forged := alice[:len(alice)-4] + "AAAA"
		_, err := x.Token(toolgate.WithPrincipal(t.Context(), principal("mallory", forged)))
		var xe *credentials.ExchangeError
		if !errors.As(err, &xe) || xe.Code != "invalid_grant" || xe.Status != http.StatusBadRequest {
			t.Fatalf("err = %v, want invalid_grant", err)
		}
		if strings.Contains(err.Error(), forged) {
			t.Error("error contains the subject token")
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// rfc8693Endpoint is a token endpoint that checks a token exchange request
// field by field as RFC 8693 section 2.1 and RFC 6749 section 2.3.1 define
// it, and answers as section 2.2.1 does.
type rfc8693Endpoint struct {
	t                  *testing.T
	clientID, secret   string
	post               bool              // client_secret_post expected
	want               map[string]string // exact form, without client credentials
	calls              atomic.Int32
	echoSubjectInError bool
	expiresIn          int
}

func (e *rfc8693Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.calls.Add(1)
	t := e.t
	fail := func(format string, args ...any) {
		t.Errorf(format, args...)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request"})
	}
	if r.Method != http.MethodPost {
		fail("method %s, want POST", r.Method)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		fail("Content-Type %q", ct)
		return
	}
	if len(r.URL.RawQuery) > 0 {
		fail("parameters in the query: %s", r.URL.RawQuery)
		return
	}
	if err := r.ParseForm(); err != nil {
		fail("form: %v", err)
		return
	}
	form := r.PostForm
	for k, vs := range form {
		if len(vs) != 1 {
			fail("parameter %s sent %d times", k, len(vs))
			return
		}
	}
	if e.post {
		if r.Header.Get("Authorization") != "" {
			fail("client_secret_post request also has an Authorization header")
			return
		}
		if form.Get("client_id") != e.clientID || form.Get("client_secret") != e.secret {
			fail("client_secret_post credentials wrong")
			return
		}
		form.Del("client_id")
		form.Del("client_secret")
	} else {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
		b, err := base64.StdEncoding.DecodeString(raw)
		if !ok || err != nil {
			fail("no basic Authorization")
			return
		}
		id, secret, _ := strings.Cut(string(b), ":")
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if id != e.clientID || secret != e.secret {
			fail("basic credentials %q wrong (RFC 6749 2.3.1 form-encodes them first)", id)
			return
		}
		if form.Has("client_secret") {
			fail("client_secret in the body with basic auth")
			return
		}
	}
	got := map[string]string{}
	for k := range form {
		got[k] = form.Get(k)
	}
	if !mapsEqual(got, e.want) {
		fail("form = %v\nwant   %v", got, e.want)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if e.echoSubjectInError {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant", "error_description": "bad token " + form.Get("subject_token")})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token":      "downstream-for-" + form.Get("subject_token")[:5],
		"issued_token_type": credentials.TokenTypeAccessToken,
		"token_type":        "Bearer",
		"expires_in":        e.expiresIn,
	})
}

// staticToken is a TokenSource of one token.
type staticToken string

func (s staticToken) Token(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s), TokenType: "Bearer"}, nil
}

func TestTokenExchangeRequestFields(t *testing.T) {
	const subject = "eyJhbGciOiJSUzI1NiJ9.subject-token.sig"
	cases := []struct {
		name string
		cfg  credentials.TokenExchangeConfig
		want map[string]string
	}{
		{
			name: "basic, audience",
			cfg:  credentials.TokenExchangeConfig{ClientID: "gate way:1", ClientSecret: credentials.Literal("p@ss:w/rd+%"), Audience: "urn:example:backend"},
			want: map[string]string{"grant_type": credentials.GrantTypeTokenExchange, "subject_token": subject, "subject_token_type": credentials.TokenTypeAccessToken, "audience": "urn:example:backend"},
		},
		{
			name: "post, resource, scopes, requested and subject types",
			cfg: credentials.TokenExchangeConfig{
				ClientID: "gw", ClientSecret: credentials.Literal("s3cret-value"), AuthStyle: credentials.AuthPost,
				Resource: "https://api.test/v1", Scopes: []string{"a", "b"},
				SubjectTokenType: credentials.TokenTypeJWT, RequestedTokenType: credentials.TokenTypeJWT,
			},
			want: map[string]string{
				"grant_type": credentials.GrantTypeTokenExchange, "subject_token": subject, "subject_token_type": credentials.TokenTypeJWT,
				"resource": "https://api.test/v1", "scope": "a b", "requested_token_type": credentials.TokenTypeJWT,
			},
		},
		{
			name: "actor",
			cfg: credentials.TokenExchangeConfig{ClientID: "gw", ClientSecret: credentials.Literal("s3cret-value"), Audience: "urn:example:backend",
				Actor: staticToken("actor-token-value")},
			want: map[string]string{"grant_type": credentials.GrantTypeTokenExchange, "subject_token": subject, "subject_token_type": credentials.TokenTypeAccessToken,
				"audience": "urn:example:backend", "actor_token": "actor-token-value", "actor_token_type": credentials.TokenTypeAccessToken},
		},
		{
			name: "actor of another type",
			cfg: credentials.TokenExchangeConfig{ClientID: "gw", ClientSecret: credentials.Literal("s3cret-value"), Audience: "urn:example:backend",
				Actor: staticToken("actor.jwt.value"), ActorTokenType: credentials.TokenTypeJWT},
			want: map[string]string{"grant_type": credentials.GrantTypeTokenExchange, "subject_token": subject, "subject_token_type": credentials.TokenTypeAccessToken,
				"audience": "urn:example:backend", "actor_token": "actor.jwt.value", "actor_token_type": credentials.TokenTypeJWT},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			secret, _ := tc.cfg.ClientSecret.Resolve()
			ep := &rfc8693Endpoint{t: t, clientID: tc.cfg.ClientID, secret: secret, post: tc.cfg.AuthStyle == credentials.AuthPost, want: tc.want, expiresIn: 600}
			srv := httptest.NewServer(ep)
			defer srv.Close()
			cfg := tc.cfg
			cfg.TokenURL = srv.URL + "/token"
			x, err := credentials.NewTokenExchange(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := toolgate.WithPrincipal(t.Context(), &toolgate.Principal{Subject: "alice", Token: subject, ExpiresAt: time.Now().Add(time.Minute)})
			tok, err := x.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "downstream-for-eyJhb" {
				t.Errorf("token = %q", tok.AccessToken)
			}
			// expires_in 600s is capped at the inbound token's minute.
			if d := time.Until(tok.Expiry); d > time.Minute || d < 50*time.Second {
				t.Errorf("expiry in %v, want capped at the inbound token's expiry", d)
			}
			if _, err := x.Token(ctx); err != nil {
				t.Fatal(err)
			}
			if n := ep.calls.Load(); n != 1 {
				t.Errorf("token endpoint called %d times, want 1", n)
			}
		})
	}
}

func TestTokenExchangeFailures(t *testing.T) {
	const subject = "inbound-token-that-must-not-leak"
	ep := &rfc8693Endpoint{t: t, clientID: "gw", secret: "client-secret-value", echoSubjectInError: true,
		want: map[string]string{"grant_type": credentials.GrantTypeTokenExchange, "subject_token": subject, "subject_token_type": credentials.TokenTypeAccessToken, "audience": "aud"}}
	srv := httptest.NewServer(ep)
	defer srv.Close()
	x, err := credentials.NewTokenExchange(t.Context(), credentials.TokenExchangeConfig{
		ClientID: "gw", ClientSecret: credentials.Literal("client-secret-value"), TokenURL: srv.URL, Audience: "aud",
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		p    *toolgate.Principal
		want error
		code string
	}{
		{"anonymous", nil, credentials.ErrNoInboundToken, ""},
		{"no token", &toolgate.Principal{Subject: "alice"}, credentials.ErrNoInboundToken, ""},
		{"expired", &toolgate.Principal{Subject: "alice", Token: subject, ExpiresAt: time.Now().Add(-time.Second)}, nil, ""},
		{"rejected, description echoes the token", &toolgate.Principal{Subject: "alice", Token: subject}, nil, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			if tc.p != nil {
				ctx = toolgate.WithPrincipal(ctx, tc.p)
			}
			_, err := x.Token(ctx)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			var xe *credentials.ExchangeError
			if tc.code != "" && (!errors.As(err, &xe) || xe.Code != tc.code || !strings.Contains(xe.Description, "[REDACTED]")) {
				t.Errorf("err = %v, want %s with the echoed token redacted", err, tc.code)
			}
			if strings.Contains(err.Error(), subject) || strings.Contains(err.Error(), "client-secret-value") {
				t.Errorf("error leaks a credential: %v", err)
			}
		})
	}
	if _, err := credentials.NewTokenExchange(t.Context(), credentials.TokenExchangeConfig{ClientID: "gw", ClientSecret: credentials.Literal("x"), TokenURL: srv.URL}); err == nil {
		t.Error("no error without Audience or Resource")
	}
}

func TestTokenExchangeCacheKeys(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": "for:" + r.PostForm.Get("subject_token"), "issued_token_type": credentials.TokenTypeAccessToken,
			"token_type": "Bearer", "expires_in": 300,
		})
	}))
	defer srv.Close()
	x, err := credentials.NewTokenExchange(t.Context(), credentials.TokenExchangeConfig{
		ClientID: "gw", ClientSecret: credentials.Literal("s3cret-s3cret"), TokenURL: srv.URL, Audience: "aud",
	})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		p         *toolgate.Principal
		want      string
		exchanges int32
	}{
		{&toolgate.Principal{Subject: "alice", Issuer: "i1", Token: "alice-token-1"}, "for:alice-token-1", 1},
		{&toolgate.Principal{Subject: "alice", Issuer: "i1", Token: "alice-token-1"}, "for:alice-token-1", 1},
		// A new inbound token of the same subject reuses the valid cached one.
		{&toolgate.Principal{Subject: "alice", Issuer: "i1", Token: "alice-token-2"}, "for:alice-token-1", 1},
		// Same subject at another issuer is someone else.
		{&toolgate.Principal{Subject: "alice", Issuer: "i2", Token: "alice-at-i2"}, "for:alice-at-i2", 2},
		{&toolgate.Principal{Subject: "bob", Issuer: "i1", Token: "bob-token-1"}, "for:bob-token-1", 3},
		// Without an identity, tokens are never shared between callers.
		{&toolgate.Principal{Token: "anon-token-1"}, "for:anon-token-1", 4},
		{&toolgate.Principal{Token: "anon-token-2"}, "for:anon-token-2", 5},
		{&toolgate.Principal{Token: "anon-token-1"}, "for:anon-token-1", 5},
	}
	for i, s := range steps {
		tok, err := x.Token(toolgate.WithPrincipal(t.Context(), s.p))
		if err != nil {
			t.Fatal(err)
		}
		if tok.AccessToken != s.want || calls.Load() != s.exchanges {
			t.Errorf("step %d: token %q after %d exchanges, want %q after %d", i, tok.AccessToken, calls.Load(), s.want, s.exchanges)
		}
	}
}

func TestTokenExchangeRejectedTokenReplaced(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("exchanged-%d", n), "issued_token_type": credentials.TokenTypeAccessToken,
			"token_type": "Bearer", "expires_in": 300,
		})
	}))
	defer srv.Close()
	x, err := credentials.NewTokenExchange(t.Context(), credentials.TokenExchangeConfig{
		ClientID: "gw", ClientSecret: credentials.Literal("s3cret-s3cret"), TokenURL: srv.URL, Audience: "aud",
	})
	if err != nil {
		t.Fatal(err)
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer exchanged-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer backend.Close()
	ctx := toolgate.WithPrincipal(t.Context(), &toolgate.Principal{Subject: "alice", Token: "alice-inbound-token"})
	client := credentials.Client(nil, x)
	get := func() int {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", got)
	}
	time.Sleep(1100 * time.Millisecond) // refusals of younger tokens are ignored
	if got := get(); got != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", got)
	}
	if got := get(); got != http.StatusNoContent {
		t.Fatalf("status %d, want 204 with a new exchanged token", got)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("exchanges = %d, want 2", n)
	}
}

// TestTokenExchangeActor: with an actor (the client-credentials token of
// another client, at the real provider), the exchange sends it as the
// actor token and the new token names that client as the actor; an actor
// that fails fails the exchange before any request, without leaking.
func TestTokenExchangeActor(t *testing.T) {
	p := oidc.Start(t)
	gw := p.Register(t, oidc.Client{})
	runtime := p.Register(t, oidc.Client{Scopes: []string{"act"}})
	actor, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
		ClientID: runtime.ID, ClientSecret: credentials.Literal(runtime.Secret), DiscoveryURL: p.DiscoveryURL(), Scopes: []string{"act"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := credentials.TokenExchangeConfig{ClientID: gw.ID, ClientSecret: credentials.Literal(gw.Secret), DiscoveryURL: p.DiscoveryURL(),
		Audience: "https://down.test/", Actor: actor}
	x, err := credentials.NewTokenExchange(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	alice := p.Mint(t, map[string]any{"sub": "alice", "aud": "https://gateway.test/"}, "RS256", time.Hour)
	p.ResetStats(t)
	tok, err := x.Token(toolgate.WithPrincipal(t.Context(), principal("alice", alice)))
	if err != nil {
		t.Fatal(err)
	}
	v := p.Verify(t, tok.AccessToken)
	if act, _ := v.Claims["act"].(map[string]any); v.Subject() != "alice" || act["sub"] != runtime.ID {
		t.Errorf("claims %v: want alice acted for by %s", v.Claims, runtime.ID)
	}
	st := p.Stats(t)
	if len(st.Exchanges) != 1 || st.Exchanges[0].Params["actor_token_type"] != credentials.TokenTypeAccessToken || st.Exchanges[0].Params["actor_token"] == "" {
		t.Errorf("exchanges %+v: want one with an actor token", st.Exchanges)
	}

	cfg.Actor = failingToken{}
	x, err = credentials.NewTokenExchange(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.ResetStats(t)
	_, err = x.Token(toolgate.WithPrincipal(t.Context(), principal("alice", alice)))
	if err == nil || !strings.Contains(err.Error(), "actor token") || strings.Contains(err.Error(), alice) || strings.Contains(err.Error(), gw.Secret) {
		t.Errorf("err = %v, want an actor token failure without credentials", err)
	}
	if n := len(p.Stats(t).Exchanges); n != 0 {
		t.Errorf("%d exchanges made without an actor token", n)
	}
}

// failingToken is a TokenSource that fails.
type failingToken struct{}

func (failingToken) Token(context.Context) (*oauth2.Token, error) {
	return nil, errors.New("the actor's token endpoint is down")
}
