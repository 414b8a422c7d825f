package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/config"
)

// base is a minimal valid configuration; cases append to it.
const base = `
gateway:
  name: gw
  authorizerType: NONE
`

// writeConfig writes files (name -> content) into a temporary folder and
// returns the path of the first one, "gateway.yaml".
func writeConfig(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "gateway.yaml")
}

func loadString(t *testing.T, yaml string, files map[string]string) (*config.File, error) {
	t.Helper()
	all := map[string]string{"gateway.yaml": yaml}
	for k, v := range files {
		all[k] = v
	}
	return config.Load(writeConfig(t, all))
}

// paths returns the path of each error in err, with the target in
// parentheses when there is one.
func errorTexts(err error) []string {
	var es config.Errors
	if !errors.As(err, &es) {
		if err == nil {
			return nil
		}
		return []string{"not config.Errors: " + err.Error()}
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Error())
	}
	return out
}

// TestLoadErrors: each configuration is refused, with an error naming the
// field's path (and the target, inside one) and saying what is wrong.
func TestLoadErrors(t *testing.T) {
	t.Setenv("TG_SET", "value")
	const lambdaTarget = `
targets:
  - name: weather
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:weather
          toolSchema:
            inlinePayload:
              - {name: get_weather, description: Weather, inputSchema: {type: object}}
`
	for _, tc := range []struct {
		name string
		yaml string
		want []string // each must be a substring of one error
	}{
		{"unknown field with a suggestion", base + `
targets:
  - name: x
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:weather
          toolSchem: {}
`, []string{
			`targets[0].targetConfiguration.mcp.lambda.toolSchem (target "x"): unknown field; did you mean "toolSchema"?`,
			`targets[0].targetConfiguration.mcp.lambda.toolSchema (target "x"): required`,
		}},
		{"unknown top-level field", base + "gatewy: {}\n", []string{`gatewy: unknown field; did you mean "gateway"?`}},
		{"required fields", "gateway: {description: d}\n", []string{"gateway.name: required", "gateway.authorizerType: required"}},
		{"no gateway", "targets: []\n", []string{"gateway: required"}},
		{"empty file", "", []string{"the configuration is empty"}},
		{"not YAML", "gateway: [\n", []string{"not valid YAML or JSON"}},
		{"a list where a mapping goes", "gateway: [a]\n", []string{"gateway: must be a mapping, not a list"}},
		{"authorizer type", "gateway: {name: g, authorizerType: BASIC}\n", []string{`gateway.authorizerType: "BASIC" is not one of NONE, CUSTOM_JWT`}},
		{"AWS_IAM", "gateway: {name: g, authorizerType: AWS_IAM}\n", []string{"gateway.authorizerType: AWS_IAM is not supported"}},
		{"CUSTOM_JWT without configuration", "gateway: {name: g, authorizerType: CUSTOM_JWT}\n", []string{"gateway.authorizerConfiguration.customJWTAuthorizer: required with authorizerType CUSTOM_JWT"}},
		{"CUSTOM_JWT without audience or clients", `
gateway:
  name: g
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer: {discoveryUrl: "not a url"}
`, []string{
			`customJWTAuthorizer.discoveryUrl: "not a url" is not an http(s) URL`,
			"customJWTAuthorizer: allowedAudience or allowedClients is required",
		}},
		{"custom claims", `
gateway:
  name: g
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer:
      discoveryUrl: https://idp.example.com/.well-known/openid-configuration
      allowedClients: [agent]
      customClaims:
        - inboundTokenClaimName: dept
          inboundTokenClaimValueType: STRING_ARRAY
          authorizingClaimMatchValue: {claimMatchOperator: EQUALS, claimMatchValue: {matchValueString: eng}}
        - inboundTokenClaimName: roles
          inboundTokenClaimValueType: STRING_ARRAY
          authorizingClaimMatchValue: {claimMatchOperator: CONTAINS_ANY, claimMatchValue: {matchValueString: admin}}
        - inboundTokenClaimName: x
          inboundTokenClaimValueType: NUMBER
          authorizingClaimMatchValue: {claimMatchOperator: LIKE, claimMatchValue: {}}
`, []string{
			"customClaims[0].authorizingClaimMatchValue.claimMatchOperator: EQUALS needs inboundTokenClaimValueType STRING",
			"customClaims[1].authorizingClaimMatchValue.claimMatchValue.matchValueStringList: required with CONTAINS_ANY",
			`customClaims[2].inboundTokenClaimValueType: "NUMBER" is not one of STRING, STRING_ARRAY`,
			`customClaims[2].authorizingClaimMatchValue.claimMatchOperator: "LIKE" is not one of EQUALS, CONTAINS, CONTAINS_ANY`,
			"customClaims[2].authorizingClaimMatchValue.claimMatchValue: exactly one of matchValueString and matchValueStringList is required",
		}},
		{"interceptors", base + `  interceptorConfigurations:
    - {}
    - {interceptor: {lambda: {}}, interceptionPoints: [REQUEST, BEFORE]}
    - {interceptor: {lambda: {arn: "arn:aws:lambda:us-east-1:123456789012:function:b"}}, interceptionPoints: [REQUEST, RESPONSE, REQUEST]}
    - {interceptor: {lambda: {arn: "arn:aws:lambda:us-east-1:123456789012:function:c"}}, inputConfiguration: {passRequestHeaders: true, payloadFilter: {}}}
`, []string{
			"gateway.interceptorConfigurations[0].interceptor: required",
			"gateway.interceptorConfigurations[0].interceptionPoints: one or two of REQUEST, RESPONSE are required",
			"gateway.interceptorConfigurations[1].interceptor.lambda.arn: required",
			`gateway.interceptorConfigurations[1].interceptionPoints[1]: "BEFORE" is not one of REQUEST, RESPONSE`,
			"gateway.interceptorConfigurations[2].interceptionPoints: one or two of REQUEST, RESPONSE are required",
			"gateway.interceptorConfigurations[2].interceptionPoints[0]: a gateway has at most one REQUEST interceptor",
			"gateway.interceptorConfigurations[2].interceptionPoints[2]: a gateway has at most one REQUEST interceptor",
			"gateway.interceptorConfigurations[3].interceptionPoints: one or two of REQUEST, RESPONSE are required",
		}},
		{"protocol", "gateway: {name: g, authorizerType: NONE, protocolType: HTTP, protocolConfiguration: {mcp: {searchType: KEYWORD}}}\n", []string{
			`gateway.protocolType: "HTTP": toolgate serves MCP only`,
			`gateway.protocolConfiguration.mcp.searchType: "KEYWORD" is not SEMANTIC`,
		}},
		{"search without the search tool", base + "toolgate: {search: {maxResults: 5}}\n", []string{
			"toolgate.search: given, but the gateway has no search tool: set gateway.protocolConfiguration.mcp.searchType to SEMANTIC",
		}},
		{"search", base + `  protocolConfiguration: {mcp: {searchType: SEMANTIC}}
toolgate:
  search:
    maxResults: -1
    listBuiltinsOnly: true
    learn: {minCallers: -2, scope: tenant}
    embeddings: {url: "ftp://127.0.0.1/v1", dimensions: -8, timeout: 0s, apiKey: "", modle: x, requestCache: -1}
`, []string{
			"toolgate.search.embeddings.modle: unknown field; did you mean \"model\"?",
			"toolgate.search.maxResults: must not be negative",
			"toolgate.search.listBuiltinsOnly: needs callTool: clients would list the search tool alone, and no tool to call what it finds",
			"toolgate.search.learn.minCallers: must not be negative",
			`toolgate.search.learn.scope: "tenant" is not issuer, client or claim:NAME`,
			`toolgate.search.learn: needs gateway.authorizerType CUSTOM_JWT: only authenticated callers teach, and with "NONE" every caller is anonymous`,
			`toolgate.search.embeddings.url: "ftp://127.0.0.1/v1" is not an http(s) URL`,
			"toolgate.search.embeddings.dimensions: must not be negative",
			"toolgate.search.embeddings.timeout: must be positive",
			"toolgate.search.embeddings.requestCache: must not be negative (0 keeps none)",
			"toolgate.search.embeddings.apiKey: empty",
		}},
		{"search embeddings without url", base + "  protocolConfiguration: {mcp: {searchType: SEMANTIC}}\ntoolgate: {search: {embeddings: {model: m, apiKey: \"${TG_UNSET_KEY}\"}}}\n", []string{
			"toolgate.search.embeddings.url: required",
			"toolgate.search.embeddings.apiKey: environment variable TG_UNSET_KEY is not set",
		}},
		{"unset variable", base + "  description: ${TG_UNSET_VARIABLE}\n", []string{"gateway.description: environment variable TG_UNSET_VARIABLE is not set"}},
		{"bad variable name", base + "  description: ${1x}\n", []string{"gateway.description: ${1x}: not an environment variable name"}},
		{"unterminated variable", base + "  description: ${TG_SET\n", []string{"gateway.description: unterminated ${"}},
		{"target kinds", base + `
targets:
  - name: none
    targetConfiguration: {mcp: {}}
  - name: two
    targetConfiguration:
      mcp:
        mcpServer: {endpoint: "https://mcp.example.com/mcp"}
        openApiSchema: {inlinePayload: "openapi: 3.0.0"}
  - name: gw-api
    targetConfiguration: {mcp: {apiGateway: {restApiId: a, stage: b}}}
  - name: tmpl
    targetConfiguration: {mcp: {template: {name: slock, baseUrl: "ftp://x"}}}
    credentialProviderConfigurations: [{credentialProviderType: GATEWAY_IAM_ROLE}]
`, []string{
			`targets[0].targetConfiguration.mcp (target "none"): one of openApiSchema, smithyModel, lambda, mcpServer, apiGateway, connector, template is required`,
			`targets[1].targetConfiguration.mcp (target "two"): only one of openApiSchema, mcpServer may be given`,
			`targets[2].targetConfiguration.mcp.apiGateway (target "gw-api"): not supported`,
			`targets[3].targetConfiguration.mcp.template.name (target "tmpl"): "slock" is not a template; one of`,
			`targets[3].targetConfiguration.mcp.template.baseUrl (target "tmpl"): "ftp://x" is not an http(s) URL`,
			`targets[3].credentialProviderConfigurations[0].credentialProviderType (target "tmpl"): a template takes API_KEY`,
		}},
		{"schema union", base + `
targets:
  - name: both
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: spec.yaml}, inlinePayload: "x"}}}
  - name: neither
    targetConfiguration: {mcp: {smithyModel: {}}}
`, []string{
			`targets[0].targetConfiguration.mcp.openApiSchema (target "both"): only one of s3, inlinePayload may be given`,
			`targets[1].targetConfiguration.mcp.smithyModel (target "neither"): one of s3, inlinePayload is required`,
		}},
		{"files", base + `
targets:
  - name: s3
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: "s3://bucket/spec.yaml"}}}}
  - name: missing
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: "file:///nonexistent/spec.yaml"}}}}
  - name: remote
    targetConfiguration: {mcp: {smithyModel: {s3: {uri: "file://example.com/model.json"}}}}
`, []string{
			`targets[0].targetConfiguration.mcp.openApiSchema.s3.uri (target "s3"): "s3://bucket/spec.yaml": only local files are read`,
			`targets[1].targetConfiguration.mcp.openApiSchema.s3.uri (target "missing"): reading /nonexistent/spec.yaml`,
			`targets[2].targetConfiguration.mcp.smithyModel.s3.uri (target "remote"): "file://example.com/model.json" is not a file:// URL of a local file`,
		}},
		{"target names", base + `
targets:
  - name: a___b
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
  - name: dup
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
  - name: dup
    targetConfiguration: {mcp: {mcpServer: {endpoint: "ftp://x.example.com", listingMode: LAZY, resourcePriority: 2000}}}
`, []string{
			`targets[0].name (target "a___b"): "a___b": use 1-64 characters`,
			`targets[2].name (target "dup"): "dup" is used twice`,
			`targets[2].targetConfiguration.mcp.mcpServer.endpoint (target "dup"): "ftp://x.example.com" is not an http(s) URL`,
			`targets[2].targetConfiguration.mcp.mcpServer.listingMode (target "dup"): "LAZY" is not one of DEFAULT, DYNAMIC`,
			`targets[2].targetConfiguration.mcp.mcpServer.resourcePriority (target "dup"): 2000 is not within 0-1000`,
		}},
		{"mcp server commands", base + `
targets:
  - name: neither
    targetConfiguration: {mcp: {mcpServer: {listingMode: DEFAULT}}}
  - name: both
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp", command: [srv]}}}
  - name: extras
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp", environment: {A: b}, workingDirectory: /tmp, processPerSession: true, maxProcesses: 2}}}
  - name: bad
    targetConfiguration: {mcp: {mcpServer: {command: ["", x], maxProcesses: 0, environment: {"A=B": c}}}}
  - name: keyed
    targetConfiguration: {mcp: {mcpServer: {command: [srv]}}}
    credentialProviderConfigurations:
      - credentialProviderType: API_KEY
        credentialProvider: {apiKeyCredentialProvider: {providerArn: "arn:aws:bedrock-agentcore:us-east-1:1:token-vault/default/apikeycredentialprovider/k"}}
`, []string{
			`targets[0].targetConfiguration.mcp.mcpServer.endpoint (target "neither"): required (or, a local extension, command)`,
			`targets[1].targetConfiguration.mcp.mcpServer.command (target "both"): give endpoint or command, not both`,
			`targets[2].targetConfiguration.mcp.mcpServer.environment (target "extras"): only with command`,
			`targets[2].targetConfiguration.mcp.mcpServer.workingDirectory (target "extras"): only with command`,
			`targets[2].targetConfiguration.mcp.mcpServer.processPerSession (target "extras"): only with command`,
			`targets[2].targetConfiguration.mcp.mcpServer.maxProcesses (target "extras"): only with command`,
			`targets[3].targetConfiguration.mcp.mcpServer.command[0] (target "bad"): the program is empty`,
			`targets[3].targetConfiguration.mcp.mcpServer.maxProcesses (target "bad"): 0 is not at least 1`,
			`targets[3].targetConfiguration.mcp.mcpServer.environment["A=B"] (target "bad"): not a variable name`,
			`targets[4].targetConfiguration.mcp.mcpServer.command (target "keyed"): a command takes no credential provider`,
		}},
		{"inline tools", base + `
targets:
  - name: fn
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:fn
          toolSchema:
            inlinePayload:
              - {name: a, description: A, inputSchema: {type: object}}
              - {name: a, description: A again, inputSchema: [1]}
              - {name: b, inputSchema: {type: object}, outputsSchema: {}}
`, []string{
			`targets[0].targetConfiguration.mcp.lambda.toolSchema.inlinePayload[1].name (target "fn"): "a" is used twice`,
			`inlinePayload[1].inputSchema (target "fn"): must be a JSON Schema object`,
			`inlinePayload[2].outputsSchema (target "fn"): unknown field; did you mean "outputSchema"?`,
			`inlinePayload[2].description (target "fn"): required`,
		}},
		{"inline tools as a broken string", base + `
targets:
  - name: fn
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:fn
          toolSchema: {inlinePayload: "[{"}
`, []string{`targets[0].targetConfiguration.mcp.lambda.toolSchema.inlinePayload (target "fn"): not a JSON or YAML list of tool definitions`}},
		{"credential providers", base + `
apiKeyCredentialProviders:
  - {name: k, apiKey: ""}
  - {name: k, apiKey: x}
oauth2CredentialProviders:
  - name: o
    credentialProviderVendor: GoogleOauth2
    oauth2ProviderConfigInput:
      githubOauth2ProviderConfig: {clientId: c, clientSecret: s}
  - name: ms
    credentialProviderVendor: MicrosoftOauth2
    oauth2ProviderConfigInput:
      microsoftOauth2ProviderConfig: {clientId: c, clientSecret: s}
  - name: custom
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        clientId: c
        clientSecret: s
        clientAuthenticationMethod: PRIVATE_KEY_JWT
        oauthDiscovery: {}
  - name: nope
    credentialProviderVendor: AcmeOauth2
    oauth2ProviderConfigInput: {includedOauth2ProviderConfig: {clientId: c, clientSecret: s}}
`, []string{
			"apiKeyCredentialProviders[0].apiKey: empty",
			`apiKeyCredentialProviders[1].name: "k" is used twice`,
			"oauth2CredentialProviders[0].oauth2ProviderConfigInput.githubOauth2ProviderConfig: does not match credentialProviderVendor GoogleOauth2 (which takes googleOauth2ProviderConfig)",
			"oauth2CredentialProviders[1].oauth2ProviderConfigInput.microsoftOauth2ProviderConfig.tenantId: required",
			`oauth2CredentialProviders[2].oauth2ProviderConfigInput.customOauth2ProviderConfig.clientAuthenticationMethod: "PRIVATE_KEY_JWT" is not one of`,
			"oauth2CredentialProviders[2].oauth2ProviderConfigInput.customOauth2ProviderConfig.oauthDiscovery: one of discoveryUrl, authorizationServerMetadata is required",
			`oauth2CredentialProviders[3].credentialProviderVendor: "AcmeOauth2" is not a vendor AgentCore knows`,
			"oauth2CredentialProviders[3].oauth2ProviderConfigInput.includedOauth2ProviderConfig: tokenEndpoint or issuer is required",
		}},
		{"credential provider configurations", base + `
apiKeyCredentialProviders: [{name: k, apiKey: x}]
oauth2CredentialProviders:
  - name: o
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig: {clientId: c, clientSecret: s, oauthDiscovery: {discoveryUrl: "https://idp.example.com/.well-known/openid-configuration"}}
targets:
  - name: two
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: GATEWAY_IAM_ROLE, credentialProvider: {iamCredentialProvider: {service: execute-api}}}
      - {credentialProviderType: GATEWAY_IAM_ROLE, credentialProvider: {iamCredentialProvider: {service: execute-api}}}
  - name: unknown-key
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - credentialProviderType: API_KEY
        credentialProvider: {apiKeyCredentialProvider: {providerArn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/other", credentialLocation: BODY}}
  - name: query
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: API_KEY, credentialProvider: {apiKeyCredentialProvider: {providerArn: k, credentialLocation: QUERY_PARAMETER}}}
  - name: mismatch
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: OAUTH, credentialProvider: {apiKeyCredentialProvider: {providerArn: k}}}
  - name: code
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {providerArn: o, scopes: [], grantType: AUTHORIZATION_CODE}}}
  - name: iam
    targetConfiguration: {mcp: {openApiSchema: {inlinePayload: "openapi: 3.0.0"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: GATEWAY_IAM_ROLE}
  - name: pass
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: JWT_PASSTHROUGH}
  - name: caller
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: CALLER_IAM_CREDENTIALS}
`, []string{
			`targets[0].credentialProviderConfigurations (target "two"): at most one credential provider configuration is allowed`,
			`targets[1].credentialProviderConfigurations[0].credentialProvider.apiKeyCredentialProvider.providerArn (target "unknown-key"): names "other", which is not among apiKeyCredentialProviders`,
			`targets[1].credentialProviderConfigurations[0].credentialProvider.apiKeyCredentialProvider.credentialLocation (target "unknown-key"): "BODY" is not one of HEADER, QUERY_PARAMETER`,
			`targets[2].credentialProviderConfigurations[0].credentialProvider.apiKeyCredentialProvider.credentialParameterName (target "query"): required with credentialLocation QUERY_PARAMETER`,
			`targets[3].credentialProviderConfigurations[0].credentialProvider.apiKeyCredentialProvider (target "mismatch"): does not go with credentialProviderType OAUTH`,
			`targets[4].credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider.grantType (target "code"): AUTHORIZATION_CODE is not supported`,
			`targets[5].credentialProviderConfigurations[0].credentialProvider.iamCredentialProvider (target "iam"): required for a openApiSchema target`,
			`targets[6].credentialProviderConfigurations[0].credentialProviderType (target "pass"): JWT_PASSTHROUGH needs gateway.authorizerType CUSTOM_JWT`,
			`targets[7].credentialProviderConfigurations[0].credentialProviderType (target "caller"): CALLER_IAM_CREDENTIALS is not supported`,
		}},
		{"token exchange", base + `
oauth2CredentialProviders:
  - name: plain
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig: {clientId: c, clientSecret: s, oauthDiscovery: {discoveryUrl: "https://idp.example.com/.well-known/openid-configuration"}}
  - name: jwtgrant
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        clientId: c
        clientSecret: s
        oauthDiscovery: {discoveryUrl: "https://idp.example.com/.well-known/openid-configuration"}
        onBehalfOfTokenExchangeConfig: {grantType: JWT_AUTHORIZATION_GRANT}
  - name: iamactor
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        clientId: c
        clientSecret: s
        oauthDiscovery: {discoveryUrl: "https://idp.example.com/.well-known/openid-configuration"}
        onBehalfOfTokenExchangeConfig: {grantType: TOKEN_EXCHANGE, tokenExchangeGrantTypeConfig: {actorTokenContent: AWS_IAM_ID_TOKEN_JWT}}
  - name: scopesnone
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        clientId: c
        clientSecret: s
        oauthDiscovery: {discoveryUrl: "https://idp.example.com/.well-known/openid-configuration"}
        onBehalfOfTokenExchangeConfig: {grantType: TOKEN_EXCHANGE, tokenExchangeGrantTypeConfig: {actorTokenContent: NONE, actorTokenScopes: [a]}}
  - name: obo
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        clientId: c
        clientSecret: s
        oauthDiscovery: {discoveryUrl: "https://idp.example.com/.well-known/openid-configuration"}
        onBehalfOfTokenExchangeConfig: {grantType: TOKEN_EXCHANGE}
targets:
  - name: plain
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {providerArn: plain, scopes: [], grantType: TOKEN_EXCHANGE}}}
  - name: params
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {providerArn: obo, scopes: [], grantType: TOKEN_EXCHANGE, customParameters: {prompt: none}}}}
  - name: noaudience
    targetConfiguration: {mcp: {openApiSchema: {inlinePayload: "openapi: 3.0.0"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {providerArn: obo, scopes: [], grantType: TOKEN_EXCHANGE}}}
  - name: other
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://x.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {providerArn: obo, scopes: [], grantType: IMPLICIT}}}
`, []string{
			"oauth2CredentialProviders[1].oauth2ProviderConfigInput.customOauth2ProviderConfig.onBehalfOfTokenExchangeConfig.grantType: JWT_AUTHORIZATION_GRANT (RFC 7523) is not supported",
			"oauth2CredentialProviders[2].oauth2ProviderConfigInput.customOauth2ProviderConfig.onBehalfOfTokenExchangeConfig.tokenExchangeGrantTypeConfig.actorTokenContent: AWS_IAM_ID_TOKEN_JWT is not supported",
			"oauth2CredentialProviders[3].oauth2ProviderConfigInput.customOauth2ProviderConfig.onBehalfOfTokenExchangeConfig.tokenExchangeGrantTypeConfig.actorTokenScopes: only with actorTokenContent M2M",
			`targets[0].credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider.grantType (target "plain"): TOKEN_EXCHANGE needs oauth2CredentialProvider "plain" to have customOauth2ProviderConfig.onBehalfOfTokenExchangeConfig`,
			`targets[0].credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider.grantType (target "plain"): TOKEN_EXCHANGE needs gateway.authorizerType CUSTOM_JWT`,
			`targets[1].credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider.customParameters.prompt (target "params"): a token exchange sends only audience and resource`,
			`targets[2].credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider.customParameters (target "noaudience"): audience or resource is required with TOKEN_EXCHANGE`,
			`targets[3].credentialProviderConfigurations[0].credentialProvider.oauthCredentialProvider.grantType (target "other"): "IMPLICIT" is not one of CLIENT_CREDENTIALS, TOKEN_EXCHANGE`,
		}},
		{"types", base + lambdaTarget + `
toolgate:
  stateless: maybe
  limits: {callTimeout: soon, maxConcurrentCalls: 0, maxBodyBytes: lots}
  publicUrl: /mcp
`, []string{
			`toolgate.stateless: "maybe" is not true or false`,
			`toolgate.limits.callTimeout: "soon" is not a duration`,
			`toolgate.limits.maxBodyBytes: "lots" is not a whole number`,
		}},
		{"local checks", base + lambdaTarget + `
toolgate:
  limits: {maxConcurrentCalls: 0}
  publicUrl: /mcp
`, []string{
			`toolgate.publicUrl: "/mcp" is not an http(s) URL`,
			"toolgate.limits.maxConcurrentCalls: must not be 0",
		}},
		{"field given twice", base + "  name: again\n", []string{"gateway.name: given twice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadString(t, tc.yaml, nil)
			got := errorTexts(err)
			if len(got) == 0 {
				t.Fatal("the configuration was accepted")
			}
			for _, w := range tc.want {
				if !slicesContainsSub(got, w) {
					t.Errorf("no error contains\n  %s\ngot:\n  %s", w, strings.Join(got, "\n  "))
				}
			}
		})
	}
}

func slicesContainsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestWarnings: AgentCore fields with no local meaning are accepted and
// reported, each with its path.
func TestWarnings(t *testing.T) {
	f, err := loadString(t, `
gateway:
  name: gw
  authorizerType: NONE
  roleArn: arn:aws:iam::123456789012:role/gw
  kmsKeyArn: arn:aws:kms:us-east-1:123456789012:key/k
  exceptionLevel: DEBUG
  clientToken: token-0123456789-0123456789-0123456789
  tags: {team: tools}
  protocolConfiguration: {mcp: {supportedVersions: ["2025-06-18"]}}
apiKeyCredentialProviders:
  - {name: k, apiKey: x, tags: {a: b}}
targets:
  - name: api
    gatewayIdentifier: gw-0123456789
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: spec.yaml, bucketOwnerAccountId: "123456789012"}}}}
    metadataConfiguration: {allowedRequestHeaders: [X-Tenant], allowedResponseHeaders: [X-Trace]}
`, map[string]string{"spec.yaml": "openapi: 3.0.0\n"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range f.Warnings() {
		got = append(got, w.String())
	}
	for _, want := range []string{
		"gateway.roleArn: ignored: targets that sign with SigV4 use the default AWS credential chain",
		"gateway.kmsKeyArn: ignored",
		"gateway.exceptionLevel: ignored",
		"gateway.clientToken: ignored",
		"gateway.tags: ignored",
		"gateway.protocolConfiguration.mcp.supportedVersions: not enforced",
		"apiKeyCredentialProviders[0].tags: ignored",
		"targets[0].gatewayIdentifier: ignored",
		"targets[0].targetConfiguration.mcp.openApiSchema.s3.bucketOwnerAccountId: ignored",
		"targets[0].metadataConfiguration.allowedRequestHeaders: ignored: only Lambda targets",
		"targets[0].metadataConfiguration.allowedResponseHeaders: ignored",
	} {
		if !slicesContainsSub(got, want) {
			t.Errorf("no warning contains %q; got:\n  %s", want, strings.Join(got, "\n  "))
		}
	}
}

// TestLocalRules: ${VAR} expansion and its escape, JSON as YAML, inline
// payloads as strings or structures, file references relative to the
// file, and provider ARNs.
func TestLocalRules(t *testing.T) {
	t.Setenv("TG_NAME", "from-env")
	t.Setenv("TG_HOST", "api.example.com")
	const spec = `{"openapi":"3.0.0","info":{"title":"T","version":"1"},"servers":[{"url":"https://api.example.com"}],"paths":{}}`
	for _, tc := range []struct {
		name  string
		yaml  string
		check func(t *testing.T, f *config.File)
	}{
		{"variables and escapes", base + "  description: \"${TG_NAME} costs $$5, literally $${TG_NAME} and ${TG_NAME}${TG_NAME}\"\n", func(t *testing.T, f *config.File) {
			if got, want := f.Gateway.Description, "from-env costs $$5, literally ${TG_NAME} and from-envfrom-env"; got != want {
				t.Errorf("description %q, want %q", got, want)
			}
		}},
		{"JSON", `{"gateway": {"name": "${TG_NAME}", "authorizerType": "NONE"}}`, func(t *testing.T, f *config.File) {
			if f.Gateway.Name != "from-env" {
				t.Errorf("name %q", f.Gateway.Name)
			}
		}},
		{"inline payload as a structure", base + `
targets:
  - name: api
    targetConfiguration:
      mcp:
        openApiSchema:
          inlinePayload:
            openapi: 3.0.0
            info: {title: T, version: "1"}
            servers: [{url: "https://${TG_HOST}"}]
            paths: {}
`, func(t *testing.T, f *config.File) {
			p := f.Targets[0].TargetConfiguration.MCP.OpenAPISchema.InlinePayload
			if p.Text || string(p.Data) != `{"openapi":"3.0.0","info":{"title":"T","version":"1"},"servers":[{"url":"https://api.example.com"}],"paths":{}}` {
				t.Errorf("payload %v %s", p.Text, p.Data)
			}
		}},
		{"inline payload as a string", base + `
targets:
  - name: api
    targetConfiguration: {mcp: {openApiSchema: {inlinePayload: '` + spec + `'}}}
`, func(t *testing.T, f *config.File) {
			if p := f.Targets[0].TargetConfiguration.MCP.OpenAPISchema.InlinePayload; !p.Text || string(p.Data) != spec {
				t.Errorf("payload %v %s", p.Text, p.Data)
			}
		}},
		{"tool definitions as a string", base + `
targets:
  - name: fn
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:fn
          toolSchema:
            inlinePayload: '[{"name": "a", "description": "A", "inputSchema": {"type": "object"}}]'
`, func(t *testing.T, f *config.File) {
			d := f.Targets[0].TargetConfiguration.MCP.Lambda.ToolSchema.InlinePayload
			if len(d) != 1 || d[0].Name != "a" || string(d[0].InputSchema) != `{"type":"object"}` {
				t.Errorf("definitions %+v", d)
			}
		}},
		{"audit file relative to the configuration", base + "toolgate: {telemetry: {audit: logs/audit.jsonl}}\n", func(t *testing.T, f *config.File) {
			if a := f.Toolgate.Telemetry.Audit; !filepath.IsAbs(a) || filepath.Dir(filepath.Dir(a)) != filepath.Dir(f.Path()) {
				t.Errorf("audit %q, configuration %q", a, f.Path())
			}
		}},
		{"files relative to the configuration", base + `
targets:
  - name: rel
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: specs/api.json}}}}
`, func(t *testing.T, f *config.File) {
			files := f.Files()
			if len(files) != 2 || filepath.Base(files[1]) != "api.json" || !filepath.IsAbs(files[1]) {
				t.Errorf("files %v", files)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := loadString(t, tc.yaml, map[string]string{"specs/api.json": spec})
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, f)
		})
	}
}

// TestFingerprints: a target's fingerprint changes with its body, the
// files it reads and the secrets of the providers it uses, and with
// nothing else; the gateway's ignores what only a restart applies.
func TestFingerprints(t *testing.T) {
	const tmpl = `
gateway: {name: gw, authorizerType: NONE, description: DESC, protocolConfiguration: {mcp: {searchType: SEMANTIC}}}
apiKeyCredentialProviders:
  - {name: a, apiKey: KEY_A}
  - {name: b, apiKey: KEY_B}
targets:
  - name: one
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: one.yaml}}}}
    credentialProviderConfigurations:
      - {credentialProviderType: API_KEY, credentialProvider: {apiKeyCredentialProvider: {providerArn: a}}}
  - name: two
    description: TWO
    targetConfiguration: {mcp: {mcpServer: {endpoint: "https://mcp.example.com/mcp"}}}
    credentialProviderConfigurations:
      - {credentialProviderType: API_KEY, credentialProvider: {apiKeyCredentialProvider: {providerArn: b}}}
toolgate: {listen: "LISTEN", stateless: STATELESS, search: {embeddings: {url: "http://127.0.0.1:8081/v1", apiKey: EMBED_KEY}}}
`
	load := func(repl map[string]string, spec string) (gw string, one, two string) {
		t.Helper()
		y := tmpl
		for k, v := range map[string]string{"DESC": "d", "KEY_A": "ka", "KEY_B": "kb", "TWO": "t", "LISTEN": "127.0.0.1:1", "STATELESS": "false", "EMBED_KEY": "ke"} {
			if r, ok := repl[k]; ok {
				v = r
			}
			y = strings.ReplaceAll(y, k, v)
		}
		f, err := loadString(t, y, map[string]string{"one.yaml": spec})
		if err != nil {
			t.Fatal(err)
		}
		return f.GatewayFingerprint(), f.Targets[0].Fingerprint(), f.Targets[1].Fingerprint()
	}
	const spec = "openapi: 3.0.0\n"
	g0, a0, b0 := load(nil, spec)
	for _, tc := range []struct {
		name         string
		repl         map[string]string
		spec         string
		gw, one, two bool // which fingerprints change
	}{
		{"nothing", nil, spec, false, false, false},
		{"listen address", map[string]string{"LISTEN": "127.0.0.1:2"}, spec, false, false, false},
		{"stateless", map[string]string{"STATELESS": "true"}, spec, true, false, false},
		{"gateway description", map[string]string{"DESC": "e"}, spec, true, false, false},
		{"spec file", nil, spec + "# changed\n", false, true, false},
		{"a provider's key", map[string]string{"KEY_A": "ka2"}, spec, false, true, false},
		{"another provider's key", map[string]string{"KEY_B": "kb2"}, spec, false, false, true},
		{"target description", map[string]string{"TWO": "u"}, spec, false, false, true},
		{"the embeddings API key", map[string]string{"EMBED_KEY": "ke2"}, spec, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, a, b := load(tc.repl, tc.spec)
			if (g != g0) != tc.gw || (a != a0) != tc.one || (b != b0) != tc.two {
				t.Errorf("changed: gateway %v, one %v, two %v; want %v, %v, %v", g != g0, a != a0, b != b0, tc.gw, tc.one, tc.two)
			}
		})
	}
}
