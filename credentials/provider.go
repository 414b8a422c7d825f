package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/httpx"
)

// A Provider adds credentials to an outbound HTTP request: the
// CredentialProvider of a target. Apply may block (to fetch a token) and
// must honour ctx.
//
// Transport calls Apply on a shallow copy of the caller's request with its
// own Header: Apply may change headers and replace the Body, but must
// replace req.URL with a copy rather than modify the URL in place.
//
// Implementations must be safe for concurrent use.
type Provider interface {
	Apply(ctx context.Context, req *http.Request) error
}

// ProviderFunc adapts a function to a Provider.
type ProviderFunc func(ctx context.Context, req *http.Request) error

// Apply calls f(ctx, req).
func (f ProviderFunc) Apply(ctx context.Context, req *http.Request) error { return f(ctx, req) }

// ErrInboundCredential is returned by a Transport that was about to send
// the inbound caller's token to a backend without a provider configured to
// forward it ([NewPassthrough]).
var ErrInboundCredential = errors.New("credentials: request carries the inbound caller's token; configure a passthrough provider to forward it")

// ErrNoInboundToken is returned by providers acting on behalf of the caller
// ([NewTokenExchange], [NewPassthrough]) when the context's principal has
// no token.
var ErrNoInboundToken = errors.New("credentials: the call has no inbound token to act on behalf of")

// An InboundForwarder is a Provider that forwards the inbound caller's
// credential to the backend, as [NewPassthrough] does. Transport refuses
// to send a request that, as the caller built it, carries the inbound
// principal's token, unless its provider is an InboundForwarder whose
// ForwardsInbound reports true. ForwardsInbound is asked once, when the
// Transport is built; a provider that wraps another can report what the
// wrapped one does.
type InboundForwarder interface {
	ForwardsInbound() bool
}

// A CallerBound Provider acts on behalf of the caller: the credentials it
// applies come from the principal in each request's context, as with
// [NewTokenExchange] and [NewPassthrough], so a request made for no caller
// gets none (ErrNoInboundToken). A target whose connections outlive one
// call, such as an MCP server's backend session, asks it (see
// [ActsForCaller]) to keep each caller's connections apart. A provider that
// wraps another can report what the wrapped one does.
type CallerBound interface {
	ActsForCaller() bool
}

// ActsForCaller reports whether p acts on behalf of the caller
// ([CallerBound]).
func ActsForCaller(p Provider) bool {
	cb, ok := p.(CallerBound)
	return ok && cb.ActsForCaller()
}

// A Rejecter is a Provider that wants to know when a backend refused the
// credentials it applied, to drop a cached token for example. Transport
// calls Rejected with the request as sent (credentials applied) when the
// response is 401 Unauthorized. Rejected must be safe for concurrent use
// and should return quickly: the response waits for it.
type Rejecter interface {
	Rejected(req *http.Request)
}

// Transport returns an http.RoundTripper that applies p to a copy of every
// request (see Provider) and sends it with base (http.DefaultTransport if
// nil). The original request is never modified, and the response's Request is the
// original, so credentials do not escape through it. A redirect that an
// http.Client follows to an origin other than the first request's is sent
// without credentials ([Client] does not follow such redirects at all).
//
// Unless p forwards inbound credentials ([InboundForwarder], as
// [NewPassthrough] does), a request that, as the caller built it, carries
// the token of the principal in its context (in a header or the query) is
// refused with ErrInboundCredential. If p is a [Rejecter], it is told of
// every 401 answer.
func Transport(base http.RoundTripper, p Provider) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	fwd := false
	if f, ok := p.(InboundForwarder); ok {
		fwd = f.ForwardsInbound()
	}
	rej, _ := p.(Rejecter)
	return &transport{base: base, p: p, forwards: fwd, rejecter: rej}
}

var (
	_ InboundForwarder = (*passthrough)(nil)
	_ Rejecter         = (*ClientCredentials)(nil)
	_ Rejecter         = (*TokenExchange)(nil)
	_ CallerBound      = (*passthrough)(nil)
	_ CallerBound      = (*TokenExchange)(nil)
)

