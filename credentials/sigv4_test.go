package credentials_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/toolgate/toolgate/credentials"
)

// sigv4Verifier checks the SigV4 signature of a received request by
// signing a copy of it again with the AWS SDK's signer: the same method,
// URI, query, body and only the headers the client listed as signed.
type sigv4Verifier struct {
	service, region string
	creds           map[string]aws.Credentials // by access key id
	// sdkClient: the request comes from the SDK itself, which does not
	// send X-Amz-Content-Sha256 for every service.
	sdkClient bool
}

func (v *sigv4Verifier) verify(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return fmt.Errorf("Authorization %q is not SigV4", auth)
	}
	fields := map[string]string{}
	for _, f := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = val
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return fmt.Errorf("bad credential scope %q", fields["Credential"])
	}
	creds, ok := v.creds[scope[0]]
	if !ok {
		return fmt.Errorf("unknown access key %q", scope[0])
	}
	if scope[2] != v.region || scope[3] != v.service {
		return fmt.Errorf("scope %s/%s, want %s/%s", scope[2], scope[3], v.region, v.service)
	}
	when, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %w", err)
	}
	if scope[1] != when.Format("20060102") {
		return fmt.Errorf("scope date %s does not match X-Amz-Date", scope[1])
	}
	if d := time.Since(when); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("signed %v ago", d)
	}
	sum := sha256.Sum256(body)
	hash := r.Header.Get("X-Amz-Content-Sha256")
	if hash == "" && v.sdkClient {
		hash = hex.EncodeToString(sum[:])
	}
	if hash != credentials.UnsignedPayload {
		if want := hex.EncodeToString(sum[:]); hash != want {
			return fmt.Errorf("X-Amz-Content-Sha256 %s, body hashes to %s", hash, want)
		}
	}
	if creds.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != creds.SessionToken {
		return fmt.Errorf("X-Amz-Security-Token missing or wrong")
	}
	if !v.sdkClient && !strings.Contains(";"+fields["SignedHeaders"]+";", ";x-amz-content-sha256;") {
		return fmt.Errorf("x-amz-content-sha256 not signed: %s", fields["SignedHeaders"])
	}

	cp, err := http.NewRequest(r.Method, "http://"+r.Host+r.RequestURI, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		if h == "host" {
			continue
		}
		for _, val := range r.Header.Values(h) {
			cp.Header.Add(h, val)
		}
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = v.service == "s3" })
	if err := signer.SignHTTP(context.Background(), creds, cp, hash, v.service, v.region, when); err != nil {
		return err
	}
	if got, want := auth, cp.Header.Get("Authorization"); got != want {
		return fmt.Errorf("signature mismatch:\n got  %s\n want %s", got, want)
	}
	return nil
}

// sigv4Backend answers 204 to correctly signed requests and 403 otherwise.
func sigv4Backend(t *testing.T, v *sigv4Verifier) (*httptest.Server, *[]error) {
	var mu sync.Mutex
	var errs []error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := v.verify(r, body); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	return srv, &errs
}

