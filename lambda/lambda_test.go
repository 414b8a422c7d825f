package lambda_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/lambdarie"
	"github.com/toolgate/toolgate/lambda"
	"github.com/toolgate/toolgate/lambda/internal/testfn"
)

// fnTimeout is the function timeout in both modes (the emulator counts
// whole seconds).
const fnTimeout = 4 * time.Second

var quiet = slog.New(slog.DiscardHandler)

func testTools(t testing.TB) []toolgate.Tool {
	t.Helper()
	tools, err := lambda.LoadTools("testdata/tools.json")
	if err != nil {
		t.Fatal(err)
	}
	return tools
}

func baseOptions(t testing.TB) *lambda.Options {
	return &lambda.Options{
		Name:             "fn",
		Tools:            testTools(t),
		GatewayID:        "gw-test",
		PropagateHeaders: []string{"X-Tenant"},
		Logger:           quiet,
	}
}

func inProcessTarget(t testing.TB) *lambda.Target {
	o := baseOptions(t)
	o.Timeout = fnTimeout
	tg, err := lambda.NewInProcess(testfn.Handle, o)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// emulatedTarget builds testfn as a real Lambda function, runs it under the
// runtime interface emulator, and returns a target whose SigV4-signed
// Lambda client invokes it there.
func emulatedTarget(t testing.TB) *lambda.Target { return emulatedTargetWith(t, baseOptions(t)) }

// emulatedTargetWith is emulatedTarget with o as the options, but for
// where the function is and how it is signed.
func emulatedTargetWith(t testing.TB, o *lambda.Options) *lambda.Target {
	e := lambdarie.Start(t, lambdarie.Build(t, "./internal/testfn/bootstrap"), &lambdarie.Config{Timeout: fnTimeout})
	ctx := context.Background()
	signer, err := credentials.NewSigV4(ctx, credentials.SigV4Config{
		Service: "lambda", Region: "us-east-1",
		AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: credentials.Literal("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
	})
	if err != nil {
		t.Fatal(err)
	}
	o.Function = lambdarie.FunctionName
	o.Qualifier = "$LATEST"
	o.Endpoint = e.URL
	o.Region = signer.Region()
	o.Credentials = signer
	tg, err := lambda.New(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	// The emulator starts the function on its first invocation, within
	// that invocation's timeout; keep the cold start, slow on a loaded
	// machine, out of the cases.
	warm, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "text", Name: "fn___text", Arguments: json.RawMessage(`{}`)})
	if err != nil {
		t.Logf("warm-up call: %v", err)
	} else if warm.IsError {
		t.Logf("warm-up call: %s", testenv.Text(warm))
	}
	return tg
}

// serve mounts a gateway with tg and returns its MCP URL.
func serve(t testing.TB, tg toolgate.Target) string {
	t.Helper()
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	if err := gw.AddTarget(context.Background(), tg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv.URL
}

type headerRT struct{ h http.Header }

func (rt headerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range rt.h {
		r.Header[k] = v
	}
	return http.DefaultTransport.RoundTrip(r)
}

// connect opens a go-sdk client session that sends X-Tenant: acme.
func connect(t testing.TB, url string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
	tr := &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: headerRT{http.Header{"X-Tenant": {"acme"}}}}}
	cs, err := c.Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestModes runs one table against the same handler in-process and as a
// real function under the emulator, through the gateway and a go-sdk MCP
// client: both modes must give the same results.
func TestModes(t *testing.T) {
	blob := strings.Repeat("x", 5<<20) // a 5 MB payload: {"blob":"xxx..."} is 5242891 bytes
	cases := []struct {
		name  string
		tool  string
		args  map[string]any
		check func(t *testing.T, r *mcp.CallToolResult)
	}{
		{"event and client context", "echo", map[string]any{"city": "Paris"}, func(t *testing.T, r *mcp.CallToolResult) {
			if r.IsError {
				t.Fatalf("error: %s", testenv.Text(r))
			}
			var got struct {
				Event  map[string]any    `json:"event"`
				Custom map[string]string `json:"custom"`
				Tool   string            `json:"tool"`
			}
			b, _ := json.Marshal(r.StructuredContent)
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("structuredContent %s: %v", b, err)
			}
			if testenv.Text(r) != string(b) {
				t.Errorf("text %q is not the structured content %s", testenv.Text(r), b)
			}
			if len(got.Event) != 1 || got.Event["city"] != "Paris" {
				t.Errorf("event %v, want the bare arguments", got.Event)
			}
			want := map[string]string{
				lambda.KeyToolName: "fn___echo", lambda.KeyMessageVersion: "1.0",
				lambda.KeyGatewayID: "gw-test", lambda.KeyTargetID: "fn", "x-tenant": "acme",
			}
			for k, v := range want {
				if got.Custom[k] != v {
					t.Errorf("custom[%s] = %q, want %q (custom %v)", k, got.Custom[k], v, got.Custom)
				}
			}
			for _, k := range []string{lambda.KeyAwsRequestID, lambda.KeyMcpMessageID} {
				if len(got.Custom[k]) != 36 {
					t.Errorf("custom[%s] = %q, want a UUID", k, got.Custom[k])
				}
			}
			if got.Tool != "echo" {
				t.Errorf("ToolName = %q", got.Tool)
			}
		}},
		{"full JSON Schema is enforced", "echo", map[string]any{"city": "paris"}, func(t *testing.T, r *mcp.CallToolResult) {
			if !r.IsError || !strings.Contains(testenv.Text(r), "invalid arguments") {
				t.Fatalf("got %v %q", r.IsError, testenv.Text(r))
			}
		}},
		{"string result", "text", map[string]any{"city": "Oslo"}, func(t *testing.T, r *mcp.CallToolResult) {
			if r.IsError || testenv.Text(r) != "hello Oslo" || r.StructuredContent != nil {
				t.Fatalf("got %v %q %v", r.IsError, testenv.Text(r), r.StructuredContent)
			}
		}},
		{"function error", "fail", nil, func(t *testing.T, r *mcp.CallToolResult) {
			if !r.IsError || testenv.Text(r) != "Lambda function error (ValidationError): city is required" {
				t.Fatalf("got %v %q", r.IsError, testenv.Text(r))
			}
		}},
		{"MCP result passes through", "mcp", nil, func(t *testing.T, r *mcp.CallToolResult) {
			if !r.IsError || testenv.Text(r) != "from mcp" || r.StructuredContent != nil {
				t.Fatalf("got %v %q %v", r.IsError, testenv.Text(r), r.StructuredContent)
			}
		}},
		{"5 MB payload", "size", map[string]any{"blob": blob}, func(t *testing.T, r *mcp.CallToolResult) {
			if r.IsError || testenv.Text(r) != `{"bytes":5242891}` {
				t.Fatalf("got %v %.200q", r.IsError, testenv.Text(r))
			}
		}},
		{"timeout", "sleep", map[string]any{"sleepMs": 8000}, func(t *testing.T, r *mcp.CallToolResult) {
			if !r.IsError || !strings.Contains(testenv.Text(r), "timed out") || !strings.Contains(testenv.Text(r), "Task timed out after 4.") {
				t.Fatalf("got %v %q", r.IsError, testenv.Text(r))
			}
		}},
		{"after a timeout the function serves again", "text", map[string]any{"city": "Rome"}, func(t *testing.T, r *mcp.CallToolResult) {
			if r.IsError || testenv.Text(r) != "hello Rome" {
				t.Fatalf("got %v %q", r.IsError, testenv.Text(r))
			}
		}},
		{"panic", "panic", nil, func(t *testing.T, r *mcp.CallToolResult) {
			if !r.IsError || !strings.Contains(testenv.Text(r), "oops") {
				t.Fatalf("got %v %q", r.IsError, testenv.Text(r))
			}
		}},
	}
	for _, m := range []struct {
		name   string
		target func(testing.TB) *lambda.Target
	}{{"in-process", inProcessTarget}, {"emulator", emulatedTarget}} {
		t.Run(m.name, func(t *testing.T) {
			url := serve(t, m.target(t))
			cs := connect(t, url)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "fn___" + tc.tool, Arguments: tc.args})
					// After a timeout the emulator resets the function's
					// sandbox, and an invoke that comes while it does fails
					// (Sandbox.Failure, ErrGateCanceled or errResetReceived);
					// Lambda itself starts a new sandbox. Such an answer is
					// tried again for up to 3 s.
					for i := 0; i < 15 && err == nil && r.IsError && strings.Contains(testenv.Text(r), "Sandbox.Failure"); i++ {
						time.Sleep(200 * time.Millisecond)
						r, err = cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "fn___" + tc.tool, Arguments: tc.args})
					}
					if err != nil {
						t.Fatal(err)
					}
					tc.check(t, r)
				})
			}
			t.Run("typescript-sdk-client", func(t *testing.T) {
				dir := testenv.MCPScripts(t)
				out, err := exec.Command(filepath.Join(dir, "client.sh"), url, "--tool", "fn___echo", "--args", `{"city":"Lima"}`).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "tools/list: 7 tool(s)") ||
					!strings.Contains(string(out), `\"city\":\"Lima\"`) || !strings.Contains(string(out), `fn___echo`) {
					t.Fatalf("TypeScript client: %v\n%s", err, out)
				}
			})
		})
	}
}
