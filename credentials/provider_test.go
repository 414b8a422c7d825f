package credentials_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
)

func mustProvider(t *testing.T) func(credentials.Provider, error) credentials.Provider {
	return func(p credentials.Provider, err error) credentials.Provider {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

func TestStaticProviders(t *testing.T) {
	must := mustProvider(t)
	cases := []struct {
		name      string
		p         credentials.Provider
		url       string
		header    string
		want      string
		wantQuery string
	}{
		{"api key default header, prefix", must(credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k-123"), Prefix: "Bearer"})), "/", "Authorization", "Bearer k-123", ""},
		{"api key named header", must(credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k-123"), Name: "X-Api-Key"})), "/", "X-Api-Key", "k-123", ""},
		{"api key prefix without space", must(credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k-123"), Name: "X-Auth", Prefix: "token="})), "/", "X-Auth", "token=k-123", ""},
		{"api key query keeps other params", must(credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k 1&2"), In: credentials.Query, Name: "api_key"})), "/?city=Z%C3%BCrich", "", "", "api_key=k+1%262&city=Z%C3%BCrich"},
		{"api key query replaces a caller's value", must(credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("real"), In: credentials.Query, Name: "key"})), "/?key=forged", "", "", "key=real"},
		{"bearer", must(credentials.NewBearer(credentials.Literal("tok-xyz"))), "/", "Authorization", "Bearer tok-xyz", ""},
		{"basic", must(credentials.NewBasic("user", credentials.Literal("p:ss"))), "/", "Authorization", "Basic dXNlcjpwOnNz", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			backend := newRecorder(t)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, backend.srv.URL+tc.url, nil)
			orig := req.URL.String()
			resp, err := credentials.Client(nil, tc.p).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			got, _ := backend.last(t)
			if tc.header != "" && got.Header.Get(tc.header) != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got.Header.Get(tc.header), tc.want)
			}
			if tc.wantQuery != "" && got.URL.RawQuery != tc.wantQuery {
				t.Errorf("query = %q, want %q", got.URL.RawQuery, tc.wantQuery)
			}
			if req.URL.String() != orig || len(req.Header) != 0 {
				t.Errorf("caller's request was modified: %s %v", req.URL, req.Header)
			}
			if resp.Request != req {
				t.Error("response does not point at the caller's request")
			}
		})
	}
}

func TestNone(t *testing.T) {
	backend := newRecorder(t)
	ctx := toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "alice", Token: "eyJhbGciOiJFUzI1NiJ9.inbound.token"})
	for _, tc := range []struct {
		name string
		c    *http.Client
	}{
		{"Client", credentials.Client(nil, credentials.None())},
		{"Transport", &http.Client{Transport: credentials.Transport(nil, credentials.None())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.srv.URL+"/?q=1", nil)
			req.Header.Set("X-Trace", "t-1")
			do(t, tc.c, req)
			got, _ := backend.last(t)
			if got.URL.RawQuery != "q=1" || got.Header.Get("Authorization") != "" || got.Header.Get("X-Trace") != "t-1" {
				t.Errorf("None changed the request: %s %v", got.URL, got.Header)
			}
		})
	}
	if got := fmt.Sprint(credentials.None()); got != "None" {
		t.Errorf("None prints as %q", got)
	}
}

func TestProviderConfigErrors(t *testing.T) {
	t.Setenv("TOOLGATE_TEST_EMPTY", "")
	cases := map[string]func() error{
		"query without name": func() error {
			_, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k"), In: credentials.Query})
			return err
		},
		"bad header name": func() error {
			_, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k"), Name: "X Bad"})
			return err
		},
		"unknown location": func() error {
			_, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("k"), In: "COOKIE"})
			return err
		},
		"no key": func() error { _, err := credentials.NewAPIKey(credentials.APIKeyConfig{}); return err },
		"unset env": func() error {
			_, err := credentials.NewBearer(credentials.FromEnv("TOOLGATE_TEST_UNSET_VARIABLE"))
			return err
		},
		"empty env":    func() error { _, err := credentials.NewBearer(credentials.FromEnv("TOOLGATE_TEST_EMPTY")); return err },
		"missing file": func() error { _, err := credentials.NewBearer(credentials.FromFile("/nonexistent/secret")); return err },
		"colon in user": func() error {
			_, err := credentials.NewBasic("a:b", credentials.Literal("p"))
			return err
		},
		"client credentials without URL": func() error {
			_, err := credentials.NewClientCredentials(context.Background(), credentials.ClientCredentialsConfig{ClientID: "c", ClientSecret: credentials.Literal("s")})
			return err
		},
		"client credentials with both URLs": func() error {
			_, err := credentials.NewClientCredentials(context.Background(), credentials.ClientCredentialsConfig{ClientID: "c", ClientSecret: credentials.Literal("s"), TokenURL: "https://a/t", DiscoveryURL: "https://a/.well-known/openid-configuration"})
			return err
		},
		"client credentials bad auth style": func() error {
			_, err := credentials.NewClientCredentials(context.Background(), credentials.ClientCredentialsConfig{ClientID: "c", ClientSecret: credentials.Literal("s"), TokenURL: "https://a/t", AuthStyle: "private_key_jwt"})
			return err
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			err := f()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "credentials: ") {
				t.Errorf("error %q does not say where it comes from", err)
			}
		})
	}
}