const (
	testAKID   = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

type onlyReader struct{ io.Reader }

func TestSigV4(t *testing.T) {
	body := []byte(`{"FunctionName":"weather","Payload":"{\"city\":\"Zürich\"}"}`)
	cases := []struct {
		name    string
		service string
		cfg     credentials.SigV4Config
		method  string
		path    string
		body    func() io.Reader
	}{
		{"POST body and query", "lambda", credentials.SigV4Config{}, http.MethodPost, "/2015-03-31/functions/weather/invocations?b=2&a=1&q=x%20y&empty=", func() io.Reader { return bytes.NewReader(body) }},
		{"PUT body without GetBody", "execute-api", credentials.SigV4Config{}, http.MethodPut, "/prod/items/42?v=1", func() io.Reader { return onlyReader{bytes.NewReader(body)} }},
		{"GET query only", "execute-api", credentials.SigV4Config{}, http.MethodGet, "/prod/items?limit=10&next=a%2Fb", nil},
		{"unsigned payload", "execute-api", credentials.SigV4Config{UnsignedPayload: true}, http.MethodPost, "/prod/upload", func() io.Reader { return bytes.NewReader(body) }},
		{"session token", "dynamodb", credentials.SigV4Config{SessionToken: credentials.Literal("FwoGZXIvYXdzEXAMPLESESSION")}, http.MethodPost, "/", func() io.Reader { return bytes.NewReader(body) }},
		{"s3 path", "s3", credentials.SigV4Config{}, http.MethodPut, "/bucket/my%20key/a+b.txt?x-id=PutObject", func() io.Reader { return bytes.NewReader(body) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
			if !tc.cfg.SessionToken.IsZero() {
				creds.SessionToken, _ = tc.cfg.SessionToken.Resolve()
			}
			v := &sigv4Verifier{service: tc.service, region: "eu-central-1", creds: map[string]aws.Credentials{testAKID: creds}}
			srv, errs := sigv4Backend(t, v)

			cfg := tc.cfg
			cfg.Service, cfg.Region = tc.service, "eu-central-1"
			cfg.AccessKeyID, cfg.SecretAccessKey = testAKID, credentials.Literal(testSecret)
			s, err := credentials.NewSigV4(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var rb io.Reader
			if tc.body != nil {
				rb = tc.body()
			}
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+tc.path, rb)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := credentials.Client(nil, s).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("backend rejected the signature: %d %s %v", resp.StatusCode, msg, *errs)
			}
		})
	}

	t.Run("tampered request is rejected", func(t *testing.T) {
		v := &sigv4Verifier{service: "lambda", region: "us-east-1", creds: map[string]aws.Credentials{testAKID: {AccessKeyID: testAKID, SecretAccessKey: testSecret}}}
		srv, _ := sigv4Backend(t, v)
		s, err := credentials.NewSigV4(t.Context(), credentials.SigV4Config{Service: "lambda", Region: "us-east-1", AccessKeyID: testAKID, SecretAccessKey: credentials.Literal(testSecret)})
		if err != nil {
			t.Fatal(err)
		}
		tamper := credentials.ProviderFunc(func(ctx context.Context, r *http.Request) error {
			if err := s.Apply(ctx, r); err != nil {
				return err
			}
			u := *r.URL
			u.RawQuery = "a=2" // changed after signing
			r.URL = &u
			return nil
		})
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/?a=1", nil)
		resp, err := credentials.Client(nil, tamper).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("tampered request got %d, want 403: the verifier cannot fail", resp.StatusCode)
		}
	})
}

// rewriteTrace stands for a tracing transport after the signer (an
// instrumented http.RoundTripper, a proxy): it replaces the traceparent
// with its own span's.
type rewriteTrace struct{ traceparent string }

func (rt rewriteTrace) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Traceparent", rt.traceparent)
	return http.DefaultTransport.RoundTrip(req)
}

// TestSigV4TraceContextUnsigned: traceparent and tracestate are sent but
// kept out of SignedHeaders, so the signature holds when a transport after
// the signer replaces them; the caller's request keeps them as they were.
func TestSigV4TraceContextUnsigned(t *testing.T) {
	const (
		gateway = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
		child   = "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01"
	)
	creds := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	v := &sigv4Verifier{service: "execute-api", region: "eu-central-1", creds: map[string]aws.Credentials{testAKID: creds}}
	var signed, traceparent, tracestate atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		_, list, _ := strings.Cut(auth, "SignedHeaders=")
		list, _, _ = strings.Cut(list, ",")
		signed.Store(list)
		traceparent.Store(r.Header.Get("Traceparent"))
		tracestate.Store(r.Header.Get("Tracestate"))
		body, _ := io.ReadAll(r.Body)
		if err := v.verify(r, body); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	s, err := credentials.NewSigV4(t.Context(), credentials.SigV4Config{Service: "execute-api", Region: "eu-central-1",
		AccessKeyID: testAKID, SecretAccessKey: credentials.Literal(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		base http.RoundTripper
		want string // the traceparent the backend gets
	}{
		{"sent as set", nil, gateway},
		{"replaced after signing", rewriteTrace{child}, child},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/prod/items", strings.NewReader(`{"a":1}`))
			req.Header.Set("Traceparent", gateway)
			req.Header.Set("Tracestate", "k=v")
			resp, err := credentials.Client(&http.Client{Transport: tc.base}, s).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("backend rejected the signature: %d %s", resp.StatusCode, msg)
			}
			if got := signed.Load().(string); got == "" || strings.Contains(got, "traceparent") || strings.Contains(got, "tracestate") {
				t.Errorf("SignedHeaders %q: want the trace context left out", got)
			}
			if got := traceparent.Load(); got != tc.want {
				t.Errorf("backend got traceparent %q, want %q", got, tc.want)
			}
			if got := tracestate.Load(); got != "k=v" {
				t.Errorf("backend got tracestate %q", got)
			}
			if req.Header.Get("Traceparent") != gateway || req.Header.Get("Authorization") != "" {
				t.Errorf("the caller's request changed: %v", req.Header)
			}
		})
	}
}

