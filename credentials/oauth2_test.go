package credentials_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

func TestClientCredentialsProvider(t *testing.T) {
	p := oidc.Start(t)

	cases := []struct {
		name    string
		client  oidc.Client
		cfg     func(c oidc.Client) credentials.ClientCredentialsConfig
		wantAud string
		scope   string
	}{
		{
			name:   "token URL, basic",
			client: oidc.Client{Scopes: []string{"read", "write"}},
			cfg: func(c oidc.Client) credentials.ClientCredentialsConfig {
				return credentials.ClientCredentialsConfig{ClientID: c.ID, ClientSecret: credentials.Literal(c.Secret), TokenURL: p.TokenURL(), Scopes: []string{"read"}}
			},
			wantAud: "https://api.test/", scope: "read",
		},
		{
			name:   "discovery, post, audience param, ES256",
			client: oidc.Client{AuthMethod: oidc.AuthSecretPost, Alg: "ES256", Scopes: []string{"read"}},
			cfg: func(c oidc.Client) credentials.ClientCredentialsConfig {
				return credentials.ClientCredentialsConfig{
					ClientID: c.ID, ClientSecret: credentials.Literal(c.Secret), DiscoveryURL: p.DiscoveryURL(),
					AuthStyle: credentials.AuthPost, Scopes: []string{"read"},
					EndpointParams: url.Values{"audience": {"https://weather.test/"}},
				}
			},
			wantAud: "https://weather.test/", scope: "read",
		},
		{
			name:   "resource param",
			client: oidc.Client{},
			cfg: func(c oidc.Client) credentials.ClientCredentialsConfig {
				return credentials.ClientCredentialsConfig{
					ClientID: c.ID, ClientSecret: credentials.Literal(c.Secret), TokenURL: p.TokenURL(),
					EndpointParams: url.Values{"resource": {"https://res.test/"}},
				}
			},
			wantAud: "https://res.test/",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := p.Register(t, tc.client)
			cfg := tc.cfg(c)
			cc, err := credentials.NewClientCredentials(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			backend := newRecorder(t)
			client := credentials.Client(nil, cc)
			for range 3 {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, backend.srv.URL+"/x", nil)
				do(t, client, req)
			}
			got, _ := backend.last(t)
			tok, ok := strings.CutPrefix(got.Header.Get("Authorization"), "Bearer ")
			if !ok {
				t.Fatalf("Authorization = %q", got.Header.Get("Authorization"))
			}
			v := p.Verify(t, tok)
			if aud := v.Audience(); len(aud) != 1 || aud[0] != tc.wantAud {
				t.Errorf("aud = %v, want %s", aud, tc.wantAud)
			}
			if tc.scope != "" && v.Claims["scope"] != tc.scope {
				t.Errorf("scope = %v, want %s", v.Claims["scope"], tc.scope)
			}
			if v.Claims["client_id"] != c.ID {
				t.Errorf("client_id = %v", v.Claims["client_id"])
			}
			st := p.Stats(t)
			if n := st.ByClient[c.ID]; n != 1 {
				t.Errorf("3 calls made %d token requests, want 1 (cached)", n)
			}
			want := oidc.AuthSecretBasic
			if cfg.AuthStyle == credentials.AuthPost {
				want = oidc.AuthSecretPost
			}
			if st.ByAuthMethod[want] == 0 {
				t.Errorf("no token request used %s: %v", want, st.ByAuthMethod)
			}
		})
	}

	t.Run("50 concurrent callers share one token request", func(t *testing.T) {
		c := p.Register(t, oidc.Client{})
		cc, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
			ClientID: c.ID, ClientSecret: credentials.Literal(c.Secret), TokenURL: p.TokenURL(),
		})
		if err != nil {
			t.Fatal(err)
		}
		backend := newRecorder(t)
		client := credentials.Client(nil, cc)
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make(chan error, 50)
		for range 50 {
			wg.Go(func() {
				<-start
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, backend.srv.URL, nil)
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				_ = resp.Body.Close()
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := p.Stats(t).ByClient[c.ID]; n != 1 {
			t.Errorf("50 concurrent calls made %d token requests, want 1", n)
		}
		if backend.count() != 50 {
			t.Errorf("backend got %d requests, want 50", backend.count())
		}
		var tokens = map[string]bool{}
		for _, r := range backend.reqs {
			tokens[r.Header.Get("Authorization")] = true
		}
		if len(tokens) != 1 {
			t.Errorf("backend saw %d distinct tokens, want 1", len(tokens))
		}
	})

	t.Run("refreshed after expiry", func(t *testing.T) {
		c := p.Register(t, oidc.Client{TTL: 2 * time.Second})
		cc, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
			ClientID: c.ID, ClientSecret: credentials.Literal(c.Secret), TokenURL: p.TokenURL(),
		})
		if err != nil {
			t.Fatal(err)
		}
		first, err := cc.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		again, _ := cc.Token(t.Context())
		if again.AccessToken != first.AccessToken {
			t.Error("token not cached within its lifetime")
		}
		// A 2s token is refreshed once half its lifetime is left.
		time.Sleep(1100 * time.Millisecond)
		second, err := cc.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if second.AccessToken == first.AccessToken {
			t.Error("token not refreshed near expiry")
		}
		p.Verify(t, second.AccessToken)
		if n := p.Stats(t).ByClient[c.ID]; n != 2 {
			t.Errorf("token requests = %d, want 2", n)
		}
	})

	t.Run("token rejected by the backend is replaced", func(t *testing.T) {
		c := p.Register(t, oidc.Client{})
		cc, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
			ClientID: c.ID, ClientSecret: credentials.Literal(c.Secret), TokenURL: p.TokenURL(),
		})
		if err != nil {
			t.Fatal(err)
		}
		var refused atomic.Value // the Authorization the backend refuses
		backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == refused.Load() {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		defer backend.Close()
		client := credentials.Client(nil, cc)
		get := func() int {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, backend.URL, nil)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			return resp.StatusCode
		}
		first, _ := cc.Token(t.Context())
		refused.Store("Bearer " + first.AccessToken) // e.g. revoked
		// A refusal of a token younger than a second keeps it (so a
		// backend that refuses everything cannot flood the provider).
		if got := get(); got != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", got)
		}
		if got := get(); got != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401 (token kept)", got)
		}
		time.Sleep(1100 * time.Millisecond)
		if got := get(); got != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", got)
		}
		if got := get(); got != http.StatusNoContent {
			t.Fatalf("status %d after the refused token, want 204 with a new token", got)
		}
		if n := p.Stats(t).ByClient[c.ID]; n != 2 {
			t.Errorf("token requests = %d, want 2", n)
		}
	})

	t.Run("wrong secret is a clear error", func(t *testing.T) {
		c := p.Register(t, oidc.Client{})
		cc, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
			ClientID: c.ID, ClientSecret: credentials.Literal("not-the-secret-" + c.Secret[:4]), TokenURL: p.TokenURL(),
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err = cc.Token(t.Context())
		if err == nil || !strings.Contains(err.Error(), "invalid_client") || !strings.Contains(err.Error(), p.TokenURL()) {
			t.Fatalf("err = %v, want invalid_client naming the token URL", err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("failure took %v", time.Since(start))
		}
		if strings.Contains(err.Error(), "not-the-secret") {
			t.Errorf("error leaks the secret: %v", err)
		}
	})

}

