package config

import (
	"encoding/json"

	"github.com/toolgate/toolgate/credentials"
)

// The types below mirror the request bodies of Amazon Bedrock AgentCore's
// control plane (CreateGateway, CreateGatewayTarget,
// CreateApiKeyCredentialProvider, CreateOauth2CredentialProvider): the
// field names, nesting and enum values are AgentCore's. Fields AgentCore
// has and toolgate does not use are Ignored (a warning) or Unsupported (an
// error). docs/config.md describes every field.

// File is a configuration file: a gateway, the credential providers its
// targets use, the targets, and toolgate's own local settings.
type File struct {
	// Gateway is a CreateGateway request body.
	Gateway *Gateway `yaml:"gateway" cfg:"required"`
	// APIKeyCredentialProviders are CreateApiKeyCredentialProvider bodies.
	APIKeyCredentialProviders []*APIKeyCredentialProvider `yaml:"apiKeyCredentialProviders"`
	// OAuth2CredentialProviders are CreateOauth2CredentialProvider bodies.
	OAuth2CredentialProviders []*OAuth2CredentialProvider `yaml:"oauth2CredentialProviders"`
	// Targets are CreateGatewayTarget bodies.
	Targets []*Target `yaml:"targets"`
	// Policies are CreatePolicy bodies: the Cedar policies of the
	// gateway's policy engine (gateway.policyEngineConfiguration).
	Policies []*Policy `yaml:"policies"`
	// Toolgate holds local settings AgentCore has no field for.
	Toolgate *Local `yaml:"toolgate"`

	path      string    // the file read, "" for Parse
	dir       string    // relative file references resolve here
	files     []string  // every file read: the configuration and those it references
	warnings  []Warning // fields accepted but not acted on
	gatewayFP string    // see GatewayFingerprint
	policyFP  string    // see PolicyFingerprint
}

// Gateway is a CreateGateway request body.
type Gateway struct {
	Name                    string                   `yaml:"name" cfg:"required"`
	Description             string                   `yaml:"description"`
	ProtocolType            string                   `yaml:"protocolType"`
	ProtocolConfiguration   *ProtocolConfiguration   `yaml:"protocolConfiguration"`
	AuthorizerType          string                   `yaml:"authorizerType" cfg:"required"`
	AuthorizerConfiguration *AuthorizerConfiguration `yaml:"authorizerConfiguration"`

	RoleArn        Ignored `yaml:"roleArn" note:"targets that sign with SigV4 use the default AWS credential chain of the process"`
	KmsKeyArn      Ignored `yaml:"kmsKeyArn"`
	ExceptionLevel Ignored `yaml:"exceptionLevel" note:"errors are always as detailed as the gateway can make them without leaking secrets"`
	Tags           Ignored `yaml:"tags"`
	ClientToken    Ignored `yaml:"clientToken"`

	// InterceptorConfigurations are Lambda functions run around every
	// MCP request (toolgate.Options.GatewayInterceptors).
	InterceptorConfigurations []*GatewayInterceptorConfiguration `yaml:"interceptorConfigurations"`
	// PolicyEngineConfiguration attaches the policy engine whose policies
	// (File.Policies) decide every tool call.
	PolicyEngineConfiguration *PolicyEngineConfiguration `yaml:"policyEngineConfiguration"`
}

// PolicyEngineConfiguration is a GatewayPolicyEngineConfiguration.
type PolicyEngineConfiguration struct {
	// Arn is the policy engine's ARN; a policy belongs to it when the ARN
	// ends in the policy's policyEngineId.
	Arn string `yaml:"arn" cfg:"required"`
	// Mode is ENFORCE or LOG_ONLY.
	Mode string `yaml:"mode" cfg:"required"`
}

// Policy is a CreatePolicy body.
type Policy struct {
	Name           string            `yaml:"name" cfg:"required"`
	Description    string            `yaml:"description"`
	PolicyEngineID string            `yaml:"policyEngineId" cfg:"required"`
	Definition     *PolicyDefinition `yaml:"definition" cfg:"required"`
	// ValidationMode is FAIL_ON_ANY_FINDINGS (the default) or
	// IGNORE_ALL_FINDINGS. Either way a policy must validate against the
	// catalogue's Cedar schema, as in AgentCore; the semantic findings
	// AgentCore adds with FAIL_ON_ANY_FINDINGS are not computed.
	ValidationMode string  `yaml:"validationMode"`
	ClientToken    Ignored `yaml:"clientToken"`
}

