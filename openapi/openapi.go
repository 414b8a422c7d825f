package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/httpx"
)

// Options configures a Target. The zero value is usable: every operation
// becomes a tool, requests go to the spec's first server without
// credentials.
type Options struct {
	// Name is the target's name, the prefix of its published tool names.
	// Default: the spec's info.title, sanitised ("Swagger Petstore" ->
	// "swagger_petstore").
	Name string
	// Description describes the target in Status and to tool search.
	// Default: the spec's info.title and the first paragraph of its
	// info.description.
	Description string
	// BaseURL overrides the spec's servers: every request goes to
	// BaseURL + the operation's path. Required when the spec has no
	// absolute server URL (no servers, or a relative one in a spec not
	// loaded from a URL).
	BaseURL string
	// ServerVariables sets values for the variables of the spec's server
	// URL template; unset variables take their defaults.
	ServerVariables map[string]string
	// HTTPClient sends the requests. Nil means a client on
	// http.DefaultTransport's settings (30 s connect and 10 s TLS handshake
	// timeouts) keeping 64 idle connections per host (credentials.Client),
	// with no overall timeout: each call is bounded by its context, which
	// the gateway limits to its CallTimeout. No redirect to another origin
	// is followed, whatever the client's CheckRedirect says (see
	// credentials.Client). HTTPClient, as given, also fetches LoadURL's
	// document and remote $refs.
	HTTPClient *http.Client
	// Credentials authorise every API request (see package credentials).
	// Nil means the target's default: none. They are not sent with the
	// LoadURL and remote $ref fetches; put a provider in HTTPClient's
	// transport (credentials.Client) for a spec that needs them.
	Credentials credentials.Provider
	// Header is added to every API request (for example a static API key
	// header). Values here are never logged.
	Header http.Header
	// HideParameters removes parameters from every tool's input schema, for
	// values that credentials or Header supply (Slack's "token" header,
	// for example). An entry is a parameter name in any location, or
	// "<in>:<name>" ("header:token", "query:api_key"); header names match
	// case-insensitively. Parameters that repeat an apiKey security
	// scheme's location and name are always hidden.
	HideParameters []string
	// ParameterValues fixes parameters to a value: each is left out of
	// every input schema, as with HideParameters, and sent with this value
	// on every call of an operation that has it. Keys are written as in
	// HideParameters: a name in any location, or "<in>:<name>"
	// ("path:AccountSid"). Unlike HideParameters, path parameters can be
	// fixed, for an API that repeats a configured identifier in its paths
	// (Twilio's /Accounts/{AccountSid}/...). A value is sent as a string
	// argument would be: a path value is percent-encoded as one segment; a
	// header value must not contain CR, LF or NUL. A key that matches no
	// parameter is a Warning. Values are never logged.
	ParameterValues map[string]string
	// AllowRemoteRefs lets $refs load documents over HTTP(S). Off by
	// default: a spec then reads nothing but itself and, for LoadFile, the
	// files next to it.
	AllowRemoteRefs bool
	// Include keeps only operations matching at least one filter (all
	// operations when empty). Exclude then drops operations matching any
	// filter.
	Include, Exclude []Filter
	// Overrides rename or re-describe tools. Keys are an operationId, a
	// generated tool name, or "METHOD /path" ("GET /pets/{id}").
	Overrides map[string]Override
	// MaxOutputSchemaBytes bounds a tool's output schema. A larger one
	// (an API whose every object links to every other, as Stripe's does)
	// keeps its top level and describes referenced schemas by name only,
	// as open schemas. Default 64 KiB. Input schemas are never cut.
	MaxOutputSchemaBytes int
	// MaxResponseBytes bounds how much of a response body is read; a longer
	// body makes an isError result. Default 16 MiB.
	MaxResponseBytes int64
	// Logger receives load summaries (Info) and warnings (Debug). Default:
	// slog.Default().
	Logger *slog.Logger
}

// A Filter selects operations. Each non-empty field must match (they are
// ANDed); within a field any entry may match.
type Filter struct {
	// Tags matches operations carrying any of these tags.
	Tags []string
	// OperationIDs matches operations by operationId.
	OperationIDs []string
	// Paths matches the path template ("/pets/{id}") against globs: '*'
	// matches within one segment, '**' across segments ("/admin/**").
	Paths []string
	// Methods matches HTTP methods, case-insensitively.
	Methods []string
}

// Override changes how one operation is published. Empty fields keep the
// generated value.
type Override struct {
	// Name replaces the tool name (A-Z, a-z, 0-9, '_', '-'; at most 64).
	Name string
	// Title replaces the tool title.
	Title string
	// Description replaces the tool description.
	Description string
}

