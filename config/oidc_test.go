package config_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

// TestOIDCProvider: against a real OpenID Connect provider, a CUSTOM_JWT
// authorizer admits the tokens its audience and custom claims allow (and
// answers 401 and 403 otherwise, with its metadata served), and an OAUTH
// target fetches client-credentials tokens through the provider's
// discovery document, with the configured scopes and custom parameters.
func TestOIDCProvider(t *testing.T) {
	p := oidc.Start(t)
	const gwAudience, notesResource = "https://gw.test/mcp", "https://notes.test/"
	client := p.Register(t, oidc.Client{Scopes: []string{"notes.read"}, Resource: notesResource})
	t.Setenv("TG_CLIENT_SECRET", client.Secret)
	backend := newNotionBackend(t)

	path := writeConfig(t, map[string]string{
		"gateway.yaml": `
gateway:
  name: gw
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer:
      discoveryUrl: ` + p.DiscoveryURL() + `
      allowedAudience: [` + gwAudience + `]
      customClaims:
        - inboundTokenClaimName: dept
          inboundTokenClaimValueType: STRING
          authorizingClaimMatchValue: {claimMatchOperator: EQUALS, claimMatchValue: {matchValueString: eng}}
        - inboundTokenClaimName: roles
          inboundTokenClaimValueType: STRING_ARRAY
          authorizingClaimMatchValue: {claimMatchOperator: CONTAINS, claimMatchValue: {matchValueString: tools}}
        - inboundTokenClaimName: groups
          inboundTokenClaimValueType: STRING_ARRAY
          authorizingClaimMatchValue: {claimMatchOperator: CONTAINS_ANY, claimMatchValue: {matchValueStringList: [a, b]}}
oauth2CredentialProviders:
  - name: idp
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        oauthDiscovery: {discoveryUrl: ` + p.DiscoveryURL() + `}
        clientId: ` + client.ID + `
        clientSecret: ${TG_CLIENT_SECRET}
targets:
  - name: notes
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: notion.yaml}}}}
    credentialProviderConfigurations:
      - credentialProviderType: OAUTH
        credentialProvider:
          oauthCredentialProvider:
            providerArn: arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/idp
            scopes: [notes.read]
            customParameters: {resource: "` + notesResource + `"}
toolgate: {stateless: true, jsonResponse: true}
`,
		"notion.yaml": notionSpec(t, backend.URL),
	})
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, gw := build(t, f, nil)
	if b.JWT == nil {
		t.Fatal("no JWT authorizer")
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	mux.Handle("/.well-known/oauth-protected-resource/mcp", b.JWT.MetadataHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	mint := func(claims map[string]any) string {
		c := map[string]any{"sub": "alice", "aud": gwAudience, "dept": "eng", "roles": []string{"tools", "other"}, "groups": []string{"b"}}
		for k, v := range claims {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return p.Mint(t, c, "RS256", time.Hour)
	}
	call := func(token string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/mcp", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"notes___getSelf","arguments":{}}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, tc := range []struct {
		name   string
		token  string
		status int
	}{
		{"allowed", mint(nil), 200},
		{"no token", "", 401},
		{"another audience", mint(map[string]any{"aud": "https://elsewhere.test/"}), 401},
		{"EQUALS fails", mint(map[string]any{"dept": "sales"}), 403},
		{"CONTAINS fails", mint(map[string]any{"roles": []string{"other"}}), 403},
		{"CONTAINS_ANY fails", mint(map[string]any{"groups": []string{"c"}}), 403},
		{"claim missing", mint(map[string]any{"dept": nil}), 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(tc.token)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if status == 200 && (strings.Contains(body, `"isError":true`) || !strings.Contains(body, "bot-1")) {
				t.Fatalf("call failed: %s", body)
			}
		})
	}
	got := backend.credentials()
	if len(got) != 1 || !strings.HasPrefix(got[0], "Bearer ") {
		t.Fatalf("the backend saw %q", got)
	}
	v := p.Verify(t, strings.TrimPrefix(got[0], "Bearer "))
	if !slices.Contains(v.Audience(), notesResource) || !strings.Contains(v.Claims["scope"].(string), "notes.read") {
		t.Errorf("the backend's token has audience %v and scope %v", v.Audience(), v.Claims["scope"])
	}
	resp, err := http.Get(srv.URL + "/.well-known/oauth-protected-resource/mcp")
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(meta), `"authorization_servers":["`+p.Issuer()+`"]`) {
		t.Errorf("metadata %s", meta)
	}
}
