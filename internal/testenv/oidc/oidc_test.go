package oidc_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

type tokenResponse struct {
	AccessToken     string `json:"access_token"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int    `json:"expires_in"`
	Scope           string `json:"scope"`
	IssuedTokenType string `json:"issued_token_type"`
	Error           string `json:"error"`
}

func postToken(t *testing.T, p *oidc.Provider, c oidc.Client, form url.Values) (int, tokenResponse) {
	t.Helper()
	if c.AuthMethod == oidc.AuthSecretPost {
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.AuthMethod == oidc.AuthSecretBasic {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, tr
}

func TestProvider(t *testing.T) {
	p := oidc.Start(t)

	t.Run("discovery", func(t *testing.T) {
		resp, err := http.Get(p.DiscoveryURL())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var d struct {
			Issuer        string   `json:"issuer"`
			TokenEndpoint string   `json:"token_endpoint"`
			JWKSURI       string   `json:"jwks_uri"`
			GrantTypes    []string `json:"grant_types_supported"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
			t.Fatal(err)
		}
		if d.Issuer != p.Issuer() || d.TokenEndpoint != p.TokenURL() || d.JWKSURI != p.JWKSURL() {
			t.Errorf("discovery = %+v, want issuer %s", d, p.Issuer())
		}
		if !strings.Contains(strings.Join(d.GrantTypes, " "), oidc.GrantTypeTokenExchange) {
			t.Errorf("grant_types_supported %v lacks token exchange", d.GrantTypes)
		}
	})

	cases := []struct {
		name     string
		client   oidc.Client
		form     url.Values
		wantAud  string
		wantAlg  string
		wantScop string
	}{
		{"basic default resource", oidc.Client{Scopes: []string{"read"}}, url.Values{"scope": {"read"}}, "https://api.test/", "RS256", "read"},
		{"post ES256", oidc.Client{AuthMethod: oidc.AuthSecretPost, Alg: "ES256", Scopes: []string{"a", "b"}}, url.Values{"scope": {"a b"}}, "https://api.test/", "ES256", "a b"},
		{"audience parameter", oidc.Client{Scopes: []string{"read"}}, url.Values{"audience": {"https://aud.test/"}}, "https://aud.test/", "RS256", ""},
		{"resource parameter", oidc.Client{}, url.Values{"resource": {"https://res.test/"}}, "https://res.test/", "RS256", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := p.Register(t, tc.client)
			tc.form.Set("grant_type", "client_credentials")
			status, tr := postToken(t, p, c, tc.form)
			if status != http.StatusOK {
				t.Fatalf("status %d: %+v", status, tr)
			}
			tok := p.Verify(t, tr.AccessToken)
			if alg := tok.Alg; alg != tc.wantAlg {
				t.Errorf("alg = %s, want %s", alg, tc.wantAlg)
			}
			if aud := tok.Audience(); len(aud) != 1 || aud[0] != tc.wantAud {
				t.Errorf("aud = %v, want %s", aud, tc.wantAud)
			}
			if scope := tok.Claims["scope"]; tc.wantScop != "" && scope != tc.wantScop {
				t.Errorf("scope = %v, want %s", scope, tc.wantScop)
			}
			if cid := tok.Claims["client_id"]; cid != c.ID {
				t.Errorf("client_id = %v, want %s", cid, c.ID)
			}
			if got := p.Stats(t).ByClient[c.ID]; got != 1 {
				t.Errorf("token requests for %s = %d, want 1", c.ID, got)
			}
			if got := p.Stats(t).ByAuthMethod[c.AuthMethod]; got == 0 {
				t.Errorf("no token request counted with %s", c.AuthMethod)
			}
		})
	}

	t.Run("ClientToken", func(t *testing.T) {
		for _, method := range []string{oidc.AuthSecretBasic, oidc.AuthSecretPost} {
			c := p.Register(t, oidc.Client{AuthMethod: method, Scopes: []string{"x"}})
			v := p.Verify(t, p.ClientToken(t, c, url.Values{"scope": {"x"}, "audience": {"https://cl.test/"}}))
			if v.Claims["client_id"] != c.ID || v.Audience()[0] != "https://cl.test/" || v.Claims["scope"] != "x" {
				t.Errorf("%s: claims %v", method, v.Claims)
			}
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		c := p.Register(t, oidc.Client{})
		c.Secret = "wrong"
		status, tr := postToken(t, p, c, url.Values{"grant_type": {"client_credentials"}})
		if status != http.StatusUnauthorized || tr.Error != "invalid_client" {
			t.Errorf("status %d error %q, want 401 invalid_client", status, tr.Error)
		}
	})

	t.Run("short ttl", func(t *testing.T) {
		c := p.Register(t, oidc.Client{TTL: 2 * time.Second})
		_, tr := postToken(t, p, c, url.Values{"grant_type": {"client_credentials"}})
		if tr.ExpiresIn != 2 {
			t.Errorf("expires_in = %d, want 2", tr.ExpiresIn)
		}
	})

	t.Run("token exchange", func(t *testing.T) {
		c := p.Register(t, oidc.Client{Scopes: []string{"read"}})
		subject := p.Mint(t, map[string]any{"sub": "alice", "aud": "https://gateway.test/"}, "ES256", time.Minute)
		p.ResetStats(t)
		status, tr := postToken(t, p, c, url.Values{
			"grant_type":         {oidc.GrantTypeTokenExchange},
			"subject_token":      {subject},
			"subject_token_type": {oidc.TokenTypeAccessToken},
			"audience":           {"https://down.test/"},
			"scope":              {"read"},
		})
		if status != http.StatusOK || tr.IssuedTokenType != oidc.TokenTypeAccessToken || tr.TokenType != "Bearer" {
			t.Fatalf("status %d: %+v", status, tr)
		}
		tok := p.Verify(t, tr.AccessToken)
		if tok.Subject() != "alice" || tok.Audience()[0] != "https://down.test/" {
			t.Errorf("exchanged token sub=%s aud=%v", tok.Subject(), tok.Audience())
		}
		act := tok.Claims["act"]
		if m, _ := act.(map[string]any); m["sub"] != c.ID {
			t.Errorf("act = %v, want sub %s", act, c.ID)
		}
		ex := p.Stats(t).Exchanges
		if len(ex) != 1 || ex[0].Params["subject_token"] != subject || ex[0].AuthMethod != oidc.AuthSecretBasic {
			t.Errorf("recorded exchanges = %+v", ex)
		}

		bad := []url.Values{
			{"subject_token_type": {oidc.TokenTypeAccessToken}},
			{"subject_token": {subject}},
			{"subject_token": {"garbage"}, "subject_token_type": {oidc.TokenTypeAccessToken}},
			{"subject_token": {subject}, "subject_token_type": {"urn:example:unknown"}},
			{"subject_token": {subject}, "subject_token_type": {oidc.TokenTypeAccessToken}, "actor_token": {subject}},
		}
		for _, form := range bad {
			form.Set("grant_type", oidc.GrantTypeTokenExchange)
			if status, tr := postToken(t, p, c, form); status != http.StatusBadRequest {
				t.Errorf("%v: status %d %+v, want 400", form, status, tr)
			}
		}
	})

	t.Run("mint overrides", func(t *testing.T) {
		past := time.Now().Add(-time.Hour).Unix()
		tok := p.Mint(t, map[string]any{"sub": "x", "exp": past, "aud": 42}, "ES256", 0)
		parts := strings.Split(tok, ".")
		b, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		if err := json.Unmarshal(b, &claims); err != nil {
			t.Fatal(err)
		}
		if claims["exp"] != float64(past) || claims["aud"] != float64(42) || claims["iss"] != p.Issuer() {
			t.Errorf("claims = %v", claims)
		}
	})

	t.Run("rotation", func(t *testing.T) {
		c := p.Register(t, oidc.Client{})
		_, before := postToken(t, p, c, url.Values{"grant_type": {"client_credentials"}})
		keys := p.RotateKeys(t, false)
		_, after := postToken(t, p, c, url.Values{"grant_type": {"client_credentials"}})
		kid := func(s string) string { return p.Verify(t, s).KID }
		if kid(before.AccessToken) == kid(after.AccessToken) {
			t.Fatalf("kid unchanged after rotation: %s", kid(after.AccessToken))
		}
		if kid(after.AccessToken) != keys.Current[0].KID {
			t.Errorf("new token kid %s, want %s", kid(after.AccessToken), keys.Current[0].KID)
		}
		oldKID := kid(before.AccessToken) // old key still published
		p.RotateKeys(t, true)
		resp, err := http.Get(p.JWKSURL())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var set struct{ Keys []struct{ Kid string } }
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
			t.Fatal(err)
		}
		if len(set.Keys) != 2 {
			t.Errorf("JWKS has %d keys after dropping the old ones, want 2", len(set.Keys))
		}
		for _, k := range set.Keys {
			if k.Kid == oldKID {
				t.Errorf("dropped key %s still published", oldKID)
			}
		}
	})
}
