package config

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/schema"
	"github.com/toolgate/toolgate/lambda"
	"github.com/toolgate/toolgate/mcpserver"
	"github.com/toolgate/toolgate/openapi"
	"github.com/toolgate/toolgate/policy"
	"github.com/toolgate/toolgate/search"
	"github.com/toolgate/toolgate/smithy"
	"github.com/toolgate/toolgate/templates"
)

// Built is what a File builds: the options of toolgate.New and the targets
// to add, exactly as a Go program would write them.
type Built struct {
	// Options are the gateway's options. The caller may add what the file
	// does not describe (MeterProvider, Audit, Interceptors, ...).
	Options toolgate.Options
	// JWT is the CUSTOM_JWT authorizer (also Options.Authorizer), nil
	// without one; serve its MetadataHandler at auth.MetadataPath.
	JWT *auth.JWT
	// Search, when not nil, are the options of search.Enable (the
	// gateway's searchType is SEMANTIC).
	Search *search.Options
	// Targets are the targets to add, in the file's order.
	Targets []*BuiltTarget
	// Previous, set before Gateway, is what built the gateway this one
	// replaces (a gateway rebuilt on reload): its search tool's vectors,
	// of the same embedding model, are taken over rather than embedded
	// again (search.Options.Seed). Gateway clears it.
	Previous *Built
	// Policy is the policy engine (also Options.Policy), nil without
	// gateway.policyEngineConfiguration. Gateway attaches it to the
	// gateway and loads the file's policies.
	Policy *policy.Engine

	file       *File
	svc        *search.Service   // enabled by Gateway
	gw         *toolgate.Gateway // the gateway Gateway made
	stopAttach func()            // ends the engine's following of gw
	pending    func()            // ends the wait of policies not yet loaded
}

// SearchService returns the search tool Gateway enabled, or nil (no
// SEMANTIC search, or before Gateway).
func (b *Built) SearchService() *search.Service { return b.svc }

// BuiltTarget is one target, built.
type BuiltTarget struct {
	Name string
	// Fingerprint is the Target's (see Target.Fingerprint).
	Fingerprint string
	Target      toolgate.Target
}

