package lambdarie_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/lambdarie"
)

// TestInvoke starts a function under the emulator and invokes it over
// plain HTTP, as any Lambda client would.
func TestInvoke(t *testing.T) {
	e := lambdarie.Start(t, lambdarie.Build(t, "./testdata/echo"), nil)
	req, _ := http.NewRequest("POST", e.URL+lambdarie.InvokePath, strings.NewReader(`{"a":1}`))
	req.Header.Set("X-Amz-Client-Context", base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != `{"custom":{"k":"v"},"event":{"a":1}}` {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
}

// TestARNProxy: the proxy routes the function's ARN, with or without a
// qualifier, and its name to the emulator, and answers 404 for others.
func TestARNProxy(t *testing.T) {
	e := lambdarie.Start(t, lambdarie.Build(t, "./testdata/echo"), nil)
	proxy := e.ARNProxy(t)
	for _, tc := range []struct {
		name   string
		status int
	}{
		{lambdarie.FunctionName, 200},
		{"arn:aws:lambda:us-east-1:123456789012:function:" + lambdarie.FunctionName, 200},
		{"arn:aws:lambda:eu-west-3:123456789012:function:" + lambdarie.FunctionName + ":live", 200},
		{"arn:aws:lambda:us-east-1:123456789012:function:other", 404},
		{"other", 404},
	} {
		resp, err := http.Post(proxy+"/2015-03-31/functions/"+url.PathEscape(tc.name)+"/invocations", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.status == 200 && !strings.Contains(string(b), `"event":{"a":1}`)) {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, b)
		}
	}
}

func TestMissingEmulator(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("TOOLGATE_LAMBDA_RIE", t.TempDir()+"/aws-lambda-rie")
			t.Setenv("CI", tc.ci)
			how, msg := testenv.GiveUp(t, func(tb testing.TB) { lambdarie.Binary(tb) })
			if how != tc.want || !strings.Contains(msg, "scripts/setup/lambda.sh") {
				t.Fatalf("got %s %q, want %s", how, msg, tc.want)
			}
		})
	}
}