// Warning is a flaw in the spec that did not stop it from loading: an
// unusable parameter, a duplicate tool name, a server URL that needs
// BaseURL. Where is an operation ("GET /pets") or a document location.
type Warning struct {
	Where   string
	Message string
}

func (w Warning) String() string { return w.Where + ": " + w.Message }

// Skipped is an operation that did not become a tool, and why.
type Skipped struct {
	Method      string
	Path        string
	OperationID string
	Reason      string
}

// SecurityScheme is one of the spec's securitySchemes, reported so users
// know which credentials to configure (Options.Credentials).
type SecurityScheme struct {
	// Name is the scheme's key in components.securitySchemes.
	Name string `json:"name"`
	// Type is apiKey, http, oauth2, openIdConnect or mutualTLS.
	Type string `json:"type"`
	// In and ParamName locate an apiKey (header, query or cookie).
	In        string `json:"in,omitempty"`
	ParamName string `json:"paramName,omitempty"`
	// Scheme is the http scheme (bearer, basic).
	Scheme      string `json:"scheme,omitempty"`
	Description string `json:"description,omitempty"`
	// TokenURL is the OAuth2 client-credentials or password token URL,
	// AuthorizationURL the authorization-code one, if any.
	TokenURL         string `json:"tokenUrl,omitempty"`
	AuthorizationURL string `json:"authorizationUrl,omitempty"`
	// OpenIDConnectURL is the discovery URL of an openIdConnect scheme.
	OpenIDConnectURL string `json:"openIdConnectUrl,omitempty"`
}

// Target is an OpenAPI-described REST API as a toolgate.Target: one tool
// per operation. It is safe for concurrent use.
type Target struct {
	name        string
	description string
	version     string
	tools       []toolgate.Tool
	ops         map[string]*operation
	client      *http.Client
	baseURL     *url.URL
	header      http.Header
	maxResp     int64
	warnings    []Warning
	skipped     []Skipped
	schemes     []SecurityScheme
	total       int
}

var _ toolgate.Target = (*Target)(nil)

// Name returns the target name.
func (t *Target) Name() string { return t.name }

// TargetType reports "OpenAPI", AgentCore Gateway's name for this kind of
// target in its TargetType metric.
func (t *Target) TargetType() string { return "OpenAPI" }

// Description returns Options.Description, or else the API's title and the
// first paragraph of its description.
func (t *Target) Description() string { return t.description }

// ListTools returns one tool per included operation, in path order.
func (t *Target) ListTools(ctx context.Context) ([]toolgate.Tool, error) {
	return slices.Clone(t.tools), nil
}

// Warnings returns the spec's flaws found while loading.
func (t *Target) Warnings() []Warning { return slices.Clone(t.warnings) }

// Unreachable returns the tools whose calls cannot be sent because no
// usable server URL is known (the spec declares none, or only a relative
// one or one with unresolved variables, and Options.BaseURL is not set),
// sorted by tool name: Where is the tool's name, Message says why. Calls
// of these tools fail with that message.
func (t *Target) Unreachable() []Warning {
	var out []Warning
	for name, op := range t.ops {
		if op.serverErr != "" {
			out = append(out, Warning{Where: name, Message: op.serverErr})
		}
	}
	slices.SortFunc(out, func(a, b Warning) int { return strings.Compare(a.Where, b.Where) })
	return out
}

// Skipped returns the operations that did not become tools (including
// those removed by filters), with reasons.
func (t *Target) Skipped() []Skipped { return slices.Clone(t.skipped) }

// Operations returns how many operations the spec has.
func (t *Target) Operations() int { return t.total }

// SpecVersion returns the document's version ("openapi 3.1.0",
// "swagger 2.0").
func (t *Target) SpecVersion() string { return t.version }

// SecuritySchemes returns the spec's security schemes, sorted by name.
func (t *Target) SecuritySchemes() []SecurityScheme { return slices.Clone(t.schemes) }

