package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/toolgate/toolgate"
)

// ClaimOp is how a ClaimRule compares a claim with its values.
type ClaimOp string

// Claim operators, as AgentCore Gateway's customClaims.
const (
	// Equals: the claim is a string equal to Values[0].
	Equals ClaimOp = "EQUALS"
	// Contains: the claim is a string array that contains Values[0].
	Contains ClaimOp = "CONTAINS"
	// ContainsAny: the claim is a string, or a string array, holding at
	// least one of Values.
	ContainsAny ClaimOp = "CONTAINS_ANY"
)

// ClaimRule is a condition on one claim of the token.
type ClaimRule struct {
	Claim  string
	Op     ClaimOp
	Values []string
}

// DefaultAlgorithms are the signature algorithms accepted when
// JWTConfig.Algorithms is empty: asymmetric ones only, so that no "none"
// and no HMAC key confusion is possible.
var defaultAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// JWTConfig configures a JWT authorizer. The fields mirror AgentCore
// Gateway's CUSTOM_JWT authorizer where it has one.
type JWTConfig struct {
	// DiscoveryURL is the OpenID Connect discovery document
	// (".../.well-known/openid-configuration"); it gives the issuer and
	// the JWKS URL. Either DiscoveryURL or both Issuer and JWKSURL.
	DiscoveryURL string
	// Issuer is the expected "iss"; with DiscoveryURL it must match.
	Issuer string
	// JWKSURL is the signing-key set; it overrides discovery's jwks_uri.
	JWKSURL string

	// AllowedAudience: the token's "aud" must contain one of these. At
	// least one of AllowedAudience and AllowedClients is required.
	AllowedAudience []string
	// AllowedClients: the token's "client_id" (or "azp") must be one of
	// these, if set.
	AllowedClients []string
	// AllowedScopes: the token must grant at least one of these ("scope"
	// or "scp"), if set; otherwise 403 insufficient_scope.
	AllowedScopes []string
	// CustomClaims must all hold (403 otherwise).
	CustomClaims []ClaimRule

	// Leeway tolerates clock skew on exp, nbf and iat; default 30s.
	Leeway time.Duration
	// Algorithms is the allow-list of signature algorithms; default
	// asymmetric only (RS*, PS*, ES*, EdDSA).
	Algorithms []string
	// MaxTokenBytes rejects larger tokens; default 16 KiB.
	MaxTokenBytes int

	// PublicURL is the gateway's public URL (for example
	// "https://api.example.com/mcp"): the resource of the RFC 9728
	// metadata and the base of resource_metadata in challenges. When
	// empty, it is derived from each request (see TrustForwardedHeaders).
	PublicURL string
	// TrustForwardedHeaders derives scheme and host from
	// X-Forwarded-Proto/-Host (or Forwarded) when PublicURL is empty, for
	// a gateway behind a TLS-terminating proxy. Enable it only behind a
	// proxy that sets them.
	TrustForwardedHeaders bool
	// ScopesSupported are advertised in the metadata; default AllowedScopes.
	ScopesSupported []string
	// ResourceName is a human-readable name for the metadata.
	ResourceName string

	// HTTPClient fetches discovery and keys; default a client with a 10s timeout.
	HTTPClient *http.Client
	// KeysRefreshInterval re-fetches the signing keys in the background;
	// default 15 minutes. Besides, a token whose "kid" is not among the keys
	// held makes the authorizer fetch them again at once, within the limits
	// below, so a key rotation at the provider needs no restart.
	KeysRefreshInterval time.Duration
	// KeysRefetchInterval and KeysRefetchBurst bound the refetches for
	// unknown kids, all kids together: up to KeysRefetchBurst back to back,
	// then one per KeysRefetchInterval (a token bucket); defaults 1s and 3.
	// A token with an unknown kid that finds no refetch left is refused.
	KeysRefetchInterval time.Duration
	// KeysRefetchBurst: see KeysRefetchInterval.
	KeysRefetchBurst int
	// UnknownKeyTTL: a kid still absent after a refetch is remembered for
	// this long, and tokens naming it are refused without another refetch;
	// default 1s. With a refetch left, a key is thus accepted at most
	// UnknownKeyTTL after the provider publishes it, even when tokens
	// signed with it came earlier. At most 1024 kids are remembered.
	UnknownKeyTTL time.Duration
	// CacheSize bounds the cache of verified tokens (keyed by the token,
	// until they expire); default 10000, negative disables it.
	CacheSize int
}