// PolicyDefinition is AgentCore's PolicyDefinition union.
type PolicyDefinition struct {
	Cedar *CedarPolicy `yaml:"cedar" cfg:"required"`
}

// CedarPolicy is a CedarPolicy: one Cedar policy statement.
type CedarPolicy struct {
	Statement string `yaml:"statement" cfg:"required"`
}

// GatewayInterceptorConfiguration is AgentCore's
// GatewayInterceptorConfiguration: an interceptor Lambda function, where it
// runs, and what it is given.
type GatewayInterceptorConfiguration struct {
	Interceptor *InterceptorConfiguration `yaml:"interceptor" cfg:"required"`
	// InterceptionPoints are REQUEST, RESPONSE or both.
	InterceptionPoints []string                       `yaml:"interceptionPoints"`
	InputConfiguration *InterceptorInputConfiguration `yaml:"inputConfiguration"`
}

// InterceptorConfiguration is AgentCore's InterceptorConfiguration union;
// lambda is its one member.
type InterceptorConfiguration struct {
	Lambda *LambdaInterceptorConfiguration `yaml:"lambda" cfg:"required"`
}

// LambdaInterceptorConfiguration names the interceptor's function.
type LambdaInterceptorConfiguration struct {
	Arn string `yaml:"arn" cfg:"required"`
}

// InterceptorInputConfiguration is AgentCore's
// InterceptorInputConfiguration.
type InterceptorInputConfiguration struct {
	// PassRequestHeaders gives the interceptor the request's headers,
	// Authorization included.
	PassRequestHeaders bool    `yaml:"passRequestHeaders"`
	PayloadFilter      Ignored `yaml:"payloadFilter" note:"AgentCore applies it to the payloads of HTTP targets only; MCP payloads are never filtered"`
}

// ProtocolConfiguration is AgentCore's GatewayProtocolConfiguration union.
type ProtocolConfiguration struct {
	MCP *MCPGatewayConfiguration `yaml:"mcp"`
}

// MCPGatewayConfiguration configures the MCP protocol.
type MCPGatewayConfiguration struct {
	// SupportedVersions are accepted and reported; toolgate negotiates
	// every version go-sdk speaks.
	SupportedVersions []string `yaml:"supportedVersions"`
	Instructions      string   `yaml:"instructions"`
	// SearchType SEMANTIC adds the tool search builtin.
	SearchType string `yaml:"searchType"`
}

// AuthorizerConfiguration is AgentCore's AuthorizerConfiguration union.
type AuthorizerConfiguration struct {
	CustomJWTAuthorizer *CustomJWTAuthorizer `yaml:"customJWTAuthorizer"`
}

// CustomJWTAuthorizer is a CustomJWTAuthorizerConfiguration.
type CustomJWTAuthorizer struct {
	DiscoveryURL    string         `yaml:"discoveryUrl" cfg:"required"`
	AllowedAudience []string       `yaml:"allowedAudience"`
	AllowedClients  []string       `yaml:"allowedClients"`
	AllowedScopes   []string       `yaml:"allowedScopes"`
	CustomClaims    []*CustomClaim `yaml:"customClaims"`
}

// CustomClaim is a CustomClaimValidationType: one condition on a claim.
type CustomClaim struct {
	InboundTokenClaimName      string                      `yaml:"inboundTokenClaimName" cfg:"required"`
	InboundTokenClaimValueType string                      `yaml:"inboundTokenClaimValueType" cfg:"required"`
	AuthorizingClaimMatchValue *AuthorizingClaimMatchValue `yaml:"authorizingClaimMatchValue" cfg:"required"`
}

// AuthorizingClaimMatchValue is an AuthorizingClaimMatchValueType.
type AuthorizingClaimMatchValue struct {
	ClaimMatchValue    *ClaimMatchValue `yaml:"claimMatchValue" cfg:"required"`
	ClaimMatchOperator string           `yaml:"claimMatchOperator" cfg:"required"`
}