func TestSecretSources(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "secret")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOOLGATE_TEST_SECRET", "from-env")
	cases := []struct {
		s    credentials.Secret
		want string
		desc string
	}{
		{credentials.Literal("lit"), "lit", "[REDACTED]"},
		{credentials.FromEnv("TOOLGATE_TEST_SECRET"), "from-env", "env:TOOLGATE_TEST_SECRET"},
		{credentials.FromFile(file), "from-file", "file:" + file},
	}
	for _, tc := range cases {
		got, err := tc.s.Resolve()
		if err != nil || got != tc.want {
			t.Errorf("%v.Resolve() = %q, %v, want %q", tc.s, got, err, tc.want)
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, tc.s)
			if strings.Contains(out, tc.want) || strings.Contains(out, fmt.Sprintf("%x", tc.want)) {
				t.Errorf("%s of a secret prints its value: %s", verb, out)
			}
		}
		if tc.s.String() != tc.desc {
			t.Errorf("String() = %q, want %q", tc.s.String(), tc.desc)
		}
	}
	if !(credentials.Secret{}).IsZero() || credentials.Literal("x").IsZero() {
		t.Error("IsZero is wrong")
	}
}

// TestSecretInsideStructs: a pointer to a struct holding a Secret, nested
// in another value and printed with a verb other than %v, makes fmt print
// the struct's fields without their Format methods; the value still does
// not show.
func TestSecretInsideStructs(t *testing.T) {
	type config struct {
		Name string
		Key  credentials.Secret
	}
	c := config{Name: "n", Key: credentials.Literal("sk-inside-struct")}
	for _, v := range []any{c, &c, []config{c}, []*config{&c}, map[string]*config{"a": &c}, struct{ P *config }{&c}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q", "%t"} {
			if out := fmt.Sprintf(verb, v); strings.Contains(out, "sk-inside-struct") || strings.Contains(out, fmt.Sprintf("%x", "sk-inside-struct")) {
				t.Errorf("%s of %T prints the secret: %s", verb, v, out)
			}
		}
	}
}

func TestInboundCredentialNeverForwardedByDefault(t *testing.T) {
	const inbound = "eyJhbGciOiJFUzI1NiJ9.inbound.token"
	ctx := toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "alice", Token: inbound, ExpiresAt: time.Now().Add(time.Hour)})
	key, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("backend-key"), Name: "X-Api-Key"})
	if err != nil {
		t.Fatal(err)
	}
	pass, err := credentials.NewPassthrough(credentials.PassthroughConfig{})
	if err != nil {
		t.Fatal(err)
	}
	custom, err := credentials.NewPassthrough(credentials.PassthroughConfig{Header: "X-Forwarded-Token", Scheme: "-"})
	if err != nil {
		t.Fatal(err)
	}
	backend := newRecorder(t)
	cases := []struct {
		name    string
		p       credentials.Provider
		ctx     context.Context
		copy    func(*http.Request) // what a careless target does
		wantErr error
		header  string
		want    string
	}{
		{"api key, target copies Authorization", key, ctx, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+inbound) }, credentials.ErrInboundCredential, "", ""},
		{"api key, token in a custom header", key, ctx, func(r *http.Request) { r.Header.Set("X-User-Token", inbound) }, credentials.ErrInboundCredential, "", ""},
		{"api key, token in the query", key, ctx, func(r *http.Request) { r.URL.RawQuery = "access_token=" + inbound }, credentials.ErrInboundCredential, "", ""},
		{"api key, clean request", key, ctx, nil, nil, "X-Api-Key", "backend-key"},
		{"passthrough", pass, ctx, nil, nil, "Authorization", "Bearer " + inbound},
		{"passthrough, custom header, bare", custom, ctx, nil, nil, "X-Forwarded-Token", inbound},
		{"passthrough, anonymous", pass, context.Background(), nil, credentials.ErrNoInboundToken, "", ""},
		{"passthrough, expired", pass, toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "a", Token: inbound, ExpiresAt: time.Now().Add(-time.Minute)}), nil, nil, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := backend.count()
			req, _ := http.NewRequestWithContext(tc.ctx, http.MethodGet, backend.srv.URL, nil)
			if tc.copy != nil {
				tc.copy(req)
			}
			resp, err := credentials.Client(nil, tc.p).Do(req)
			if tc.header == "" {
				if err == nil {
					_ = resp.Body.Close()
					t.Fatal("request was sent")
				}
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("err = %v, want %v", err, tc.wantErr)
				}
				if backend.count() != before {
					t.Error("backend received the request")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			got, _ := backend.last(t)
			if got.Header.Get(tc.header) != tc.want {
				t.Errorf("%s = %q, want %q", tc.header, got.Header.Get(tc.header), tc.want)
			}
		})
	}
}

