package lambda_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/lambdarie"
	"github.com/toolgate/toolgate/lambda"
	"github.com/toolgate/toolgate/lambda/internal/testfn"
)

// emulatedInterceptor runs testfn.Intercept as a real function under the
// runtime interface emulator and returns it, invoked through the signed
// Lambda client.
func emulatedInterceptor(t *testing.T) *lambda.Function {
	e := lambdarie.Start(t, lambdarie.Build(t, "./internal/testfn/interceptor"), &lambdarie.Config{Timeout: fnTimeout})
	ctx := context.Background()
	signer, err := credentials.NewSigV4(ctx, credentials.SigV4Config{
		Service: "lambda", Region: "us-east-1",
		AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: credentials.Literal("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
	})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := lambda.NewFunction(ctx, &lambda.Options{Function: lambdarie.FunctionName, Endpoint: e.URL,
		Region: signer.Region(), Credentials: signer, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	// The cold start, slow on a loaded machine, stays out of the cases.
	if _, err := fn.Invoke(ctx, []byte(`{"mcp":{"gatewayRequest":{"body":{}}}}`)); err != nil {
		t.Logf("warm-up: %v", err)
	}
	return fn
}

func inProcessInterceptor(t *testing.T) *lambda.Function {
	fn, err := lambda.NewInProcessFunction(testfn.Intercept, &lambda.Options{Timeout: fnTimeout, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return fn
}

// TestFunctionInterceptor: an interceptor Lambda function of AgentCore's
// contract, in process and as a real function under the emulator, refuses,
// rewrites and redacts through the gateway.
func TestFunctionInterceptor(t *testing.T) {
	for _, mode := range []struct {
		name string
		fn   func(*testing.T) *lambda.Function
	}{{"in-process", inProcessInterceptor}, {"emulator", emulatedInterceptor}} {
		t.Run(mode.name, func(t *testing.T) {
			fn := mode.fn(t)
			gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: quiet,
				GatewayInterceptors: []toolgate.GatewayInterceptor{{Handler: fn, Request: true, Response: true}}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { gw.Close() })
			echo := toolgate.Funcs("text", toolgate.Func("echo", "Echo", func(_ context.Context, in struct {
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
			for _, tc := range []struct{ text, want, wantErr string }{
				{"hello", "you said HELLO", ""},
				{"my secret", "you said MY [REDACTED]", ""},
				{"forbidden", "denied by the interceptor", ""},
				{"crash", "", "the REQUEST interceptor failed"},
			} {
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "text___echo", Arguments: map[string]any{"text": tc.text}})
				switch {
				case tc.wantErr != "":
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Errorf("%q: err = %v", tc.text, err)
					}
				case err != nil:
					t.Errorf("%q: %v", tc.text, err)
				case testenv.Text(res) != tc.want:
					t.Errorf("%q: got %q, want %q", tc.text, testenv.Text(res), tc.want)
				}
			}
		})
	}
}
