package config_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/internal/testenv"
)

// notionBackend serves the Notion subset of testdata/notion.yaml and
// records the credentials each request carried.
type notionBackend struct {
	*httptest.Server
	mu   sync.Mutex
	auth []string // Authorization headers, or ?api_key= values
}

func newNotionBackend(t *testing.T) *notionBackend {
	t.Helper()
	b := &notionBackend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		if k := r.URL.Query().Get("api_key"); k != "" {
			b.auth = append(b.auth, "query:"+k)
		} else {
			b.auth = append(b.auth, r.Header.Get("Authorization"))
		}
		b.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "GET" && r.URL.Path == "/v1/users/me":
			_, _ = io.WriteString(w, `{"object":"user","id":"bot-1","name":"toolgate"}`)
		case r.Method == "POST" && r.URL.Path == "/v1/search":
			var in struct{ Query string }
			_ = json.NewDecoder(r.Body).Decode(&in)
			_ = json.NewEncoder(w).Encode(map[string]any{"results": []map[string]string{{"object": "page", "id": "p-1", "url": "https://notion.so/" + in.Query}}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(b.Close)
	return b
}

func (b *notionBackend) credentials() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.auth)
}

// notionSpec returns testdata/notion.yaml with its server at url.
func notionSpec(t *testing.T, url string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/notion.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Replace(string(b), "https://api.notion.com", url, 1)
}

