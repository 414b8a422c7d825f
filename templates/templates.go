package templates

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/openapi"
)

// specs holds the services' OpenAPI descriptions, gzip-compressed; see
// specs/MANIFEST.md for their sources, commits and licences.
//
//go:embed specs/*/*.gz
var specs embed.FS

// ErrUnknownTemplate is returned (wrapped) by Get and Lookup for a name that
// names no template.
var ErrUnknownTemplate = errors.New("unknown template")

// A Template is a ready target for one service: its official OpenAPI
// description, its authentication preset, its base URL and a curated set of
// operations with descriptions written for a model.
//
// Get and Lookup return a new Template each time; changing one changes
// nothing else. Its fields describe the template: Target builds from the
// package's own definition, so editing Operations does not change the
// curated set (use Options.AllOperations, or the gateway's ToolFilter, to
// publish more or fewer tools).
type Template struct {
	// Name is the template's identifier ("slack", "jira"): what Get takes,
	// what a configuration names, and the default target name (the prefix
	// of the published tool names).
	Name string
	// Title is the service's name as its vendor writes it ("GitHub").
	Title string
	// AgentCore is the name of the Amazon Bedrock AgentCore Gateway
	// integration provider for the same service ("Slack", "Jira", "Asana"),
	// or "" when AgentCore offers none. Lookup accepts it.
	AgentCore string
	// Description says what the template covers.
	Description string
	// Auth says which credentials the template takes and how they are
	// sent, as the service documents it.
	Auth string
	// Operations are the operationIds of the curated tools, in the order
	// they are documented. Options.AllOperations publishes every operation
	// of the spec instead.
	Operations []string
	// Licence is the SPDX identifier of the embedded spec's licence
	// ("MIT", "Apache-2.0"); the texts are in specs/LICENSES.
	Licence string
	// Source names the spec's source repository, path and commit.
	Source string

	def *definition
}

// Options configures the target a Template builds. Which credentials a
// template takes is in its Auth field and in docs/templates.md.
type Options struct {
	// Name is the target's name, the prefix of its tool names. Default:
	// the template's Name.
	Name string

	// Token is a bearer token, sent as "Authorization: Bearer <token>":
	// Slack's bot (xoxb-) or user (xoxp-) token, Jira's OAuth 2.0 access
	// token, Asana's personal access token, GitHub's token, Stripe's secret
	// key.
	Token credentials.Secret
	// Username and Password are sent as HTTP basic authentication: Jira's
	// account email and API token; Twilio's Account SID (or API key SID)
	// and auth token (or API key secret).
	Username string
	Password credentials.Secret
	// Credentials, when set, replace the template's preset: any
	// credentials.Provider (OAuth 2.0 client credentials, token exchange,
	// an API key in another header). Token, Username and Password must
	// then be empty.
	Credentials credentials.Provider

	// Site is the Jira Cloud site: "your-domain" (or
	// "your-domain.atlassian.net"); requests go to
	// https://your-domain.atlassian.net. Required for Jira with basic
	// authentication.
	Site string
	// CloudID is the Jira Cloud site's cloud ID. Jira's OAuth 2.0 access
	// tokens are accepted only on https://api.atlassian.com/ex/jira/{cloudId},
	// so it is required for Jira with Token.
	CloudID string
	// AccountSID is the Twilio Account SID filled into every path's
	// {AccountSid}. Default: Username.
	AccountSID string

	// AllOperations publishes every operation of the spec, not only the
	// curated ones. Curated operations keep their descriptions.
	AllOperations bool

	// BaseURL replaces the template's base URL (a mock server in tests, a
	// GitHub Enterprise Server's https://HOST/api/v3, a proxy).
	BaseURL string
	// HTTPClient sends the requests (see openapi.Options.HTTPClient).
	HTTPClient *http.Client
	// Header is added to every request, after the template's own headers
	// (a value here replaces a preset one, such as Stripe-Version).
	Header http.Header
	// Logger receives the load summary and warnings; default
	// slog.Default(). Secrets are never logged.
	Logger *slog.Logger
}