type transport struct {
	base     http.RoundTripper
	p        Provider
	forwards bool
	rejecter Rejecter
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Response != nil && !sameOrigin(req.URL, firstRequest(req).URL) {
		// A redirect to another origin, followed by a client without
		// SameOriginRedirects: the credentials are for the first origin
		// only, and so is a request that carries the inbound token.
		if carriesInbound(ctx, req) {
			closeBody(req)
			return nil, ErrInboundCredential
		}
		return t.base.RoundTrip(req)
	}
	// A shallow copy with its own Header, as golang.org/x/oauth2 does:
	// cheaper than Clone, and providers replace rather than edit the URL.
	out := new(http.Request)
	*out = *req
	out.Header = cloneHeader(req.Header)
	if err := t.p.Apply(ctx, out); err != nil {
		closeBody(req)
		return nil, err
	}
	if !t.forwards && carriesInbound(ctx, req) {
		closeBody(req)
		return nil, ErrInboundCredential
	}
	resp, err := t.base.RoundTrip(out)
	if resp != nil {
		if resp.StatusCode == http.StatusUnauthorized && t.rejecter != nil {
			t.rejecter.Rejected(out)
		}
		resp.Request = req
	}
	return resp, err
}

// cloneHeader copies h like http.Header.Clone, with room for the headers a
// provider adds, so that adding them does not grow the map.
func cloneHeader(h http.Header) http.Header {
	const room = 4
	n := 0
	for _, vs := range h {
		n += len(vs)
	}
	out := make(http.Header, len(h)+room)
	if n == 0 {
		return out
	}
	all := make([]string, n)
	for k, vs := range h {
		if vs == nil {
			out[k] = nil
			continue
		}
		m := copy(all, vs)
		out[k] = all[:m:m]
		all = all[m:]
	}
	return out
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// minTokenLen keeps very short test tokens from matching by accident.
const minTokenLen = 8

// carriesInbound reports whether the request as the target built it holds
// the context principal's token in a header or the query. Headers that
// never carry credentials (content negotiation, User-Agent) are not
// searched; when nothing else is long enough to hold a token, the
// principal is not even looked up.
func carriesInbound(ctx context.Context, req *http.Request) bool {
	if !mayCarryToken(req) {
		return false
	}
	tok := toolgate.PrincipalFrom(ctx).Token
	if len(tok) < minTokenLen {
		return false
	}
	for k, vs := range req.Header {
		if notCredential(k) {
			continue
		}
		for _, v := range vs {
			if strings.Contains(v, tok) {
				return true
			}
		}
	}
	return strings.Contains(req.URL.RawQuery, tok)
}

// mayCarryToken reports whether req has a header value or a query long
// enough to hold a token.
func mayCarryToken(req *http.Request) bool {
	if len(req.URL.RawQuery) >= minTokenLen+2 { // "k=" + token
		return true
	}
	for k, vs := range req.Header {
		if notCredential(k) {
			continue
		}
		for _, v := range vs {
			if len(v) >= minTokenLen {
				return true
			}
		}
	}
	return false
}

// notCredential reports whether a (canonical) header never carries a
// credential.
func notCredential(name string) bool {
	switch name {
	case "Accept", "Accept-Encoding", "Accept-Language", "Content-Type", "Content-Length", "Content-Encoding", "User-Agent":
		return true
	}
	return false
}

// Client returns a copy of base whose transport applies p (see Transport)
// and which follows redirects only within the origin of the request the
// caller made ([SameOriginRedirects]), so credentials meant for one
// backend never reach another. A CheckRedirect that base sets is asked
// after that policy, which it can narrow but not widen.
//
// A nil base, or one without a Transport, means a transport of its own
// with http.DefaultTransport's settings (30 s connect and 10 s TLS
// handshake timeouts, proxies from the environment) but keeping up to
// 64 idle connections per host instead of 2, so that
// concurrent calls of one backend reuse their connections rather than
// open and close one each; no overall timeout: each request is bounded by
// its context. That transport sends a small plain-HTTP request (no TLS,
// no proxy) itself, writing it and reading the answer in the caller's
// goroutine, which saves a near backend (a sidecar, a local server) the
// hand-offs between goroutines of http.Transport; it sends the rest with
// an http.Transport. A nil p, or [None], applies no credentials: the client then
// only adds the redirect policy.
func Client(base *http.Client, p Provider) *http.Client {
	c := &http.Client{}
	if base != nil {
		*c = *base
	}
	if c.Transport == nil {
		c.Transport = httpx.NewTransport()
	}
	if _, anonymous := p.(none); p != nil && !anonymous {
		c.Transport = Transport(c.Transport, p)
	}
	next := c.CheckRedirect
	c.CheckRedirect = SameOriginRedirects
	if next != nil {
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if err := SameOriginRedirects(req, via); err != nil {
				return err
			}
			return next(req, via)
		}
	}
	return c
}

