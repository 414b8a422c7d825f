package lambda_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lambdago "github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/lambda"
	"github.com/toolgate/toolgate/lambda/internal/testfn"
)

// fakeLambda answers the Invoke API with the responses in order (the last
// one repeats) and records the requests.
type fakeLambda struct {
	responses []func(w http.ResponseWriter)
	calls     atomic.Int32
	last      atomic.Pointer[http.Request]
}

func (f *fakeLambda) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	f.last.Store(r.Clone(context.Background()))
	f.responses[min(n, len(f.responses)-1)](w)
}

func throttled(w http.ResponseWriter) {
	w.Header().Set("X-Amzn-Errortype", "TooManyRequestsException")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(429)
	w.Write([]byte(`{"Type":"User","message":"Rate Exceeded.","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}`))
}

func answer(fnErr, body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if fnErr != "" {
			w.Header().Set("X-Amz-Function-Error", fnErr)
		}
		w.Write([]byte(body))
	}
}

func fakeTarget(t *testing.T, f *fakeLambda, retries int) *lambda.Target {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	o := baseOptions(t)
	o.Function = "arn:aws:lambda:eu-west-1:123456789012:function:weather"
	o.Qualifier = "live"
	o.Endpoint = srv.URL
	o.Credentials = staticSigV4(t)
	o.MaxThrottleRetries = retries
	o.ThrottleBackoff = time.Millisecond
	tg, err := lambda.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// staticSigV4 returns a SigV4 provider with the static key AKID.
func staticSigV4(t *testing.T) *credentials.SigV4 {
	t.Helper()
	sig, err := credentials.NewSigV4(context.Background(), credentials.SigV4Config{
		Service: "lambda", Region: "eu-west-1", AccessKeyID: "AKID", SecretAccessKey: credentials.Literal("secret"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// TestInvokeCredentials checks who signs or authorises an Invoke request
// for each kind of Options.Credentials.
func TestInvokeCredentials(t *testing.T) {
	dir := t.TempDir() // the default chain finds only the environment's key
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CA_BUNDLE", "") // the SDK cannot add a CA bundle to an Options.HTTPClient
	execAPI, err := credentials.NewSigV4(context.Background(), credentials.SigV4Config{
		Service: "execute-api", Region: "us-west-2", AccessKeyID: "AKIDOTHER", SecretAccessKey: credentials.Literal("secret"),
	})
	if err != nil {
		t.Fatal(err)
	}
	bearer, err := credentials.NewBearer(credentials.Literal("backend-token"))
	if err != nil {
		t.Fatal(err)
	}
	custom := credentials.ProviderFunc(func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Api-Key", "k-1")
		return nil
	})
	const scope = "/eu-west-1/lambda/aws4_request"
	for _, tc := range []struct {
		name    string
		creds   credentials.Provider
		auth    string // prefix of Authorization; "" for none
		authEnd string // what the credential scope ends with
		header  string // a header the provider sets, "name: value"
		client  bool   // send with an Options.HTTPClient
	}{
		{"default chain", nil, "AWS4-HMAC-SHA256 Credential=AKIDFROMENV/", scope, "", false},
		{"SigV4 lends its key; the SDK signs for lambda in the function's region", execAPI, "AWS4-HMAC-SHA256 Credential=AKIDOTHER/", scope, "", false},
		{"SigV4 with an HTTPClient", execAPI, "AWS4-HMAC-SHA256 Credential=AKIDOTHER/", scope, "", true},
		{"none", credentials.None(), "", "", "", false},
		{"bearer", bearer, "Bearer backend-token", "", "", false},
		{"bearer with an HTTPClient", bearer, "Bearer backend-token", "", "", true},
		{"user-written provider", custom, "", "", "X-Api-Key: k-1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeLambda{responses: []func(http.ResponseWriter){answer("", `"ok"`)}}
			srv := httptest.NewServer(f)
			defer srv.Close()
			o := baseOptions(t)
			o.Function = "arn:aws:lambda:eu-west-1:123456789012:function:weather"
			o.Endpoint = srv.URL
			o.Credentials = tc.creds
			var sent atomic.Int32
			if tc.client {
				o.HTTPClient = &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
					sent.Add(1)
					return http.DefaultTransport.RoundTrip(req)
				})}
			}
			tg, err := lambda.New(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if r := call(t, tg, "text", `{}`, nil); r.IsError {
				t.Fatal(testenv.Text(r))
			}
			if tc.client && sent.Load() != 1 {
				t.Errorf("Options.HTTPClient sent %d requests, want 1", sent.Load())
			}
			got := f.last.Load().Header
			auth := got.Get("Authorization")
			if (tc.auth == "" && auth != "") || !strings.HasPrefix(auth, tc.auth) || !strings.Contains(auth, tc.authEnd) {
				t.Errorf("Authorization %q, want %q...%q", auth, tc.auth, tc.authEnd)
			}
			if signed := got.Get("X-Amz-Date") != ""; signed != strings.HasPrefix(tc.auth, "AWS4-") {
				t.Errorf("signed by the SDK: %v, want %v", signed, !signed)
			}
			if tc.header != "" {
				name, value, _ := strings.Cut(tc.header, ": ")
				if got.Get(name) != value {
					t.Errorf("%s = %q, want %q", name, got.Get(name), value)
				}
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func call(t *testing.T, tg toolgate.Target, tool, args string, h http.Header) *toolgate.Result {
	t.Helper()
	r, err := tg.CallTool(context.Background(), &toolgate.CallRequest{Target: "fn", Tool: tool, Name: "fn___" + tool, Arguments: json.RawMessage(args), Header: h})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestInvokeAPI covers what the emulator cannot show: Lambda's
// FunctionError header, throttling, and the request the client sends.
func TestInvokeAPI(t *testing.T) {
	for _, tc := range []struct {
		name      string
		responses []func(http.ResponseWriter)
		retries   int
		wantCalls int32
		wantErr   bool
		want      string
	}{
		{"handled function error", []func(http.ResponseWriter){answer("Handled", `{"errorType":"ValidationError","errorMessage":"city is required"}`)}, 0, 1, true, "Lambda function error (ValidationError): city is required"},
		{"unhandled without a body", []func(http.ResponseWriter){answer("Unhandled", ``)}, 0, 1, true, "Lambda function error (Unhandled): "},
		{"timeout", []func(http.ResponseWriter){answer("Unhandled", `{"errorMessage":"2026-11-25T10:00:00.000Z 1f2e Task timed out after 3.00 seconds"}`)}, 0, 1, true, "Lambda function arn:aws:lambda:eu-west-1:123456789012:function:weather:live timed out: 2026-11-25T10:00:00.000Z 1f2e Task timed out after 3.00 seconds"},
		{"throttled then served", []func(http.ResponseWriter){throttled, throttled, answer("", `"ok"`)}, 3, 3, false, "ok"},
		{"throttled throughout", []func(http.ResponseWriter){throttled}, 2, 3, true, "is throttled (HTTP 429, TooManyRequestsException); gave up after 3 attempts: Rate Exceeded."},
		{"no retries", []func(http.ResponseWriter){throttled}, -1, 1, true, "gave up after 1 attempts"},
		{"other API errors are not retried", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(404)
			w.Write([]byte(`{"Type":"User","Message":"Function not found"}`))
		}}, 3, 1, true, "(HTTP 404, ResourceNotFoundException): Function not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeLambda{responses: tc.responses}
			r := call(t, fakeTarget(t, f, tc.retries), "text", `{"city":"Oslo"}`, nil)
			if r.IsError != tc.wantErr || !strings.Contains(testenv.Text(r), tc.want) {
				t.Errorf("got %v %q, want %v %q", r.IsError, testenv.Text(r), tc.wantErr, tc.want)
			}
			if n := f.calls.Load(); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
		})
	}

	t.Run("the call ends while waiting to retry", func(t *testing.T) {
		f := &fakeLambda{responses: []func(http.ResponseWriter){func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "30")
			throttled(w)
		}}}
		tg := fakeTarget(t, f, 3)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "text", Name: "fn___text", Arguments: json.RawMessage(`{}`)})
		if err != nil || !r.IsError || !strings.Contains(testenv.Text(r), "throttled (HTTP 429) and the call ended while waiting to retry") || f.calls.Load() != 1 {
			t.Fatalf("%v %q after %d calls", err, testenv.Text(r), f.calls.Load())
		}
	})

	t.Run("unreachable endpoint", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens there now
		o := baseOptions(t)
		o.Function, o.Region, o.Endpoint = "weather", "us-east-1", srv.URL
		o.Credentials = credentials.None()
		tg, err := lambda.New(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		r := call(t, tg, "text", `{}`, nil)
		if !r.IsError || !strings.Contains(testenv.Text(r), "Lambda Invoke of weather failed") {
			t.Fatalf("%v %q", r.IsError, testenv.Text(r))
		}
	})

	t.Run("request", func(t *testing.T) {
		f := &fakeLambda{responses: []func(http.ResponseWriter){answer("", `{}`)}}
		call(t, fakeTarget(t, f, 0), "text", `{"city":"Oslo"}`, http.Header{"X-Tenant": {"acme"}, "Authorization": {"Bearer secret"}})
		r := f.last.Load()
		if got, want := r.URL.Path, "/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:weather/invocations"; got != want {
			t.Errorf("path %q, want %q", got, want)
		}
		if q := r.URL.Query().Get("Qualifier"); q != "live" {
			t.Errorf("qualifier %q", q)
		}
		if a := r.Header.Get("Authorization"); !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential=AKID/") || !strings.Contains(a, "/eu-west-1/lambda/aws4_request") {
			t.Errorf("not SigV4-signed for eu-west-1 lambda: %q", a)
		}
		if it := r.Header.Get("X-Amz-Invocation-Type"); it != "RequestResponse" {
			t.Errorf("invocation type %q", it)
		}
		raw, _ := base64Decode(r.Header.Get("X-Amz-Client-Context"))
		var cc struct {
			Custom map[string]string `json:"custom"`
		}
		if err := json.Unmarshal(raw, &cc); err != nil || cc.Custom["x-tenant"] != "acme" || cc.Custom[lambda.KeyToolName] != "fn___text" {
			t.Errorf("client context %s: %v", raw, err)
		}
		if _, ok := cc.Custom["authorization"]; ok {
			t.Error("a header not named in PropagateHeaders was propagated")
		}
	})
}

