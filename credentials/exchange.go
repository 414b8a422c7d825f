package credentials

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/toolgate/toolgate"
)

// RFC 8693 identifiers.
const (
	// GrantTypeTokenExchange is the token exchange grant type.
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// TokenTypeAccessToken is an OAuth 2.0 access token.
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	// TokenTypeJWT is a JWT.
	TokenTypeJWT = "urn:ietf:params:oauth:token-type:jwt"
	// TokenTypeIDToken is an OpenID Connect ID token.
	TokenTypeIDToken = "urn:ietf:params:oauth:token-type:id_token"
)

// DefaultExchangeCacheSize bounds the exchanged tokens kept per provider.
const DefaultExchangeCacheSize = 10000

// TokenExchangeConfig configures an RFC 8693 token exchange provider.
type TokenExchangeConfig struct {
	// ClientID and ClientSecret authenticate the gateway at the
	// authorization server.
	ClientID     string
	ClientSecret Secret
	// TokenURL or DiscoveryURL locate the token endpoint, as in
	// ClientCredentialsConfig.
	TokenURL     string
	DiscoveryURL string
	// AuthStyle is AuthBasic (default) or AuthPost.
	AuthStyle AuthStyle
	// Audience and Resource name the backend the new token is for
	// (RFC 8693 "audience", RFC 8707 "resource"). At least one is
	// required.
	Audience string
	Resource string
	// Scopes requested for the new token; none means the server's default.
	Scopes []string
	// SubjectTokenType is the type of the inbound token; default
	// TokenTypeAccessToken.
	SubjectTokenType string
	// RequestedTokenType is sent when set (for example TokenTypeJWT).
	RequestedTokenType string
	// Actor, if set, supplies the actor token sent with every exchange
	// (RFC 8693 "actor_token"): the party acting for the caller, such as
	// the gateway's own client-credentials token (*ClientCredentials is a
	// TokenSource; AgentCore's actor token content M2M). The new token then
	// names both the caller and the actor. A failure to get the actor token
	// fails the exchange.
	Actor TokenSource
	// ActorTokenType is the type of Actor's tokens; default
	// TokenTypeAccessToken.
	ActorTokenType string
	// HTTPClient talks to the token endpoint; http.DefaultClient if nil.
	HTTPClient *http.Client
	// ExpiryDelta and FetchTimeout work as in ClientCredentialsConfig.
	ExpiryDelta  time.Duration
	FetchTimeout time.Duration
	// CacheSize bounds the number of cached tokens (one per subject);
	// default DefaultExchangeCacheSize.
	CacheSize int
	// Logger receives exchange events (never tokens or secrets); nil
	// discards them.
	Logger *slog.Logger
}

// A TokenSource supplies tokens, such as the actor token of a token
// exchange. *ClientCredentials is one.
type TokenSource interface {
	Token(ctx context.Context) (*oauth2.Token, error)
}

// TokenExchange is a Provider that acts on behalf of the caller: it
// exchanges the inbound principal's token ([toolgate.Principal].Token) for
// a token for the backend (RFC 8693) and sends that as
// "Authorization: Bearer". Exchanged tokens are cached per subject and
// audience, never beyond the inbound token's expiry, and concurrent calls
// for one subject share one exchange.
type TokenExchange struct {
	printable
	cfg      TokenExchangeConfig
	secret   string
	tokenURL string
	hc       *http.Client
	log      *slog.Logger
	form     url.Values // the fixed part of every request

	mu    sync.Mutex
	cache map[exchangeKey]*exchangeEntry
}

type exchangeKey struct {
	issuer, subject, client, audience string
}

type exchangeEntry struct {
	cache *tokenCache
	token string // the inbound token the cached one was exchanged for
}

// NewTokenExchange returns a token exchange provider. It resolves the
// client secret and, with a DiscoveryURL, reads the discovery document.
func NewTokenExchange(ctx context.Context, cfg TokenExchangeConfig) (*TokenExchange, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("credentials: token exchange: ClientID is required")
	}
	if cfg.Audience == "" && cfg.Resource == "" {
		return nil, errors.New("credentials: token exchange: Audience or Resource is required")
	}
	if _, err := cfg.AuthStyle.oauth2(); err != nil {
		return nil, fmt.Errorf("credentials: token exchange: %w", err)
	}
	secret, err := resolve("credentials: token exchange "+cfg.ClientID, cfg.ClientSecret)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	tokenURL, err := tokenEndpoint(ctx, hc, cfg.TokenURL, cfg.DiscoveryURL)
	if err != nil {
		return nil, fmt.Errorf("credentials: token exchange: %w", err)
	}
	if cfg.SubjectTokenType == "" {
		cfg.SubjectTokenType = TokenTypeAccessToken
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = DefaultExchangeCacheSize
	}
	if cfg.Actor != nil && cfg.ActorTokenType == "" {
		cfg.ActorTokenType = TokenTypeAccessToken
	}
	form := url.Values{
		"grant_type":         {GrantTypeTokenExchange},
		"subject_token_type": {cfg.SubjectTokenType},
	}
	if cfg.Audience != "" {
		form.Set("audience", cfg.Audience)
	}
	if cfg.Resource != "" {
		form.Set("resource", cfg.Resource)
	}
	if len(cfg.Scopes) > 0 {
		form.Set("scope", strings.Join(cfg.Scopes, " "))
	}
	if cfg.RequestedTokenType != "" {
		form.Set("requested_token_type", cfg.RequestedTokenType)
	}
	if cfg.AuthStyle == AuthPost {
		form.Set("client_id", cfg.ClientID)
		form.Set("client_secret", secret)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	aud := cfg.Audience
	if aud == "" {
		aud = cfg.Resource
	}
	return &TokenExchange{
		printable: printable{desc: fmt.Sprintf("TokenExchange(%s at %s for %s, secret %s)", cfg.ClientID, tokenURL, aud, cfg.ClientSecret)},
		cfg:       cfg,
		secret:    secret,
		tokenURL:  tokenURL,
		hc:        hc,
		log:       log.With(slog.String("client_id", cfg.ClientID), slog.String("token_url", tokenURL), slog.String("audience", aud)),
		form:      form,
		cache:     make(map[exchangeKey]*exchangeEntry),
	}, nil
}