// ClaimMatchValue is a ClaimMatchValueType union.
type ClaimMatchValue struct {
	MatchValueString     string   `yaml:"matchValueString"`
	MatchValueStringList []string `yaml:"matchValueStringList"`
}

// APIKeyCredentialProvider is a CreateApiKeyCredentialProvider body.
type APIKeyCredentialProvider struct {
	Name   string             `yaml:"name" cfg:"required"`
	APIKey credentials.Secret `yaml:"apiKey" cfg:"required"`
	Tags   Ignored            `yaml:"tags"`
}

// OAuth2CredentialProvider is a CreateOauth2CredentialProvider body.
type OAuth2CredentialProvider struct {
	Name                      string                     `yaml:"name" cfg:"required"`
	CredentialProviderVendor  string                     `yaml:"credentialProviderVendor" cfg:"required"`
	OAuth2ProviderConfigInput *OAuth2ProviderConfigInput `yaml:"oauth2ProviderConfigInput" cfg:"required"`
	Tags                      Ignored                    `yaml:"tags"`
}

// OAuth2ProviderConfigInput is AgentCore's Oauth2ProviderConfigInput
// union: the custom provider, a vendor's, or an included one.
type OAuth2ProviderConfigInput struct {
	CustomOauth2ProviderConfig     *CustomOAuth2ProviderConfig    `yaml:"customOauth2ProviderConfig"`
	GoogleOauth2ProviderConfig     *VendorOAuth2ProviderConfig    `yaml:"googleOauth2ProviderConfig"`
	GithubOauth2ProviderConfig     *VendorOAuth2ProviderConfig    `yaml:"githubOauth2ProviderConfig"`
	SlackOauth2ProviderConfig      *VendorOAuth2ProviderConfig    `yaml:"slackOauth2ProviderConfig"`
	SalesforceOauth2ProviderConfig *VendorOAuth2ProviderConfig    `yaml:"salesforceOauth2ProviderConfig"`
	MicrosoftOauth2ProviderConfig  *MicrosoftOAuth2ProviderConfig `yaml:"microsoftOauth2ProviderConfig"`
	AtlassianOauth2ProviderConfig  *VendorOAuth2ProviderConfig    `yaml:"atlassianOauth2ProviderConfig"`
	LinkedinOauth2ProviderConfig   *VendorOAuth2ProviderConfig    `yaml:"linkedinOauth2ProviderConfig"`
	IncludedOauth2ProviderConfig   *IncludedOAuth2ProviderConfig  `yaml:"includedOauth2ProviderConfig"`
}

// CustomOAuth2ProviderConfig is a CustomOauth2ProviderConfigInput.
type CustomOAuth2ProviderConfig struct {
	OauthDiscovery             *OAuth2Discovery   `yaml:"oauthDiscovery" cfg:"required"`
	ClientID                   string             `yaml:"clientId" cfg:"required"`
	ClientSecret               credentials.Secret `yaml:"clientSecret" cfg:"required"`
	ClientAuthenticationMethod string             `yaml:"clientAuthenticationMethod"`
	// OnBehalfOfTokenExchangeConfig lets the provider exchange a caller's
	// token for one for the target (a target's grantType TOKEN_EXCHANGE).
	OnBehalfOfTokenExchangeConfig *OnBehalfOfTokenExchangeConfig `yaml:"onBehalfOfTokenExchangeConfig"`

	PrivateEndpoint          Ignored `yaml:"privateEndpoint" note:"the token endpoint is reached over the process's network"`
	PrivateEndpointOverrides Ignored `yaml:"privateEndpointOverrides" note:"the token endpoint is reached over the process's network"`
}

// OnBehalfOfTokenExchangeConfig is OnBehalfOfTokenExchangeConfigType: how
// the provider exchanges a caller's token. Only the RFC 8693 grant
// (TOKEN_EXCHANGE) runs locally.
type OnBehalfOfTokenExchangeConfig struct {
	GrantType                    string                        `yaml:"grantType" cfg:"required"`
	TokenExchangeGrantTypeConfig *TokenExchangeGrantTypeConfig `yaml:"tokenExchangeGrantTypeConfig"`
}

