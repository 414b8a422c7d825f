package auth

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
)

// issuer is a hermetic OIDC issuer: discovery, a JWKS whose keys the test
// can swap, and token signing.
type issuer struct {
	srv       *httptest.Server
	mu        sync.Mutex
	keys      map[string]any // kid -> private key
	published []string       // kids in the JWKS
	jwksHits  atomic.Int32
}

func newIssuer(t testing.TB) *issuer {
	is := &issuer{keys: map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/jwks"})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		is.jwksHits.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		set := jwk.NewSet()
		for _, kid := range is.published {
			k, err := jwk.FromRaw(is.keys[kid])
			if err != nil {
				panic(err)
			}
			pub, _ := k.PublicKey()
			pub.Set(jwk.KeyIDKey, kid)
			if _, ok := is.keys[kid].(*rsa.PrivateKey); ok {
				pub.Set(jwk.AlgorithmKey, jwa.RS256)
			} else {
				pub.Set(jwk.AlgorithmKey, jwa.ES256)
			}
			set.AddKey(pub)
		}
		json.NewEncoder(w).Encode(set)
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	is.addKey(t, "rsa-1", "RS256", true)
	is.addKey(t, "ec-1", "ES256", true)
	return is
}

func (is *issuer) addKey(t testing.TB, kid, alg string, publish bool) {
	var k any
	var err error
	if alg == "RS256" {
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	is.mu.Lock()
	is.keys[kid] = k
	if publish {
		is.published = append(is.published, kid)
	}
	is.mu.Unlock()
}

func (is *issuer) claims(over map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": is.srv.URL, "sub": "user-1", "aud": "https://gw.test/mcp", "client_id": "app",
		"scope": "tools:read tools:write", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": fmt.Sprint(now.UnixNano()),
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// sign signs claims with the key kid (RS256 for rsa-*, ES256 otherwise).
func (is *issuer) sign(t testing.TB, kid string, claims map[string]any) string {
	is.mu.Lock()
	k := is.keys[kid]
	is.mu.Unlock()
	alg := jwa.ES256
	if _, ok := k.(*rsa.PrivateKey); ok {
		alg = jwa.RS256
	}
	payload, _ := json.Marshal(claims)
	hdr := jws.NewHeaders()
	hdr.Set(jws.KeyIDKey, kid)
	hdr.Set(jws.TypeKey, "at+jwt")
	b, err := jws.Sign(payload, jws.WithKey(alg, k, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func newJWT(t testing.TB, is *issuer, mod func(*JWTConfig)) *JWT {
	cfg := JWTConfig{
		DiscoveryURL:    is.srv.URL + "/.well-known/openid-configuration",
		AllowedAudience: []string{"https://gw.test/mcp"},
		AllowedClients:  []string{"app"},
		AllowedScopes:   []string{"tools:read"},
		CustomClaims:    []ClaimRule{{Claim: "tenant", Op: ContainsAny, Values: []string{"acme", "globex"}}},
		PublicURL:       "https://gw.test/mcp",
	}
	if mod != nil {
		mod(&cfg)
	}
	j, err := NewJWT(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(j.Close)
	return j
}

// countingTarget counts the calls that reach it and reports the principal.
type countingTarget struct{ calls atomic.Int32 }

func (c *countingTarget) Name() string { return "t" }
func (c *countingTarget) ListTools(context.Context) ([]toolgate.Tool, error) {
	return []toolgate.Tool{{Name: "whoami"}}, nil
}
func (c *countingTarget) CallTool(ctx context.Context, _ *toolgate.CallRequest) (*toolgate.Result, error) {
	c.calls.Add(1)
	p := toolgate.PrincipalFrom(ctx)
	return toolgate.TextResult(p.Subject + "|" + p.ClientID + "|" + strings.Join(p.Scopes, ",")), nil
}

func gatewayWith(t testing.TB, a toolgate.Authorizer, logs io.Writer) (*httptest.Server, *countingTarget) {
	ct := &countingTarget{}
	gw, err := toolgate.New(&toolgate.Options{Authorizer: a, JSONResponse: true, Stateless: true, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.AddTarget(context.Background(), ct); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv, ct
}

const callBody = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t___whoami","arguments":{}}}`

func post(t testing.TB, url string, hdr http.Header) (int, http.Header, string) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(callBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func TestBadTokenMatrix(t *testing.T) {
	is := newIssuer(t)
	j := newJWT(t, is, nil)
	var logs bytes.Buffer
	srv, ct := gatewayWith(t, j, &logs)
	good := func(over map[string]any) map[string]any {
		base := map[string]any{"tenant": []string{"acme"}}
		for k, v := range over {
			base[k] = v
		}
		return is.claims(base)
	}
	valid := is.sign(t, "rsa-1", good(nil))

	// Keys the attacker controls.
	is.addKey(t, "evil", "RS256", false)
	rsaPub := is.keys["rsa-1"].(*rsa.PrivateKey).Public()
	der, _ := x509.MarshalPKIXPublicKey(rsaPub)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hs256, err := jws.Sign([]byte(b64(good(nil))), jws.WithKey(jwa.HS256, pubPEM))
	if err != nil {
		t.Fatal(err)
	}
	_ = hs256
	hsHdr := jws.NewHeaders()
	hsHdr.Set(jws.KeyIDKey, "rsa-1")
	payloadJSON, _ := json.Marshal(good(nil))
	hsTok, _ := jws.Sign(payloadJSON, jws.WithKey(jwa.HS256, pubPEM, jws.WithProtectedHeaders(hsHdr)))
	evil := is.sign(t, "evil", good(nil))
	evilAsRSA1 := strings.Join(append([]string{b64(map[string]any{"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"})}, strings.Split(evil, ".")[1:]...), ".")
	parts := strings.Split(valid, ".")
	tamperedPayload := parts[0] + "." + b64(good(map[string]any{"sub": "admin"})) + "." + parts[2]
	sig := []byte(parts[2])
	sig[5] ^= 1
	if sig[5] == '-' || sig[5] == '_' || sig[5] > 'z' {
		sig[5] = 'A'
	}
	tamperedSig := parts[0] + "." + parts[1] + "." + string(sig)
	esAsRS := strings.Join(append([]string{b64(map[string]any{"alg": "RS256", "kid": "ec-1"})}, strings.Split(is.sign(t, "ec-1", good(nil)), ".")[1:]...), ".")

	cases := []struct {
		name   string
		hdr    http.Header
		query  string
		status int
		code   string // error= in the challenge
	}{
		{"no token", nil, "", 401, ""},
		{"alg none", bearer(b64(map[string]string{"alg": "none", "typ": "JWT"}) + "." + b64(good(nil)) + "."), "", 401, "invalid_token"},
		{"HS256 signed with the public key", bearer(string(hsTok)), "", 401, "invalid_token"},
		{"expired", bearer(is.sign(t, "rsa-1", good(map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix()}))), "", 401, "invalid_token"},
		{"not yet valid", bearer(is.sign(t, "rsa-1", good(map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}))), "", 401, "invalid_token"},
		{"issued in the future", bearer(is.sign(t, "rsa-1", good(map[string]any{"iat": time.Now().Add(time.Hour).Unix()}))), "", 401, "invalid_token"},
		{"no expiry", bearer(is.sign(t, "rsa-1", good(map[string]any{"exp": nil}))), "", 401, "invalid_token"},
		{"wrong issuer", bearer(is.sign(t, "rsa-1", good(map[string]any{"iss": "https://evil.test"}))), "", 401, "invalid_token"},
		{"wrong audience", bearer(is.sign(t, "rsa-1", good(map[string]any{"aud": "https://other.test/mcp"}))), "", 401, "invalid_token"},
		{"client not allowed", bearer(is.sign(t, "rsa-1", good(map[string]any{"client_id": "rogue"}))), "", 401, "invalid_token"},
		{"missing scope", bearer(is.sign(t, "rsa-1", good(map[string]any{"scope": "tools:write"}))), "", 403, "insufficient_scope"},
		{"custom claim mismatch", bearer(is.sign(t, "rsa-1", good(map[string]any{"tenant": []string{"initech"}}))), "", 403, "insufficient_scope"},
		{"tampered payload", bearer(tamperedPayload), "", 401, "invalid_token"},
		{"tampered signature", bearer(tamperedSig), "", 401, "invalid_token"},
		{"signed by an unknown key", bearer(evil), "", 401, "invalid_token"},
		{"forged with a known kid", bearer(evilAsRSA1), "", 401, "invalid_token"},
		{"alg does not match the key", bearer(esAsRS), "", 401, "invalid_token"},
		{"token in the query string", nil, "?access_token=" + valid, 400, "invalid_request"},
		{"two Authorization headers", http.Header{"Authorization": {"Bearer " + valid, "Bearer " + valid}}, "", 400, "invalid_request"},
		{"oversized token", bearer(valid + strings.Repeat("A", 20<<10)), "", 401, "invalid_token"},
		{"non-JWT garbage", bearer("not-a-jwt"), "", 401, "invalid_token"},
		{"garbage in three parts", bearer("a.b.c"), "", 401, "invalid_token"},
		{"aud is a number", bearer(is.sign(t, "rsa-1", good(map[string]any{"aud": 42}))), "", 401, "invalid_token"},
		{"exp is a string", bearer(is.sign(t, "rsa-1", good(map[string]any{"exp": "tomorrow"}))), "", 401, "invalid_token"},
		{"Basic scheme", http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, "", 401, ""},
		{"empty bearer", http.Header{"Authorization": {"Bearer "}}, "", 401, ""},
		{"four segments", bearer(valid + ".x"), "", 401, "invalid_token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := ct.calls.Load()
			status, hdr, body := post(t, srv.URL+c.query, c.hdr)
			if status != c.status {
				t.Fatalf("status %d, want %d (%s)", status, c.status, body)
			}
			if ct.calls.Load() != before {
				t.Fatal("the target was called")
			}
			wa := hdr.Get("WWW-Authenticate")
			if !strings.HasPrefix(wa, "Bearer ") || !strings.Contains(wa, `resource_metadata="https://gw.test/.well-known/oauth-protected-resource/mcp"`) {
				t.Fatalf("challenge %q", wa)
			}
			if c.code != "" && !strings.Contains(wa, `error="`+c.code+`"`) || c.code == "" && strings.Contains(wa, "error=") {
				t.Fatalf("challenge %q, want error %q", wa, c.code)
			}
			if c.code == "insufficient_scope" && c.name == "missing scope" && !strings.Contains(wa, `scope="tools:read"`) {
				t.Fatalf("challenge %q lacks the scope", wa)
			}
			if !strings.Contains(body, `"code":-32001`) {
				t.Fatalf("body %s", body)
			}
			for _, secret := range []string{valid, parts[1], parts[2], string(hsTok)} {
				if strings.Contains(body, secret) || strings.Contains(wa, secret) {
					t.Fatal("response echoes the token")
				}
			}
		})
	}
	// The valid token works, for RS256 and ES256, and the target sees the principal.
	for _, kid := range []string{"rsa-1", "ec-1"} {
		status, _, body := post(t, srv.URL, bearer(is.sign(t, kid, good(nil))))
		if status != 200 || !strings.Contains(body, `user-1|app|tools:read,tools:write`) {
			t.Fatalf("%s: %d %s", kid, status, body)
		}
	}
	if strings.Contains(logs.String(), parts[2]) || strings.Contains(logs.String(), parts[1]) {
		t.Fatal("logs contain a token")
	}
}

func TestKeyRotationWithoutRestart(t *testing.T) {
	is := newIssuer(t)
	j := newJWT(t, is, func(c *JWTConfig) { c.CustomClaims = nil })
	j.keys.now = (&fakeClock{}).now // time stands still: an unknown kid stays remembered
	srv, _ := gatewayWith(t, j, io.Discard)
	if status, _, body := post(t, srv.URL, bearer(is.sign(t, "rsa-1", is.claims(nil)))); status != 200 {
		t.Fatalf("before rotation: %d %s", status, body)
	}
	// The provider rotates: a new key replaces the old one.
	is.addKey(t, "rsa-2", "RS256", false)
	is.mu.Lock()
	is.published = []string{"rsa-2"}
	is.mu.Unlock()
	hits := is.jwksHits.Load()
	if status, _, body := post(t, srv.URL, bearer(is.sign(t, "rsa-2", is.claims(nil)))); status != 200 {
		t.Fatalf("after rotation: %d %s", status, body)
	}
	if is.jwksHits.Load() != hits+1 {
		t.Fatalf("JWKS fetched %d times for the new kid, want 1", is.jwksHits.Load()-hits)
	}
	// An unknown kid cannot make the gateway hammer the provider: one
	// refetch, then the kid is remembered as unknown.
	hits = is.jwksHits.Load()
	is.addKey(t, "nope", "RS256", false)
	for i := range 20 {
		status, _, _ := post(t, srv.URL, bearer(is.sign(t, "nope", is.claims(map[string]any{"jti": fmt.Sprint(i)}))))
		if status != 401 {
			t.Fatalf("unknown kid accepted: %d", status)
		}
	}
	if n := is.jwksHits.Load() - hits; n != 1 {
		t.Fatalf("20 unknown-kid tokens caused %d JWKS fetches, want 1", n)
	}
}

func TestAuthenticateOnlyAndToolScopes(t *testing.T) {
	is := newIssuer(t)
	j := newJWT(t, is, nil)
	ct := &countingTarget{}
	other := toolgate.Funcs("admin", toolgate.Func("reset", "Reset", func(context.Context, struct{}) (string, error) { return "done", nil }))
	gw, _ := toolgate.New(&toolgate.Options{
		Authorizer: AuthenticateOnly(j),
		ToolFilter: ToolScopes(map[string][]string{"admin___*": {"admin"}}),
		Logger:     slog.New(slog.DiscardHandler),
	})
	gw.AddTarget(context.Background(), ct)
	gw.AddTarget(context.Background(), other)
	srv := httptest.NewServer(gw)
	defer srv.Close()
	list := func(tok string) []string {
		hc := &http.Client{Transport: headerRT{tok}}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: hc}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer cs.Close()
		res, err := cs.ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, tl := range res.Tools {
			names = append(names, tl.Name)
		}
		return names
	}
	// No tenant claim and no tools:read: authentication alone lets it in.
	plain := is.sign(t, "rsa-1", is.claims(map[string]any{"scope": "other"}))
	if got := strings.Join(list(plain), ","); got != "t___whoami" {
		t.Fatalf("plain sees %q", got)
	}
	admin := is.sign(t, "rsa-1", is.claims(map[string]any{"scope": "admin"}))
	if got := strings.Join(list(admin), ","); got != "admin___reset,t___whoami" {
		t.Fatalf("admin sees %q", got)
	}
	// Authentication still applies.
	if status, _, _ := post(t, srv.URL, bearer(is.sign(t, "rsa-1", is.claims(map[string]any{"aud": "x"})))); status != 401 {
		t.Fatalf("wrong audience: %d", status)
	}
}

type headerRT struct{ tok string }

func (h headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+h.tok)
	return http.DefaultTransport.RoundTrip(r)
}

func TestMetadata(t *testing.T) {
	is := newIssuer(t)
	cases := []struct {
		name      string
		public    string
		forwarded bool
		hdr       map[string]string
		want      string
	}{
		{"public url", "https://api.example.com/tools/mcp", false, nil, "https://api.example.com/tools/mcp"},
		{"from request", "", false, nil, "http://HOST/mcp"},
		{"behind a TLS proxy", "", true, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gw.example.com"}, "https://gw.example.com/mcp"},
		{"Forwarded header", "", true, map[string]string{"Forwarded": `for=1.2.3.4;proto=https;host="gw2.example.com"`}, "https://gw2.example.com/mcp"},
		{"forwarded headers ignored unless trusted", "", false, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example.com"}, "http://HOST/mcp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := newJWT(t, is, func(cfg *JWTConfig) { cfg.PublicURL, cfg.TrustForwardedHeaders = c.public, c.forwarded })
			mux := http.NewServeMux()
			gw, _ := toolgate.New(&toolgate.Options{Authorizer: j, Logger: slog.New(slog.DiscardHandler)})
			mux.Handle("/mcp", gw)
			mux.Handle(MetadataPath("/mcp"), j.MetadataHandler())
			srv := httptest.NewServer(mux)
			defer srv.Close()
			host := strings.TrimPrefix(srv.URL, "http://")
			want := strings.Replace(c.want, "HOST", host, 1)
			hdr := http.Header{}
			for k, v := range c.hdr {
				hdr.Set(k, v)
			}
			_, h, _ := post(t, srv.URL+"/mcp", hdr)
			wa := h.Get("WWW-Authenticate")
			u := want[:strings.Index(want[8:], "/")+8] + "/.well-known/oauth-protected-resource" + want[strings.Index(want[8:], "/")+8:]
			if !strings.Contains(wa, `resource_metadata="`+u+`"`) {
				t.Fatalf("challenge %q, want metadata at %s", wa, u)
			}
			req, _ := http.NewRequest("GET", srv.URL+"/.well-known/oauth-protected-resource/mcp", nil)
			for k, v := range c.hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var md Metadata
			json.NewDecoder(resp.Body).Decode(&md)
			resp.Body.Close()
			if md.Resource != want || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != is.srv.URL || md.ScopesSupported[0] != "tools:read" {
				t.Fatalf("metadata %+v, want resource %s", md, want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	is := newIssuer(t)
	disc := is.srv.URL + "/.well-known/openid-configuration"
	for _, c := range []struct {
		name string
		cfg  JWTConfig
	}{
		{"no audience or clients", JWTConfig{DiscoveryURL: disc}},
		{"HS256 allowed", JWTConfig{DiscoveryURL: disc, AllowedAudience: []string{"a"}, Algorithms: []string{"HS256"}}},
		{"none allowed", JWTConfig{DiscoveryURL: disc, AllowedAudience: []string{"a"}, Algorithms: []string{"none"}}},
		{"issuer mismatch", JWTConfig{DiscoveryURL: disc, Issuer: "https://x", AllowedAudience: []string{"a"}}},
		{"bad claim rule", JWTConfig{DiscoveryURL: disc, AllowedAudience: []string{"a"}, CustomClaims: []ClaimRule{{Claim: "x", Op: "LIKE", Values: []string{"y"}}}}},
		{"discovery down", JWTConfig{DiscoveryURL: is.srv.URL + "/nope", AllowedAudience: []string{"a"}}},
		{"nothing to find keys", JWTConfig{AllowedAudience: []string{"a"}}},
	} {
		if _, err := NewJWT(context.Background(), c.cfg); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}

func TestClaimRules(t *testing.T) {
	cases := []struct {
		rule ClaimRule
		v    any
		want bool
	}{
		{ClaimRule{"c", Equals, []string{"a"}}, "a", true},
		{ClaimRule{"c", Equals, []string{"a"}}, "b", false},
		{ClaimRule{"c", Equals, []string{"a"}}, []any{"a"}, false},
		{ClaimRule{"c", Contains, []string{"a"}}, []any{"x", "a"}, true},
		{ClaimRule{"c", Contains, []string{"a"}}, "a", false},
		{ClaimRule{"c", Contains, []string{"a"}}, []any{"x", 1}, false},
		{ClaimRule{"c", ContainsAny, []string{"a", "b"}}, "b", true},
		{ClaimRule{"c", ContainsAny, []string{"a", "b"}}, []any{"z", "b"}, true},
		{ClaimRule{"c", ContainsAny, []string{"a", "b"}}, []any{"z"}, false},
		{ClaimRule{"c", ContainsAny, []string{"a", "b"}}, nil, false},
		{ClaimRule{"c", ContainsAny, []string{"1"}}, 1.0, false},
	}
	for i, c := range cases {
		if got := c.rule.holds(c.v); got != c.want {
			t.Errorf("%d: %+v on %v = %v", i, c.rule, c.v, got)
		}
	}
}

// TestCacheKeepsAnswersApart checks that the cache keeps the full answer
// and the authentication-only answer for one token apart, and tokens apart
// from each other, however they are interleaved.
func TestCacheKeepsAnswersApart(t *testing.T) {
	is := newIssuer(t)
	j := newJWT(t, is, nil)
	noTenant := is.sign(t, "rsa-1", is.claims(nil))
	withTenant := is.sign(t, "rsa-1", is.claims(map[string]any{"tenant": "acme", "sub": "user-2"}))
	authOnly := AuthenticateOnly(j)
	req := func(tok string) *http.Request {
		r := httptest.NewRequest("POST", "https://gw.test/mcp", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	}
	cases := []struct {
		name    string
		a       toolgate.Authorizer
		tok     string
		wantSub string // "" means refused
	}{
		{"full check, claim missing", j, noTenant, ""},
		{"authentication only, same token", authOnly, noTenant, "user-1"},
		{"full check, claim present", j, withTenant, "user-2"},
		{"authentication only, other token", authOnly, withTenant, "user-2"},
	}
	for round := range 3 { // the first round fills the cache, the others read it
		for _, c := range cases {
			p, err := c.a.Authorize(req(c.tok))
			switch {
			case c.wantSub == "" && err == nil:
				t.Fatalf("round %d, %s: accepted", round, c.name)
			case c.wantSub != "" && (err != nil || p.Subject != c.wantSub):
				t.Fatalf("round %d, %s: %v, %v; want subject %s", round, c.name, p, err, c.wantSub)
			}
		}
	}
}