func TestDiscoveryRejected(t *testing.T) {
	docs := map[string]string{
		"/wrong-issuer/.well-known/openid-configuration": `{"issuer":"https://evil.test","token_endpoint":"https://evil.test/token"}`,
		"/no-token/.well-known/openid-configuration":     `{"issuer":"ISSUER/no-token"}`,
		"/js/.well-known/openid-configuration":           `{"issuer":"ISSUER/js","token_endpoint":"javascript:alert(1)"}`,
		"/relative/.well-known/openid-configuration":     `{"issuer":"ISSUER/relative","token_endpoint":"/token"}`,
		"/html/.well-known/openid-configuration":         `<html>not json</html>`,
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(strings.ReplaceAll(doc, "ISSUER", srv.URL)))
	}))
	defer srv.Close()
	cases := map[string]string{
		"not found":    srv.URL + "/missing/.well-known/openid-configuration",
		"wrong issuer": srv.URL + "/wrong-issuer/.well-known/openid-configuration",
		"no endpoint":  srv.URL + "/no-token/.well-known/openid-configuration",
		"bad scheme":   srv.URL + "/js/.well-known/openid-configuration",
		"relative":     srv.URL + "/relative/.well-known/openid-configuration",
		"not JSON":     srv.URL + "/html/.well-known/openid-configuration",
		"not http":     "ftp://example.test/.well-known/openid-configuration",
		"unreachable":  "http://127.0.0.1:1/.well-known/openid-configuration",
	}
	for name, u := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
				ClientID: "x", ClientSecret: credentials.Literal("y"), DiscoveryURL: u,
			})
			if err == nil {
				t.Fatalf("%s: no error", u)
			}
			if !strings.Contains(err.Error(), "discovery") {
				t.Errorf("error does not say what failed: %v", err)
			}
		})
	}
}

// hangingTokenServer accepts token requests and never answers them until
// the test ends.
func hangingTokenServer(t *testing.T) (string, *atomic.Int32) {
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv.URL + "/token", &n
}

func TestClientCredentialsNeverHangs(t *testing.T) {
	tokenURL, n := hangingTokenServer(t)
	cc, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
		ClientID: "c", ClientSecret: credentials.Literal("s3cret-s3cret"), TokenURL: tokenURL,
		FetchTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("fetch timeout", func(t *testing.T) {
		start := time.Now()
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				_, err := cc.Token(context.Background())
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("err = %v, want deadline exceeded", err)
				}
			})
		}
		wg.Wait()
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("callers waited %v for a 300ms fetch timeout", d)
		}
		if got := n.Load(); got != 1 {
			t.Errorf("10 callers made %d token requests, want 1", got)
		}
	})

	t.Run("caller context", func(t *testing.T) {
		slow, err := credentials.NewClientCredentials(t.Context(), credentials.ClientCredentialsConfig{
			ClientID: "c", ClientSecret: credentials.Literal("s3cret-s3cret"), TokenURL: tokenURL,
			FetchTimeout: 5 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = slow.Token(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		// The fetch itself runs for 5s: the caller must leave at its own
		// deadline.
		if d := time.Since(start); d > time.Second {
			t.Errorf("caller waited %v past its 50ms deadline", d)
		}
	})
}