// Close releases what the target holds (an MCP server's connection or
// process). The gateway must no longer call it.
func (t *BuiltTarget) Close() error {
	if c, ok := t.Target.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Close releases the authorizer's key refresh, tool search and every
// target.
func (b *Built) Close() {
	b.closePolicies()
	if b.svc != nil {
		b.svc.Close()
	}
	if b.JWT != nil {
		b.JWT.Close()
	}
	for _, t := range b.Targets {
		_ = t.Close()
	}
}

// Gateway creates the gateway (toolgate.New), enables tool search when the
// file asks for it, adds every target, and loads the policies. A target whose listing fails is
// added all the same, unhealthy, as AddTarget does; the failure is logged
// by the gateway. Close the gateway, then b.
func (b *Built) Gateway(ctx context.Context) (*toolgate.Gateway, error) {
	opts := b.Options
	prev := b.Previous
	b.Previous = nil // not kept: each rebuild would keep every gateway before it alive
	gw, err := toolgate.New(&opts)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if b.Search != nil {
		so := *b.Search
		if so.MeterProvider == nil { // the search tool's metrics beside the gateway's
			so.MeterProvider = b.Options.MeterProvider
		}
		if prev != nil {
			so.Seed = prev.svc
		}
		svc, err := search.Enable(gw, &so)
		if err != nil {
			gw.Close()
			return nil, fmt.Errorf("config: tool search: %w", err)
		}
		b.svc = svc
	}
	for _, t := range b.Targets {
		if err := AddTarget(ctx, gw, t.Target); err != nil {
			gw.Close()
			return nil, err
		}
	}
	if b.Policy != nil {
		if err := b.attachPolicies(gw); err != nil {
			gw.Close()
			return nil, err
		}
	}
	return gw, nil
}

// AddTarget adds t to gw. A listing failure is not an error here: the
// target is added, unhealthy, and the gateway retries on Refresh.
func AddTarget(ctx context.Context, gw *toolgate.Gateway, t toolgate.Target) error {
	err := gw.AddTarget(ctx, t)
	if err == nil {
		return nil
	}
	for _, st := range gw.Status() {
		if st.Name == t.Name() {
			return nil // added; its listing failed
		}
	}
	return fmt.Errorf("config: target %q: %w", t.Name(), err)
}

// Build builds the gateway's options and every target, each checked as
// Validate checks it (its problems are Build's errors). The CUSTOM_JWT
// authorizer fetches its discovery document and keys now; targets contact
// no backend (OAuth2 token endpoints and MCP servers are reached on first
// use). logger receives the gateway's and the targets' logs.
func (f *File) Build(ctx context.Context, logger *slog.Logger) (*Built, error) {
	if logger == nil {
		logger = slog.Default()
	}
	b := &Built{file: f}
	var errs Errors
	opts, jwt, err := f.gatewayOptions(ctx, logger)
	if err != nil {
		errs = append(errs, err...)
	}
	b.Options, b.JWT = opts, jwt
	if eng, err := f.newEngine(logger); err != nil {
		errs = append(errs, err)
	} else if eng != nil {
		b.Policy, b.Options.Policy = eng, eng
	}
	if g := f.Gateway; g != nil && g.ProtocolConfiguration != nil && g.ProtocolConfiguration.MCP != nil && g.ProtocolConfiguration.MCP.SearchType == "SEMANTIC" {
		b.Search = f.searchOptions(logger)
	}
	for i, t := range f.Targets {
		tg, terrs := f.buildChecked(ctx, i, logger)
		if terrs != nil {
			errs = append(errs, terrs...)
			continue
		}
		b.Targets = append(b.Targets, &BuiltTarget{Name: t.Name, Fingerprint: t.fp, Target: tg.target})
	}
	if len(errs) > 0 {
		b.Close()
		return nil, errs
	}
	return b, nil
}

// BuildTarget builds and checks the target named name, as Build does.
func (f *File) BuildTarget(ctx context.Context, name string, logger *slog.Logger) (*BuiltTarget, error) {
	if logger == nil {
		logger = slog.Default()
	}
	for i, t := range f.Targets {
		if t.Name == name {
			tg, errs := f.buildChecked(ctx, i, logger)
			if errs != nil {
				return nil, errs
			}
			return &BuiltTarget{Name: t.Name, Fingerprint: t.fp, Target: tg.target}, nil
		}
	}
	return nil, &Error{Msg: fmt.Sprintf("no target %q", name)}
}

// gatewayOptions builds toolgate.Options from the gateway and toolgate
// sections.
func (f *File) gatewayOptions(ctx context.Context, logger *slog.Logger) (toolgate.Options, *auth.JWT, Errors) {
	g := f.Gateway
	o := toolgate.Options{Name: g.Name, Resource: g.Name, Logger: logger}
	if pc := g.ProtocolConfiguration; pc != nil && pc.MCP != nil {
		o.Instructions = pc.MCP.Instructions
	}
	l := f.Toolgate
	if l == nil {
		l = &Local{}
	}
	o.Stateless, o.JSONResponse = l.Stateless, l.JSONResponse
	if l.Search != nil {
		o.ListBuiltinsOnly = l.Search.ListBuiltinsOnly
	}
	if lim := l.Limits; lim != nil {
		if lim.MaxBodyBytes != nil {
			o.MaxBodyBytes = *lim.MaxBodyBytes
		}
		if lim.CallTimeout != nil {
			o.CallTimeout = time.Duration(*lim.CallTimeout)
		}
		if lim.MaxConcurrentCalls != nil {
			o.MaxConcurrentCalls = *lim.MaxConcurrentCalls
		}
		if lim.RefreshInterval != nil {
			o.RefreshInterval = time.Duration(*lim.RefreshInterval)
		}
	}
	for i, ic := range g.InterceptorConfigurations {
		gi, err := interceptor(ctx, ic, logger)
		if err != nil {
			return o, nil, Errors{{Path: index("gateway.interceptorConfigurations", i) + ".interceptor.lambda", Msg: err.Error(), Err: err}}
		}
		o.GatewayInterceptors = append(o.GatewayInterceptors, gi)
	}
	switch g.AuthorizerType {
	case "NONE":
		o.Authorizer = auth.None()
	case "CUSTOM_JWT":
		j := g.AuthorizerConfiguration.CustomJWTAuthorizer
		cfg := auth.JWTConfig{
			DiscoveryURL:          j.DiscoveryURL,
			AllowedAudience:       j.AllowedAudience,
			AllowedClients:        j.AllowedClients,
			AllowedScopes:         j.AllowedScopes,
			PublicURL:             l.PublicURL,
			TrustForwardedHeaders: l.TrustForwardedHeaders,
			ResourceName:          g.Name,
		}
		for _, c := range j.CustomClaims {
			cfg.CustomClaims = append(cfg.CustomClaims, claimRule(c))
		}
		jwt, err := auth.NewJWT(ctx, cfg)
		if err != nil {
			return o, nil, Errors{{Path: "gateway.authorizerConfiguration.customJWTAuthorizer", Msg: err.Error(), Err: err}}
		}
		o.Authorizer = jwt
		return o, jwt, nil
	}
	return o, nil, nil
}

// interceptor builds an interceptor: its Lambda function, invoked through
// the Lambda API as lambda targets invoke theirs (the endpoint of
// AWS_ENDPOINT_URL_LAMBDA, SigV4 from the default credential chain).
func interceptor(ctx context.Context, ic *GatewayInterceptorConfiguration, logger *slog.Logger) (toolgate.GatewayInterceptor, error) {
	fn, err := lambda.NewFunction(ctx, &lambda.Options{Function: ic.Interceptor.Lambda.Arn, Logger: logger})
	if err != nil {
		return toolgate.GatewayInterceptor{}, err
	}
	gi := toolgate.GatewayInterceptor{Handler: fn,
		Request:  slices.Contains(ic.InterceptionPoints, "REQUEST"),
		Response: slices.Contains(ic.InterceptionPoints, "RESPONSE")}
	if in := ic.InputConfiguration; in != nil {
		gi.PassRequestHeaders = in.PassRequestHeaders
	}
	return gi, nil
}

// claimRule maps a CustomClaimValidationType to auth's rule.
func claimRule(c *CustomClaim) auth.ClaimRule {
	v := c.AuthorizingClaimMatchValue.ClaimMatchValue
	r := auth.ClaimRule{Claim: c.InboundTokenClaimName, Op: auth.ClaimOp(c.AuthorizingClaimMatchValue.ClaimMatchOperator)}
	if v.MatchValueString != "" {
		r.Values = []string{v.MatchValueString}
	} else {
		r.Values = slices.Clone(v.MatchValueStringList)
	}
	return r
}

// kindOf returns the member of targetConfiguration.mcp a target uses.
func kindOf(t *Target) string {
	if set := members(t.TargetConfiguration.MCP); len(set) == 1 {
		return set[0]
	}
	return ""
}

// buildTarget builds targets[i]. Its errors name the target and the path.
func (f *File) buildTarget(ctx context.Context, i int, logger *slog.Logger) (toolgate.Target, *Error) {
	t := f.Targets[i]
	kind := kindOf(t)
	path := index("targets", i) + ".targetConfiguration.mcp." + kind
	fail := func(p string, err error) *Error {
		return &Error{Path: p, Target: t.Name, Msg: err.Error(), Err: err}
	}
	// openapi, lambda and mcpserver name the target in their logs; smithy
	// and the credential providers get it here.
	log := logger.With("target", t.Name)
	creds, err := f.credentials(ctx, t, log)
	if err != nil {
		return nil, fail(index("targets", i)+".credentialProviderConfigurations[0]", err)
	}
	m := t.TargetConfiguration.MCP
	switch kind {
	case "openApiSchema":
		opts := &openapi.Options{Name: t.Name, Description: t.Description, Credentials: creds, Logger: logger}
		var tg *openapi.Target
		var err error
		if s := m.OpenAPISchema.S3; s != nil {
			tg, err = openapi.LoadFile(ctx, s.path, opts)
		} else {
			tg, err = openapi.New(ctx, m.OpenAPISchema.InlinePayload.Data, opts)
		}
		if err != nil {
			return nil, fail(path, err)
		}
		return tg, nil
	case "smithyModel":
		var model *smithy.Model
		var err error
		if s := m.SmithyModel.S3; s != nil {
			model, err = smithy.LoadFile(s.path)
		} else {
			model, err = smithy.Parse(m.SmithyModel.InlinePayload.Data)
		}
		if err != nil {
			return nil, fail(path, err)
		}
		tg, err := smithy.New(ctx, model, &smithy.Options{Name: t.Name, Description: t.Description, Credentials: creds, Logger: log})
		if err != nil {
			return nil, fail(path, err)
		}
		return tg, nil
	case "lambda":
		l := m.Lambda
		var data []byte
		spath := path + ".toolSchema"
		if s := l.ToolSchema.S3; s != nil {
			data, spath = s.data, spath+".s3"
		} else {
			data, _ = json.Marshal(l.ToolSchema.InlinePayload)
			spath += ".inlinePayload"
		}
		tools, err := lambda.ParseTools(data)
		if err != nil {
			return nil, fail(spath, err)
		}
		o := &lambda.Options{Name: t.Name, Description: t.Description, Tools: tools, Function: l.LambdaArn, Credentials: creds, Logger: logger}
		if mc := t.MetadataConfiguration; mc != nil {
			o.PropagateHeaders = mc.AllowedRequestHeaders
		}
		tg, err := lambda.New(ctx, o)
		if err != nil {
			return nil, fail(path, err)
		}
		return tg, nil
	case "mcpServer":
		s := m.MCPServer
		o := &mcpserver.Options{Name: t.Name, Description: t.Description, URL: s.Endpoint, Credentials: creds, Logger: logger,
			ListingMode: mcpserver.ListingMode(s.ListingMode), Command: s.Command, Dir: s.WorkingDirectory,
			ProcessPerSession: s.ProcessPerSession}
		if s.MaxProcesses != nil {
			o.MaxProcesses = *s.MaxProcesses
		}
		env, eerr := commandEnv(path, t.Name, s)
		if eerr != nil {
			return nil, eerr
		}
		o.Env = env
		if l, ok := creds.(*lazy); ok && l.own != nil {
			o.ListingCredentials = l.own // the gateway's own, for a token exchange
		}
		if s.ResourcePriority != nil {
			o.ResourcePriority = *s.ResourcePriority
		}
		tg, err := mcpserver.New(o)
		if err != nil {
			return nil, fail(path, err)
		}
		return tg, nil
	case "template":
		tg, err := f.templateTarget(ctx, t, logger)
		if err != nil {
			return nil, fail(path, err)
		}
		return tg, nil
	}
	return nil, fail(path, errors.New("no target kind"))
}

// checkServer checks what an mcpServer target, targets[i], needs short of
// contacting the server or starting its command: its credentials, and a
// command's environment.
func (f *File) checkServer(ctx context.Context, i int, logger *slog.Logger) Errors {
	t := f.Targets[i]
	if _, err := f.credentials(ctx, t, logger.With("target", t.Name)); err != nil {
		return Errors{&Error{Path: index("targets", i) + ".credentialProviderConfigurations[0]", Target: t.Name, Msg: err.Error(), Err: err}}
	}
	if s := t.TargetConfiguration.MCP.MCPServer; len(s.Command) > 0 {
		if _, err := commandEnv(index("targets", i)+".targetConfiguration.mcp.mcpServer", t.Name, s); err != nil {
			return Errors{err}
		}
	}
	return nil
}

// commandEnv returns the environment entries ("KEY=value") of the command
// of s, an mcpServer target's configuration at path, with its secrets
// resolved.
func commandEnv(path, target string, s *MCPServerTargetConfiguration) ([]string, *Error) {
	var env []string
	for _, k := range slices.Sorted(maps.Keys(s.Environment)) {
		v, err := s.Environment[k].Resolve()
		if err != nil {
			p := joinKey(path+".environment", k)
			return nil, &Error{Path: p, Target: target, Msg: err.Error(), Err: err}
		}
		env = append(env, k+"="+v)
	}
	return env, nil
}

// credentials builds the provider of a target's credential provider
// configuration; nil means the target's default.
func (f *File) credentials(ctx context.Context, t *Target, log *slog.Logger) (credentials.Provider, error) {
	if len(t.CredentialProviderConfigurations) == 0 {
		return nil, nil
	}
	c := t.CredentialProviderConfigurations[0]
	switch c.CredentialProviderType {
	case "API_KEY":
		k := c.CredentialProvider.APIKeyCredentialProvider
		p := f.apiKeyProvider(arnName(k.ProviderArn))
		loc := credentials.Header
		if k.CredentialLocation == "QUERY_PARAMETER" {
			loc = credentials.Query
		}
		return credentials.NewAPIKey(credentials.APIKeyConfig{Key: p.APIKey, In: loc, Name: k.CredentialParameterName, Prefix: k.CredentialPrefix})
	case "OAUTH":
		o := c.CredentialProvider.OAuthCredentialProvider
		cfg, err := f.oauthClientCredentials(t, log)
		if err != nil {
			return nil, err
		}
		if o.GrantType == "TOKEN_EXCHANGE" {
			return f.tokenExchange(t, cfg), nil
		}
		return lazyClientCredentials(cfg), nil
	case "GATEWAY_IAM_ROLE":
		if c.CredentialProvider == nil || c.CredentialProvider.IAMCredentialProvider == nil {
			return nil, nil // lambda and smithy sign with SigV4 by default
		}
		iam := c.CredentialProvider.IAMCredentialProvider
		return credentials.NewSigV4(ctx, credentials.SigV4Config{Service: iam.Service, Region: iam.Region, Logger: log})
	case "JWT_PASSTHROUGH":
		return credentials.NewPassthrough(credentials.PassthroughConfig{})
	}
	return nil, fmt.Errorf("credentialProviderType %q is not supported", c.CredentialProviderType)
}

// oauthClientCredentials is the client credentials grant of t's OAUTH
// credential provider configuration: its provider's client, t's scopes
// and custom parameters. A token exchange target without an audience or
// resource asks for its endpoint's (RFC 8707).
func (f *File) oauthClientCredentials(t *Target, log *slog.Logger) (credentials.ClientCredentialsConfig, error) {
	o := t.CredentialProviderConfigurations[0].CredentialProvider.OAuthCredentialProvider
	cfg, err := f.clientCredentials(f.oauth2Provider(arnName(o.ProviderArn)))
	if err != nil {
		return cfg, err
	}
	cfg.Scopes = o.Scopes
	cfg.Logger = log
	params := maps.Clone(o.CustomParameters)
	if s := t.TargetConfiguration.MCP.MCPServer; o.GrantType == "TOKEN_EXCHANGE" && params["audience"] == "" && params["resource"] == "" && s != nil {
		params = map[string]string{"resource": s.Endpoint}
	}
	if len(params) > 0 {
		cfg.EndpointParams = url.Values{}
		for k, v := range params {
			cfg.EndpointParams.Set(k, v)
		}
	}
	return cfg, nil
}

// tokenExchange is the token exchange (RFC 8693) of a target with grantType
// TOKEN_EXCHANGE, made on first use: the caller's token for one for the
// audience or resource of cc (the target's client credentials grant), with
// the provider's client and the target's scopes, and, with actor token
// content M2M, the provider's own client-credentials token (with the actor
// token scopes) as the actor. Its own credentials, for the requests the
// gateway makes for no caller (an MCP server's listing), are cc's.
func (f *File) tokenExchange(t *Target, cc credentials.ClientCredentialsConfig) credentials.Provider {
	o := t.CredentialProviderConfigurations[0].CredentialProvider.OAuthCredentialProvider
	x := f.oauth2Provider(arnName(o.ProviderArn)).OAuth2ProviderConfigInput.CustomOauth2ProviderConfig.OnBehalfOfTokenExchangeConfig
	cfg := credentials.TokenExchangeConfig{
		ClientID: cc.ClientID, ClientSecret: cc.ClientSecret, TokenURL: cc.TokenURL, DiscoveryURL: cc.DiscoveryURL, AuthStyle: cc.AuthStyle,
		Audience: cc.EndpointParams.Get("audience"), Resource: cc.EndpointParams.Get("resource"), Scopes: cc.Scopes, Logger: cc.Logger,
	}
	var actor *credentials.ClientCredentialsConfig
	if g := x.TokenExchangeGrantTypeConfig; g != nil && g.ActorTokenContent == "M2M" {
		a := cc
		a.Scopes, a.EndpointParams = g.ActorTokenScopes, nil
		actor = &a
	}
	return &lazy{
		desc: fmt.Sprintf("OAuth2 token exchange of client %q at %s", cc.ClientID, tokenURLOf(cc.TokenURL, cc.DiscoveryURL)),
		acts: true,
		own:  lazyClientCredentials(cc),
		make: func(ctx context.Context) (credentials.Provider, error) {
			if actor != nil {
				a, err := credentials.NewClientCredentials(ctx, *actor)
				if err != nil {
					return nil, fmt.Errorf("actor token: %w", err)
				}
				cfg.Actor = a
			}
			return credentials.NewTokenExchange(ctx, cfg)
		},
	}
}

func (f *File) apiKeyProvider(name string) *APIKeyCredentialProvider {
	for _, p := range f.APIKeyCredentialProviders {
		if p.Name == name {
			return p
		}
	}
	return nil
}

func (f *File) oauth2Provider(name string) *OAuth2CredentialProvider {
	for _, p := range f.OAuth2CredentialProviders {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// vendorTokenURL returns the token endpoint of one of AgentCore's built-in
// vendors.
func vendorTokenURL(vendor string) string {
	switch vendor {
	case "GoogleOauth2":
		return "https://oauth2.googleapis.com/token"
	case "GithubOauth2":
		return "https://github.com/login/oauth/access_token"
	case "SlackOauth2":
		return "https://slack.com/api/oauth.v2.access"
	case "SalesforceOauth2":
		return "https://login.salesforce.com/services/oauth2/token"
	case "AtlassianOauth2":
		return "https://auth.atlassian.com/oauth/token"
	case "LinkedinOauth2":
		return "https://www.linkedin.com/oauth/v2/accessToken"
	}
	return ""
}

// clientCredentials maps an OAuth2 credential provider to the client
// credentials grant toolgate runs.
func (f *File) clientCredentials(p *OAuth2CredentialProvider) (credentials.ClientCredentialsConfig, error) {
	in := p.OAuth2ProviderConfigInput
	var cfg credentials.ClientCredentialsConfig
	switch {
	case in.CustomOauth2ProviderConfig != nil:
		c := in.CustomOauth2ProviderConfig
		cfg.ClientID, cfg.ClientSecret = c.ClientID, c.ClientSecret
		if d := c.OauthDiscovery; d.DiscoveryURL != "" {
			cfg.DiscoveryURL = d.DiscoveryURL
		} else {
			md := d.AuthorizationServerMetadata
			cfg.TokenURL = md.TokenEndpoint
			if len(md.TokenEndpointAuthMethods) > 0 && !slices.Contains(md.TokenEndpointAuthMethods, "client_secret_basic") &&
				slices.Contains(md.TokenEndpointAuthMethods, "client_secret_post") {
				cfg.AuthStyle = credentials.AuthPost
			}
		}
		switch c.ClientAuthenticationMethod {
		case "CLIENT_SECRET_POST":
			cfg.AuthStyle = credentials.AuthPost
		case "CLIENT_SECRET_BASIC":
			cfg.AuthStyle = credentials.AuthBasic
		}
	case in.MicrosoftOauth2ProviderConfig != nil:
		c := in.MicrosoftOauth2ProviderConfig
		cfg.ClientID, cfg.ClientSecret = c.ClientID, c.ClientSecret
		cfg.TokenURL = "https://login.microsoftonline.com/" + url.PathEscape(c.TenantID) + "/oauth2/v2.0/token"
	case in.IncludedOauth2ProviderConfig != nil:
		c := in.IncludedOauth2ProviderConfig
		cfg.ClientID, cfg.ClientSecret = c.ClientID, c.ClientSecret
		if c.TokenEndpoint != "" {
			cfg.TokenURL = c.TokenEndpoint
		} else {
			cfg.DiscoveryURL = strings.TrimSuffix(c.Issuer, "/") + "/.well-known/openid-configuration"
		}
	default:
		for _, v := range []*VendorOAuth2ProviderConfig{in.GoogleOauth2ProviderConfig, in.GithubOauth2ProviderConfig, in.SlackOauth2ProviderConfig,
			in.SalesforceOauth2ProviderConfig, in.AtlassianOauth2ProviderConfig, in.LinkedinOauth2ProviderConfig} {
			if v != nil {
				cfg.ClientID, cfg.ClientSecret = v.ClientID, v.ClientSecret
				cfg.TokenURL = vendorTokenURL(p.CredentialProviderVendor)
			}
		}
	}
	if cfg.TokenURL == "" && cfg.DiscoveryURL == "" {
		return cfg, fmt.Errorf("OAuth2 provider %q: no token endpoint", p.Name)
	}
	return cfg, nil
}

// Validate converts every target's spec, model and tool schemas without
// serving: it builds each target, lists its tools (except MCP servers,
// which would have to be contacted) and compiles every tool's schemas as
// the gateway would, and validates the policies against the Cedar schema of
// the tools (when every target could be listed: an MCP server is not
// contacted). It returns every problem as Errors, each naming the
// target or policy and the field. The CUSTOM_JWT authorizer's discovery document is
// not fetched (Build does).
func (f *File) Validate(ctx context.Context) error {
	listed, complete, errs := f.listTargets(ctx, slog.New(slog.DiscardHandler), false)
	if len(errs) == 0 && complete && f.PolicyMode() != "" {
		tools, err := publishedTools(ctx, listed)
		if err != nil {
			errs = append(errs, &Error{Path: "targets", Msg: err.Error(), Err: err})
		} else {
			errs = append(errs, f.checkPolicyStatements(tools)...)
		}
	}
	return errs.err()
}

// checkedTarget is a target built and checked as Validate checks it.
type checkedTarget struct {
	target toolgate.Target
	tools  []toolgate.Tool // its listing, when listed
	listed bool            // false for an MCP server, not contacted
}

// buildChecked builds targets[i] and checks it as the gateway would serve
// it: its tools listed (except an MCP server's, which would have to be
// contacted), every tool's schemas compiled, every OpenAPI operation with
// a usable server URL. A target with problems is closed.
func (f *File) buildChecked(ctx context.Context, i int, logger *slog.Logger) (*checkedTarget, Errors) {
	t := f.Targets[i]
	tg, err := f.buildTarget(ctx, i, logger)
	if err != nil {
		return nil, Errors{err}
	}
	kind := kindOf(t)
	if kind == "mcpServer" {
		return &checkedTarget{target: tg}, nil
	}
	path := index("targets", i) + ".targetConfiguration.mcp." + kind
	var errs Errors
	tools, lerr := tg.ListTools(ctx)
	if lerr != nil {
		errs = append(errs, &Error{Path: path, Target: t.Name, Msg: "listing tools: " + lerr.Error(), Err: lerr})
	} else {
		if len(tools) == 0 {
			errs = append(errs, &Error{Path: path, Target: t.Name, Msg: "no tools: the target would publish nothing"})
		}
		errs = append(errs, checkTools(t, path, tools)...)
		if api, ok := tg.(*openapi.Target); ok {
			for _, w := range api.Unreachable() {
				why, _, _ := strings.Cut(w.Message, "; set ") // the Go options are not in the file
				errs = append(errs, &Error{Path: path, Target: t.Name, Msg: fmt.Sprintf("tool %q: no usable server URL (%s): give the spec an absolute servers URL", w.Where, why)})
			}
		}
	}
	if len(errs) > 0 {
		if c, ok := tg.(io.Closer); ok {
			_ = c.Close()
		}
		return nil, errs
	}
	return &checkedTarget{target: tg, tools: tools, listed: true}, nil
}

// checkTools compiles each tool's schemas as the gateway does when it
// publishes them; a tool that fails would not be served.
func checkTools(t *Target, path string, tools []toolgate.Tool) Errors {
	var errs Errors
	inline := map[string]int{} // a Lambda inline definition's index, by tool name
	if l := t.TargetConfiguration.MCP.Lambda; l != nil && l.ToolSchema.InlinePayload != nil {
		for i, d := range l.ToolSchema.InlinePayload {
			inline[d.Name] = i
		}
	}
	sc := schema.NewCompiler()
	seen := map[string]bool{}
	for _, tool := range tools {
		at := path
		if i, ok := inline[tool.Name]; ok {
			at = fmt.Sprintf("%s.toolSchema.inlinePayload[%d]", path, i)
		}
		bad := func(field, format string, args ...any) {
			p := at
			if field != "" {
				p = join(at, field)
			}
			errs = append(errs, &Error{Path: p, Target: t.Name, Msg: fmt.Sprintf(format, args...)})
		}
		switch {
		case tool.Name == "":
			bad("name", "a tool has no name")
			continue
		case seen[tool.Name]:
			bad("name", "tool %q is listed twice", tool.Name)
			continue
		}
		seen[tool.Name] = true
		field := func(s string) string {
			if at == path {
				return "" // a spec's operation: the path names the target
			}
			return s
		}
		in, err := schema.NormalizeInput(tool.InputSchema)
		if err == nil {
			_, err = sc.Compile(in)
		}
		if err != nil {
			bad(field("inputSchema"), "tool %q: input schema: %v", tool.Name, err)
		}
		if _, err := schema.NormalizeOutput(tool.OutputSchema); err != nil {
			bad(field("outputSchema"), "tool %q: output schema: %v", tool.Name, err)
		}
	}
	return errs
}

// templateTarget builds a target from an integration template, its secret
// from the target's credential provider configuration.
func (f *File) templateTarget(ctx context.Context, t *Target, logger *slog.Logger) (toolgate.Target, error) {
	c := t.TargetConfiguration.MCP.Template
	tpl, err := templates.Lookup(c.Name)
	if err != nil {
		return nil, err
	}
	o := &templates.Options{Name: t.Name, Site: c.Site, CloudID: c.CloudID, AccountSID: c.AccountSID,
		AllOperations: c.AllOperations, BaseURL: c.BaseURL, Logger: logger}
	if len(t.CredentialProviderConfigurations) > 0 {
		cp := t.CredentialProviderConfigurations[0]
		switch cp.CredentialProviderType {
		case "API_KEY":
			key := f.apiKeyProvider(arnName(cp.CredentialProvider.APIKeyCredentialProvider.ProviderArn)).APIKey
			if c.Username != "" {
				o.Username, o.Password = c.Username, key
			} else {
				o.Token = key
			}
		default:
			creds, err := f.credentials(ctx, t, logger)
			if err != nil {
				return nil, err
			}
			o.Credentials = creds
		}
	}
	return tpl.Target(ctx, o)
}