// JWT is an Authorizer for OAuth 2.0 access tokens in JWT form.
type JWT struct {
	cfg     JWTConfig
	issuer  string
	jwksURL string
	algs    map[string]bool
	keys    *keyStore
	stop    context.CancelFunc

	cacheMu sync.Mutex
	cache   map[cacheKey]cached
}

// cacheKey names a cached answer: the token itself (compared whole, so no
// two tokens can share an answer) and whether only authentication was
// asked.
type cacheKey struct {
	tok      string
	authOnly bool
}

type cached struct {
	p   *toolgate.Principal
	err error
	exp time.Time
}

// NewJWT fetches the discovery document and the signing keys and returns
// the authorizer. The keys are refreshed in the background until ctx is
// done or Close is called.
func NewJWT(ctx context.Context, cfg JWTConfig) (*JWT, error) {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	if cfg.MaxTokenBytes <= 0 {
		cfg.MaxTokenBytes = 16 << 10
	}
	if cfg.KeysRefreshInterval <= 0 {
		cfg.KeysRefreshInterval = 15 * time.Minute
	}
	if cfg.KeysRefetchInterval <= 0 {
		cfg.KeysRefetchInterval = time.Second
	}
	if cfg.KeysRefetchBurst <= 0 {
		cfg.KeysRefetchBurst = 3
	}
	if cfg.UnknownKeyTTL <= 0 {
		cfg.UnknownKeyTTL = time.Second
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 10000
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = defaultAlgorithms
	}
	if len(cfg.ScopesSupported) == 0 {
		cfg.ScopesSupported = cfg.AllowedScopes
	}
	if len(cfg.AllowedAudience) == 0 && len(cfg.AllowedClients) == 0 {
		return nil, errors.New("auth: JWTConfig needs AllowedAudience or AllowedClients")
	}
	for _, r := range cfg.CustomClaims {
		if r.Claim == "" || len(r.Values) == 0 || (r.Op != Equals && r.Op != Contains && r.Op != ContainsAny) {
			return nil, fmt.Errorf("auth: custom claim rule %+v: needs a claim, an operator (EQUALS, CONTAINS, CONTAINS_ANY) and values", r)
		}
	}
	j := &JWT{cfg: cfg, issuer: cfg.Issuer, jwksURL: cfg.JWKSURL, algs: map[string]bool{}, cache: map[cacheKey]cached{}}
	for _, a := range cfg.Algorithms {
		if a == "none" || strings.HasPrefix(a, "HS") {
			return nil, fmt.Errorf("auth: algorithm %q is not allowed for access tokens", a)
		}
		j.algs[a] = true
	}
	if cfg.DiscoveryURL != "" {
		var doc struct {
			Issuer  string `json:"issuer"`
			JWKSURI string `json:"jwks_uri"`
		}
		if err := getJSON(ctx, cfg.HTTPClient, cfg.DiscoveryURL, &doc); err != nil {
			return nil, fmt.Errorf("auth: discovery: %w", err)
		}
		if doc.Issuer == "" || doc.JWKSURI == "" {
			return nil, fmt.Errorf("auth: discovery document at %s lacks issuer or jwks_uri", cfg.DiscoveryURL)
		}
		if j.issuer != "" && j.issuer != doc.Issuer {
			return nil, fmt.Errorf("auth: discovery issuer %q differs from configured issuer %q", doc.Issuer, j.issuer)
		}
		j.issuer = doc.Issuer
		if j.jwksURL == "" {
			j.jwksURL = doc.JWKSURI
		}
	}
	if j.issuer == "" || j.jwksURL == "" {
		return nil, errors.New("auth: JWTConfig needs DiscoveryURL, or Issuer and JWKSURL")
	}

	j.keys = newKeyStore(j.jwksURL, cfg.HTTPClient, &cfg)
	if err := j.keys.fetch(ctx); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	j.stop = cancel
	context.AfterFunc(ctx, cancel)
	go j.keys.refreshEvery(cctx, cfg.KeysRefreshInterval)
	return j, nil
}

// Close stops refreshing the keys.
func (j *JWT) Close() { j.stop() }

// Issuer is the issuer tokens must come from.
func (j *JWT) Issuer() string { return j.issuer }

// AuthenticateOnly returns an authorizer that validates tokens exactly as
// j does — signature, issuer, lifetime, audience — but leaves every
// decision about clients, scopes and claims to the gateway's ToolFilter,
// interceptors and targets.
func AuthenticateOnly(j *JWT) toolgate.Authorizer {
	return toolgate.AuthorizerFunc(func(r *http.Request) (*toolgate.Principal, error) { return j.authorizeAs(r, true) })
}

