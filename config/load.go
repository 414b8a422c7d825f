package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/templates"
)

// maxFileBytes bounds a configuration file and every file it references.
const maxFileBytes = 64 << 20

// Load reads the configuration file at path (YAML, or JSON, which is YAML)
// and checks it: unknown fields, missing required ones, enum values, unions
// with more or less than one member, environment variables, references to
// files and to credential providers. Every problem is reported, as Errors,
// each naming its field path. Files the configuration references are read
// now; specs, models and schemas are converted by Validate and Build.
//
// On error the partly read File is returned too, for its Warnings; it must
// not be built.
func Load(path string) (*File, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, Errors{{Msg: err.Error(), Err: err}}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	f, err := parse(data, filepath.Dir(abs), os.LookupEnv)
	f.path = abs
	f.files = append([]string{abs}, f.files...)
	return f, err
}

// Parse reads a configuration from data, as Load reads a file; relative
// file references resolve against dir (the working directory if empty).
func Parse(data []byte, dir string) (*File, error) {
	return parse(data, dir, os.LookupEnv)
}

func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("reading %s: a directory, not a file", path)
	}
	if fi.Size() > maxFileBytes {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", path, maxFileBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return b, nil
}

func parse(data []byte, dir string, lookup func(string) (string, bool)) (*File, error) {
	f := &File{dir: dir}
	p := &problems{}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return f, Errors{{Msg: "not valid YAML or JSON: " + yamlMessage(err), Err: err}}
	}
	d := &decoder{p: p, lookup: lookup}
	root := d.resolve(&doc, "")
	if root == nil || root.Kind == 0 || isNull(root) {
		p.errorf("", "the configuration is empty")
		return f, p.errs
	}
	d.decode(root, "", reflect.ValueOf(f).Elem(), 0)
	f.check(p) // on what was read, to report every problem at once
	f.nameTargets(p.errs)
	if len(p.errs) == 0 {
		f.fingerprint()
	}
	f.warnings = p.warns
	return f, p.errs.err()
}

// nameTargets sets the Target of errors inside targets[i] to that target's
// name, when it was read.
func (f *File) nameTargets(errs Errors) {
	for _, e := range errs {
		rest, ok := strings.CutPrefix(e.Path, "targets[")
		if !ok || e.Target != "" {
			continue
		}
		end := strings.IndexByte(rest, ']')
		i, err := strconv.Atoi(rest[:max(end, 0)])
		if end < 0 || err != nil || i >= len(f.Targets) || f.Targets[i] == nil {
			continue
		}
		e.Target = f.Targets[i].Name
	}
}

// Warnings returns the fields accepted but not acted on, with why.
func (f *File) Warnings() []Warning { return slices.Clone(f.warnings) }

// Path returns the file Load read ("" after Parse).
func (f *File) Path() string { return f.path }

// Files returns the files the configuration was read from: the
// configuration itself and the specs, models and tool schemas it
// references. A change to any of them changes the configuration.
func (f *File) Files() []string { return slices.Clone(f.files) }

// check makes the checks that need no conversion, recording every problem.
func (f *File) check(p *problems) {
	f.checkGateway(p)
	f.checkPolicies(p)
	apiKeys := map[string]*APIKeyCredentialProvider{}
	for i, k := range f.APIKeyCredentialProviders {
		path := index("apiKeyCredentialProviders", i)
		if k == nil {
			p.errorf(path, "empty")
			continue
		}
		if apiKeys[k.Name] != nil {
			p.errorf(join(path, "name"), "%q is used twice", k.Name)
		}
		apiKeys[k.Name] = k
		if v, err := k.APIKey.Resolve(); err != nil || v == "" {
			p.errorf(join(path, "apiKey"), "empty")
		}
	}
	oauth := map[string]*OAuth2CredentialProvider{}
	for i, o := range f.OAuth2CredentialProviders {
		path := index("oauth2CredentialProviders", i)
		if o == nil {
			p.errorf(path, "empty")
			continue
		}
		if oauth[o.Name] != nil {
			p.errorf(join(path, "name"), "%q is used twice", o.Name)
		}
		oauth[o.Name] = o
		checkOAuth2(p, path, o)
	}
	names := map[string]bool{}
	for i, t := range f.Targets {
		path := index("targets", i)
		if t == nil {
			p.errorf(path, "empty")
			continue
		}
		if names[t.Name] {
			p.errorf(join(path, "name"), "%q is used twice", t.Name)
		}
		names[t.Name] = true
		f.checkTarget(p, path, t, apiKeys, oauth)
	}
	if l := f.Toolgate; l != nil {
		if l.PublicURL != "" && !httpURL(l.PublicURL) {
			p.errorf("toolgate.publicUrl", "%q is not an http(s) URL", l.PublicURL)
		}
		if l.Limits != nil && l.Limits.MaxConcurrentCalls != nil && *l.Limits.MaxConcurrentCalls == 0 {
			p.errorf("toolgate.limits.maxConcurrentCalls", "must not be 0 (negative for no cap)")
		}
		f.checkSearch(p, l.Search)
		if tel := l.Telemetry; tel != nil && tel.Audit != "" && tel.Audit != "stderr" && tel.Audit != "stdout" && !filepath.IsAbs(tel.Audit) {
			tel.Audit = filepath.Join(f.dir, tel.Audit) // like file references, relative to the file
		}
	}
}