func build(t *testing.T, f *config.File, logs io.Writer) (*config.Built, *toolgate.Gateway) {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	ctx := context.Background()
	if err := f.Validate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := f.Build(ctx, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	gw, err := b.Gateway(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	return b, gw
}

func toolNames(gw *toolgate.Gateway) []string {
	var names []string
	for _, ti := range gw.Tools() {
		names = append(names, ti.Name)
	}
	return names
}

// TestBuild: a file becomes the gateway's options and targets, and calls
// reach the backends with the credentials the file describes.
func TestBuild(t *testing.T) {
	backend := newNotionBackend(t)
	t.Setenv("NOTION_KEY", "ntn_test_1234")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	path := writeConfig(t, map[string]string{
		"gateway.yaml": `
gateway:
  name: tools-gw
  authorizerType: NONE
  protocolType: MCP
  protocolConfiguration:
    mcp: {instructions: "Use the tools.", searchType: SEMANTIC}
apiKeyCredentialProviders:
  - name: notion-key
    apiKey: ${NOTION_KEY}
targets:
  - name: notion
    description: Pages of the team's Notion
    targetConfiguration:
      mcp:
        openApiSchema:
          s3: {uri: specs/notion.yaml}
    credentialProviderConfigurations:
      - credentialProviderType: API_KEY
        credentialProvider:
          apiKeyCredentialProvider:
            providerArn: arn:aws:bedrock-agentcore:us-east-1:123456789012:token-vault/default/apikeycredentialprovider/notion-key
            credentialPrefix: Bearer
  - name: notionq
    targetConfiguration:
      mcp:
        openApiSchema:
          s3: {uri: "file://${CONFIG_DIR}/specs/notion.yaml"}
    credentialProviderConfigurations:
      - credentialProviderType: API_KEY
        credentialProvider:
          apiKeyCredentialProvider:
            providerArn: notion-key
            credentialLocation: QUERY_PARAMETER
            credentialParameterName: api_key
  - name: weather
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:weather
          toolSchema:
            inlinePayload:
              - name: get_weather
                description: Current weather in a city
                inputSchema:
                  type: object
                  properties: {city: {type: string, description: City name}}
                  required: [city]
    credentialProviderConfigurations:
      - credentialProviderType: GATEWAY_IAM_ROLE
  - name: remote
    targetConfiguration:
      mcp:
        mcpServer: {endpoint: "http://127.0.0.1:1/mcp", listingMode: DYNAMIC, resourcePriority: 10}
toolgate:
  stateless: true
  limits: {callTimeout: 5s, maxConcurrentCalls: 8, maxBodyBytes: 1048576}
`,
		"specs/notion.yaml": notionSpec(t, backend.URL),
	})
	t.Setenv("CONFIG_DIR", filepath.Dir(path))
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, gw := build(t, f, nil)

	o := b.Options
	if o.Name != "tools-gw" || o.Resource != "tools-gw" || o.Instructions != "Use the tools." || !o.Stateless ||
		o.CallTimeout != 5*time.Second || o.MaxConcurrentCalls != 8 || o.MaxBodyBytes != 1<<20 || o.Authorizer == nil {
		t.Errorf("options %+v", o)
	}
	if b.Search == nil {
		t.Error("searchType SEMANTIC did not enable tool search")
	}
	names := toolNames(gw)
	for _, want := range []string{"notion___getSelf", "notion___search", "notionq___getPage", "weather___get_weather", "x_amz_bedrock_agentcore_search"} {
		if !slices.Contains(names, want) {
			t.Errorf("tool %s missing from %v", want, names)
		}
	}
	for _, st := range gw.Status() {
		switch st.Name {
		case "notion":
			if st.Description != "Pages of the team's Notion" {
				t.Errorf("notion's description %q", st.Description)
			}
		case "remote":
			if st.Healthy {
				t.Error("the MCP server at port 1 is healthy")
			}
		}
	}

	ctx := context.Background()
	res, err := gw.Call(ctx, "notion___search", json.RawMessage(`{"body":{"query":"roadmap"}}`))
	if err != nil || res.IsError || !strings.Contains(testenv.Text(res), "https://notion.so/roadmap") {
		t.Fatalf("notion___search: %v %s", err, testenv.Text(res))
	}
	if res, err := gw.Call(ctx, "notionq___getSelf", nil); err != nil || res.IsError {
		t.Fatalf("notionq___getSelf: %v %s", err, testenv.Text(res))
	}
	if got, want := backend.credentials(), []string{"Bearer ntn_test_1234", "query:ntn_test_1234"}; !slices.Equal(got, want) {
		t.Errorf("the backend saw %q, want %q", got, want)
	}
}

// TestValidate: converting specs and schemas finds what Load cannot, and
// names the target and the field.
func TestValidate(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	path := writeConfig(t, map[string]string{
		"gateway.yaml": base + `
targets:
  - name: weather
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:weather
          toolSchema:
            inlinePayload:
              - {name: get_weather, description: Weather, inputSchema: {type: object, properties: {city: {type: string}}}}
              - {name: broken, description: Broken, inputSchema: {type: object, properties: {city: {type: strin}}}}
              - {name: list, description: Not an object, inputSchema: {type: array}}
  - name: nospec
    targetConfiguration: {mcp: {openApiSchema: {inlinePayload: "not: [a spec"}}}
  - name: noserver
    targetConfiguration: {mcp: {openApiSchema: {inlinePayload: {openapi: 3.0.0, info: {title: T, version: "1"}, paths: {/x: {get: {responses: {"200": {description: ok}}}}}}}}}
  - name: model
    targetConfiguration: {mcp: {smithyModel: {inlinePayload: '{"smithy": "2.0", "shapes": {}}'}}}
  - name: noregion
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: weather
          toolSchema: {s3: {uri: tools.json}}
  - name: badtools
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:weather
          toolSchema: {s3: {uri: bad-tools.json}}
`,
		"tools.json":     `[{"name": "t", "description": "T", "inputSchema": {"type": "object"}}]`,
		"bad-tools.json": `{"tools": 5}`,
	})
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got := errorTexts(f.Validate(context.Background()))
	for _, want := range []string{
		`targets[0].targetConfiguration.mcp.lambda.toolSchema.inlinePayload[1].inputSchema (target "weather"): tool "broken": input schema`,
		`targets[0].targetConfiguration.mcp.lambda.toolSchema.inlinePayload[2].inputSchema (target "weather"): tool "list": input schema`,
		`targets[1].targetConfiguration.mcp.openApiSchema (target "nospec"): openapi:`,
		`targets[2].targetConfiguration.mcp.openApiSchema (target "noserver"): tool "get_x": no usable server URL (the spec declares no server)`,
		`targets[3].targetConfiguration.mcp.smithyModel (target "model"): smithy:`,
		`targets[4].targetConfiguration.mcp.lambda (target "noregion"): lambda: target "noregion": no AWS region`,
		`targets[5].targetConfiguration.mcp.lambda.toolSchema.s3 (target "badtools"): lambda: tool definitions`,
	} {
		if !slicesContainsSub(got, want) {
			t.Errorf("no error contains\n  %s\ngot:\n  %s", want, strings.Join(got, "\n  "))
		}
	}
	if slicesContainsSub(got, "get_weather") {
		t.Errorf("the valid tool was reported: %v", got)
	}
}

// TestSecretsNeverShown: API keys and client secrets appear in no error,
// warning, log line or formatted value, whatever goes wrong around them.
func TestSecretsNeverShown(t *testing.T) {
	const key, clientSecret = "sk-live-ZX81KEY", "cs-ZX81SECRET"
	t.Setenv("TG_KEY", key)
	backend := newNotionBackend(t)
	var logs bytes.Buffer
	cfg := `
gateway:
  name: gw
  authorizerType: NONE
  tags: {k: v}
apiKeyCredentialProviders:
  - name: k
    apiKey: ${TG_KEY}
  - name: literal
    apiKey: "` + key + `"
oauth2CredentialProviders:
  - name: o
    credentialProviderVendor: CustomOauth2
    oauth2ProviderConfigInput:
      customOauth2ProviderConfig:
        clientId: c
        clientSecret: "` + clientSecret + `"
        oauthDiscovery:
          authorizationServerMetadata:
            issuer: http://127.0.0.1:1
            authorizationEndpoint: http://127.0.0.1:1/auth
            tokenEndpoint: http://127.0.0.1:1/token
targets:
  - name: api
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: notion.yaml}}}}
    credentialProviderConfigurations:
      - {credentialProviderType: API_KEY, credentialProvider: {apiKeyCredentialProvider: {providerArn: k, credentialPrefix: Bearer}}}
  - name: oauth
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: notion.yaml}}}}
    credentialProviderConfigurations:
      - {credentialProviderType: OAUTH, credentialProvider: {oauthCredentialProvider: {providerArn: o, scopes: [read]}}}
`
	path := writeConfig(t, map[string]string{"gateway.yaml": cfg, "notion.yaml": notionSpec(t, backend.URL)})
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, gw := build(t, f, &logs)
	ctx := context.Background()
	var shown []string
	for _, name := range []string{"api___getSelf", "oauth___getSelf"} {
		res, err := gw.Call(ctx, name, nil)
		if err != nil {
			shown = append(shown, err.Error())
		} else {
			shown = append(shown, testenv.Text(res))
		}
	}
	if got := backend.credentials(); len(got) != 1 || got[0] != "Bearer "+key {
		t.Fatalf("the backend saw %q", got)
	}
	shown = append(shown, fmt_(f), fmt_(b), fmt_(b.Targets), fmt_(f.APIKeyCredentialProviders[0]), fmt_(f.OAuth2CredentialProviders[0].OAuth2ProviderConfigInput.CustomOauth2ProviderConfig))
	for _, w := range f.Warnings() {
		shown = append(shown, w.String())
	}
	js, _ := json.Marshal(f)
	shown = append(shown, string(js))

	// Broken files around the secrets.
	for _, broken := range []string{
		strings.Replace(cfg, "apiKey: ${TG_KEY}", "apiKey: [${TG_KEY}]", 1),
		strings.Replace(cfg, "apiKey: \""+key+"\"", "apiKey: \""+key+"${not a var}\"", 1),
		strings.Replace(cfg, "apiKey: \""+key+"\"", "apiKey: \""+key+"${UNSET_TG_VAR}\"", 1),
		strings.Replace(cfg, "clientSecret: \""+clientSecret+"\"", "clientSecret: {value: \""+clientSecret+"\"}", 1),
		strings.Replace(cfg, "name: literal", "name: k", 1),
	} {
		_, err := config.Parse([]byte(broken), filepath.Dir(path))
		if err == nil {
			t.Errorf("accepted:\n%s", broken)
			continue
		}
		shown = append(shown, err.Error())
	}
	shown = append(shown, logs.String())
	all := strings.Join(shown, "\n")
	for _, secret := range []string{key, clientSecret} {
		if strings.Contains(all, secret) {
			t.Errorf("%q shown:\n%s", secret, all)
		}
	}
}

func fmt_(v any) string {
	var b strings.Builder
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		b.WriteString(sprintf(verb, v))
		b.WriteByte('\n')
	}
	l := slog.New(slog.NewJSONHandler(&b, nil))
	l.Info("value", "v", v)
	return b.String()
}

func sprintf(format string, v any) string { return fmt.Sprintf(format, v) }

// TestTemplateTargets: a template-based target takes its token, or its
// basic-auth password, from an API_KEY provider, and its calls reach the
// service (here a local stand-in at baseUrl) with the template's auth.
func TestTemplateTargets(t *testing.T) {
	got := make(chan *http.Request, 1)
	svc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Clone(context.Background())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer svc.Close()
	t.Setenv("SLACK_TOKEN", "xoxb-test-123")
	path := writeConfig(t, map[string]string{"gateway.yaml": `
gateway: {name: gw, authorizerType: NONE}
apiKeyCredentialProviders:
  - {name: slack-token, apiKey: "${SLACK_TOKEN}"}
targets:
  - name: slack
    targetConfiguration:
      mcp:
        template: {name: Slack, baseUrl: "` + svc.URL + `"}
    credentialProviderConfigurations:
      - credentialProviderType: API_KEY
        credentialProvider: {apiKeyCredentialProvider: {providerArn: slack-token}}
`})
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Build(context.Background(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	opts := b.Options
	opts.Logger = slog.New(slog.DiscardHandler)
	gw, err := toolgate.New(&opts)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	for _, bt := range b.Targets {
		if err := gw.AddTarget(context.Background(), bt.Target); err != nil {
			t.Fatal(err)
		}
	}
	res, err := gw.Call(context.Background(), "slack___chat_postMessage", json.RawMessage(`{"body":{"channel":"C1","text":"hi"}}`))
	if err != nil || res.IsError {
		t.Fatalf("%v %+v", err, res)
	}
	r := <-got
	if r.URL.Path != "/chat.postMessage" || r.Header.Get("Authorization") != "Bearer xoxb-test-123" {
		t.Fatalf("the service got %s %s with Authorization %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
	}
}