// Apply exchanges the context principal's token and sets
// ActsForCaller reports true: the token sent is exchanged for the caller's.
func (x *TokenExchange) ActsForCaller() bool { return true }

// "Authorization: Bearer <exchanged token>".
func (x *TokenExchange) Apply(ctx context.Context, req *http.Request) error {
	tok, err := x.Token(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

// Token returns a token for the backend on behalf of the principal in ctx,
// from the cache or from a new exchange.
func (x *TokenExchange) Token(ctx context.Context) (*oauth2.Token, error) {
	p := toolgate.PrincipalFrom(ctx)
	if p.Token == "" {
		return nil, ErrNoInboundToken
	}
	if !p.ExpiresAt.IsZero() && !time.Now().Before(p.ExpiresAt) {
		return nil, errors.New("credentials: token exchange: the inbound token has expired")
	}
	e := x.entry(p)
	tok, err := e.cache.token(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: token exchange at %s for %s: %w", x.tokenURL, p, scrubErr(err, p.Token, x.secret))
	}
	return tok, nil
}

// entry returns the cache entry for p, creating it if needed. An entry
// made for another inbound token of the same subject is kept while its
// token is valid: the cache is per subject and audience.
func (x *TokenExchange) entry(p *toolgate.Principal) *exchangeEntry {
	key := exchangeKey{issuer: p.Issuer, subject: p.Subject, client: p.ClientID, audience: x.form.Get("audience") + " " + x.form.Get("resource")}
	anonymous := p.Subject == "" && p.ClientID == ""
	if anonymous {
		// No identity to share a token between: one entry per token.
		sum := sha256.Sum256([]byte(p.Token))
		key.subject = "token:" + hex.EncodeToString(sum[:])
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if e, ok := x.cache[key]; ok {
		if e.token == p.Token || e.cache.usable() != nil {
			return e
		}
	}
	if len(x.cache) >= x.cfg.CacheSize {
		x.evict()
	}
	subjectToken, expiresAt, who := p.Token, p.ExpiresAt, p.String()
	e := &exchangeEntry{token: subjectToken}
	e.cache = newTokenCache(func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := x.exchange(ctx, subjectToken)
		if err != nil {
			x.log.Warn("credentials: token exchange failed", slog.String("principal", who), slog.String("error", scrub(err.Error(), subjectToken, x.secret)))
			return nil, err
		}
		// Never use the new token beyond the inbound one's expiry.
		if !expiresAt.IsZero() && (tok.Expiry.IsZero() || tok.Expiry.After(expiresAt)) {
			tok.Expiry = expiresAt
		}
		x.log.Debug("credentials: token exchanged", slog.String("principal", who), slog.Time("expiry", tok.Expiry))
		return tok, nil
	}, x.cfg.ExpiryDelta, x.cfg.FetchTimeout)
	x.cache[key] = e
	return e
}

// Rejected is called by Transport when the backend answered 401 to req
// (see [Rejecter]): the exchanged token req carried is dropped from the
// cache of req's principal, as ClientCredentials.Rejected does.
func (x *TokenExchange) Rejected(req *http.Request) {
	h := req.Header.Get("Authorization")
	p := toolgate.PrincipalFrom(req.Context())
	if h == "" || p.Token == "" {
		return
	}
	if x.entry(p).cache.invalidate(h) {
		x.log.Info("credentials: backend rejected the exchanged token; it will be replaced", slog.String("principal", p.String()))
	}
}

// evict drops entries without a usable token, then more until the cache
// is half full. Callers waiting on a dropped entry keep their reference.
// It runs with x.mu held.
func (x *TokenExchange) evict() {
	for k, e := range x.cache {
		if e.cache.usable() == nil {
			delete(x.cache, k)
		}
	}
	for k := range x.cache {
		if len(x.cache) < x.cfg.CacheSize/2+1 {
			break
		}
		delete(x.cache, k)
	}
}

// exchange performs one RFC 8693 token exchange request.
func (x *TokenExchange) exchange(ctx context.Context, subjectToken string) (*oauth2.Token, error) {
	form := cloneValues(x.form)
	form.Set("subject_token", subjectToken)
	secrets := x.secrets(subjectToken)
	if x.cfg.Actor != nil {
		actor, err := x.cfg.Actor.Token(ctx)
		if err != nil {
			return nil, fmt.Errorf("actor token: %w", scrubErr(err, secrets...))
		}
		form.Set("actor_token", actor.AccessToken)
		form.Set("actor_token_type", x.cfg.ActorTokenType)
		secrets = append(secrets, actor.AccessToken)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if x.cfg.AuthStyle != AuthPost {
		// RFC 6749 section 2.3.1: form-encode before basic encoding.
		req.SetBasicAuth(url.QueryEscape(x.cfg.ClientID), url.QueryEscape(x.secret))
	}
	resp, err := x.hc.Do(req)
	if err != nil {
		return nil, scrubErr(err, secrets...)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	tok, err := parseExchangeResponse(resp.StatusCode, resp.Header.Get("Content-Type"), body, time.Now(), secrets...)
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// secrets lists what must never appear in an error or log line of an
// exchange of subjectToken.
func (x *TokenExchange) secrets(subjectToken string) []string {
	return append(basicForms(x.cfg.ClientID, x.secret), x.secret, subjectToken)
}

// ExchangeError is an error response from a token endpoint (RFC 6749
// section 5.2).
type ExchangeError struct {
	// Status is the HTTP status code.
	Status int
	// Code and Description are the "error" and "error_description"
	// fields; Code is empty if the body was not an OAuth error.
	Code, Description string
}

func (e *ExchangeError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Description)
	}
	if e.Description == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Description, e.Status)
}

// exchangeResponse is a successful RFC 8693 section 2.2.1 response.
type exchangeResponse struct {
	AccessToken     string          `json:"access_token"`
	IssuedTokenType string          `json:"issued_token_type"`
	TokenType       string          `json:"token_type"`
	ExpiresIn       json.RawMessage `json:"expires_in"`
	Scope           string          `json:"scope"`
	RefreshToken    string          `json:"refresh_token"`
	Error           string          `json:"error"`
	ErrorDesc       string          `json:"error_description"`
}

// parseExchangeResponse parses a token endpoint's answer to a token
// exchange request received at now. Error texts taken from the response
// have secrets removed before they are shortened.
func parseExchangeResponse(status int, contentType string, body []byte, now time.Time, secrets ...string) (*oauth2.Token, error) {
	if len(body) > maxDocument {
		return nil, fmt.Errorf("response larger than %d bytes", maxDocument)
	}
	clean := func(b []byte) string { return excerpt([]byte(scrub(string(b), secrets...))) }
	var r exchangeResponse
	jsonErr := json.Unmarshal(body, &r)
	if status != http.StatusOK {
		e := &ExchangeError{Status: status}
		if jsonErr == nil && r.Error != "" {
			e.Code, e.Description = clean([]byte(r.Error)), clean([]byte(r.ErrorDesc))
		} else {
			e.Description = clean(body)
		}
		return nil, e
	}
	if jsonErr != nil {
		return nil, fmt.Errorf("response is not JSON (%s): %w", contentType, jsonErr)
	}
	if r.AccessToken == "" {
		return nil, errors.New("response has no access_token")
	}
	if r.IssuedTokenType == "" {
		return nil, errors.New("response has no issued_token_type (RFC 8693 section 2.2.1)")
	}
	switch {
	case strings.EqualFold(r.TokenType, "bearer"):
	case strings.EqualFold(r.TokenType, "N_A") && r.IssuedTokenType != TokenTypeAccessToken:
		// RFC 8693: a token that is not an access token, used as a
		// bearer credential by agreement.
	default:
		return nil, fmt.Errorf("unsupported token_type %q", r.TokenType)
	}
	tok := &oauth2.Token{AccessToken: r.AccessToken, TokenType: "Bearer", RefreshToken: r.RefreshToken}
	if len(r.ExpiresIn) > 0 && string(r.ExpiresIn) != "null" {
		var secs float64
		if err := json.Unmarshal(r.ExpiresIn, &secs); err != nil {
			var s string
			if json.Unmarshal(r.ExpiresIn, &s) != nil {
				return nil, fmt.Errorf("expires_in %s is not a number", clean(r.ExpiresIn))
			}
			if _, err := fmt.Sscanf(s, "%g", &secs); err != nil {
				return nil, fmt.Errorf("expires_in %q is not a number", clean([]byte(s)))
			}
		}
		if secs <= 0 || secs > 1e9 {
			return nil, fmt.Errorf("expires_in %v is out of range", secs)
		}
		tok.Expiry = now.Add(time.Duration(secs * float64(time.Second)))
	}
	return tok.WithExtra(map[string]any{"issued_token_type": r.IssuedTokenType, "scope": r.Scope}), nil
}
