package smithy_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/awsmock"
	"github.com/toolgate/toolgate/smithy"
)

// corpusModel returns the path of a model of the repository's corpus, by its
// path under testdata/corpus/smithy.
func corpusModel(t testing.TB, rel string) string {
	t.Helper()
	return testenv.CorpusFile(t, "smithy/"+rel)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// recorder keeps the last request's headers as sent (after signing).
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	last http.Header
	uri  string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.last, r.uri = req.Header.Clone(), req.URL.RequestURI()
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func (r *recorder) header(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last.Get(name)
}

// awsEnv sets static AWS credentials and a region in the environment, with
// no shared configuration files, so that the default chain is hermetic.
func awsEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTOOLGATETEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// connect serves t through a gateway over streamable HTTP and returns a
// go-sdk client session to it.
func connect(ctx context.Context, t *testing.T, tg toolgate.Target) *mcp.ClientSession {
	t.Helper()
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close() })
	if err := gw.AddTarget(ctx, tg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool and returns its result, its structured content decoded
// and its text.
func call(ctx context.Context, t *testing.T, cs *mcp.ClientSession, name string, args any) (*mcp.CallToolResult, map[string]any, string) {
	t.Helper()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text []string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	var sc map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &sc)
	}
	return res, sc, strings.Join(text, "\n")
}

// mustOK fails the test if res is an error.
func mustOK(t *testing.T, name string, res *mcp.CallToolResult, text string) {
	t.Helper()
	if res.IsError {
		t.Fatalf("%s: isError: %s", name, text)
	}
}