// TokenExchangeGrantTypeConfig is TokenExchangeGrantTypeConfigType: the
// actor token sent with each exchange, none (NONE) or the provider's own
// client-credentials token (M2M) with ActorTokenScopes.
type TokenExchangeGrantTypeConfig struct {
	ActorTokenContent string   `yaml:"actorTokenContent" cfg:"required"`
	ActorTokenScopes  []string `yaml:"actorTokenScopes"`
}

// OAuth2Discovery is the Oauth2Discovery union: a discovery document's URL
// or the authorization server's metadata.
type OAuth2Discovery struct {
	DiscoveryURL                string                             `yaml:"discoveryUrl"`
	AuthorizationServerMetadata *OAuth2AuthorizationServerMetadata `yaml:"authorizationServerMetadata"`
}

// OAuth2AuthorizationServerMetadata is Oauth2AuthorizationServerMetadata.
type OAuth2AuthorizationServerMetadata struct {
	Issuer                   string   `yaml:"issuer" cfg:"required"`
	AuthorizationEndpoint    string   `yaml:"authorizationEndpoint" cfg:"required"`
	TokenEndpoint            string   `yaml:"tokenEndpoint" cfg:"required"`
	ResponseTypes            []string `yaml:"responseTypes"`
	TokenEndpointAuthMethods []string `yaml:"tokenEndpointAuthMethods"`
}

// VendorOAuth2ProviderConfig is the input of a built-in vendor (Google,
// GitHub, Slack, Salesforce, Atlassian, LinkedIn).
type VendorOAuth2ProviderConfig struct {
	ClientID     string             `yaml:"clientId" cfg:"required"`
	ClientSecret credentials.Secret `yaml:"clientSecret" cfg:"required"`
}

// MicrosoftOAuth2ProviderConfig is MicrosoftOauth2ProviderConfigInput.
type MicrosoftOAuth2ProviderConfig struct {
	ClientID     string             `yaml:"clientId" cfg:"required"`
	ClientSecret credentials.Secret `yaml:"clientSecret" cfg:"required"`
	TenantID     string             `yaml:"tenantId"`
}

// IncludedOAuth2ProviderConfig is IncludedOauth2ProviderConfigInput, for
// the other vendors AgentCore knows (Okta, Auth0, Cognito, ...).
type IncludedOAuth2ProviderConfig struct {
	ClientID              string             `yaml:"clientId" cfg:"required"`
	ClientSecret          credentials.Secret `yaml:"clientSecret" cfg:"required"`
	Issuer                string             `yaml:"issuer"`
	AuthorizationEndpoint string             `yaml:"authorizationEndpoint"`
	TokenEndpoint         string             `yaml:"tokenEndpoint"`
}

// Target is a CreateGatewayTarget request body.
type Target struct {
	Name                             string                             `yaml:"name" cfg:"required"`
	Description                      string                             `yaml:"description"`
	TargetConfiguration              *TargetConfiguration               `yaml:"targetConfiguration" cfg:"required"`
	CredentialProviderConfigurations []*CredentialProviderConfiguration `yaml:"credentialProviderConfigurations"`
	MetadataConfiguration            *MetadataConfiguration             `yaml:"metadataConfiguration"`

	GatewayIdentifier Ignored `yaml:"gatewayIdentifier" note:"targets belong to the gateway of this file"`
	ClientToken       Ignored `yaml:"clientToken"`
	PrivateEndpoint   Ignored `yaml:"privateEndpoint" note:"the target is reached over the process's network"`

	fp string // see Fingerprint
}

// TargetConfiguration is the TargetConfiguration union.
type TargetConfiguration struct {
	MCP *MCPTargetConfiguration `yaml:"mcp" cfg:"required"`
}

// MCPTargetConfiguration is the McpTargetConfiguration union: exactly one
// kind of target.
type MCPTargetConfiguration struct {
	OpenAPISchema *APISchemaConfiguration       `yaml:"openApiSchema"`
	SmithyModel   *APISchemaConfiguration       `yaml:"smithyModel"`
	Lambda        *LambdaTargetConfiguration    `yaml:"lambda"`
	MCPServer     *MCPServerTargetConfiguration `yaml:"mcpServer"`

	APIGateway Unsupported `yaml:"apiGateway" note:"describe the stage's REST API with openApiSchema instead"`
	Connector  Unsupported `yaml:"connector"`

	// Template is a local extension: an integration template (package
	// templates: Slack, Jira, Asana, GitHub, Stripe, Twilio), which AgentCore
	// offers only in its console.
	Template *TemplateTargetConfiguration `yaml:"template"`
}