func TestSameOriginRedirects(t *testing.T) {
	parse := func(raw string) *url.URL {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	upperScheme := parse("https://api.example.com/next")
	upperScheme.Scheme = "HTTPS" // url.Parse lower-cases schemes; a URL built by hand may not
	cases := []struct {
		name  string
		first string
		hops  int // redirects already followed
		next  *url.URL
		want  error // nil: follow
	}{
		{"same origin, other path", "https://api.example.com/a", 1, parse("https://api.example.com/b?x=1"), nil},
		{"other scheme", "https://api.example.com/a", 1, parse("http://api.example.com/a"), http.ErrUseLastResponse},
		{"other host", "https://api.example.com/a", 1, parse("https://evil.example.com/a"), http.ErrUseLastResponse},
		{"subdomain", "https://example.com/a", 1, parse("https://api.example.com/a"), http.ErrUseLastResponse},
		{"other port", "https://api.example.com/a", 1, parse("https://api.example.com:8443/a"), http.ErrUseLastResponse},
		{"host case", "https://api.example.com/a", 1, parse("https://API.Example.COM/b"), nil},
		{"scheme case", "https://api.example.com/a", 1, upperScheme, nil},
		{"explicit default https port", "https://api.example.com/a", 1, parse("https://api.example.com:443/b"), nil},
		{"explicit default http port", "http://api.example.com:80/a", 1, parse("http://api.example.com/b"), nil},
		{"empty port is the default", "http://api.example.com:/a", 1, parse("http://api.example.com/b"), nil},
		{"https default port over http", "http://api.example.com/a", 1, parse("http://api.example.com:443/b"), http.ErrUseLastResponse},
		{"IPv6 literal, default port", "http://[::1]/a", 1, parse("http://[::1]:80/b"), nil},
		{"IPv6 literal, other port", "http://[::1]/a", 1, parse("http://[::1]:8080/b"), http.ErrUseLastResponse},
		{"compared with the first request, not the last", "https://api.example.com/a", 3, parse("https://api.example.com/d"), nil},
		{"ninth redirect", "https://api.example.com/a", 9, parse("https://api.example.com/b"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			via := []*http.Request{{URL: parse(tc.first)}}
			for len(via) < tc.hops {
				via = append(via, &http.Request{URL: parse("https://elsewhere.example.net/hop")})
			}
			if got := credentials.SameOriginRedirects(&http.Request{URL: tc.next}, via); got != tc.want {
				t.Errorf("SameOriginRedirects = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("too many redirects", func(t *testing.T) {
		first := parse("https://api.example.com/a")
		via := make([]*http.Request, 10)
		for i := range via {
			via[i] = &http.Request{URL: first}
		}
		err := credentials.SameOriginRedirects(&http.Request{URL: first}, via)
		if err == nil || err == http.ErrUseLastResponse || !strings.Contains(err.Error(), "10 redirects") {
			t.Errorf("after 10 redirects: %v", err)
		}
	})
}

// redirector answers /away with a redirect to other's /stolen, /same with
// one to /final, and counts the credentials it sees.
func redirector(t *testing.T, other string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other+"/stolen", http.StatusFound)
		case "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			if r.Header.Get("Authorization") != "Bearer secret-token" {
				t.Errorf("%s: same-origin redirect lost the credential", r.URL.Path)
			}
			w.WriteHeader(http.StatusOK)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestClientRedirects(t *testing.T) {
	bearer, err := credentials.NewBearer(credentials.Literal("secret-token"))
	if err != nil {
		t.Fatal(err)
	}
	other := newRecorder(t)
	// The same server under another name is another origin.
	otherName := strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1)
	errNo := errors.New("no redirects here")
	for _, tc := range []struct {
		name       string
		base       *http.Client
		path       string
		wantStatus int
		wantErr    string
	}{
		{"to another host", nil, "/away", http.StatusFound, ""},
		{"same origin", nil, "/same", http.StatusOK, ""},
		{"endless", nil, "/loop", 0, "stopped after 10 redirects"},
		{"base policy cannot widen", &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}, "/away", http.StatusFound, ""},
		{"base policy can narrow", &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return errNo }}, "/same", 0, errNo.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, dest := range []string{other.srv.URL, otherName} {
				srv := redirector(t, dest)
				resp, err := credentials.Client(tc.base, bearer).Get(srv.URL + tc.path)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("err = %v, want %q", err, tc.wantErr)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if resp.StatusCode != tc.wantStatus {
					t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
				}
			}
			if other.count() != 0 {
				t.Errorf("the other origin got %d requests", other.count())
			}
		})
	}
}