// definition is one template's fixed data and its preset. Definitions are
// read-only: Get copies what it hands out.
type definition struct {
	name, title, agentCore string
	description, auth      string
	licence, source        string
	spec                   string // path in specs
	// extraPaths are path items the template adds to the spec (JSON
	// object members, each followed by a comma), for an operation the
	// service added after the embedded snapshot. Empty for most.
	extraPaths string
	ops        []operation
	hide       []string          // openapi.Options.HideParameters
	header     map[string]string // static headers
	// preset returns the base URL ("" for the spec's servers), the
	// credentials and fixed parameter values for opts.
	preset func(o *Options) (preset, error)
}

// operation is a curated operation and the description published for it.
type operation struct {
	id, description string
}

type preset struct {
	baseURL string
	creds   credentials.Provider
	values  map[string]string
}

// Names returns the template names, sorted.
func Names() []string {
	out := make([]string, 0, len(definitions))
	for i := range definitions {
		out = append(out, definitions[i].name)
	}
	slices.Sort(out)
	return out
}

// Get returns the template called name ("slack", "jira", "asana", "github",
// "stripe", "twilio"). An unknown name is an error wrapping
// ErrUnknownTemplate.
func Get(name string) (*Template, error) {
	for i := range definitions {
		if definitions[i].name == name {
			return definitions[i].template(), nil
		}
	}
	return nil, fmt.Errorf("templates: %q: %w (have %s)", name, ErrUnknownTemplate, strings.Join(Names(), ", "))
}

// Lookup finds a template by any name a configuration may use for it:
// its Name, its Title or its AgentCore integration provider name, compared
// case-insensitively ("jira", "Jira", "GitHub"). An unknown identifier is
// an error wrapping ErrUnknownTemplate.
func Lookup(id string) (*Template, error) {
	id = strings.TrimSpace(id)
	for i := range definitions {
		d := &definitions[i]
		if strings.EqualFold(id, d.name) || strings.EqualFold(id, d.title) || d.agentCore != "" && strings.EqualFold(id, d.agentCore) {
			return d.template(), nil
		}
	}
	return nil, fmt.Errorf("templates: %q: %w (have %s)", id, ErrUnknownTemplate, strings.Join(Names(), ", "))
}

func (d *definition) template() *Template {
	ops := make([]string, len(d.ops))
	for i, o := range d.ops {
		ops[i] = o.id
	}
	return &Template{
		Name: d.name, Title: d.title, AgentCore: d.agentCore,
		Description: d.description, Auth: d.auth,
		Operations: ops, Licence: d.licence, Source: d.source,
		def: d,
	}
}