// checkSearch checks toolgate.search: it tunes the search tool, so the
// gateway must have one.
func (f *File) checkSearch(p *problems, s *Search) {
	if s == nil {
		return
	}
	const path = "toolgate.search"
	if g := f.Gateway; g != nil && (g.ProtocolConfiguration == nil || g.ProtocolConfiguration.MCP == nil || g.ProtocolConfiguration.MCP.SearchType != "SEMANTIC") {
		p.errorf(path, "given, but the gateway has no search tool: set gateway.protocolConfiguration.mcp.searchType to SEMANTIC")
	}
	if s.MaxResults < 0 {
		p.errorf(join(path, "maxResults"), "must not be negative")
	}
	if s.ListBuiltinsOnly && !s.CallTool {
		p.errorf(join(path, "listBuiltinsOnly"), "needs callTool: clients would list the search tool alone, and no tool to call what it finds")
	}
	if l := s.Learn; l != nil {
		if l.MinCallers < 0 {
			p.errorf(join(path, "learn.minCallers"), "must not be negative")
		}
		if err := checkLearnScope(l.Scope); err != nil {
			p.errorf(join(path, "learn.scope"), "%v", err)
		}
		if f.Gateway != nil && f.Gateway.AuthorizerType != "CUSTOM_JWT" {
			p.errorf(join(path, "learn"), "needs gateway.authorizerType CUSTOM_JWT: only authenticated callers teach, and with %q every caller is anonymous", f.Gateway.AuthorizerType)
		}
		if l.File != "" && !filepath.IsAbs(l.File) {
			l.File = filepath.Join(f.dir, l.File) // like file references, relative to the file
		}
	}
	e := s.Embeddings
	if e == nil {
		return
	}
	epath := join(path, "embeddings")
	if e.URL != "" && !httpURL(e.URL) {
		p.errorf(join(epath, "url"), "%q is not an http(s) URL", e.URL)
	}
	if e.Dimensions < 0 {
		p.errorf(join(epath, "dimensions"), "must not be negative")
	}
	if e.Timeout != nil && *e.Timeout <= 0 {
		p.errorf(join(epath, "timeout"), "must be positive")
	}
	if e.RequestCache != nil && *e.RequestCache < 0 {
		p.errorf(join(epath, "requestCache"), "must not be negative (0 keeps none)")
	}
	if !e.APIKey.IsZero() {
		if v, err := e.APIKey.Resolve(); err != nil || v == "" {
			p.errorf(join(epath, "apiKey"), "empty")
		}
	}
	if e.VectorFile != "" && !filepath.IsAbs(e.VectorFile) {
		e.VectorFile = filepath.Join(f.dir, e.VectorFile) // like file references, relative to the file
	}
}

func (f *File) checkGateway(p *problems) {
	g := f.Gateway
	if g == nil {
		return // reported as required
	}
	if g.ProtocolType != "" && g.ProtocolType != "MCP" {
		p.errorf("gateway.protocolType", "%q: toolgate serves MCP only", g.ProtocolType)
	}
	if pc := g.ProtocolConfiguration; pc != nil && pc.MCP != nil {
		if st := pc.MCP.SearchType; st != "" && st != "SEMANTIC" {
			p.errorf("gateway.protocolConfiguration.mcp.searchType", "%q is not SEMANTIC", st)
		}
		if len(pc.MCP.SupportedVersions) > 0 {
			p.warnf("gateway.protocolConfiguration.mcp.supportedVersions", "not enforced: the gateway negotiates every MCP version it speaks (2024-11-05 through 2026-07-28)")
		}
	}
	checkInterceptors(p, g.InterceptorConfigurations)
	const authPath = "gateway.authorizerConfiguration"
	switch g.AuthorizerType {
	case "NONE":
		if g.AuthorizerConfiguration != nil {
			p.errorf(authPath, "given with authorizerType NONE")
		}
	case "CUSTOM_JWT":
		ac := g.AuthorizerConfiguration
		if ac == nil || ac.CustomJWTAuthorizer == nil {
			p.errorf(join(authPath, "customJWTAuthorizer"), "required with authorizerType CUSTOM_JWT")
			return
		}
		j := ac.CustomJWTAuthorizer
		path := join(authPath, "customJWTAuthorizer")
		if !httpURL(j.DiscoveryURL) {
			p.errorf(join(path, "discoveryUrl"), "%q is not an http(s) URL", j.DiscoveryURL)
		}
		if len(j.AllowedAudience) == 0 && len(j.AllowedClients) == 0 {
			p.errorf(path, "allowedAudience or allowedClients is required")
		}
		for i, c := range j.CustomClaims {
			checkClaim(p, index(join(path, "customClaims"), i), c)
		}
	case "AWS_IAM":
		p.errorf("gateway.authorizerType", "AWS_IAM is not supported: callers cannot sign with SigV4 for a local gateway; use CUSTOM_JWT or NONE")
	case "":
		// reported as required
	default:
		p.errorf("gateway.authorizerType", "%q is not one of NONE, CUSTOM_JWT", g.AuthorizerType)
	}
}