// TemplateTargetConfiguration names an integration template and what it
// needs. The target's credential provider configuration supplies its
// secret: an API_KEY provider's key is the template's token (or, with
// Username, its password: Jira's API token, Twilio's auth token); an OAUTH
// provider's access token is sent as a bearer token.
type TemplateTargetConfiguration struct {
	// Name is the template's name, title or AgentCore provider name
	// ("slack", "Jira", ...).
	Name string `yaml:"name" cfg:"required"`
	// Username is the basic-auth user: Jira's account email, Twilio's
	// Account SID or API key SID.
	Username string `yaml:"username"`
	// Site, CloudID and AccountSID are the templates' site parameters
	// (Jira's site or cloud id, Twilio's Account SID).
	Site       string `yaml:"site"`
	CloudID    string `yaml:"cloudId"`
	AccountSID string `yaml:"accountSid"`
	// AllOperations publishes every operation of the service's
	// description, not only the curated ones.
	AllOperations bool `yaml:"allOperations"`
	// BaseURL sends the calls elsewhere than the service (a proxy, a mock).
	BaseURL string `yaml:"baseUrl"`
}

// APISchemaConfiguration is the ApiSchemaConfiguration union: a file or an
// inline payload.
type APISchemaConfiguration struct {
	S3            *S3Configuration `yaml:"s3"`
	InlinePayload *Payload         `yaml:"inlinePayload"`
}

// S3Configuration locates a file. Locally the uri is a file:// URL or a
// path, relative to the configuration file; s3:// is not fetched.
type S3Configuration struct {
	URI                  string  `yaml:"uri" cfg:"required"`
	BucketOwnerAccountID Ignored `yaml:"bucketOwnerAccountId"`

	path string // the file read
	data []byte // its content, read by Load
}

// LambdaTargetConfiguration is McpLambdaTargetConfiguration.
type LambdaTargetConfiguration struct {
	LambdaArn  string      `yaml:"lambdaArn" cfg:"required"`
	ToolSchema *ToolSchema `yaml:"toolSchema" cfg:"required"`
}

// ToolSchema is the ToolSchema union: a file or inline definitions.
type ToolSchema struct {
	S3            *S3Configuration `yaml:"s3"`
	InlinePayload ToolDefinitions  `yaml:"inlinePayload"`
}

// ToolDefinitions are inline tool definitions: a list, or a string holding
// the list as JSON or YAML.
type ToolDefinitions []*ToolDefinition

// ToolDefinition is one tool of a Lambda function. Its schemas may be any
// JSON Schema (AgentCore accepts a subset).
type ToolDefinition struct {
	Name         string          `yaml:"name" json:"name" cfg:"required"`
	Description  string          `yaml:"description" json:"description" cfg:"required"`
	InputSchema  json.RawMessage `yaml:"inputSchema" json:"inputSchema" cfg:"required"`
	OutputSchema json.RawMessage `yaml:"outputSchema" json:"outputSchema,omitempty"`
}

// MCPServerTargetConfiguration is McpServerTargetConfiguration: a
// server's streamable HTTP endpoint or, a local extension, a command that
// serves MCP over stdio (exactly one of the two).
type MCPServerTargetConfiguration struct {
	Endpoint         string      `yaml:"endpoint"`
	ListingMode      string      `yaml:"listingMode"`
	ResourcePriority *int        `yaml:"resourcePriority"`
	MCPToolSchema    Unsupported `yaml:"mcpToolSchema" note:"the server's tools are listed from the server"`

	// Command is the program and its arguments (mcpserver.Options.Command);
	// Environment the variables added to its environment, whose values
	// may be secrets (${VAR}); WorkingDirectory its directory.
	Command          []string                      `yaml:"command"`
	Environment      map[string]credentials.Secret `yaml:"environment"`
	WorkingDirectory string                        `yaml:"workingDirectory"`
	// ProcessPerSession and MaxProcesses are mcpserver.Options'.
	ProcessPerSession bool `yaml:"processPerSession"`
	MaxProcesses      *int `yaml:"maxProcesses"`
}