func getJSON(ctx context.Context, hc *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// Authorize implements toolgate.Authorizer.
func (j *JWT) Authorize(r *http.Request) (*toolgate.Principal, error) { return j.authorizeAs(r, false) }

func (j *JWT) authorizeAs(r *http.Request, authOnly bool) (*toolgate.Principal, error) {
	p, err := j.authorize(r, authOnly)
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) && ae.ResourceMetadata == "" {
			ae.ResourceMetadata = j.metadataURL(r)
		}
	}
	return p, err
}

func (j *JWT) authorize(r *http.Request, authOnly bool) (*toolgate.Principal, error) {
	if strings.Contains(r.URL.RawQuery, "access_token") && r.URL.Query().Has("access_token") {
		return nil, &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "access tokens in the query string are not accepted; send an Authorization: Bearer header"}
	}
	vals := r.Header.Values("Authorization")
	switch {
	case len(vals) == 0:
		return nil, &Error{Status: http.StatusUnauthorized, Description: "an access token is required"}
	case len(vals) > 1:
		return nil, &Error{Status: http.StatusBadRequest, Code: CodeInvalidRequest, Description: "more than one Authorization header"}
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(vals[0]), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, &Error{Status: http.StatusUnauthorized, Description: "an access token is required (Authorization: Bearer)"}
	}
	if len(tok) > j.cfg.MaxTokenBytes {
		return nil, unauthorized(CodeInvalidToken, fmt.Sprintf("token is larger than %d bytes", j.cfg.MaxTokenBytes))
	}
	return j.check(r.Context(), tok, authOnly)
}

// check validates a token, using the cache of earlier answers.
func (j *JWT) check(ctx context.Context, tok string, authOnly bool) (*toolgate.Principal, error) {
	var key cacheKey
	if j.cfg.CacheSize > 0 {
		key = cacheKey{tok: tok, authOnly: authOnly}
		j.cacheMu.Lock()
		c, ok := j.cache[key]
		j.cacheMu.Unlock()
		if ok && time.Now().Before(c.exp) {
			if c.err != nil {
				return nil, cloneErr(c.err)
			}
			return c.p, nil
		}
	}
	p, exp, err := j.verify(ctx, tok, authOnly)
	if j.cfg.CacheSize > 0 && !exp.IsZero() && !isTransient(err) {
		j.cacheMu.Lock()
		if len(j.cache) >= j.cfg.CacheSize {
			now := time.Now()
			for k, c := range j.cache {
				if !now.Before(c.exp) {
					delete(j.cache, k)
				}
			}
			if len(j.cache) >= j.cfg.CacheSize {
				clear(j.cache)
			}
		}
		j.cache[key] = cached{p: p, err: err, exp: exp}
		j.cacheMu.Unlock()
	}
	if err != nil {
		return nil, cloneErr(err)
	}
	return p, nil
}

// transientError marks failures that must not be cached (key fetches).
type transientError struct{ e *Error }

func (t transientError) Error() string { return t.e.Error() }
func (t transientError) Unwrap() error { return t.e }

func isTransient(err error) bool {
	var t transientError
	return errors.As(err, &t)
}

// cloneErr returns a fresh *Error, since callers fill in fields.
func cloneErr(err error) error {
	var t transientError
	if errors.As(err, &t) {
		c := *t.e
		return &c
	}
	var ae *Error
	if errors.As(err, &ae) {
		c := *ae
		return &c
	}
	return err
}