// checkInterceptors checks interceptorConfigurations as CreateGateway
// does: one or two interception points each, at most one interceptor per
// point.
func checkInterceptors(p *problems, list []*GatewayInterceptorConfiguration) {
	seen := map[string]bool{}
	for i, ic := range list {
		path := index("gateway.interceptorConfigurations", i)
		if ic == nil {
			p.errorf(path, "empty")
			continue
		}
		if n := len(ic.InterceptionPoints); n == 0 || n > 2 {
			p.errorf(join(path, "interceptionPoints"), "one or two of REQUEST, RESPONSE are required")
		}
		for j, pt := range ic.InterceptionPoints {
			switch {
			case pt != "REQUEST" && pt != "RESPONSE":
				p.errorf(index(join(path, "interceptionPoints"), j), "%q is not one of REQUEST, RESPONSE", pt)
			case seen[pt]:
				p.errorf(index(join(path, "interceptionPoints"), j), "a gateway has at most one %s interceptor", pt)
			}
			seen[pt] = true
		}
	}
}

func checkClaim(p *problems, path string, c *CustomClaim) {
	if c == nil {
		p.errorf(path, "empty")
		return
	}
	vt := c.InboundTokenClaimValueType
	if vt != "STRING" && vt != "STRING_ARRAY" {
		p.errorf(join(path, "inboundTokenClaimValueType"), "%q is not one of STRING, STRING_ARRAY", vt)
	}
	m := c.AuthorizingClaimMatchValue
	if m == nil || m.ClaimMatchValue == nil {
		return // reported as required
	}
	mpath := join(path, "authorizingClaimMatchValue")
	v := m.ClaimMatchValue
	vpath := join(mpath, "claimMatchValue")
	single, list := v.MatchValueString != "", len(v.MatchValueStringList) > 0
	if single == list {
		p.errorf(vpath, "exactly one of matchValueString and matchValueStringList is required")
	}
	switch m.ClaimMatchOperator {
	case "EQUALS":
		if vt != "STRING" {
			p.errorf(join(mpath, "claimMatchOperator"), "EQUALS needs inboundTokenClaimValueType STRING")
		}
		if !single {
			p.errorf(join(vpath, "matchValueString"), "required with EQUALS")
		}
	case "CONTAINS":
		if vt != "STRING_ARRAY" {
			p.errorf(join(mpath, "claimMatchOperator"), "CONTAINS needs inboundTokenClaimValueType STRING_ARRAY")
		}
		if !single {
			p.errorf(join(vpath, "matchValueString"), "required with CONTAINS")
		}
	case "CONTAINS_ANY":
		if vt != "STRING_ARRAY" {
			p.errorf(join(mpath, "claimMatchOperator"), "CONTAINS_ANY needs inboundTokenClaimValueType STRING_ARRAY")
		}
		if !list {
			p.errorf(join(vpath, "matchValueStringList"), "required with CONTAINS_ANY")
		}
	case "":
	default:
		p.errorf(join(mpath, "claimMatchOperator"), "%q is not one of EQUALS, CONTAINS, CONTAINS_ANY", m.ClaimMatchOperator)
	}
}

// members returns the names of the fields of a union struct that are set:
// non-nil pointers, non-empty lists and strings, Unsupported fields given.
func members(u any) []string {
	v := reflect.ValueOf(u).Elem()
	var set []string
	for _, f := range fields(v.Type()) {
		fv := v.Field(f.index)
		switch {
		case fv.Kind() == reflect.Pointer && !fv.IsNil(),
			fv.Kind() == reflect.Slice && fv.Len() > 0,
			fv.Kind() == reflect.String && fv.Len() > 0,
			fv.Type() == tUnsupported && fv.Interface().(Unsupported).Set:
			set = append(set, f.name)
		}
	}
	return set
}