// path walks decoded JSON by keys and indexes.
func path(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// TestDynamoDB drives dynalite (awsJson1_0) with the DynamoDB model of the
// corpus through the gateway: CreateTable, PutItem, GetItem, Query and
// errors, signed with SigV4 from the default chain under the model's
// signing name.
func TestDynamoDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	endpoint := awsmock.Start(t, awsmock.Dynalite)
	awsEnv(t)
	m, err := smithy.LoadFile(corpusModel(t, "aws/dynamodb-2012-08-10.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{base: http.DefaultTransport}
	tg, err := smithy.New(ctx, m, &smithy.Options{
		Endpoint: endpoint, HTTPClient: &http.Client{Transport: rec}, Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Name() != "dynamodb" || tg.Protocol() != smithy.AWSJSON10 {
		t.Fatalf("target %q speaking %s", tg.Name(), tg.Protocol())
	}
	cs := connect(ctx, t, tg)

	res, _, text := call(ctx, t, cs, "dynamodb___CreateTable", map[string]any{
		"TableName": "cities",
		"AttributeDefinitions": []any{
			map[string]any{"AttributeName": "country", "AttributeType": "S"},
			map[string]any{"AttributeName": "city", "AttributeType": "S"},
		},
		"KeySchema": []any{
			map[string]any{"AttributeName": "country", "KeyType": "HASH"},
			map[string]any{"AttributeName": "city", "KeyType": "RANGE"},
		},
		"ProvisionedThroughput": map[string]any{"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
	})
	mustOK(t, "CreateTable", res, text)
	if got := rec.header("X-Amz-Target"); got != "DynamoDB_20120810.CreateTable" {
		t.Errorf("X-Amz-Target %q", got)
	}
	if got := rec.header("Content-Type"); got != "application/x-amz-json-1.0" {
		t.Errorf("Content-Type %q", got)
	}
	if got := rec.header("Authorization"); !strings.Contains(got, "Credential=AKIDTOOLGATETEST/") || !strings.Contains(got, "/us-east-1/dynamodb/aws4_request") {
		t.Errorf("Authorization %q: want SigV4 for dynamodb in us-east-1", got)
	}
	for i := 0; ; i++ {
		res, sc, text := call(ctx, t, cs, "dynamodb___DescribeTable", map[string]any{"TableName": "cities"})
		mustOK(t, "DescribeTable", res, text)
		if path(sc, "Table", "TableStatus") == "ACTIVE" {
			break
		}
		if i == 50 {
			t.Fatalf("table not ACTIVE: %s", text)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, city := range []string{"Lyon", "Paris", "Nice"} {
		res, _, text := call(ctx, t, cs, "dynamodb___PutItem", map[string]any{
			"TableName": "cities",
			"Item": map[string]any{
				"country": map[string]any{"S": "FR"}, "city": map[string]any{"S": city},
				"population": map[string]any{"N": "100"},
				"tags":       map[string]any{"L": []any{map[string]any{"S": "big"}, map[string]any{"BOOL": true}}},
			},
		})
		mustOK(t, "PutItem", res, text)
	}
	res, sc, text := call(ctx, t, cs, "dynamodb___GetItem", map[string]any{
		"TableName": "cities",
		"Key":       map[string]any{"country": map[string]any{"S": "FR"}, "city": map[string]any{"S": "Paris"}},
	})
	mustOK(t, "GetItem", res, text)
	if got := path(sc, "Item", "population", "N"); got != "100" {
		t.Errorf("GetItem population %v: %s", got, text)
	}
	if got := path(sc, "Item", "tags", "L", 1, "BOOL"); got != true {
		t.Errorf("GetItem nested list %v: %s", got, text)
	}
	res, sc, text = call(ctx, t, cs, "dynamodb___Query", map[string]any{
		"TableName":                 "cities",
		"KeyConditionExpression":    "country = :c AND begins_with(city, :p)",
		"ExpressionAttributeValues": map[string]any{":c": map[string]any{"S": "FR"}, ":p": map[string]any{"S": "N"}},
	})
	mustOK(t, "Query", res, text)
	if got := path(sc, "Count"); got != float64(1) {
		t.Errorf("Query Count %v: %s", got, text)
	}
	if got := path(sc, "Items", 0, "city", "S"); got != "Nice" {
		t.Errorf("Query item %v", got)
	}

	// A backend error: isError with the AWS error code and message.
	res, _, text = call(ctx, t, cs, "dynamodb___GetItem", map[string]any{
		"TableName": "nowhere",
		"Key":       map[string]any{"country": map[string]any{"S": "FR"}},
	})
	if !res.IsError || !strings.Contains(text, "ResourceNotFoundException") || !strings.Contains(text, "HTTP 400") {
		t.Errorf("GetItem on a missing table: isError=%v %q", res.IsError, text)
	}
	if code, _ := res.Meta["smithy/errorCode"].(string); code != "ResourceNotFoundException" {
		t.Errorf("error code meta %v", res.Meta)
	}
	// A validation error from the service.
	res, _, text = call(ctx, t, cs, "dynamodb___Query", map[string]any{"TableName": "cities", "KeyConditionExpression": "nonsense ="})
	if !res.IsError || !strings.Contains(text, "ValidationException") {
		t.Errorf("bad Query: isError=%v %q", res.IsError, text)
	}
	// Arguments that break the schema never reach the service: the
	// AttributeValue union takes exactly one member.
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "dynamodb___GetItem", Arguments: map[string]any{
		"TableName": "cities",
		"Key":       map[string]any{"country": map[string]any{"S": "FR", "N": "1"}},
	}})
	if err == nil && !res.IsError {
		t.Errorf("a two-member union was accepted")
	}
}

// TestKinesis drives kinesalite (awsJson1_1) through the gateway. The
// corpus has no Kinesis model, so testdata/kinesis-subset.json models
// seven Kinesis operations with the shapes and names of the AWS model.
func TestKinesis(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	endpoint := awsmock.Start(t, awsmock.Kinesalite)
	awsEnv(t)
	m, err := smithy.LoadFile("testdata/kinesis-subset.json")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{base: http.DefaultTransport}
	tg, err := smithy.New(ctx, m, &smithy.Options{Endpoint: endpoint, HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(ctx, t, tg)

	res, _, text := call(ctx, t, cs, "kinesis___CreateStream", map[string]any{"StreamName": "events", "ShardCount": 1})
	mustOK(t, "CreateStream", res, text)
	if got := rec.header("X-Amz-Target"); got != "Kinesis_20131202.CreateStream" {
		t.Errorf("X-Amz-Target %q", got)
	}
	if got := rec.header("Content-Type"); got != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type %q", got)
	}
	if got := rec.header("Authorization"); !strings.Contains(got, "/us-east-1/kinesis/aws4_request") {
		t.Errorf("Authorization %q", got)
	}
	var shard string
	for i := 0; ; i++ {
		res, sc, text := call(ctx, t, cs, "kinesis___DescribeStream", map[string]any{"StreamName": "events"})
		mustOK(t, "DescribeStream", res, text)
		if path(sc, "StreamDescription", "StreamStatus") == "ACTIVE" {
			shard, _ = path(sc, "StreamDescription", "Shards", 0, "ShardId").(string)
			break
		}
		if i == 50 {
			t.Fatalf("stream not ACTIVE: %s", text)
		}
		time.Sleep(20 * time.Millisecond)
	}
	data := []byte("hello, \x00 binary \xff world")
	res, sc, text := call(ctx, t, cs, "kinesis___PutRecord", map[string]any{
		"StreamName": "events", "PartitionKey": "k1", "Data": base64.StdEncoding.EncodeToString(data),
	})
	mustOK(t, "PutRecord", res, text)
	if path(sc, "ShardId") != shard || path(sc, "SequenceNumber") == nil {
		t.Fatalf("PutRecord: %s (shard %s)", text, shard)
	}
	res, sc, text = call(ctx, t, cs, "kinesis___GetShardIterator", map[string]any{
		"StreamName": "events", "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON",
	})
	mustOK(t, "GetShardIterator", res, text)
	res, sc, text = call(ctx, t, cs, "kinesis___GetRecords", map[string]any{"ShardIterator": path(sc, "ShardIterator")})
	mustOK(t, "GetRecords", res, text)
	got, _ := base64.StdEncoding.DecodeString(path(sc, "Records", 0, "Data").(string))
	if string(got) != string(data) || path(sc, "Records", 0, "PartitionKey") != "k1" {
		t.Errorf("GetRecords: %s", text)
	}
	if _, ok := path(sc, "Records", 0, "ApproximateArrivalTimestamp").(float64); !ok {
		t.Errorf("ApproximateArrivalTimestamp is not epoch seconds: %s", text)
	}
	res, sc, text = call(ctx, t, cs, "kinesis___ListStreams", map[string]any{})
	mustOK(t, "ListStreams", res, text)
	if path(sc, "StreamNames", 0) != "events" {
		t.Errorf("ListStreams: %s", text)
	}
	res, _, text = call(ctx, t, cs, "kinesis___DescribeStream", map[string]any{"StreamName": "missing"})
	if !res.IsError || !strings.Contains(text, "ResourceNotFoundException") {
		t.Errorf("DescribeStream of a missing stream: isError=%v %q", res.IsError, text)
	}
}
