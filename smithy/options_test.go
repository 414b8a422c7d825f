package smithy_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/smithy"
)

func toolNames(t *testing.T, tg *smithy.Target) string {
	t.Helper()
	tools, err := tg.ListTools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	return strings.Join(names, ",")
}

func TestFilters(t *testing.T) {
	m, err := smithy.LoadFile(corpusModel(t, "aws/dynamodb-2012-08-10.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts smithy.Options
		want string
	}{
		{"include", smithy.Options{Include: []string{"*Item"}}, "BatchGetItem,BatchWriteItem,DeleteItem,GetItem,PutItem,UpdateItem"},
		{"include and exclude", smithy.Options{Include: []string{"*Item"}, Exclude: []string{"Batch*", "Put*", "Update*"}}, "DeleteItem,GetItem"},
		// The DynamoDB model marks no operation @readonly.
		{"read-only", smithy.Options{ReadOnly: true}, ""},
		{"read-only inferred", smithy.Options{ReadOnly: true, InferReadOnly: true, Include: []string{"*Item", "Describe*Table*", "Query", "Scan"}},
			"BatchGetItem,DescribeGlobalTable,DescribeGlobalTableSettings,DescribeTable,DescribeTableReplicaAutoScaling,GetItem,Query,Scan"},
		{"no match", smithy.Options{Include: []string{"Nothing"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Endpoint, tc.opts.Credentials = "http://127.0.0.1:1", credentials.None()
			tg, err := smithy.New(context.Background(), m, &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := toolNames(t, tg); got != tc.want {
				t.Errorf("tools %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := smithy.New(context.Background(), m, &smithy.Options{Include: []string{"["}, Credentials: credentials.None(), Endpoint: "http://x"}); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}

// model10 is a Smithy 1.0 model: set shapes, the enum trait, Primitive
// prelude shapes, a deprecated operation, several services.
const model10 = `{"smithy":"1.0","shapes":{
 "ex#Svc":{"type":"service","version":"1","operations":[{"target":"ex#Old"},{"target":"ex#New"}],"traits":{"aws.protocols#awsJson1_1":{}}},
 "ex#Other":{"type":"service","version":"1","operations":[{"target":"ex#New"}],"traits":{"smithy.protocols#rpcv2Cbor":{}}},
 "ex#Old":{"type":"operation","input":{"target":"ex#In"},"traits":{"smithy.api#deprecated":{}}},
 "ex#New":{"type":"operation","input":{"target":"ex#In"},"output":{"target":"ex#In"}},
 "ex#In":{"type":"structure","members":{
   "colors":{"target":"ex#Colors"},
   "count":{"target":"smithy.api#PrimitiveInteger"},
   "size":{"target":"ex#Size"}}},
 "ex#Colors":{"type":"set","member":{"target":"ex#Color"}},
 "ex#Color":{"type":"string","traits":{"smithy.api#enum":[{"value":"red","name":"RED"},{"value":"blue","name":"BLUE"}]}},
 "ex#Size":{"type":"intEnum","members":{"S":{"target":"smithy.api#Unit","traits":{"smithy.api#enumValue":1}},"L":{"target":"smithy.api#Unit","traits":{"smithy.api#enumValue":3}}}}
}}`

func TestSmithy10AndServices(t *testing.T) {
	ctx := context.Background()
	m, err := smithy.Parse([]byte(model10))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.Services(), ","); got != "ex#Other,ex#Svc" {
		t.Fatalf("services %s", got)
	}
	if _, err := smithy.New(ctx, m, &smithy.Options{Endpoint: "http://x"}); err == nil || !strings.Contains(err.Error(), "2 services") {
		t.Fatalf("New without a service: %v", err)
	}
	_, err = smithy.New(ctx, m, &smithy.Options{Service: "Other", Endpoint: "http://x"})
	if !errors.Is(err, smithy.ErrUnsupportedProtocol) || !strings.Contains(err.Error(), "rpcv2Cbor") {
		t.Fatalf("rpcv2Cbor service: %v", err)
	}
	tg, err := smithy.New(ctx, m, &smithy.Options{Service: "ex#Svc", Endpoint: "http://x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := toolNames(t, tg); got != "New,Old" {
		t.Fatalf("tools %s", got)
	}
	tools, _ := tg.ListTools(ctx)
	if !strings.HasPrefix(tools[1].Description, "Deprecated.") {
		t.Errorf("Old: %q", tools[1].Description)
	}
	in := tools[0].InputSchema
	for _, c := range []struct{ ptr, want string }{
		{"/properties/colors/uniqueItems", "true"},
		{"/properties/colors/items/enum", `["red","blue"]`},
		{"/properties/count/default", "0"},
		{"/properties/size/enum", "[1,3]"},
		{"/properties/size/type", `"integer"`},
	} {
		if got := pointer(t, in, c.ptr); got != c.want {
			t.Errorf("%s = %s, want %s", c.ptr, got, c.want)
		}
	}
	// Output schemas carry no defaults: a server's omission is not a value.
	if got := pointer(t, tools[0].OutputSchema, "/properties/count/default"); got != "<missing>" {
		t.Errorf("output default %s", got)
	}
	tg, err = smithy.New(ctx, m, &smithy.Options{Service: "ex#Svc", Endpoint: "http://x", SkipDeprecated: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := toolNames(t, tg); got != "New" {
		t.Errorf("SkipDeprecated: tools %s", got)
	}
	if _, err := smithy.New(ctx, m, &smithy.Options{Service: "ex#Svc", Endpoint: "http://x", Protocol: "smithy.protocols#rpcv2Cbor"}); !errors.Is(err, smithy.ErrUnsupportedProtocol) {
		t.Errorf("Protocol rpcv2Cbor: %v", err)
	}
}

// TestDefaultEndpointAndSigning checks the regional default endpoint and
// SigV4 from the default chain, by pointing the client at a test server
// through its transport.
func TestDefaultEndpointAndSigning(t *testing.T) {
	awsEnv(t)
	t.Setenv("AWS_REGION", "eu-west-3")
	var host, auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, auth = r.Host, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"SecretList":[]}`))
	}))
	defer srv.Close()
	// Dial the test server whatever the host.
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (c net.Conn, err error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}}
	m, err := smithy.LoadFile(corpusModel(t, "aws/secrets-manager-2017-10-17.json"))
	if err != nil {
		t.Fatal(err)
	}
	tg, err := smithy.New(context.Background(), m, &smithy.Options{HTTPClient: &http.Client{Transport: rewriteScheme{tr}}})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Name() != "secrets_manager" {
		t.Errorf("name %q", tg.Name())
	}
	res, _, text := callTarget(t, tg, "ListSecrets", map[string]any{})
	if res.IsError {
		t.Fatal(text)
	}
	if host != "secretsmanager.eu-west-3.amazonaws.com" || !strings.Contains(auth, "/eu-west-3/secretsmanager/aws4_request") {
		t.Errorf("host %q, authorization %q", host, auth)
	}
	// No endpoint without a region.
	t.Setenv("AWS_REGION", "")
	if _, err := smithy.New(context.Background(), m, &smithy.Options{Credentials: credentials.None()}); err == nil || !strings.Contains(err.Error(), "no Endpoint") {
		t.Errorf("New without endpoint or region: %v", err)
	}
}

// TestCredentials checks what Options.Credentials sends to a service that
// declares SigV4.
func TestCredentials(t *testing.T) {
	awsEnv(t)
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"SecretList":[]}`))
	}))
	defer srv.Close()
	m, err := smithy.LoadFile(corpusModel(t, "aws/secrets-manager-2017-10-17.json"))
	if err != nil {
		t.Fatal(err)
	}
	bearer, err := credentials.NewBearer(credentials.Literal("k-1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		creds credentials.Provider
		want  string // prefix of Authorization; "" for none
	}{
		{"default: SigV4", nil, "AWS4-HMAC-SHA256 Credential=AKIDTOOLGATETEST/"},
		{"none", credentials.None(), ""},
		{"another provider", bearer, "Bearer k-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: srv.URL, Credentials: tc.creds})
			if err != nil {
				t.Fatal(err)
			}
			if res, _, text := callTarget(t, tg, "ListSecrets", map[string]any{}); res.IsError {
				t.Fatal(text)
			}
			got, _ := auth.Load().(string)
			if (tc.want == "" && got != "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("Authorization %q, want %q", got, tc.want)
			}
		})
	}
}

// rewriteScheme sends https requests as plain http (to a test server).
type rewriteScheme struct{ base http.RoundTripper }

func (r rewriteScheme) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme = "http"
	return r.base.RoundTrip(req)
}

// TestTransportErrorHidesURL checks that a failed request's error names the
// host but not the URL, whose labels and query may hold sensitive values.
func TestTransportErrorHidesURL(t *testing.T) {
	m, err := smithy.LoadFile("testdata/bindings.json")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.CallTool(context.Background(), &toolgate.CallRequest{Tool: "GetObject", Arguments: []byte(`{"Bucket":"b","Key":"secret-key-value"}`)})
	if err == nil || strings.Contains(err.Error(), "secret-key-value") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %v", err)
	}
}

// TestOutputSchemasDescribe checks that output schemas describe without
// policing (a server's new enum value or union member must not make a
// strict client reject the result) while input schemas keep every
// constraint.
func TestOutputSchemasDescribe(t *testing.T) {
	m, err := smithy.LoadFile(corpusModel(t, "aws/dynamodb-2012-08-10.json"))
	if err != nil {
		t.Fatal(err)
	}
	tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: "http://x", Credentials: credentials.None(), Include: []string{"GetItem", "DescribeTable", "CreateTable"}})
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := tg.ListTools(context.Background())
	by := map[string][2]json.RawMessage{}
	for _, tl := range tools {
		by[tl.Name] = [2]json.RawMessage{tl.InputSchema, tl.OutputSchema}
	}
	for _, c := range []struct {
		tool string
		out  int
		ptr  string
		want string
	}{
		{"GetItem", 0, "/properties/Key/additionalProperties/oneOf/0/required", `["S"]`},
		{"GetItem", 1, "/properties/Item/additionalProperties/oneOf", "<missing>"},
		{"GetItem", 1, "/properties/Item/additionalProperties/properties/S/type", `"string"`},
		{"GetItem", 1, "/properties/Item/additionalProperties/properties/L/items/$ref", `"#/$defs/AttributeValue"`},
		{"CreateTable", 0, "/properties/BillingMode/enum", `["PROVISIONED","PAY_PER_REQUEST"]`},
		{"CreateTable", 0, "/properties/TableName/minLength", "1"},
		{"DescribeTable", 1, "/properties/Table/properties/TableStatus/enum", "<missing>"},
		{"DescribeTable", 1, "/properties/Table/properties/TableName/minLength", "<missing>"},
		{"DescribeTable", 1, "/required", "<missing>"},
	} {
		if got := pointer(t, by[c.tool][c.out], c.ptr); got != c.want {
			t.Errorf("%s %s %s = %s, want %s", c.tool, []string{"input", "output"}[c.out], c.ptr, got, c.want)
		}
	}
}

// TestRetry checks that a transport failure is retried once for read-only
// and idempotent operations, and not for others.
func TestRetry(t *testing.T) {
	m, err := smithy.LoadFile("testdata/bindings.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		tool     string
		args     string
		wantHits int32
		wantErr  bool
	}{
		{"GetObject", `{"Bucket":"b","Key":"k"}`, 2, false},               // GET, read-only
		{"PutObject", `{"Bucket":"b","Key":"k","Body":"aGk="}`, 2, false}, // PUT, idempotent
		{"Fail", `{}`, 1, true},                           // POST
		{"Search", `{"Index":"i","Query":"q"}`, 2, false}, // POST, @readonly
	} {
		t.Run(tc.tool, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hits.Add(1) == 1 { // drop the first connection
					c, _, _ := w.(http.Hijacker).Hijack()
					c.Close()
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{}`))
			}))
			defer srv.Close()
			tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			res, err := tg.CallTool(context.Background(), &toolgate.CallRequest{Tool: tc.tool, Arguments: []byte(tc.args)})
			if (err != nil) != tc.wantErr || hits.Load() != tc.wantHits {
				t.Errorf("err %v, %d requests; want error %v, %d requests", err, hits.Load(), tc.wantErr, tc.wantHits)
			}
			if err == nil && res.IsError {
				t.Errorf("isError: %v", res.Content)
			}
		})
	}
}

func TestDescription(t *testing.T) {
	m, err := smithy.LoadFile("testdata/kinesis-subset.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ option, want string }{
		{"", "Amazon Kinesis Data Streams Service API Reference\n\nA subset of the Kinesis API, for tests."},
		{"Streams of the shop", "Streams of the shop"},
	} {
		tg, err := smithy.New(context.Background(), m, &smithy.Options{Description: tc.option, Endpoint: "http://x", Credentials: credentials.None()})
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.Description(); got != tc.want {
			t.Errorf("Options.Description %q: Description() %q, want %q", tc.option, got, tc.want)
		}
	}
}