// TestLimits: calls over Lambda's limits fail clearly without invoking.
func TestLimits(t *testing.T) {
	tg := inProcessTarget(t)
	big := `{"blob":"` + strings.Repeat("x", lambda.MaxPayload) + `"}`
	if r := call(t, tg, "size", big, nil); !r.IsError || !strings.Contains(testenv.Text(r), "over Lambda's 6291456-byte payload limit") {
		t.Errorf("payload: %v %q", r.IsError, testenv.Text(r))
	}
	h := http.Header{"X-Tenant": {strings.Repeat("t", 3000)}}
	if r := call(t, tg, "echo", `{"city":"Oslo"}`, h); !r.IsError || !strings.Contains(testenv.Text(r), "over Lambda's limit of 3583") {
		t.Errorf("client context: %v %q", r.IsError, testenv.Text(r))
	}
	// The client's _meta message id is used when it sends one.
	r, err := tg.CallTool(context.Background(), &toolgate.CallRequest{Tool: "echo", Name: "fn___echo", Arguments: json.RawMessage(`{"city":"Oslo"}`),
		Meta: map[string]any{lambda.KeyMcpMessageID: "msg-7"}})
	if err != nil || !strings.Contains(testenv.Text(r), `"bedrockAgentCoreMcpMessageId":"msg-7"`) {
		t.Errorf("message id: %v %q", err, testenv.Text(r))
	}
}