// maxRedirects is how many redirects SameOriginRedirects follows.
const maxRedirects = 10

// SameOriginRedirects is the redirect policy of [Client], for an
// http.Client's CheckRedirect: it follows at most 10 redirects, and none
// to an origin other than the first request's. Origins are compared as
// RFC 3986 (section 6.2.3) normalises them: scheme and host
// case-insensitively, a missing port as the scheme's default (80 for
// http, 443 for https). A redirect to another origin is not an error: it
// returns http.ErrUseLastResponse, so the caller gets the 3xx response.
func SameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("credentials: stopped after %d redirects", maxRedirects)
	}
	if !sameOrigin(req.URL, via[0].URL) {
		return http.ErrUseLastResponse
	}
	return nil
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		port(a) == port(b)
}

// port returns u's port, or its scheme's default one.
func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		return "80"
	case "https":
		return "443"
	}
	return ""
}

// firstRequest returns the request that began req's chain of redirects,
// req itself if it is not a redirect: http.Client sets a redirect's
// Response to the response that caused it, whose Request is the request
// before.
func firstRequest(req *http.Request) *http.Request {
	for req.Response != nil && req.Response.Request != nil {
		req = req.Response.Request
	}
	return req
}

type none struct{ printable }

// None returns a provider that applies no credentials. Given to a target
// whose default is to sign or authorise its requests (a Smithy service
// with aws.auth#sigv4, a Lambda function), it sends them anonymously.
func None() Provider { return none{printable{desc: "None"}} }

// Apply leaves req as it is.
func (none) Apply(context.Context, *http.Request) error { return nil }

// printable gives provider types a description that never holds a secret,
// for fmt and slog.
type printable struct{ desc string }

func (p printable) String() string   { return p.desc }
func (p printable) GoString() string { return "credentials." + p.desc }

// Format keeps secrets out of every fmt verb.
func (p printable) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(p.GoString()))
		return
	}
	_, _ = f.Write([]byte(p.desc))
}

// LogValue keeps secrets out of structured logs.
func (p printable) LogValue() slog.Value { return slog.StringValue(p.desc) }

// Location says where an API key goes.
type Location string

// API key locations, named as AgentCore names them.
const (
	Header Location = "HEADER"
	Query  Location = "QUERY_PARAMETER"
)

// APIKeyConfig configures an API key provider.
type APIKeyConfig struct {
	// Key is the API key.
	Key Secret
	// In is where the key goes: Header (the default) or Query.
	In Location
	// Name is the header or query parameter name. It defaults to
	// "Authorization" for a header and is required for a query parameter.
	Name string
	// Prefix is put before the key, for example "Bearer". A prefix that
	// ends in a letter or digit is separated from the key by a space;
	// any other prefix ("token=", "Bearer ") is used as is.
	Prefix string
}

type apiKey struct {
	printable
	in    Location
	name  string
	value string
}

// NewAPIKey returns a provider that sends an API key in a header or query
// parameter, as AgentCore's API key credential provider does. The secret
// is resolved now.
func NewAPIKey(cfg APIKeyConfig) (Provider, error) {
	in := cfg.In
	if in == "" {
		in = Header
	}
	name := cfg.Name
	switch in {
	case Header:
		if name == "" {
			name = "Authorization"
		}
		if !validHeaderName(name) {
			return nil, fmt.Errorf("credentials: api key: invalid header name %q", name)
		}
	case Query:
		if name == "" {
			return nil, errors.New("credentials: api key: a query parameter needs a Name")
		}
	default:
		return nil, fmt.Errorf("credentials: api key: unknown location %q (want %q or %q)", in, Header, Query)
	}
	key, err := resolve("credentials: api key", cfg.Key)
	if err != nil {
		return nil, err
	}
	return &apiKey{
		printable: printable{desc: fmt.Sprintf("APIKey(%s %s, key %s)", in, name, cfg.Key)},
		in:        in,
		name:      name,
		value:     withPrefix(cfg.Prefix, key),
	}, nil
}

