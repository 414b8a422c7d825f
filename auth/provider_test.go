package auth_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

const resource = "https://toolgate.test/mcp"

func goClientCall(t *testing.T, url, token string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "auth-test", Version: "0"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: testenv.BearerTransport(token)}}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "units___convert", Arguments: map[string]any{"value": 1, "from": "mi", "to": "km"}})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	return res.Content[0].(*mcp.TextContent).Text
}

// TestRealProvider runs examples/auth against a real OpenID Connect
// provider: client-credentials tokens it issues are accepted by the go-sdk
// client and the official TypeScript SDK client, and a key rotation at the
// provider is picked up without restarting the gateway.
func TestRealProvider(t *testing.T) {
	p := oidc.Start(t)
	client := p.Register(t, oidc.Client{ID: "agent", Scopes: []string{"tools:read", "tools:admin"}, Resource: resource})
	other := p.Register(t, oidc.Client{ID: "stranger", Scopes: []string{"tools:read"}, Resource: resource})
	url := program.Start(t, "../examples/auth",
		"TOOLGATE_DISCOVERY_URL="+p.DiscoveryURL(),
		"TOOLGATE_AUDIENCE="+resource,
		"TOOLGATE_ALLOWED_CLIENTS=agent",
		"TOOLGATE_SCOPES=tools:read",
	)
	token := p.ClientToken(t, client, urlValues("scope", "tools:read"))

	if got := goClientCall(t, url, token); !strings.Contains(got, "1 mi = 1.609344 km") {
		t.Fatalf("go-sdk client got %q", got)
	}

	t.Run("typescript-sdk-client", func(t *testing.T) {
		dir := testenv.MCPScripts(t)
		out, err := exec.Command(filepath.Join(dir, "client.sh"), url, token, "--tool", "clock___now", "--args", `{"timezone":"UTC"}`).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "tools/list: 3 tool(s)") || !strings.Contains(string(out), `\"timezone\":\"UTC\"`) {
			t.Fatalf("TypeScript client: %v\n%s", err, out)
		}
		if strings.Contains(string(out), "session=(none") {
			t.Fatalf("expected a stateful session:\n%s", out)
		}
	})

	t.Run("conformance-suite-with-token", func(t *testing.T) {
		// The official suite's own bearer check (401 without or with a wrong
		// token, WWW-Authenticate with resource_metadata, 200 with the
		// token), then a scenario through its header-adding proxy.
		dir := testenv.MCPScripts(t)
		out, err := exec.Command(filepath.Join(dir, "conformance.sh"), url, token, "--scenario", "tools-list").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "auth smoke: OK") || !strings.Contains(string(out), "Passed: 1/1, 0 failed") {
			t.Fatalf("conformance with token: %v\n%s", err, out)
		}
	})

	t.Run("rejections", func(t *testing.T) {
		for name, tc := range map[string]struct {
			tok    string
			status int
		}{
			"no token":           {"", 401},
			"client not allowed": {p.ClientToken(t, other, urlValues("scope", "tools:read")), 401},
			"no allowed scope":   {p.ClientToken(t, client, urlValues("scope", "tools:admin")), 403},
			"garbage":            {"x.y.z", 401},
		} {
			req, _ := http.NewRequest("POST", url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"0"}}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tc.tok != "" {
				req.Header.Set("Authorization", "Bearer "+tc.tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "resource_metadata=") {
				t.Errorf("%s: %d %s %s", name, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), b)
			}
		}
		// The metadata names the provider.
		resp, err := http.Get(strings.TrimSuffix(url, "/mcp") + "/.well-known/oauth-protected-resource/mcp")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"authorization_servers":["`+p.Issuer()+`"]`) {
			t.Fatalf("metadata %s", b)
		}
	})

	t.Run("key rotation", func(t *testing.T) {
		keys := p.RotateKeys(t, true)
		fresh := p.ClientToken(t, client, urlValues("scope", "tools:read"))
		if v := p.Verify(t, fresh); v.KID != keys.Current[0].KID && (len(keys.Current) < 2 || v.KID != keys.Current[1].KID) {
			t.Fatalf("new token signed with %s, not a new key %+v", v.KID, keys.Current)
		}
		if got := goClientCall(t, url, fresh); !strings.Contains(got, "km") {
			t.Fatalf("after rotation: %q", got)
		}
	})
}

func urlValues(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}