// CredentialProviderConfiguration is one CredentialProviderConfiguration.
type CredentialProviderConfiguration struct {
	CredentialProviderType string              `yaml:"credentialProviderType" cfg:"required"`
	CredentialProvider     *CredentialProvider `yaml:"credentialProvider"`
}

// CredentialProvider is the CredentialProvider union.
type CredentialProvider struct {
	APIKeyCredentialProvider *GatewayAPIKeyCredentialProvider `yaml:"apiKeyCredentialProvider"`
	OAuthCredentialProvider  *OAuthCredentialProvider         `yaml:"oauthCredentialProvider"`
	IAMCredentialProvider    *IAMCredentialProvider           `yaml:"iamCredentialProvider"`
}

// GatewayAPIKeyCredentialProvider sends the key of an API key provider.
type GatewayAPIKeyCredentialProvider struct {
	ProviderArn             string `yaml:"providerArn" cfg:"required"`
	CredentialParameterName string `yaml:"credentialParameterName"`
	CredentialPrefix        string `yaml:"credentialPrefix"`
	CredentialLocation      string `yaml:"credentialLocation"`
}

// OAuthCredentialProvider sends tokens of an OAuth2 provider.
type OAuthCredentialProvider struct {
	ProviderArn      string            `yaml:"providerArn" cfg:"required"`
	Scopes           []string          `yaml:"scopes" cfg:"required"`
	CustomParameters map[string]string `yaml:"customParameters"`
	GrantType        string            `yaml:"grantType"`
	DefaultReturnURL Ignored           `yaml:"defaultReturnUrl" note:"only the client credentials grant runs locally"`
}

// IAMCredentialProvider names the SigV4 signing service (and region) of a
// GATEWAY_IAM_ROLE target.
type IAMCredentialProvider struct {
	Service string `yaml:"service" cfg:"required"`
	Region  string `yaml:"region"`
}

// MetadataConfiguration is a target's MetadataConfiguration.
type MetadataConfiguration struct {
	AllowedRequestHeaders  []string `yaml:"allowedRequestHeaders"`
	AllowedQueryParameters Ignored  `yaml:"allowedQueryParameters"`
	AllowedResponseHeaders Ignored  `yaml:"allowedResponseHeaders"`
}

// Local holds toolgate's own settings, which AgentCore has no field for.
type Local struct {
	// Listen is the MCP listener's address; default 127.0.0.1:8080.
	Listen string `yaml:"listen"`
	// AdminListen, when set, serves /metrics and /status (as enabled in
	// Telemetry) and the health checks on a second address.
	AdminListen string `yaml:"adminListen"`
	// PublicURL is the gateway's public URL, for a CUSTOM_JWT
	// authorizer's metadata and challenges; default: from each request.
	PublicURL string `yaml:"publicUrl"`
	// TrustForwardedHeaders derives the public URL from X-Forwarded-*.
	TrustForwardedHeaders bool `yaml:"trustForwardedHeaders"`
	// Stateless serves without sessions; JSONResponse answers with JSON
	// instead of SSE streams.
	Stateless    bool `yaml:"stateless"`
	JSONResponse bool `yaml:"jsonResponse"`
	// Limits are the gateway's guards.
	Limits *Limits `yaml:"limits"`
	// Telemetry chooses what the admin listener serves and where audit
	// records go.
	Telemetry *Telemetry `yaml:"telemetry"`
	// Search tunes the tool search tool that searchType SEMANTIC adds.
	Search *Search `yaml:"search"`
	// GatewayArn is the gateway's id in Cedar policies: the resource of
	// every request, AgentCore::Gateway::"<GatewayArn>". Policies written
	// for an AgentCore gateway name its ARN; give that ARN here. Default:
	// the gateway's name.
	GatewayArn string `yaml:"gatewayArn"`
}