func withPrefix(prefix, key string) string {
	if prefix == "" {
		return key
	}
	last := rune(prefix[len(prefix)-1])
	if unicode.IsLetter(last) || unicode.IsDigit(last) {
		return prefix + " " + key
	}
	return prefix + key
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

func (k *apiKey) Apply(_ context.Context, req *http.Request) error {
	if k.in == Query {
		u := *req.URL
		q := u.Query()
		q.Set(k.name, k.value)
		u.RawQuery = q.Encode()
		req.URL = &u
		return nil
	}
	req.Header.Set(k.name, k.value)
	return nil
}

// NewBearer returns a provider that sends "Authorization: Bearer <token>".
// The secret is resolved now.
func NewBearer(token Secret) (Provider, error) {
	v, err := resolve("credentials: bearer", token)
	if err != nil {
		return nil, err
	}
	return &apiKey{
		printable: printable{desc: fmt.Sprintf("Bearer(%s)", token)},
		in:        Header,
		name:      "Authorization",
		value:     "Bearer " + v,
	}, nil
}

type basic struct {
	printable
	user, password string
}

// NewBasic returns a provider that sends HTTP basic authentication
// (RFC 7617). The secret is resolved now.
func NewBasic(username string, password Secret) (Provider, error) {
	if strings.Contains(username, ":") {
		return nil, errors.New("credentials: basic: the user name must not contain ':'")
	}
	v, err := resolve("credentials: basic", password)
	if err != nil {
		return nil, err
	}
	return &basic{
		printable: printable{desc: fmt.Sprintf("Basic(%s, password %s)", username, password)},
		user:      username,
		password:  v,
	}, nil
}

func (b *basic) Apply(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(b.user, b.password)
	return nil
}

// PassthroughConfig configures a passthrough provider.
type PassthroughConfig struct {
	// Header receives the token; default "Authorization".
	Header string
	// Scheme is put before the token; default "Bearer". Set it to "-" to
	// send the bare token.
	Scheme string
}

type passthrough struct {
	printable
	header, scheme string
}

// ForwardsInbound reports true: forwarding the inbound token is what a
// passthrough provider is for.
func (passthrough) ForwardsInbound() bool { return true }

// ActsForCaller reports true: the token forwarded is the caller's.
func (passthrough) ActsForCaller() bool { return true }

// NewPassthrough returns a provider that forwards the inbound principal's
// token ([toolgate.Principal].Token) to the backend: JWT passthrough, for
// backends that trust the same issuer and audience as the gateway. It is
// the only provider that forwards an inbound credential, and only where
// configured. A call without a token, or with an expired one, is refused.
func NewPassthrough(cfg PassthroughConfig) (Provider, error) {
	h := cfg.Header
	if h == "" {
		h = "Authorization"
	}
	if !validHeaderName(h) {
		return nil, fmt.Errorf("credentials: passthrough: invalid header name %q", h)
	}
	scheme := cfg.Scheme
	switch scheme {
	case "":
		scheme = "Bearer "
	case "-":
		scheme = ""
	default:
		scheme += " "
	}
	return &passthrough{
		printable: printable{desc: fmt.Sprintf("Passthrough(%s)", h)},
		header:    h,
		scheme:    scheme,
	}, nil
}

func (p *passthrough) Apply(ctx context.Context, req *http.Request) error {
	pr := toolgate.PrincipalFrom(ctx)
	if pr.Token == "" {
		return ErrNoInboundToken
	}
	if !pr.ExpiresAt.IsZero() && time.Now().After(pr.ExpiresAt) {
		return errors.New("credentials: passthrough: the inbound token has expired")
	}
	req.Header.Set(p.header, p.scheme+pr.Token)
	return nil
}
