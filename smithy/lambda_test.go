package smithy_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv/lambdarie"
	"github.com/toolgate/toolgate/smithy"
)

// TestLambdaInvoke calls the restJson1 Invoke operation of the corpus
// Lambda model through the gateway against the Lambda runtime interface
// emulator running a real aws-lambda-go function: a path label, headers,
// and blob payloads both ways.
func TestLambdaInvoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	lambdarie.Binary(t) // skips or fails before the build when missing
	e := lambdarie.Start(t, lambdarie.Build(t, "./testdata/lambdafn"), &lambdarie.Config{Timeout: 5 * time.Second})
	awsEnv(t)
	m, err := smithy.LoadFile(corpusModel(t, "aws/lambda-2015-03-31.json"))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{base: http.DefaultTransport}
	tg, err := smithy.New(ctx, m, &smithy.Options{
		Endpoint: e.URL, HTTPClient: &http.Client{Transport: rec}, Include: []string{"Invoke", "GetFunction"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := tg.ListTools(ctx)
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	if got := strings.Join(names, ","); got != "GetFunction,Invoke" {
		t.Fatalf("Include kept %s, want GetFunction,Invoke", got)
	}
	cs := connect(ctx, t, tg)

	clientContext := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"tenant":"t1"}}`))
	payload := base64.StdEncoding.EncodeToString([]byte(`{"city":"Paris","n":3}`))
	res, sc, text := call(ctx, t, cs, "lambda___Invoke", map[string]any{
		"FunctionName": lambdarie.FunctionName, "InvocationType": "RequestResponse",
		"ClientContext": clientContext, "Payload": payload,
	})
	mustOK(t, "Invoke", res, text)
	if got := rec.uri; got != lambdarie.InvokePath {
		t.Errorf("request URI %s, want %s", got, lambdarie.InvokePath)
	}
	if rec.header("X-Amz-Invocation-Type") != "RequestResponse" || rec.header("X-Amz-Client-Context") != clientContext {
		t.Errorf("headers %v", rec.last)
	}
	if got := rec.header("Authorization"); !strings.Contains(got, "/us-east-1/lambda/aws4_request") {
		t.Errorf("Authorization %q", got)
	}
	if sc["StatusCode"] != float64(200) {
		t.Errorf("StatusCode %v", sc["StatusCode"])
	}
	raw, _ := base64.StdEncoding.DecodeString(sc["Payload"].(string))
	var out struct {
		Echo   map[string]any    `json:"echo"`
		Custom map[string]string `json:"custom"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Echo["city"] != "Paris" || out.Custom["tenant"] != "t1" {
		t.Errorf("Invoke payload %s (%v)", raw, err)
	}
	// The decoded payload is also given as text, for the model to read.
	if !strings.Contains(text, `"city":"Paris"`) {
		t.Errorf("Invoke text %q", text)
	}

	res, sc, text = call(ctx, t, cs, "lambda___Invoke", map[string]any{
		"FunctionName": lambdarie.FunctionName, "Payload": base64.StdEncoding.EncodeToString([]byte(`{"fail":true}`)),
	})
	mustOK(t, "Invoke (function error)", res, text)
	if raw, _ := base64.StdEncoding.DecodeString(sc["Payload"].(string)); !strings.Contains(string(raw), "asked to fail") {
		t.Errorf("function error payload %s", raw)
	}
}