// one checks that the union u at path has exactly one member set, and
// returns it.
func one(p *problems, path string, u any) string {
	set := members(u)
	switch len(set) {
	case 1:
		return set[0]
	case 0:
		names := []string{}
		for _, f := range fields(reflect.TypeOf(u).Elem()) {
			names = append(names, f.name)
		}
		p.errorf(path, "one of %s is required", strings.Join(names, ", "))
	default:
		p.errorf(path, "only one of %s may be given", strings.Join(set, ", "))
	}
	return ""
}

// vendorMember maps credentialProviderVendor to the member of
// oauth2ProviderConfigInput it takes.
func vendorMember(vendor string) string {
	switch vendor {
	case "CustomOauth2":
		return "customOauth2ProviderConfig"
	case "GoogleOauth2", "GithubOauth2", "SlackOauth2", "SalesforceOauth2", "MicrosoftOauth2", "AtlassianOauth2", "LinkedinOauth2":
		return strings.ToLower(vendor[:1]) + vendor[1:len(vendor)-len("Oauth2")] + "Oauth2ProviderConfig"
	case "XOauth2", "OktaOauth2", "OneLoginOauth2", "PingOneOauth2", "FacebookOauth2", "YandexOauth2", "RedditOauth2",
		"ZoomOauth2", "TwitchOauth2", "SpotifyOauth2", "DropboxOauth2", "NotionOauth2", "HubspotOauth2", "CyberArkOauth2",
		"FusionAuthOauth2", "Auth0Oauth2", "CognitoOauth2":
		return "includedOauth2ProviderConfig"
	}
	return ""
}

func checkOAuth2(p *problems, path string, o *OAuth2CredentialProvider) {
	want := vendorMember(o.CredentialProviderVendor)
	if want == "" {
		p.errorf(join(path, "credentialProviderVendor"), "%q is not a vendor AgentCore knows", o.CredentialProviderVendor)
	}
	in := o.OAuth2ProviderConfigInput
	if in == nil {
		return
	}
	ipath := join(path, "oauth2ProviderConfigInput")
	got := one(p, ipath, in)
	if got != "" && want != "" && got != want {
		p.errorf(join(ipath, got), "does not match credentialProviderVendor %s (which takes %s)", o.CredentialProviderVendor, want)
	}
	switch {
	case in.CustomOauth2ProviderConfig != nil:
		c := in.CustomOauth2ProviderConfig
		cpath := join(ipath, "customOauth2ProviderConfig")
		if d := c.OauthDiscovery; d != nil {
			dpath := join(cpath, "oauthDiscovery")
			switch one(p, dpath, d) {
			case "discoveryUrl":
				if !httpURL(d.DiscoveryURL) {
					p.errorf(join(dpath, "discoveryUrl"), "%q is not an http(s) URL", d.DiscoveryURL)
				}
			case "authorizationServerMetadata":
				if te := d.AuthorizationServerMetadata.TokenEndpoint; te != "" && !httpURL(te) {
					p.errorf(join(dpath, "authorizationServerMetadata.tokenEndpoint"), "%q is not an http(s) URL", te)
				}
			}
		}
		checkTokenExchange(p, join(cpath, "onBehalfOfTokenExchangeConfig"), c.OnBehalfOfTokenExchangeConfig)
		switch c.ClientAuthenticationMethod {
		case "", "CLIENT_SECRET_BASIC", "CLIENT_SECRET_POST":
		case "AWS_IAM_ID_TOKEN_JWT":
			p.errorf(join(cpath, "clientAuthenticationMethod"), "AWS_IAM_ID_TOKEN_JWT is not supported; use CLIENT_SECRET_BASIC or CLIENT_SECRET_POST")
		default:
			p.errorf(join(cpath, "clientAuthenticationMethod"), "%q is not one of CLIENT_SECRET_BASIC, CLIENT_SECRET_POST", c.ClientAuthenticationMethod)
		}
	case in.MicrosoftOauth2ProviderConfig != nil:
		if in.MicrosoftOauth2ProviderConfig.TenantID == "" {
			p.errorf(join(ipath, "microsoftOauth2ProviderConfig.tenantId"), "required: the client credentials grant needs a tenant")
		}
	case in.IncludedOauth2ProviderConfig != nil:
		c := in.IncludedOauth2ProviderConfig
		cpath := join(ipath, "includedOauth2ProviderConfig")
		switch {
		case c.TokenEndpoint != "":
			if !httpURL(c.TokenEndpoint) {
				p.errorf(join(cpath, "tokenEndpoint"), "%q is not an http(s) URL", c.TokenEndpoint)
			}
		case c.Issuer != "":
			if !httpURL(c.Issuer) {
				p.errorf(join(cpath, "issuer"), "%q is not an http(s) URL", c.Issuer)
			}
		default:
			p.errorf(cpath, "tokenEndpoint or issuer is required to find the token endpoint")
		}
	}
}

