package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// AuthStyle is how a client authenticates at a token endpoint.
type AuthStyle string

// Client authentication methods (RFC 6749 section 2.3.1).
const (
	// AuthBasic sends the client id and secret in an HTTP basic
	// Authorization header (client_secret_basic). It is the default.
	AuthBasic AuthStyle = "client_secret_basic"
	// AuthPost sends them as client_id and client_secret form fields
	// (client_secret_post).
	AuthPost AuthStyle = "client_secret_post"
)

func (s AuthStyle) oauth2() (oauth2.AuthStyle, error) {
	switch s {
	case "", AuthBasic:
		return oauth2.AuthStyleInHeader, nil
	case AuthPost:
		return oauth2.AuthStyleInParams, nil
	}
	return 0, fmt.Errorf("unknown auth style %q (want %q or %q)", s, AuthBasic, AuthPost)
}

// ClientCredentialsConfig configures an OAuth 2.0 client credentials
// provider.
type ClientCredentialsConfig struct {
	// ClientID and ClientSecret authenticate the client.
	ClientID     string
	ClientSecret Secret
	// TokenURL is the token endpoint. Either it or DiscoveryURL is
	// required.
	TokenURL string
	// DiscoveryURL is an OpenID Connect discovery document
	// (.well-known/openid-configuration) or RFC 8414 authorization server
	// metadata URL; its token_endpoint is used. It is read once, by
	// NewClientCredentials.
	DiscoveryURL string
	// Scopes are requested with every token.
	Scopes []string
	// EndpointParams are sent with every token request, for example
	// {"audience": {"https://api.example.com"}} or an RFC 8707 "resource".
	EndpointParams url.Values
	// AuthStyle is AuthBasic (default) or AuthPost.
	AuthStyle AuthStyle
	// HTTPClient talks to the token endpoint (and the discovery URL);
	// http.DefaultClient if nil.
	HTTPClient *http.Client
	// ExpiryDelta is how long before expiry a token is replaced; default
	// DefaultExpiryDelta, at most half a token's lifetime.
	ExpiryDelta time.Duration
	// FetchTimeout bounds one token request; default DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Logger receives token fetch events (never tokens or secrets); nil
	// discards them.
	Logger *slog.Logger
}

// ClientCredentials is a Provider that sends an OAuth 2.0 access token
// obtained with the client credentials grant (RFC 6749 section 4.4) as
// "Authorization: Bearer". Tokens are cached until shortly before they
// expire; concurrent callers that need a new token share one request.
type ClientCredentials struct {
	printable
	cfg      clientcredentials.Config
	cache    *tokenCache
	secret   string
	log      *slog.Logger
	tokenURL string
}

