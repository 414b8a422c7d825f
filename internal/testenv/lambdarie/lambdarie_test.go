package lambdarie_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

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

// fakeTB records how Binary gave up.
type fakeTB struct {
	testing.TB
	how, msg string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.how, f.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.how, f.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestMissingEmulator(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("TOOLGATE_LAMBDA_RIE", t.TempDir()+"/aws-lambda-rie")
			t.Setenv("CI", tc.ci)
			f := &fakeTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				lambdarie.Binary(f)
				f.how = "found"
			}()
			<-done
			if f.how != tc.want || !strings.Contains(f.msg, "scripts/setup/lambda.sh") {
				t.Fatalf("got %s %q, want %s", f.how, f.msg, tc.want)
			}
		})
	}
}