// verify checks the token and returns the principal and the time until
// which the answer holds (zero when it must not be cached).
func (j *JWT) verify(ctx context.Context, tok string, authOnly bool) (*toolgate.Principal, time.Time, error) {
	if strings.Count(tok, ".") != 2 {
		return nil, time.Time{}, unauthorized(CodeInvalidToken, "token is not a JWT")
	}
	msg, err := jws.Parse([]byte(tok), jws.WithCompact())
	if err != nil || len(msg.Signatures()) != 1 {
		return nil, time.Time{}, unauthorized(CodeInvalidToken, "token is malformed")
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	alg := hdr.Algorithm().String()
	if !j.algs[alg] {
		return nil, time.Time{}, unauthorized(CodeInvalidToken, fmt.Sprintf("signature algorithm %q is not accepted", trunc(alg, 16)))
	}
	k, err := j.keys.key(ctx, hdr.KeyID())
	switch {
	case errors.Is(err, errUnknownKey):
		return nil, time.Time{}, unauthorized(CodeInvalidToken, "token is signed with an unknown key")
	case err != nil:
		return nil, time.Time{}, transientError{unauthorized(CodeInvalidToken, "signing keys are unavailable")}
	}
	if ka := k.Algorithm().String(); ka != "" && ka != alg {
		return nil, time.Time{}, unauthorized(CodeInvalidToken, "token algorithm does not match its key")
	}
	t, err := jwt.Parse([]byte(tok),
		jwt.WithKey(jwa.SignatureAlgorithm(alg), k),
		jwt.WithValidate(true),
		jwt.WithIssuer(j.issuer),
		jwt.WithAcceptableSkew(j.cfg.Leeway),
		jwt.WithRequiredClaim("exp"),
	)
	if err != nil {
		return nil, time.Time{}, unauthorized(CodeInvalidToken, describe(err))
	}
	exp := t.Expiration().Add(j.cfg.Leeway)
	claims, err := t.AsMap(ctx)
	if err != nil {
		return nil, time.Time{}, unauthorized(CodeInvalidToken, "token claims are malformed")
	}
	if len(j.cfg.AllowedAudience) > 0 && !slices.ContainsFunc(t.Audience(), func(a string) bool { return slices.Contains(j.cfg.AllowedAudience, a) }) {
		return nil, exp, unauthorized(CodeInvalidToken, "token audience is not this resource")
	}
	p := &toolgate.Principal{
		Subject:   t.Subject(),
		ClientID:  firstString(claims, "client_id", "azp", "cid"),
		Issuer:    t.Issuer(),
		Scopes:    scopes(claims),
		Claims:    claims,
		ExpiresAt: t.Expiration(),
		Token:     tok,
	}
	if authOnly {
		return p, exp, nil
	}
	if len(j.cfg.AllowedClients) > 0 && !slices.Contains(j.cfg.AllowedClients, p.ClientID) {
		return nil, exp, unauthorized(CodeInvalidToken, "token was not issued to an allowed client")
	}
	if len(j.cfg.AllowedScopes) > 0 && !slices.ContainsFunc(p.Scopes, func(s string) bool { return slices.Contains(j.cfg.AllowedScopes, s) }) {
		return nil, exp, &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: "token lacks a required scope", Scope: j.cfg.AllowedScopes}
	}
	for _, rule := range j.cfg.CustomClaims {
		if !rule.holds(claims[rule.Claim]) {
			return nil, exp, &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Description: fmt.Sprintf("token claim %q does not satisfy the gateway's rule", trunc(rule.Claim, 64))}
		}
	}
	return p, exp, nil
}

// describe maps a jwx error to a fixed text that cannot echo the token.
func describe(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired()):
		return "token is expired"
	case errors.Is(err, jwt.ErrTokenNotYetValid()):
		return "token is not valid yet"
	case errors.Is(err, jwt.ErrInvalidIssuedAt()):
		return "token is issued in the future"
	case errors.Is(err, jwt.ErrInvalidIssuer()):
		return "token issuer is not trusted"
	case errors.Is(err, jwt.ErrMissingRequiredClaim("exp")):
		return "token has no expiry"
	case jwt.IsValidationError(err):
		return "token claims are invalid"
	case strings.Contains(err.Error(), "verif"):
		return "token signature is invalid"
	}
	return "token is malformed"
}

func (r ClaimRule) holds(v any) bool {
	switch r.Op {
	case Equals:
		s, ok := v.(string)
		return ok && s == r.Values[0]
	case Contains:
		return slices.Contains(stringList(v), r.Values[0])
	case ContainsAny:
		if s, ok := v.(string); ok {
			return slices.Contains(r.Values, s)
		}
		return slices.ContainsFunc(stringList(v), func(s string) bool { return slices.Contains(r.Values, s) })
	}
	return false
}

// stringList returns v as a list of strings if it is a JSON array of
// strings, else nil.
func stringList(v any) []string {
	switch a := v.(type) {
	case []string:
		return a
	case []any:
		out := make([]string, 0, len(a))
		for _, e := range a {
			s, ok := e.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

func firstString(claims map[string]any, names ...string) string {
	for _, n := range names {
		if s, ok := claims[n].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// scopes reads "scope" (a space-separated string) or "scp" (a string or
// an array).
func scopes(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch v := claims["scp"].(type) {
	case string:
		return strings.Fields(v)
	default:
		return stringList(v)
	}
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
