package mcpserver_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/mcpserver"
)

// verdicts is what verify-proxy.mjs counted: requests let through, by
// method, and why it refused the others.
type verdicts struct {
	Verified map[string]int `json:"verified"`
	Refused  []string       `json:"refused"`
}

func verdictsOf(t *testing.T, gate string) verdicts {
	t.Helper()
	resp, err := http.Get(gate + "/__verify")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v verdicts
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestCredentialsVerified: a target's SigV4 signature and API key are on
// every request the gateway makes to the reference MCP server (session
// start, event stream, listings, calls by both paths, prompts, resources,
// session end), as checked by a proxy with code of its own
// (scripts/mcp/verify-proxy.mjs: the npm package aws4 recomputes each
// signature from the request it received, body hash included). Wrong
// credentials are refused there and the target's tools say so, without
// the secret.
func TestCredentialsVerified(t *testing.T) {
	ref := referenceServer(t)
	const (
		keyID   = "AKIDVERIFYPROXY"
		secret  = "verify-proxy-secret-access-key"
		session = "verify-proxy-session-token"
		apiKey  = "verify-proxy-api-key-0123456789"
	)
	sigv4 := func(secret, session string) credentials.Provider {
		cfg := credentials.SigV4Config{Service: "bedrock-agentcore", Region: "eu-west-1",
			AccessKeyID: keyID, SecretAccessKey: credentials.Literal(secret)}
		if session != "" {
			cfg.SessionToken = credentials.Literal(session)
		}
		p, err := credentials.NewSigV4(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	key := func(cfg credentials.APIKeyConfig) credentials.Provider {
		p, err := credentials.NewAPIKey(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	gateSigV4 := []string{"GATE_MODE=sigv4", "GATE_SERVICE=bedrock-agentcore", "GATE_REGION=eu-west-1",
		"GATE_ACCESS_KEY_ID=" + keyID, "GATE_SECRET_ACCESS_KEY=" + secret}
	for _, tc := range []struct {
		name    string
		gate    []string
		creds   credentials.Provider
		refused string // the proxy's reason, when the credentials are wrong
	}{
		{name: "sigv4", gate: gateSigV4, creds: sigv4(secret, "")},
		{name: "sigv4 session token", gate: append(slices.Clone(gateSigV4), "GATE_SESSION_TOKEN="+session), creds: sigv4(secret, session)},
		{name: "api key header", gate: []string{"GATE_MODE=apikey", "GATE_HEADER=X-Api-Key", "GATE_KEY=" + apiKey},
			creds: key(credentials.APIKeyConfig{Key: credentials.Literal(apiKey), Name: "X-Api-Key"})},
		{name: "api key query", gate: []string{"GATE_MODE=apikey", "GATE_QUERY=api_key", "GATE_KEY=" + apiKey},
			creds: key(credentials.APIKeyConfig{Key: credentials.Literal(apiKey), In: credentials.Query, Name: "api_key"})},
		{name: "sigv4 wrong secret", gate: gateSigV4, creds: sigv4("not-the-"+secret, ""), refused: "signature does not match"},
		{name: "api key wrong", gate: []string{"GATE_MODE=apikey", "GATE_HEADER=X-Api-Key", "GATE_KEY=" + apiKey},
			creds: key(credentials.APIKeyConfig{Key: credentials.Literal("not-the-" + apiKey), Name: "X-Api-Key"}), refused: "wrong or missing X-Api-Key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gate := verifyProxy(t, ref, tc.gate...)
			tg := newTarget(t, mcpserver.Options{Name: "up", URL: gate + "/mcp", Credentials: tc.creds})
			if tc.refused != "" {
				gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				defer gw.Close()
				err = gw.AddTarget(callCtx(t), tg)
				v := verdictsOf(t, gate)
				if err == nil || len(v.Verified) != 0 || len(v.Refused) == 0 || !strings.Contains(v.Refused[0], tc.refused) {
					t.Fatalf("AddTarget: %v; the proxy: %+v", err, v)
				}
				for _, s := range []string{secret, apiKey} {
					if strings.Contains(err.Error(), s) {
						t.Errorf("the error shows a secret: %v", err)
					}
				}
				return
			}
			sdk := newTarget(t, mcpserver.Options{Name: "up", URL: gate + "/mcp", Credentials: tc.creds})
			mcpserver.NoLean(sdk)
			_, gwURL := gateway(t, tg)
			_, sdkURL := gateway(t, sdk)
			ctx := callCtx(t)
			for _, u := range []string{sdkURL, gwURL} { // go-sdk's client, the lean path
				cs := connect(t, u, nil)
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"message": "hi"}})
				if err != nil || res.IsError || text(res) != "Echo: hi" {
					t.Fatalf("tools/call: %v %s", err, jsonOf(t, res))
				}
			}
			_ = sdk.Close() // its session ends before the proxy's verdicts are read
			cs := connect(t, gwURL, nil)
			prompts, err := cs.ListPrompts(ctx, nil)
			if err != nil || !slices.ContainsFunc(prompts.Prompts, func(p *mcp.Prompt) bool { return p.Name == "up___simple-prompt" }) {
				t.Fatalf("prompts/list: %v %s", err, jsonOf(t, prompts))
			}
			if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "up___simple-prompt"}); err != nil {
				t.Fatalf("prompts/get: %v", err)
			}
			resources, err := cs.ListResources(ctx, nil)
			if err != nil || len(resources.Resources) == 0 {
				t.Fatalf("resources/list: %v %+v", err, resources)
			}
			if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: resources.Resources[0].URI}); err != nil {
				t.Fatalf("resources/read %s: %v", resources.Resources[0].URI, err)
			}
			_ = cs.Close()
			_ = tg.Close() // ends the backend session: DELETE
			v := verdictsOf(t, gate)
			if len(v.Refused) != 0 {
				t.Errorf("the proxy refused %q", v.Refused)
			}
			for _, m := range []string{http.MethodPost, http.MethodGet, http.MethodDelete} {
				if v.Verified[m] == 0 {
					t.Errorf("no %s verified: %v", m, v.Verified)
				}
			}
		})
	}
}
