package lambdarie_test

import (
	"encoding/base64"
	"io"
	"net/http"
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