// TestTransportCrossOriginRedirect checks that a client without the
// redirect policy, following a redirect to another origin, sends it
// without the credentials, and without a request that carries the inbound
// token.
func TestTransportCrossOriginRedirect(t *testing.T) {
	const inbound = "eyJhbGciOiJFUzI1NiJ9.inbound.token"
	bearer, err := credentials.NewBearer(credentials.Literal("secret-token"))
	if err != nil {
		t.Fatal(err)
	}
	other := newRecorder(t)
	srv := redirector(t, other.srv.URL)
	c := &http.Client{Transport: credentials.Transport(nil, bearer)}

	resp, err := c.Get(srv.URL + "/away")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	got, _ := other.last(t)
	if got.URL.Path != "/stolen" || got.Header.Get("Authorization") != "" {
		t.Errorf("the other origin got %s with Authorization %q", got.URL.Path, got.Header.Get("Authorization"))
	}

	resp, err = c.Get(srv.URL + "/same") // same origin: the credential is applied again
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	ctx := toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "alice", Token: inbound})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/away", nil)
	req.Header.Set("X-Caller", inbound)
	before := other.count()
	c = &http.Client{Transport: credentials.Transport(nil, forwarder{forwards: true})}
	if _, err := c.Do(req); !errors.Is(err, credentials.ErrInboundCredential) {
		t.Errorf("inbound token sent to another origin: err = %v", err)
	}
	if other.count() != before {
		t.Error("the other origin received the inbound token")
	}
}

// forwarder is a user-written provider that vouches (or not) for requests
// carrying the inbound token.
type forwarder struct{ forwards bool }

func (forwarder) Apply(context.Context, *http.Request) error { return nil }
func (f forwarder) ForwardsInbound() bool                    { return f.forwards }

func TestUserProviderForwardsInbound(t *testing.T) {
	const inbound = "eyJhbGciOiJFUzI1NiJ9.inbound.token"
	ctx := toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "alice", Token: inbound})
	plain := credentials.ProviderFunc(func(context.Context, *http.Request) error { return nil })
	backend := newRecorder(t)
	cases := []struct {
		name string
		p    credentials.Provider
		sent bool
	}{
		{"forwarder", forwarder{forwards: true}, true},
		{"forwarder that declines", forwarder{forwards: false}, false},
		{"no InboundForwarder", plain, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := backend.count()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, backend.srv.URL, nil)
			req.Header.Set("X-User-Token", inbound)
			resp, err := credentials.Client(nil, tc.p).Do(req)
			if !tc.sent {
				if !errors.Is(err, credentials.ErrInboundCredential) {
					t.Errorf("err = %v, want ErrInboundCredential", err)
				}
				if backend.count() != before {
					t.Error("backend received the request")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if got, _ := backend.last(t); got.Header.Get("X-User-Token") != inbound {
				t.Errorf("X-User-Token = %q", got.Header.Get("X-User-Token"))
			}
		})
	}
}

// rejecter is a user-written provider that records the credentials the
// backend refused.
type rejecter struct {
	mu      sync.Mutex
	refused []string
}

func (*rejecter) Apply(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", "Bearer v1")
	return nil
}

func (r *rejecter) Rejected(req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, req.Header.Get("Authorization"))
}

func TestUserProviderRejected(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(status)
	}))
	defer backend.Close()
	for _, tc := range []struct {
		status int
		want   []string
	}{
		{http.StatusOK, nil},
		{http.StatusUnauthorized, []string{"Bearer v1"}},
		{http.StatusForbidden, nil},
		{http.StatusInternalServerError, nil},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			p := &rejecter{}
			resp, err := credentials.Client(nil, p).Get(backend.URL + "/" + strconv.Itoa(tc.status))
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if !slices.Equal(p.refused, tc.want) {
				t.Errorf("Rejected saw %q, want %q", p.refused, tc.want)
			}
			if resp.Request.Header.Get("Authorization") != "" {
				t.Error("the caller's request was given the credential")
			}
		})
	}
}