func TestSigV4DefaultChain(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", testAKID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "ap-southeast-2")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")

	s, err := credentials.NewSigV4(t.Context(), credentials.SigV4Config{Service: "execute-api"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Region() != "ap-southeast-2" {
		t.Errorf("region = %q, want the default configuration's", s.Region())
	}
	got, err := s.CredentialsProvider().Retrieve(t.Context())
	if err != nil || got.AccessKeyID != testAKID || got.SecretAccessKey != testSecret {
		t.Fatalf("CredentialsProvider().Retrieve = %v, %v", got.AccessKeyID, err)
	}
	v := &sigv4Verifier{service: "execute-api", region: "ap-southeast-2", creds: map[string]aws.Credentials{testAKID: got}}
	srv, errs := sigv4Backend(t, v)
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/prod/x?y=1", strings.NewReader("hello"))
	resp, err := credentials.Client(nil, s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d: %v", resp.StatusCode, *errs)
	}
}

// fakeSTS answers AssumeRole for requests signed with the base
// credentials, and counts them.
func fakeSTS(t *testing.T, base aws.Credentials, temp aws.Credentials, roleARN, externalID string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	v := &sigv4Verifier{service: "sts", region: "us-east-1", creds: map[string]aws.Credentials{base.AccessKeyID: base}, sdkClient: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		if err := v.verify(r, body); err != nil {
			t.Errorf("STS request signature: %v", err)
			http.Error(w, "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code></Error></ErrorResponse>", http.StatusForbidden)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		for k, want := range map[string]string{"Action": "AssumeRole", "RoleArn": roleARN, "RoleSessionName": "toolgate", "ExternalId": externalID} {
			if got := r.PostForm.Get(k); got != want {
				t.Errorf("AssumeRole %s = %q, want %q", k, got, want)
			}
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>%s</AccessKeyId>
      <SecretAccessKey>%s</SecretAccessKey>
      <SessionToken>%s</SessionToken>
      <Expiration>%s</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>%s/toolgate</Arn><AssumedRoleId>AROAEXAMPLE:toolgate</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`, temp.AccessKeyID, temp.SecretAccessKey, temp.SessionToken, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), roleARN)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestSigV4AssumeRole(t *testing.T) {
	base := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	temp := aws.Credentials{AccessKeyID: "ASIATEMPEXAMPLE", SecretAccessKey: "tempSecretKeyExample0123456789", SessionToken: "tempSessionTokenExample0123456789"}
	const role = "arn:aws:iam::123456789012:role/toolgate-gateway"
	sts, calls := fakeSTS(t, base, temp, role, "ext-42")

	s, err := credentials.NewSigV4(t.Context(), credentials.SigV4Config{
		Service: "lambda", Region: "us-east-1",
		AccessKeyID: testAKID, SecretAccessKey: credentials.Literal(testSecret),
		RoleARN: role, ExternalID: "ext-42", STSEndpoint: sts.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	v := &sigv4Verifier{service: "lambda", region: "us-east-1", creds: map[string]aws.Credentials{temp.AccessKeyID: temp}}
	srv, errs := sigv4Backend(t, v)
	for range 3 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/2015-03-31/functions/f/invocations", strings.NewReader(`{}`))
		resp, err := credentials.Client(nil, s).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("status %d: %v", resp.StatusCode, *errs)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("AssumeRole calls = %d, want 1 (credentials cached)", n)
	}
}

func TestSigV4Config(t *testing.T) {
	cases := map[string]credentials.SigV4Config{
		"no service":        {Region: "us-east-1", AccessKeyID: "A", SecretAccessKey: credentials.Literal("s")},
		"secret without id": {Service: "s3", Region: "us-east-1", SecretAccessKey: credentials.Literal("s")},
		"unset env secret":  {Service: "s3", Region: "us-east-1", AccessKeyID: "A", SecretAccessKey: credentials.FromEnv("TOOLGATE_TEST_UNSET_VARIABLE")},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := credentials.NewSigV4(t.Context(), cfg); err == nil {
				t.Error("no error")
			}
		})
	}
}
