package config_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/lambdarie"
)

// TestInterceptorConfigurations: CreateGateway's interceptorConfigurations
// become GatewayInterceptors whose Lambda function is invoked by its ARN
// at the endpoint of AWS_ENDPOINT_URL_LAMBDA, as lambda targets are: here
// a real function under the runtime interface emulator.
func TestInterceptorConfigurations(t *testing.T) {
	fn := lambdarie.Start(t, lambdarie.Build(t, "../lambda/internal/testfn/interceptor"), nil)
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", fn.ARNProxy(t))
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	path := writeConfig(t, map[string]string{"gateway.yaml": `
gateway:
  name: gw
  authorizerType: NONE
  interceptorConfigurations:
    - interceptor: {lambda: {arn: "arn:aws:lambda:us-east-1:123456789012:function:` + lambdarie.FunctionName + `"}}
      interceptionPoints: [REQUEST, RESPONSE]
      inputConfiguration: {passRequestHeaders: false}
`})
	f, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	if gis := b.Options.GatewayInterceptors; len(gis) != 1 || !gis[0].Request || !gis[0].Response || gis[0].PassRequestHeaders {
		t.Fatalf("GatewayInterceptors: %+v", gis)
	}
	gw, err := b.Gateway(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	echo := toolgate.Funcs("t", toolgate.Func("echo", "Echo", func(_ context.Context, in struct {
		Text string `json:"text"`
	}) (string, error) {
		return "you said " + in.Text, nil
	}))
	if err := gw.AddTarget(context.Background(), echo); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	cs := testenv.Connect(t, srv.URL)
	for text, want := range map[string]string{"my secret": "you said MY [REDACTED]", "forbidden": "denied by the interceptor"} {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___echo", Arguments: map[string]any{"text": text}})
		if err != nil || testenv.Text(res) != want {
			t.Errorf("%q: got %q (%v), want %q", text, testenv.Text(res), err, want)
		}
	}
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "t___echo", Arguments: map[string]any{"text": "crash"}}); err == nil ||
		!strings.Contains(err.Error(), "the REQUEST interceptor failed") {
		t.Errorf("crash: %v", err)
	}
}
