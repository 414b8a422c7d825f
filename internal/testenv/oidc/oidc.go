// Package oidc starts a real OAuth 2.0 / OpenID Connect authorization server
// for tests: the npm oidc-provider package, driven by provider.mjs, listening
// on 127.0.0.1 on a free port.
//
// The package is installed by scripts/setup/oidc.sh into
// ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/oidc; set
// TOOLGATE_OIDC_DIR to use another installation. When it (or node) is
// missing, Start fails the test if the CI environment variable is set and
// skips it otherwise.
//
// The provider issues access tokens as JWTs (RFC 9068, RS256 or ES256) for a
// resource indicator (RFC 8707: the "resource" or "audience" parameter, or the
// client's default resource), supports the client credentials grant with
// client_secret_basic and client_secret_post, RFC 8693 token exchange, key
// rotation at runtime, and counts the token requests it answers.
package oidc

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
)

//go:embed provider.mjs
var providerScript []byte

// Grant types and token types of RFC 8693.
const (
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	TokenTypeAccessToken   = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeJWT           = "urn:ietf:params:oauth:token-type:jwt"
)

// Client authentication methods at the token endpoint.
const (
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
)

// startTimeout bounds how long Start waits for the provider to answer.
const startTimeout = 30 * time.Second

// Provider is a running authorization server.
type Provider struct {
	issuer     string
	adminToken string
	http       *http.Client
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	out        *testenv.LockedBuffer
	done       chan struct{}
}

// Dir returns the directory holding node_modules/oidc-provider: the
// TOOLGATE_OIDC_DIR environment variable, or the oidc folder of
// ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}.
func Dir() string {
	if d := os.Getenv("TOOLGATE_OIDC_DIR"); d != "" {
		return d
	}
	return testenv.ToolsDir("oidc")
}

// unavailable fails the test under CI and skips it elsewhere.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	testenv.Unavailable(t, "scripts/setup/oidc.sh", "oidc: "+format, args...)
}

// Start starts a provider for the duration of the test t and returns when
// its discovery document answers. The process is stopped by t.Cleanup.
func Start(t testing.TB) *Provider {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "node not found in PATH")
	}
	dir := Dir()
	modules := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "oidc-provider", "package.json")); err != nil {
		unavailable(t, "oidc-provider not installed in %s", dir)
	}

	script := filepath.Join(t.TempDir(), "provider.mjs")
	if err := os.WriteFile(script, providerScript, 0o600); err != nil {
		t.Fatalf("oidc: write provider script: %v", err)
	}
	// A second attempt rides out a start that stalls on a busy machine.
	var p *Provider
	for attempt := 1; ; attempt++ {
		if p, err = start(node, modules, script); err == nil {
			break
		}
		if attempt == 2 {
			t.Fatalf("oidc: %v", err)
		}
		t.Logf("oidc: attempt %d: %v; retrying", attempt, err)
	}
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("oidc provider output:\n%s", p.out.String())
		}
	})
	return p
}