// NewClientCredentials returns a client credentials provider. It resolves
// the client secret and, with a DiscoveryURL, reads the discovery document
// (bounded by ctx). No token is requested until the first Apply or Token.
func NewClientCredentials(ctx context.Context, cfg ClientCredentialsConfig) (*ClientCredentials, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("credentials: client credentials: ClientID is required")
	}
	secret, err := resolve("credentials: client credentials "+cfg.ClientID, cfg.ClientSecret)
	if err != nil {
		return nil, err
	}
	style, err := cfg.AuthStyle.oauth2()
	if err != nil {
		return nil, fmt.Errorf("credentials: client credentials: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	tokenURL, err := tokenEndpoint(ctx, hc, cfg.TokenURL, cfg.DiscoveryURL)
	if err != nil {
		return nil, fmt.Errorf("credentials: client credentials: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &ClientCredentials{
		printable: printable{desc: fmt.Sprintf("ClientCredentials(%s at %s, secret %s)", cfg.ClientID, tokenURL, cfg.ClientSecret)},
		cfg: clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   secret,
			TokenURL:       tokenURL,
			Scopes:         slices.Clone(cfg.Scopes),
			EndpointParams: cloneValues(cfg.EndpointParams),
			AuthStyle:      style,
		},
		secret:   secret,
		log:      log.With(slog.String("client_id", cfg.ClientID), slog.String("token_url", tokenURL)),
		tokenURL: tokenURL,
	}
	c.cache = newTokenCache(func(ctx context.Context) (*oauth2.Token, error) {
		return c.fetch(context.WithValue(ctx, oauth2.HTTPClient, hc))
	}, cfg.ExpiryDelta, cfg.FetchTimeout)
	return c, nil
}

func (c *ClientCredentials) fetch(ctx context.Context) (*oauth2.Token, error) {
	start := time.Now()
	tok, err := c.cfg.Token(ctx)
	if err != nil {
		err = scrubErr(err, append(basicForms(c.cfg.ClientID, c.secret), c.secret)...)
		c.log.Warn("credentials: token request failed", slog.String("error", err.Error()), slog.Duration("elapsed", time.Since(start)))
		return nil, err
	}
	c.log.Debug("credentials: token fetched", slog.Time("expiry", tok.Expiry), slog.Duration("elapsed", time.Since(start)))
	return tok, nil
}

// Token returns a valid access token, from the cache or from the token
// endpoint.
func (c *ClientCredentials) Token(ctx context.Context) (*oauth2.Token, error) {
	tok, err := c.cache.token(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: client credentials token from %s: %w", c.tokenURL, err)
	}
	return tok, nil
}

// TokenSource returns the provider's tokens as an oauth2.TokenSource, for
// clients built on golang.org/x/oauth2. Its Token calls are bounded by ctx.
func (c *ClientCredentials) TokenSource(ctx context.Context) oauth2.TokenSource {
	return tokenSourceFunc(func() (*oauth2.Token, error) { return c.Token(ctx) })
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// Apply sets "Authorization: Bearer <token>".
func (c *ClientCredentials) Apply(ctx context.Context, req *http.Request) error {
	h, err := c.cache.authorization(ctx)
	if err != nil {
		return fmt.Errorf("credentials: client credentials token from %s: %w", c.tokenURL, err)
	}
	req.Header["Authorization"] = h
	return nil
}

// Rejected is called by Transport when the backend answered 401 to req
// (see [Rejecter]): the token req carried is dropped from the cache (a
// token revoked or signed with a retired key would otherwise be sent until
// it expires). A token younger than a second is kept, so a backend that
// refuses every token costs at most one token request per second.
func (c *ClientCredentials) Rejected(req *http.Request) {
	if h := req.Header.Get("Authorization"); h != "" && c.cache.invalidate(h) {
		c.log.Info("credentials: backend rejected the cached token; it will be replaced")
	}
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// maxDocument bounds discovery documents and token responses.
const maxDocument = 1 << 20

// tokenEndpoint returns tokenURL, or the token_endpoint of the discovery
// document at discoveryURL.
func tokenEndpoint(ctx context.Context, hc *http.Client, tokenURL, discoveryURL string) (string, error) {
	switch {
	case tokenURL != "" && discoveryURL != "":
		return "", errors.New("set TokenURL or DiscoveryURL, not both")
	case tokenURL != "":
		if err := checkEndpoint(tokenURL); err != nil {
			return "", fmt.Errorf("token URL: %w", err)
		}
		return tokenURL, nil
	case discoveryURL == "":
		return "", errors.New("TokenURL or DiscoveryURL is required")
	}
	md, err := discover(ctx, hc, discoveryURL)
	if err != nil {
		return "", err
	}
	return md.TokenEndpoint, nil
}

// Metadata is the part of an authorization server's metadata (OpenID
// Connect discovery or RFC 8414) that outbound credentials use.
type metadata struct {
	Issuer        string `json:"issuer"`
	TokenEndpoint string `json:"token_endpoint"`
}

func discover(ctx context.Context, hc *http.Client, discoveryURL string) (*metadata, error) {
	if err := checkEndpoint(discoveryURL); err != nil {
		return nil, fmt.Errorf("discovery URL: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, discoveryURL, nil)
	if err != nil {
		return nil, fmt.Errorf("discovery %s: %w", discoveryURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("discovery %s: %w", discoveryURL, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("discovery %s: HTTP %d: %s", discoveryURL, resp.StatusCode, excerpt(body))
	}
	md, err := parseMetadata(discoveryURL, body)
	if err != nil {
		return nil, fmt.Errorf("discovery %s: %w", discoveryURL, err)
	}
	return md, nil
}

// parseMetadata parses and checks a discovery document fetched from
// discoveryURL: the token endpoint must be an absolute http(s) URL, and the
// issuer, when the URL has a well-known suffix, must be the URL's prefix.
func parseMetadata(discoveryURL string, body []byte) (*metadata, error) {
	if len(body) > maxDocument {
		return nil, fmt.Errorf("document larger than %d bytes", maxDocument)
	}
	var md metadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("not a metadata document: %w", err)
	}
	if md.TokenEndpoint == "" {
		return nil, errors.New("document has no token_endpoint")
	}
	if err := checkEndpoint(md.TokenEndpoint); err != nil {
		return nil, fmt.Errorf("token_endpoint: %w", err)
	}
	for _, suffix := range [...]string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		if strings.HasSuffix(discoveryURL, suffix) {
			want := strings.TrimSuffix(discoveryURL, suffix)
			if strings.TrimSuffix(md.Issuer, "/") != strings.TrimSuffix(want, "/") {
				return nil, fmt.Errorf("issuer %q does not match the discovery URL (want %q)", md.Issuer, want)
			}
		}
	}
	return &md, nil
}

// checkEndpoint accepts absolute http and https URLs without fragments.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q must not have a fragment or user info", raw)
	}
	return nil
}

// excerpt returns the start of an error response body, for messages.
func excerpt(b []byte) string {
	const max = 200
	s := strings.ToValidUTF8(string(b), "?")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strings.Join(strings.Fields(s), " ")
}
