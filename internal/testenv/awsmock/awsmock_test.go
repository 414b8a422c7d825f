package awsmock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/awsmock"
)

func TestStartWithoutInstallation(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("TOOLGATE_TOOLS_DIR", t.TempDir())
			t.Setenv("CI", tc.ci)
			how, msg := testenv.GiveUp(t, func(tb testing.TB) { awsmock.Start(tb, awsmock.Dynalite) })
			if how != tc.want || !strings.Contains(msg, "scripts/setup/smithy.sh") {
				t.Fatalf("Start: %s %q, want %s with a hint", how, msg, tc.want)
			}
		})
	}
}

func TestStart(t *testing.T) {
	for _, s := range []string{awsmock.Dynalite, awsmock.Kinesalite, awsmock.S3rver} {
		t.Run(s, func(t *testing.T) {
			url := awsmock.Start(t, s)
			// Each answers an unsigned request with an AWS error, which
			// shows the server is up and speaking its protocol.
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Fatalf("unsigned request: HTTP %d, want an error", resp.StatusCode)
			}
		})
	}
}