type bytesHandler struct{}

func (bytesHandler) Invoke(ctx context.Context, p []byte) ([]byte, error) { return p, nil }

type myErr struct{}

func (myErr) Error() string { return "mine" }

// TestHandlerSignatures: every signature lambda.Start accepts runs
// in-process; the others are refused at construction.
func TestHandlerSignatures(t *testing.T) {
	type in struct {
		City string `json:"city"`
	}
	for _, tc := range []struct {
		name    string
		handler any
		want    string
		wantErr bool
	}{
		{"func()", func() {}, "null", false},
		{"func() error", func() error { return myErr{} }, "Lambda function error (myErr): mine", true},
		{"func(ctx) (string, error)", func(context.Context) (string, error) { return "hi", nil }, "hi", false},
		{"func(T) (T, error)", func(e in) (in, error) { return e, nil }, `{"city":"Oslo"}`, false},
		{"func(ctx, T) error", func(context.Context, in) error { return errors.New("no") }, "Lambda function error (errorString): no", true},
		{"func(ctx, T) (*T, error)", func(_ context.Context, e *in) (*in, error) { return e, nil }, `{"city":"Oslo"}`, false},
		{"runtime error value", func() error { return messages.InvokeResponse_Error{Type: "Custom", Message: "typed"} }, "Lambda function error (Custom): typed", true},
		{"lambda.Handler", bytesHandler{}, `{"city":"Oslo"}`, false},
		{"lambda.NewHandler", lambdago.NewHandler(func(e in) (string, error) { return e.City, nil }), "Oslo", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := baseOptions(t)
			tg, err := lambda.NewInProcess(tc.handler, o)
			if err != nil {
				t.Fatal(err)
			}
			r := call(t, tg, "text", `{"city":"Oslo"}`, nil)
			if r.IsError != tc.wantErr || testenv.Text(r) != tc.want {
				t.Errorf("got %v %q, want %v %q", r.IsError, testenv.Text(r), tc.wantErr, tc.want)
			}
		})
	}
	for name, h := range map[string]any{
		"nil":             nil,
		"not a function":  42,
		"three arguments": func(context.Context, int, int) error { return nil },
		"no error":        func() string { return "" },
		"first not ctx":   func(int, int) error { return nil },
		"three results":   func() (int, int, error) { return 0, 0, nil },
	} {
		if _, err := lambda.NewInProcess(h, baseOptions(t)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestDeadlineOnCallingGoroutine: without Options.Timeout the handler runs
// on the caller's goroutine with the caller's deadline, and a handler
// that gives up at its deadline gets a timeout result.
func TestDeadlineOnCallingGoroutine(t *testing.T) {
	tg, err := lambda.NewInProcess(func(ctx context.Context) error {
		lc, ok := lambdacontext.FromContext(ctx)
		if !ok || lc.ClientContext.Custom[lambda.KeyToolName] != "fn___text" ||
			lc.InvokedFunctionArn != "arn:aws:lambda:eu-west-1:123456789012:function:weather" || len(lc.AwsRequestID) != 36 {
			return errors.New("no lambdacontext")
		}
		<-ctx.Done()
		return ctx.Err()
	}, withFunction(baseOptions(t), "arn:aws:lambda:eu-west-1:123456789012:function:weather"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	r, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "text", Name: "fn___text", Arguments: json.RawMessage(`{}`)})
	if err != nil || !r.IsError || !strings.Contains(testenv.Text(r), "timed out: Task timed out after") {
		t.Fatalf("%v %v %q", err, r.IsError, testenv.Text(r))
	}
}

func withFunction(o *lambda.Options, fn string) *lambda.Options {
	o.Function = fn
	return o
}

func TestOptions(t *testing.T) {
	ctx := context.Background()
	for name, o := range map[string]*lambda.Options{
		"nil":            nil,
		"no name":        {Tools: testTools(t), Function: "f", Region: "us-east-1"},
		"no tools":       {Name: "fn", Function: "f", Region: "us-east-1"},
		"duplicate tool": {Name: "fn", Tools: []toolgate.Tool{{Name: "a"}, {Name: "a"}}, Function: "f", Region: "us-east-1"},
		"no function":    {Name: "fn", Tools: testTools(t), Region: "us-east-1"},
	} {
		if _, err := lambda.New(ctx, o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

// TestResultsDoNotAlias: aws-lambda-go hands out its response bytes from a
// pooled buffer that the next invocation reuses; a result must keep its
// own copy.
func TestResultsDoNotAlias(t *testing.T) {
	tg, err := lambda.NewInProcess(func(e struct{ City string }) (map[string]string, error) {
		return map[string]string{"city": e.City}, nil
	}, baseOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	first := call(t, tg, "text", `{"City":"Aaaa"}`, nil)
	call(t, tg, "text", `{"City":"Bbbb"}`, nil)
	if b, _ := json.Marshal(first.StructuredContent); string(b) != `{"city":"Aaaa"}` {
		t.Fatalf("the first result changed to %s", b)
	}
}

// TestConcurrentCalls: concurrent in-process calls each get their own
// event, client context and result (run with -race).
func TestConcurrentCalls(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler any
		timeout time.Duration
	}{
		{"function", testfn.Handle, 0},
		{"function with a timeout", testfn.Handle, time.Minute},
		{"lambda.NewHandler", lambdago.NewHandler(testfn.Handle), 0},
	} {
		o := baseOptions(t)
		o.Timeout = tc.timeout
		tg, err := lambda.NewInProcess(tc.handler, o)
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 8)
		for g := range 8 {
			go func() {
				city := "City" + strings.Repeat("x", g)
				for range 20 {
					r := call(t, tg, "echo", `{"city":"`+city+`"}`, nil)
					if !strings.Contains(testenv.Text(r), `"event":{"city":"`+city+`"}`) {
						errs <- errors.New(testenv.Text(r))
						return
					}
				}
				errs <- nil
			}()
		}
		for range 8 {
			if err := <-errs; err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
	}
}

// TestConfiguredEndpoint: without Options.Endpoint, Invoke goes where the
// AWS SDK's configuration sends Lambda clients: AWS_ENDPOINT_URL_LAMBDA
// before AWS_ENDPOINT_URL.
func TestConfiguredEndpoint(t *testing.T) {
	own := &fakeLambda{responses: []func(http.ResponseWriter){answer("", `"own"`)}}
	global := &fakeLambda{responses: []func(http.ResponseWriter){answer("", `"global"`)}}
	ownSrv, globalSrv := httptest.NewServer(own), httptest.NewServer(global)
	defer ownSrv.Close()
	defer globalSrv.Close()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "config"))
	t.Setenv("AWS_ENDPOINT_URL", globalSrv.URL)
	for _, tc := range []struct {
		name, lambdaURL, want string
	}{
		{"AWS_ENDPOINT_URL_LAMBDA", ownSrv.URL, "own"},
		{"AWS_ENDPOINT_URL", "", "global"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_LAMBDA", tc.lambdaURL)
			if tc.lambdaURL == "" {
				os.Unsetenv("AWS_ENDPOINT_URL_LAMBDA")
			}
			o := baseOptions(t)
			o.Function = "arn:aws:lambda:eu-west-1:123456789012:function:weather"
			o.Credentials = staticSigV4(t)
			tg, err := lambda.New(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			res, err := tg.CallTool(context.Background(), &toolgate.CallRequest{Name: "fn___echo", Tool: "echo", Arguments: json.RawMessage(`{}`)})
			if err != nil {
				t.Fatal(err)
			}
			if got := testenv.Text(res); got != tc.want {
				t.Errorf("answered by %q, want %q", got, tc.want)
			}
		})
	}
}
