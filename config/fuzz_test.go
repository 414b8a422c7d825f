package config_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/config"
)

// FuzzLoad: any input is either accepted, with fingerprints and a
// Validate that returns, or refused with config.Errors, each of which names
// its field path (document-level problems aside). Nothing panics.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(`{"gateway":{"name":"g","authorizerType":"NONE"},"targets":[{"name":"t","targetConfiguration":{"mcp":{"mcpServer":{"endpoint":"https://x.example.com/mcp"}}}}]}`))
	f.Add([]byte(base + `
apiKeyCredentialProviders: [{name: k, apiKey: "${HOME}"}]
targets:
  - name: api
    targetConfiguration: {mcp: {openApiSchema: {inlinePayload: {openapi: 3.0.0, info: {title: T, version: "1"}, servers: [{url: "https://x.example.com"}], paths: {/a: {get: {operationId: a, responses: {"200": {description: ok}}}}}}}}}
    credentialProviderConfigurations:
      - {credentialProviderType: API_KEY, credentialProvider: {apiKeyCredentialProvider: {providerArn: "arn:aws:x:::a/k", credentialLocation: QUERY_PARAMETER, credentialParameterName: key}}}
  - name: fn
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:fn
          toolSchema: {inlinePayload: [{name: a, description: A, inputSchema: {type: object, properties: {x: {type: integer, minimum: 0x10}}}}]}
  - name: model
    targetConfiguration: {mcp: {smithyModel: {inlinePayload: '{"smithy":"2.0","shapes":{}}'}}}
toolgate: {stateless: true, limits: {callTimeout: 3s}}
`))
	f.Add([]byte(`
gateway:
  name: &n g
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer:
      discoveryUrl: https://idp.example.com/.well-known/openid-configuration
      allowedClients: [*n]
      customClaims: [{inboundTokenClaimName: c, inboundTokenClaimValueType: STRING, authorizingClaimMatchValue: {claimMatchOperator: EQUALS, claimMatchValue: {matchValueString: v}}}]
oauth2CredentialProviders:
  - {name: o, credentialProviderVendor: MicrosoftOauth2, oauth2ProviderConfigInput: {microsoftOauth2ProviderConfig: {clientId: c, clientSecret: s, tenantId: t}}}
`))
	f.Add([]byte("a: &a [*a, *a]\nb: &b [*a, *a]\ngateway: [*b, *b]\n"))
	f.Add([]byte(strings.Repeat("[", 300)))
	f.Add([]byte("gateway: {name: $${x}, authorizerType: ${"))
	f.Add([]byte("- 1\n- 2\n"))
	dir := f.TempDir()
	// The errors about the whole document, which have no field path.
	documentLevel := []string{"not valid YAML or JSON", "the configuration is empty", "must be a mapping", "keys must be strings", "the document is too large"}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := config.Parse(data, dir)
		if err != nil {
			var es config.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("not config.Errors: %T %v", err, err)
			}
			for _, e := range es {
				if e.Msg == "" {
					t.Fatalf("an error without a message: %+v", e)
				}
				if e.Path == "" && !containsAny(e.Msg, documentLevel) {
					t.Fatalf("an error without a path: %v", e)
				}
			}
			return
		}
		if file.GatewayFingerprint() == "" {
			t.Fatal("no gateway fingerprint")
		}
		for _, tg := range file.Targets {
			if tg.Fingerprint() == "" {
				t.Fatalf("target %q has no fingerprint", tg.Name)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := file.Validate(ctx); err != nil {
			var es config.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Validate: not config.Errors: %v", err)
			}
			for _, e := range es {
				if e.Path == "" || e.Target == "" {
					t.Fatalf("Validate: an error without a path or target: %v", e)
				}
			}
		}
	})
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