// Spec returns the template's OpenAPI description as published by the
// service (decompressed; JSON or YAML).
func (t *Template) Spec() ([]byte, error) {
	if t == nil || t.def == nil {
		return nil, errors.New("templates: Template not from Get or Lookup")
	}
	f, err := specs.Open("specs/" + t.def.spec)
	if err != nil {
		return nil, fmt.Errorf("templates: %s: %w", t.def.name, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("templates: %s: spec: %w", t.def.name, err)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, zr); err != nil {
		return nil, fmt.Errorf("templates: %s: spec: %w", t.def.name, err)
	}
	return buf.Bytes(), nil
}

// Target builds the service's target: the embedded spec loaded with the
// template's authentication, base URL, hidden and fixed parameters and
// curated operations (all of them with Options.AllOperations). It parses
// the spec each time it is called (0.3–1.7 s, see docs/templates.md): build
// a target once and keep it. Errors name where a secret comes from, never
// its value.
func (t *Template) Target(ctx context.Context, opts *Options) (*openapi.Target, error) {
	if t == nil || t.def == nil {
		return nil, errors.New("templates: Template not from Get or Lookup")
	}
	d := t.def
	o := Options{}
	if opts != nil {
		o = *opts
	}
	p, err := d.preset(&o)
	if err != nil {
		return nil, fmt.Errorf("templates: %s: %w", d.name, err)
	}
	base := p.baseURL
	if o.BaseURL != "" {
		base = o.BaseURL
	}
	header := http.Header{}
	for k, v := range d.header {
		header.Set(k, v)
	}
	for k, vs := range o.Header {
		header.Del(k)
		for _, v := range vs {
			header.Add(k, v)
		}
	}
	name := o.Name
	if name == "" {
		name = d.name
	}
	overrides := make(map[string]openapi.Override, len(d.ops))
	ids := make([]string, 0, len(d.ops))
	for _, op := range d.ops {
		ids = append(ids, op.id)
		if op.description != "" {
			overrides[op.id] = openapi.Override{Description: op.description}
		}
	}
	oo := &openapi.Options{
		Name:            name,
		BaseURL:         base,
		HTTPClient:      o.HTTPClient,
		Credentials:     p.creds,
		Header:          header,
		HideParameters:  d.hide,
		ParameterValues: p.values,
		Overrides:       overrides,
		Logger:          o.Logger,
	}
	if !o.AllOperations {
		oo.Include = []openapi.Filter{{OperationIDs: ids}}
	}
	spec, err := t.Spec()
	if err != nil {
		return nil, err
	}
	if d.extraPaths != "" {
		if spec, err = addPaths(spec, d.extraPaths); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", d.name, err)
		}
	}
	tg, err := openapi.New(ctx, spec, oo)
	if err != nil {
		return nil, fmt.Errorf("templates: %s: %w", d.name, err)
	}
	return tg, nil
}

// addPaths inserts path items at the start of a JSON spec's paths object.
// The spec must have exactly one `"paths":{`, as the compact JSON specs
// the templates embed do.
func addPaths(spec []byte, paths string) ([]byte, error) {
	marker := []byte(`"paths":{`)
	i := bytes.Index(spec, marker)
	if i < 0 || bytes.Count(spec, marker) != 1 {
		return nil, errors.New("cannot add operations: the spec has no single compact \"paths\" object")
	}
	i += len(marker)
	out := make([]byte, 0, len(spec)+len(paths))
	out = append(out, spec[:i]...)
	out = append(out, paths...)
	return append(out, spec[i:]...), nil
}

// bearer is the preset of services that take a bearer token: Token, or
// Options.Credentials.
func bearer(what string) func(o *Options) (credentials.Provider, error) {
	return func(o *Options) (credentials.Provider, error) {
		if o.Username != "" || !o.Password.IsZero() {
			return nil, fmt.Errorf("takes Token (%s), not Username or Password", what)
		}
		if o.Credentials != nil {
			if !o.Token.IsZero() {
				return nil, errors.New("set Token or Credentials, not both")
			}
			return o.Credentials, nil
		}
		if o.Token.IsZero() {
			return nil, fmt.Errorf("needs Token (%s) or Credentials", what)
		}
		p, err := credentials.NewBearer(o.Token)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

// noSite refuses the site parameters of other services, so a
// configuration meant for one template is not silently used for another.
func noSite(o *Options, allowed ...string) error {
	for _, f := range []struct{ name, v string }{{"Site", o.Site}, {"CloudID", o.CloudID}, {"AccountSID", o.AccountSID}} {
		if f.v != "" && !slices.Contains(allowed, f.name) {
			return fmt.Errorf("takes no %s", f.name)
		}
	}
	return nil
}

// bearerPreset is the preset of a service with a fixed base URL ("" for
// the spec's servers) and a bearer token.
func bearerPreset(baseURL, what string) func(o *Options) (preset, error) {
	creds := bearer(what)
	return func(o *Options) (preset, error) {
		if err := noSite(o); err != nil {
			return preset{}, err
		}
		c, err := creds(o)
		if err != nil {
			return preset{}, err
		}
		return preset{baseURL: baseURL, creds: c}, nil
	}
}