// checkExchangeTarget checks a target whose OAuth credential
// provider o (at opath) has grantType TOKEN_EXCHANGE: its provider must
// exchange tokens, the gateway must have callers' tokens to exchange, and
// the new token must be for someone.
func (f *File) checkExchangeTarget(p *problems, opath, kind string, o *OAuthCredentialProvider, provider *OAuth2CredentialProvider) {
	if provider != nil && provider.OAuth2ProviderConfigInput != nil {
		if c := provider.OAuth2ProviderConfigInput.CustomOauth2ProviderConfig; c == nil || c.OnBehalfOfTokenExchangeConfig == nil {
			p.errorf(join(opath, "grantType"), "TOKEN_EXCHANGE needs oauth2CredentialProvider %q to have customOauth2ProviderConfig.onBehalfOfTokenExchangeConfig", provider.Name)
		}
	}
	if f.Gateway != nil && f.Gateway.AuthorizerType != "CUSTOM_JWT" {
		p.errorf(join(opath, "grantType"), "TOKEN_EXCHANGE needs gateway.authorizerType CUSTOM_JWT: there is no caller's token to exchange")
	}
	for k := range o.CustomParameters {
		if k != "audience" && k != "resource" {
			p.errorf(join(join(opath, "customParameters"), k), "a token exchange sends only audience and resource")
		}
	}
	if o.CustomParameters["audience"] == "" && o.CustomParameters["resource"] == "" && kind != "mcpServer" {
		p.errorf(join(opath, "customParameters"), "audience or resource is required with TOKEN_EXCHANGE: it names what the new token is for (an MCP server's defaults to its endpoint)")
	}
}

// checkServerCommand checks the local extension of an mcpServer target at
// path: a command instead of an endpoint, and what goes with it.
func checkServerCommand(p *problems, path string, s *MCPServerTargetConfiguration, creds bool) {
	switch {
	case s.Endpoint == "" && len(s.Command) == 0:
		p.errorf(join(path, "endpoint"), "required (or, a local extension, command)")
	case s.Endpoint != "" && len(s.Command) > 0:
		p.errorf(join(path, "command"), "give endpoint or command, not both")
	}
	if len(s.Command) > 0 && s.Command[0] == "" {
		p.errorf(index(join(path, "command"), 0), "the program is empty")
	}
	if len(s.Command) > 0 && creds {
		p.errorf(join(path, "command"), "a command takes no credential provider: give its secrets in environment")
	}
	if len(s.Command) == 0 {
		for _, f := range []struct {
			name string
			set  bool
		}{{"environment", len(s.Environment) > 0}, {"workingDirectory", s.WorkingDirectory != ""},
			{"processPerSession", s.ProcessPerSession}, {"maxProcesses", s.MaxProcesses != nil}} {
			if f.set {
				p.errorf(join(path, f.name), "only with command")
			}
		}
	}
	if mp := s.MaxProcesses; mp != nil && *mp < 1 {
		p.errorf(join(path, "maxProcesses"), "%d is not at least 1", *mp)
	}
	for k := range s.Environment {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			p.errorf(joinKey(join(path, "environment"), k), "not a variable name")
		}
	}
}

// checkTokenExchange checks a provider's on-behalf-of token exchange
// configuration at path (nil: none).
func checkTokenExchange(p *problems, path string, x *OnBehalfOfTokenExchangeConfig) {
	if x == nil {
		return
	}
	switch x.GrantType {
	case "TOKEN_EXCHANGE":
	case "JWT_AUTHORIZATION_GRANT":
		p.errorf(join(path, "grantType"), "JWT_AUTHORIZATION_GRANT (RFC 7523) is not supported; use TOKEN_EXCHANGE (RFC 8693)")
	case "":
	default:
		p.errorf(join(path, "grantType"), "%q is not one of TOKEN_EXCHANGE, JWT_AUTHORIZATION_GRANT", x.GrantType)
	}
	c := x.TokenExchangeGrantTypeConfig
	if c == nil {
		return
	}
	cpath := join(path, "tokenExchangeGrantTypeConfig")
	switch c.ActorTokenContent {
	case "NONE", "":
		if len(c.ActorTokenScopes) > 0 {
			p.errorf(join(cpath, "actorTokenScopes"), "only with actorTokenContent M2M")
		}
	case "M2M":
	case "AWS_IAM_ID_TOKEN_JWT":
		p.errorf(join(cpath, "actorTokenContent"), "AWS_IAM_ID_TOKEN_JWT is not supported: no AWS identity token is issued locally; use NONE or M2M")
	default:
		p.errorf(join(cpath, "actorTokenContent"), "%q is not one of NONE, M2M, AWS_IAM_ID_TOKEN_JWT", c.ActorTokenContent)
	}
}