func newTarget(ctx context.Context, data []byte, location *url.URL, opts *Options) (*Target, error) {
	if opts == nil {
		opts = &Options{}
	}
	t := &Target{
		ops:     map[string]*operation{},
		header:  opts.Header.Clone(),
		maxResp: opts.MaxResponseBytes,
	}
	if t.maxResp <= 0 {
		t.maxResp = 16 << 20
	}
	warn := func(where, msg string) { t.warnings = append(t.warnings, Warning{Where: where, Message: msg}) }
	doc, version, err := loadDocSafely(ctx, data, location, opts, warn)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	t.version = version
	t.client = credentials.Client(opts.HTTPClient, opts.Credentials)
	if opts.BaseURL != "" {
		u, err := url.Parse(opts.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("openapi: BaseURL %q: must be an absolute http(s) URL", opts.BaseURL)
		}
		t.baseURL = u
	}
	title := ""
	if doc.Info != nil {
		title = strings.TrimSpace(doc.Info.Title)
		t.description = title
		if d := firstParagraph(doc.Info.Description); d != "" {
			if t.description != "" {
				t.description += ": "
			}
			t.description += d
		}
	}
	if opts.Description != "" {
		t.description = opts.Description
	}
	t.name = opts.Name
	if t.name == "" {
		// "Swagger Petstore - OpenAPI 3.0" -> "swagger_petstore_openapi_3_0"
		t.name = sanitizeName(nonAlnum.ReplaceAllString(strings.ToLower(title), "_"), 64)
		if t.name == "" {
			t.name = "api"
		}
	}
	t.schemes = securitySchemes(doc)
	b := &builder{
		t:        t,
		doc:      doc,
		opts:     opts,
		location: location,
		conv:     newConverter(warn),
		names:    map[string]bool{},
		warn:     warn,
	}
	if err := b.compileFilters(); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := b.compileValues(); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := b.build(); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "openapi: spec loaded", "target", t.name, "version", version,
		"operations", t.total, "tools", len(t.tools), "skipped", len(t.skipped), "warnings", len(t.warnings))
	for _, w := range t.warnings {
		log.DebugContext(ctx, "openapi: warning", "target", t.name, "where", w.Where, "message", w.Message)
	}
	return t, nil
}

// loadDocSafely turns a panic in the spec parser or converter (some
// malformed documents reach code that panics) into an error.
func loadDocSafely(ctx context.Context, data []byte, location *url.URL, opts *Options, warn func(where, msg string)) (doc *openapi3.T, version string, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, version, err = nil, "", fmt.Errorf("cannot load document: %v", r)
		}
	}()
	return loadDoc(ctx, data, location, opts, warn)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete, "QUERY":
		return true
	}
	return false
}

var nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)

func firstParagraph(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return strings.TrimSpace(s)
}

func securitySchemes(doc *openapi3.T) []SecurityScheme {
	if doc.Components == nil {
		return nil
	}
	var out []SecurityScheme
	for name, ref := range doc.Components.SecuritySchemes {
		if ref == nil || ref.Value == nil {
			continue
		}
		s := ref.Value
		ss := SecurityScheme{
			Name: name, Type: s.Type, In: s.In, ParamName: s.Name, Scheme: s.Scheme,
			Description: strings.TrimSpace(s.Description), OpenIDConnectURL: s.OpenIdConnectUrl,
		}
		if f := s.Flows; f != nil {
			switch {
			case f.ClientCredentials != nil:
				ss.TokenURL = f.ClientCredentials.TokenURL
			case f.Password != nil:
				ss.TokenURL = f.Password.TokenURL
			case f.AuthorizationCode != nil:
				ss.TokenURL = f.AuthorizationCode.TokenURL
			}
			if f.AuthorizationCode != nil {
				ss.AuthorizationURL = f.AuthorizationCode.AuthorizationURL
			} else if f.Implicit != nil {
				ss.AuthorizationURL = f.Implicit.AuthorizationURL
			}
		}
		out = append(out, ss)
	}
	slices.SortFunc(out, func(a, b SecurityScheme) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// CallTool sends the tool's HTTP request and maps the response to a result.
func (t *Target) CallTool(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
	op, ok := t.ops[req.Tool]
	if !ok {
		return nil, fmt.Errorf("openapi: unknown tool %q", req.Tool)
	}
	args := map[string]any{}
	if len(req.Arguments) > 0 {
		dec := json.NewDecoder(bytes.NewReader(req.Arguments))
		dec.UseNumber()
		if err := dec.Decode(&args); err != nil {
			return toolgate.ErrorResult("arguments must be a JSON object: " + err.Error()), nil
		}
		if args == nil {
			args = map[string]any{}
		}
	}
	hreq, err := t.buildRequest(ctx, op, args)
	if err != nil {
		return toolgate.ErrorResult(fmt.Sprintf("openapi: operation %s: %v", op.id(), err)), nil
	}
	// A transport failure (connection refused or reset, no response) is
	// retried once, and only for methods HTTP defines as idempotent: a
	// POST may have been applied before the failure.
	hreq, resp, err := httpx.Do(ctx, t.client, hreq, idempotent(op.method), func() (*http.Request, error) {
		return t.buildRequest(ctx, op, args)
	})
	if err != nil {
		return nil, fmt.Errorf("openapi: operation %s: %w", op.id(), err)
	}
	defer resp.Body.Close()
	return t.mapResponse(op, hreq, resp)
}