// Search tunes tool search (search.Options); it needs the gateway's
// protocolConfiguration.mcp.searchType SEMANTIC.
type Search struct {
	// MaxResults is the most tools one search returns: the default and
	// the cap of the search tool's limit argument; default 10.
	MaxResults int `yaml:"maxResults"`
	// CallTool adds the call tool, call_tool, which calls any tool by
	// name with its arguments (search.Options.CallTool).
	CallTool bool `yaml:"callTool"`
	// ListBuiltinsOnly, with CallTool, makes tools/list show only the
	// search tool and call_tool, however large the catalogue
	// (toolgate.Options.ListBuiltinsOnly); every tool stays callable by
	// name.
	ListBuiltinsOnly bool `yaml:"listBuiltinsOnly"`
	// Embeddings, when set, ranks tools by hybrid lexical and semantic
	// ranking with an embedding model behind an OpenAI-compatible API
	// (search.OpenAIEmbedder, search.Hybrid); without it the embedded
	// lexical ranker is used, offline.
	Embeddings *Embeddings `yaml:"embeddings"`
	// Learn, when set, learns from callers (search.Options.Learn): the
	// words of requests after which distinct authenticated callers called
	// a tool the search had not returned first become the tool's. It lets
	// callers change what other callers find; what it learned is kept
	// across reloads, and across restarts with a file. It needs
	// gateway.authorizerType CUSTOM_JWT: anonymous callers teach nothing.
	Learn *Learn `yaml:"learn"`
}

// Learn configures learning from callers (search.LearnOptions).
type Learn struct {
	// MinCallers is how many distinct callers must teach a word before
	// it is learned; default 2.
	MinCallers int `yaml:"minCallers"`
	// File keeps what was learned across restarts
	// (search.Options.LearnFile; relative to the configuration file).
	File string `yaml:"file"`
	// Scope keeps what a tenant's callers teach from other tenants'
	// searches (search.Options.LearnScope): "issuer" (the token's
	// issuer), "client" (its client id) or "claim:NAME" (the value of
	// claim NAME) names the scope a caller teaches and searches within.
	// Default: every caller's words are shared.
	Scope string `yaml:"scope"`
	// Admin serves what was learned on toolgate.adminListen:
	// GET /search/learned lists it, DELETE /search/learned/{tool}
	// forgets a tool's words (search.Service.Learned and Forget). Off by
	// default: the admin listener asks for no credentials.
	Admin bool `yaml:"admin"`
}

// Embeddings is an OpenAI-compatible embeddings API: a local server
// (Ollama, llama.cpp, scripts/embeddings/serve.sh) or a hosted one.
type Embeddings struct {
	// URL is the API root, to which /embeddings is added:
	// http://127.0.0.1:11434/v1 (Ollama), https://api.openai.com/v1.
	URL string `yaml:"url" cfg:"required"`
	// Model is the embedding model's name, as the server knows it.
	Model string `yaml:"model"`
	// APIKey, when set, is sent as a bearer token.
	APIKey credentials.Secret `yaml:"apiKey"`
	// Dimensions, when set, asks the server for vectors of this length
	// (some models can shorten theirs).
	Dimensions int `yaml:"dimensions"`
	// Timeout bounds each call to the server; default 10s.
	Timeout *Duration `yaml:"timeout"`
	// VectorFile keeps the catalogue's vectors across restarts
	// (search.Options.VectorFile; relative to the configuration file):
	// only tools it does not cover are embedded when the gateway starts.
	// Vectors of another url, model or dimensions are not used.
	VectorFile string `yaml:"vectorFile"`
	// RequestCache is how many request texts keep their vectors, so that
	// a request asked again is not embedded again
	// (search.HybridOptions.RequestCache); default 1024, 0 none.
	RequestCache *int `yaml:"requestCache"`
}

// Limits are the gateway's guards; unset fields keep toolgate's defaults.
type Limits struct {
	MaxBodyBytes       *int64    `yaml:"maxBodyBytes"`
	CallTimeout        *Duration `yaml:"callTimeout"`
	MaxConcurrentCalls *int      `yaml:"maxConcurrentCalls"`
	RefreshInterval    *Duration `yaml:"refreshInterval"`
}

// Telemetry configures metrics, the status page and audit records.
type Telemetry struct {
	// Prometheus serves the gateway's metrics at /metrics on AdminListen.
	Prometheus bool `yaml:"prometheus"`
	// StatusPage serves the status page at /status on AdminListen.
	StatusPage bool `yaml:"statusPage"`
	// Audit writes an audit record per call as a JSON line: "stderr",
	// "stdout" or a file path (appended to; relative to the configuration
	// file).
	Audit string `yaml:"audit"`
}