// start starts node with the provider script and waits for discovery.
func start(node, modules, script string) (*Provider, error) {
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	p := &Provider{
		adminToken: hex.EncodeToString(tok[:]),
		http:       &http.Client{Timeout: 10 * time.Second},
		out:        &testenv.LockedBuffer{},
		done:       make(chan struct{}),
	}
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+modules,
		"TOOLGATE_OIDC_ADMIN_TOKEN="+p.adminToken,
		"NODE_NO_WARNINGS=1",
	)
	cmd.Stderr = p.out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	p.cmd = cmd
	go func() { _ = cmd.Wait(); close(p.done) }()

	ready := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		ready <- line
		_, _ = io.Copy(p.out, r)
	}()
	select {
	case line := <-ready:
		var hello struct {
			Issuer string `json:"issuer"`
		}
		if err := json.Unmarshal([]byte(line), &hello); err != nil || hello.Issuer == "" {
			p.stop()
			return nil, fmt.Errorf("provider did not start: %q\n%s", line, p.out.String())
		}
		p.issuer = hello.Issuer
	case <-time.After(startTimeout):
		p.stop()
		return nil, fmt.Errorf("provider did not start within %v\n%s", startTimeout, p.out.String())
	}

	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := p.http.Get(p.DiscoveryURL())
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("discovery at %s did not answer: %v\n%s", p.DiscoveryURL(), err, p.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *Provider) stop() {
	_ = p.stdin.Close()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Issuer returns the issuer identifier, http://127.0.0.1:<port>.
func (p *Provider) Issuer() string { return p.issuer }

// DiscoveryURL returns the OpenID Connect discovery document's URL.
func (p *Provider) DiscoveryURL() string {
	return p.issuer + "/.well-known/openid-configuration"
}

// TokenURL returns the token endpoint.
func (p *Provider) TokenURL() string { return p.issuer + "/token" }

// JWKSURL returns the JSON Web Key Set endpoint.
func (p *Provider) JWKSURL() string { return p.issuer + "/jwks" }

// Client is a confidential client registered with the provider.
type Client struct {
	// ID and Secret are the client's credentials. Register fills in
	// random ones when empty.
	ID, Secret string
	// AuthMethod is AuthSecretBasic (the default) or AuthSecretPost.
	AuthMethod string
	// Scopes the client may request. They are added to the provider's
	// supported scopes.
	Scopes []string
	// GrantTypes defaults to client_credentials and token exchange.
	GrantTypes []string
	// Resource is the audience of tokens requested without a resource or
	// audience parameter. Register sets "https://api.test/" when empty.
	Resource string
	// Alg signs the client's access tokens: "RS256" (default) or "ES256".
	Alg string
	// TTL is the lifetime of the client's access tokens (whole seconds,
	// default 300s).
	TTL time.Duration
}

// Register registers (or replaces) a client and returns it with defaults
// filled in.
func (p *Provider) Register(t testing.TB, c Client) Client {
	t.Helper()
	if c.ID == "" {
		c.ID = "client-" + randHex(6)
	}
	if c.Secret == "" {
		c.Secret = randHex(24)
	}
	if c.AuthMethod == "" {
		c.AuthMethod = AuthSecretBasic
	}
	if len(c.GrantTypes) == 0 {
		c.GrantTypes = []string{"client_credentials", GrantTypeTokenExchange}
	}
	if c.Resource == "" {
		c.Resource = "https://api.test/"
	}
	if c.Alg == "" {
		c.Alg = "RS256"
	}
	if c.TTL <= 0 {
		c.TTL = 300 * time.Second
	}
	body := map[string]any{
		"client_id":                  c.ID,
		"client_secret":              c.Secret,
		"token_endpoint_auth_method": c.AuthMethod,
		"scope":                      strings.Join(c.Scopes, " "),
		"grant_types":                c.GrantTypes,
		"default_resource":           c.Resource,
		"access_token_alg":           c.Alg,
		"access_token_ttl":           int(c.TTL / time.Second),
	}
	p.admin(t, http.MethodPost, "/__admin/clients", body, nil)
	return c
}

// ClientToken obtains an access token for c with the client credentials
// grant, sending extra form fields (scope, audience, resource, ...), and
// fails the test if the provider refuses.
func (p *Provider) ClientToken(t testing.TB, c Client, extra url.Values) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	for k, vs := range extra {
		form[k] = vs
	}
	if c.AuthMethod == AuthSecretPost {
		form.Set("client_id", c.ID)
		form.Set("client_secret", c.Secret)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, p.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("oidc: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.AuthMethod != AuthSecretPost {
		req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	}
	resp, err := p.http.Do(req)
	if err != nil {
		t.Fatalf("oidc: token request: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		t.Fatalf("oidc: token response: %v", err)
	}
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		t.Fatalf("oidc: token request for %s: %s: %s %s", c.ID, resp.Status, out.Error, out.Description)
	}
	return out.AccessToken
}

// Key names one signing key.
type Key struct {
	KID string `json:"kid"`
	Alg string `json:"alg"`
}

// Keys are the provider's signing keys: Current sign new tokens; Previous
// are still published in the JWKS so tokens they signed stay valid.
type Keys struct {
	Current  []Key `json:"current"`
	Previous []Key `json:"previous"`
}

// RotateKeys replaces the signing keys (one RS256, one ES256) with new ones.
// Unless dropOld is set, the replaced keys stay in the JWKS.
func (p *Provider) RotateKeys(t testing.TB, dropOld bool) Keys {
	t.Helper()
	var k Keys
	p.admin(t, http.MethodPost, "/__admin/rotate", map[string]any{"drop_old": dropOld}, &k)
	return k
}

// Mint signs an access token with the provider's current key for alg
// ("RS256" or "ES256") holding claims plus iss, iat, exp (now+ttl) and jti;
// claims may override those four (an expired token, a wrong issuer). It
// stands in for a token issued to a user, for example the subject token of
// a token exchange, and for the odd tokens of negative tests.
func (p *Provider) Mint(t testing.TB, claims map[string]any, alg string, ttl time.Duration) string {
	t.Helper()
	body := map[string]any{}
	for k, v := range claims {
		body[k] = v
	}
	if alg != "" {
		body["alg"] = alg
	}
	if ttl > 0 {
		body["ttl"] = int(ttl / time.Second)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	p.admin(t, http.MethodPost, "/__admin/mint", body, &out)
	return out.AccessToken
}

// Exchange is a token exchange request as the provider received it.
type Exchange struct {
	ClientID string `json:"client_id"`
	// AuthMethod is how the client authenticated.
	AuthMethod string `json:"auth_method"`
	// Params are the request's form fields other than client credentials.
	Params map[string]string `json:"params"`
}

// Stats counts the token requests the provider answered since start or
// the last ResetStats.
type Stats struct {
	TokenRequests int            `json:"token_requests"`
	ByGrant       map[string]int `json:"by_grant"`
	ByClient      map[string]int `json:"by_client"`
	ByStatus      map[string]int `json:"by_status"`
	ByAuthMethod  map[string]int `json:"by_auth_method"`
	Exchanges     []Exchange     `json:"exchanges"`
	Keys          Keys           `json:"keys"`
}

// Stats returns the counters.
func (p *Provider) Stats(t testing.TB) Stats {
	t.Helper()
	var s Stats
	p.admin(t, http.MethodGet, "/__admin/stats", nil, &s)
	return s
}

// ResetStats sets the counters to zero.
func (p *Provider) ResetStats(t testing.TB) {
	t.Helper()
	p.admin(t, http.MethodPost, "/__admin/reset", map[string]any{}, nil)
}

func (p *Provider) admin(t testing.TB, method, path string, in, out any) {
	t.Helper()
	if err := p.adminCall(t.Context(), method, path, in, out); err != nil {
		t.Fatalf("oidc: %v", err)
	}
}

func (p *Provider) adminCall(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.issuer+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.adminToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