// targetNameOK reports whether name is a valid toolgate target name.
func targetNameOK(name string) bool {
	if name == "" || len(name) > 64 || strings.Contains(name, "___") {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c == '-' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func (f *File) checkTarget(p *problems, path string, t *Target, apiKeys map[string]*APIKeyCredentialProvider, oauth map[string]*OAuth2CredentialProvider) {
	if t.Name != "" && !targetNameOK(t.Name) {
		p.errorf(join(path, "name"), "%q: use 1-64 characters of A-Z, a-z, 0-9, '_' and '-', without \"___\" (it joins target and tool names)", t.Name)
	}
	kind := ""
	if tc := t.TargetConfiguration; tc != nil && tc.MCP != nil {
		mpath := join(path, "targetConfiguration.mcp")
		kind = one(p, mpath, tc.MCP)
		m := tc.MCP
		switch kind {
		case "openApiSchema":
			f.checkSchema(p, join(mpath, kind), m.OpenAPISchema)
		case "smithyModel":
			f.checkSchema(p, join(mpath, kind), m.SmithyModel)
		case "lambda":
			f.checkLambda(p, join(mpath, kind), m.Lambda)
		case "mcpServer":
			s := m.MCPServer
			spath := join(mpath, kind)
			checkServerCommand(p, spath, s, len(t.CredentialProviderConfigurations) > 0)
			if s.Endpoint != "" && !httpURL(s.Endpoint) {
				p.errorf(join(spath, "endpoint"), "%q is not an http(s) URL", s.Endpoint)
			}
			if lm := s.ListingMode; lm != "" && lm != "DEFAULT" && lm != "DYNAMIC" {
				p.errorf(join(spath, "listingMode"), "%q is not one of DEFAULT, DYNAMIC", lm)
			}
			if rp := s.ResourcePriority; rp != nil && (*rp < 0 || *rp > 1000) {
				p.errorf(join(spath, "resourcePriority"), "%d is not within 0-1000", *rp)
			}
		case "template":
			tpath := join(mpath, kind)
			if _, err := templates.Lookup(m.Template.Name); m.Template.Name != "" && err != nil {
				p.errorf(join(tpath, "name"), "%q is not a template; one of %s", m.Template.Name, strings.Join(templates.Names(), ", "))
			}
			if u := m.Template.BaseURL; u != "" && !httpURL(u) {
				p.errorf(join(tpath, "baseUrl"), "%q is not an http(s) URL", u)
			}
			for i, c := range t.CredentialProviderConfigurations {
				if ct := c.CredentialProviderType; c != nil && ct != "API_KEY" && ct != "OAUTH" && ct != "" {
					p.errorf(join(index(join(path, "credentialProviderConfigurations"), i), "credentialProviderType"),
						"a template takes API_KEY (its token, or with username its password) or OAUTH, not %s", ct)
				}
			}
		}
	}
	if mc := t.MetadataConfiguration; mc != nil && len(mc.AllowedRequestHeaders) > 0 && kind != "lambda" && kind != "" {
		p.warnf(join(path, "metadataConfiguration.allowedRequestHeaders"), "ignored: only Lambda targets receive request headers (in the client context)")
	}
	cpath := join(path, "credentialProviderConfigurations")
	if len(t.CredentialProviderConfigurations) > 1 {
		p.errorf(cpath, "at most one credential provider configuration is allowed")
	}
	for i, c := range t.CredentialProviderConfigurations {
		f.checkCredentials(p, index(cpath, i), kind, c, apiKeys, oauth)
	}
}

func (f *File) checkCredentials(p *problems, path, kind string, c *CredentialProviderConfiguration, apiKeys map[string]*APIKeyCredentialProvider, oauth map[string]*OAuth2CredentialProvider) {
	if c == nil {
		p.errorf(path, "empty")
		return
	}
	ppath := join(path, "credentialProvider")
	var set []string
	if c.CredentialProvider != nil {
		set = members(c.CredentialProvider)
		if len(set) > 1 {
			p.errorf(ppath, "only one of %s may be given", strings.Join(set, ", "))
			return
		}
	}
	needs := func(member string) bool {
		if len(set) == 1 && set[0] == member {
			return true
		}
		if len(set) == 0 {
			p.errorf(join(ppath, member), "required with credentialProviderType %s", c.CredentialProviderType)
		} else {
			p.errorf(join(ppath, set[0]), "does not go with credentialProviderType %s", c.CredentialProviderType)
		}
		return false
	}
	switch c.CredentialProviderType {
	case "API_KEY":
		if !needs("apiKeyCredentialProvider") {
			return
		}
		k := c.CredentialProvider.APIKeyCredentialProvider
		kpath := join(ppath, "apiKeyCredentialProvider")
		if name := arnName(k.ProviderArn); k.ProviderArn != "" && apiKeys[name] == nil {
			p.errorf(join(kpath, "providerArn"), "names %q, which is not among apiKeyCredentialProviders", name)
		}
		switch k.CredentialLocation {
		case "", "HEADER":
		case "QUERY_PARAMETER":
			if k.CredentialParameterName == "" {
				p.errorf(join(kpath, "credentialParameterName"), "required with credentialLocation QUERY_PARAMETER")
			}
		default:
			p.errorf(join(kpath, "credentialLocation"), "%q is not one of HEADER, QUERY_PARAMETER", k.CredentialLocation)
		}
	case "OAUTH":
		if !needs("oauthCredentialProvider") {
			return
		}
		o := c.CredentialProvider.OAuthCredentialProvider
		opath := join(ppath, "oauthCredentialProvider")
		if name := arnName(o.ProviderArn); o.ProviderArn != "" && oauth[name] == nil {
			p.errorf(join(opath, "providerArn"), "names %q, which is not among oauth2CredentialProviders", name)
		}
		switch o.GrantType {
		case "", "CLIENT_CREDENTIALS":
		case "TOKEN_EXCHANGE":
			f.checkExchangeTarget(p, opath, kind, o, oauth[arnName(o.ProviderArn)])
		case "AUTHORIZATION_CODE":
			p.errorf(join(opath, "grantType"), "AUTHORIZATION_CODE is not supported: no user consent flow runs locally; use CLIENT_CREDENTIALS or TOKEN_EXCHANGE")
		default:
			p.errorf(join(opath, "grantType"), "%q is not one of CLIENT_CREDENTIALS, TOKEN_EXCHANGE", o.GrantType)
		}
	case "GATEWAY_IAM_ROLE":
		if len(set) == 1 && set[0] != "iamCredentialProvider" {
			p.errorf(join(ppath, set[0]), "does not go with credentialProviderType GATEWAY_IAM_ROLE")
			return
		}
		if len(set) == 0 && (kind == "openApiSchema" || kind == "mcpServer") {
			p.errorf(join(ppath, "iamCredentialProvider"), "required for a %s target: it names the SigV4 signing service", kind)
		}
	case "JWT_PASSTHROUGH":
		if len(set) > 0 {
			p.errorf(join(ppath, set[0]), "does not go with credentialProviderType JWT_PASSTHROUGH")
		}
		if f.Gateway != nil && f.Gateway.AuthorizerType != "CUSTOM_JWT" {
			p.errorf(join(path, "credentialProviderType"), "JWT_PASSTHROUGH needs gateway.authorizerType CUSTOM_JWT: there is no caller's token to pass on")
		}
	case "CALLER_IAM_CREDENTIALS":
		p.errorf(join(path, "credentialProviderType"), "CALLER_IAM_CREDENTIALS is not supported: callers do not sign with SigV4 for a local gateway")
	case "":
	default:
		p.errorf(join(path, "credentialProviderType"), "%q is not one of GATEWAY_IAM_ROLE, OAUTH, API_KEY, JWT_PASSTHROUGH", c.CredentialProviderType)
	}
}

// arnName returns the provider name an ARN (or a bare name) designates:
// its last path segment.
func arnName(arn string) string {
	if i := strings.LastIndexByte(arn, '/'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func (f *File) checkSchema(p *problems, path string, s *APISchemaConfiguration) {
	switch one(p, path, s) {
	case "s3":
		f.readS3(p, join(path, "s3"), s.S3)
	case "inlinePayload":
		if len(s.InlinePayload.Data) == 0 {
			p.errorf(join(path, "inlinePayload"), "empty")
		}
	}
}

func (f *File) checkLambda(p *problems, path string, l *LambdaTargetConfiguration) {
	if l.ToolSchema == nil {
		return
	}
	spath := join(path, "toolSchema")
	switch one(p, spath, l.ToolSchema) {
	case "s3":
		f.readS3(p, join(spath, "s3"), l.ToolSchema.S3)
	case "inlinePayload":
		seen := map[string]bool{}
		for i, d := range l.ToolSchema.InlinePayload {
			dpath := index(join(spath, "inlinePayload"), i)
			if d == nil {
				p.errorf(dpath, "empty")
				continue
			}
			if seen[d.Name] {
				p.errorf(join(dpath, "name"), "%q is used twice", d.Name)
			}
			seen[d.Name] = true
			for _, s := range []struct {
				name string
				raw  json.RawMessage
			}{{"inputSchema", d.InputSchema}, {"outputSchema", d.OutputSchema}} {
				if len(s.raw) > 0 && s.raw[0] != '{' {
					p.errorf(join(dpath, s.name), "must be a JSON Schema object")
				}
			}
		}
	}
}

// readS3 reads the file an s3 configuration names: a file:// URL or a
// path, relative to the configuration's folder.
func (f *File) readS3(p *problems, path string, s *S3Configuration) {
	u := s.URI
	var file string
	switch {
	case strings.HasPrefix(u, "file://"):
		pu, err := url.Parse(u)
		if err != nil || (pu.Host != "" && pu.Host != "localhost") {
			p.errorf(join(path, "uri"), "%q is not a file:// URL of a local file", u)
			return
		}
		file = pu.Path
	case strings.Contains(u, "://"):
		p.errorf(join(path, "uri"), "%q: only local files are read (a file:// URL or a path); download the object first", u)
		return
	default:
		file = u
	}
	if file == "" {
		p.errorf(join(path, "uri"), "empty")
		return
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(f.dir, file)
	}
	data, err := readFile(file)
	if err != nil {
		p.errorf(join(path, "uri"), "%v", err)
		return
	}
	s.path, s.data = file, data
	f.files = append(f.files, file)
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// fingerprint computes, for the gateway and each target, a digest of
// everything that makes it: a target's body, the files it reads, the
// credential providers it uses (secrets included). Reloading compares
// them to rebuild only what changed.
func (f *File) fingerprint() {
	h := sha256.New()
	enc := json.NewEncoder(h)
	g := *f.Gateway
	if pe := g.PolicyEngineConfiguration; pe != nil {
		g.PolicyEngineConfiguration = &PolicyEngineConfiguration{Arn: pe.Arn} // a reload applies the mode
	}
	_ = enc.Encode(g)
	if l := f.Toolgate; l != nil {
		c := *l
		c.Listen, c.AdminListen, c.Telemetry = "", "", nil // not applied by a reload
		// Secrets by their digest: a new embeddings API key rebuilds the gateway.
		writeSecrets(h, enc, c)
	}
	f.gatewayFP = hex.EncodeToString(h.Sum(nil))
	ph := sha256.New()
	_ = json.NewEncoder(ph).Encode(struct {
		Mode     string
		Policies []*Policy
	}{string(f.PolicyMode()), f.Policies})
	f.policyFP = hex.EncodeToString(ph.Sum(nil))

	apiKeys := map[string]*APIKeyCredentialProvider{}
	for _, k := range f.APIKeyCredentialProviders {
		apiKeys[k.Name] = k
	}
	oauth := map[string]*OAuth2CredentialProvider{}
	for _, o := range f.OAuth2CredentialProviders {
		oauth[o.Name] = o
	}
	for _, t := range f.Targets {
		h := sha256.New()
		enc := json.NewEncoder(h)
		_ = enc.Encode(t)
		if m := t.TargetConfiguration.MCP; m != nil {
			for _, s := range []*S3Configuration{s3Of(m.OpenAPISchema), s3Of(m.SmithyModel), lambdaS3(m.Lambda)} {
				if s != nil {
					h.Write(s.data)
				}
			}
		}
		for _, c := range t.CredentialProviderConfigurations {
			if c.CredentialProvider == nil {
				continue
			}
			if k := c.CredentialProvider.APIKeyCredentialProvider; k != nil {
				writeSecrets(h, enc, apiKeys[arnName(k.ProviderArn)])
			}
			if o := c.CredentialProvider.OAuthCredentialProvider; o != nil {
				writeSecrets(h, enc, oauth[arnName(o.ProviderArn)])
			}
		}
		// The gateway's authorizer decides whether a passthrough has a token.
		if f.Gateway != nil {
			h.Write([]byte(f.Gateway.AuthorizerType))
		}
		t.fp = hex.EncodeToString(h.Sum(nil))
	}
}

// writeSecrets adds a provider and its secrets' values to a digest.
func writeSecrets(h interface{ Write([]byte) (int, error) }, enc *json.Encoder, v any) {
	_ = enc.Encode(v)
	rv := reflect.ValueOf(v)
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			if v.Type() == tSecret {
				s, _ := v.Interface().(credentials.Secret).Resolve()
				sum := sha256.Sum256([]byte(s))
				_, _ = h.Write(sum[:])
				return
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		}
	}
	walk(rv)
}

func s3Of(s *APISchemaConfiguration) *S3Configuration {
	if s == nil {
		return nil
	}
	return s.S3
}

func lambdaS3(l *LambdaTargetConfiguration) *S3Configuration {
	if l == nil || l.ToolSchema == nil {
		return nil
	}
	return l.ToolSchema.S3
}

// GatewayFingerprint is a digest of the gateway's settings: the gateway
// body and the toolgate section, without what only a restart applies
// (listen addresses, telemetry) and the policy mode (see
// PolicyFingerprint).
func (f *File) GatewayFingerprint() string { return f.gatewayFP }

// PolicyFingerprint is a digest of the policies and the policy engine's
// mode, which a reload applies to the running engine
// (Built.UpdatePolicies).
func (f *File) PolicyFingerprint() string { return f.policyFP }

// Fingerprint is a digest of everything the target is built from: its
// body, the files it references and the credential providers it uses.
// Two loads give the same fingerprint when the target is unchanged.
func (t *Target) Fingerprint() string { return t.fp }
