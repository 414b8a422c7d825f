package config_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
)

// TestTokenExchangeTarget: an MCP server target whose OAuth credential
// provider has grantType TOKEN_EXCHANGE, its provider an
// onBehalfOfTokenExchangeConfig with an M2M actor token, against the real
// OpenID provider: every caller's call reaches the server with the
// caller's token exchanged for one for the server's endpoint (the default
// resource), naming the gateway's client as the actor; the gateway lists
// the server with its own client credentials; the server refuses any other
// token and never sees an inbound one.
func TestTokenExchangeTarget(t *testing.T) {
	p := oidc.Start(t)
	const gwAudience = "https://gw.test/mcp"
	client := p.Register(t, oidc.Client{Scopes: []string{"tools", "act"}})
	t.Setenv("TG_CLIENT_SECRET", client.Secret)

	var (
		mu   sync.Mutex
		seen []string // "subject acted-for-by" per request, "refused" for a bad token
	)
	var endpoint string
	identity := func(h http.Header) (sub, act string, ok bool) {
		v, err := p.Check(t, strings.TrimPrefix(h.Get("Authorization"), "Bearer "))
		if err != nil || !slices.Contains(v.Audience(), endpoint) {
			return "", "", false
		}
		a, _ := v.Claims["act"].(map[string]any)
		act, _ = a["sub"].(string)
		return v.Subject(), act, true
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "guarded", Version: "1"}, nil)
	s.AddTool(&mcp.Tool{Name: "whoami", InputSchema: map[string]any{"type": "object"}},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			sub, act, _ := identity(req.Extra.Header)
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: sub + " by " + act}}}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, act, ok := identity(r.Header)
		mu.Lock()
		if ok {
			seen = append(seen, sub+" by "+act)
		} else {
			seen = append(seen, "refused")
		}
		mu.Unlock()
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close) // after the gateway's targets, which hold event streams open
	endpoint = srv.URL + "/mcp"

	path := writeConfig(t, map[string]string{"gateway.yaml": `
gateway:
  name: gw
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer:
      discoveryUrl: ` + p.DiscoveryURL() + `
      allowedAudience: [` + gwAudience + `]
oauth2CredentialProviders:
  - name: idp
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        oauthDiscovery: {discoveryUrl: ` + p.DiscoveryURL() + `}
        clientId: ` + client.ID + `
        clientSecret: ${TG_CLIENT_SECRET}
        onBehalfOfTokenExchangeConfig:
          grantType: TOKEN_EXCHANGE
          tokenExchangeGrantTypeConfig: {actorTokenContent: M2M, actorTokenScopes: [act]}
targets:
  - name: up
    targetConfiguration: {mcp: {mcpServer: {endpoint: "` + endpoint + `"}}}
    credentialProviderConfigurations:
      - credentialProviderType: OAUTH
        credentialProvider:
          oauthCredentialProvider:
            providerArn: arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/oauth2credentialprovider/idp
            scopes: [tools]
            grantType: TOKEN_EXCHANGE
`})
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, gw := build(t, f, nil)
	gwSrv := httptest.NewServer(gw)
	t.Cleanup(gwSrv.Close)
	p.ResetStats(t)

	ctx := t.Context()
	for _, sub := range []string{"alice", "bob"} {
		token := p.Mint(t, map[string]any{"sub": sub, "aud": gwAudience}, "RS256", time.Hour)
		cs, err := mcp.NewClient(&mcp.Implementation{Name: sub, Version: "0"}, nil).Connect(ctx,
			&mcp.StreamableClientTransport{Endpoint: gwSrv.URL, HTTPClient: &http.Client{Transport: testenv.BearerTransport(token)}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___whoami", Arguments: map[string]any{}})
		if want := sub + " by " + client.ID; err != nil || res.IsError || testenv.Text(res) != want {
			t.Errorf("%s: %v %q, want %q", sub, err, testenv.Text(res), want)
		}
		_ = cs.Close()
	}
	mu.Lock()
	defer mu.Unlock()
	for _, who := range []string{"alice by " + client.ID, "bob by " + client.ID, client.ID + " by "} { // the callers; the listing
		if !slices.Contains(seen, who) {
			t.Errorf("the server never served %q: %q", who, seen)
		}
	}
	if slices.Contains(seen, "refused") {
		t.Errorf("the server refused a request: %q", seen)
	}
	st := p.Stats(t)
	if len(st.Exchanges) != 2 {
		t.Fatalf("%d exchanges, want one per caller", len(st.Exchanges))
	}
	for _, x := range st.Exchanges {
		if x.Params["resource"] != endpoint || x.Params["scope"] != "tools" || x.Params["actor_token"] == "" || x.Params["actor_token_type"] == "" {
			t.Errorf("exchange %v: want the endpoint as resource, scope tools and an actor token", x.Params)
		}
	}
}
