package smithy_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/smithy"
)

// TestConfiguredEndpoint: without Options.Endpoint, an AWS service's
// requests go where the AWS SDK's configuration sends that service's
// clients: AWS_ENDPOINT_URL_<SDKID> before AWS_ENDPOINT_URL, neither with
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func TestConfiguredEndpoint(t *testing.T) {
	m, err := smithy.LoadFile("testdata/kinesis-subset.json")
	if err != nil {
		t.Fatal(err)
	}
	backend := func(hits *atomic.Int32) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			_, _ = w.Write([]byte(`{}`))
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	var ownHits, globalHits atomic.Int32
	own, global := backend(&ownHits), backend(&globalHits)

	for _, tc := range []struct {
		name             string
		env              map[string]string
		wantOwn, wantGlb int32
		wantHost         string // the default endpoint, when nothing is configured
	}{
		{"service variable", map[string]string{"AWS_ENDPOINT_URL_KINESIS": own.URL}, 1, 0, ""},
		{"service before global", map[string]string{"AWS_ENDPOINT_URL_KINESIS": own.URL, "AWS_ENDPOINT_URL": global.URL}, 1, 0, ""},
		{"global", map[string]string{"AWS_ENDPOINT_URL": global.URL}, 0, 1, ""},
		{"ignored", map[string]string{"AWS_ENDPOINT_URL_KINESIS": own.URL, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, 0, 0, "kinesis.eu-west-3.amazonaws.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ownHits.Store(0)
			globalHits.Store(0)
			t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
			t.Setenv("AWS_REGION", "eu-west-3")
			for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KINESIS", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
				t.Setenv(k, tc.env[k]) // restored when the test ends
				if tc.env[k] == "" {
					os.Unsetenv(k)
				}
			}
			var sent atomic.Pointer[string]
			probe := credentials.ProviderFunc(func(_ context.Context, r *http.Request) error {
				h := r.URL.Host
				sent.Store(&h)
				if tc.wantHost != "" {
					return context.Canceled // do not reach AWS
				}
				return nil
			})
			tg, err := smithy.New(context.Background(), m, &smithy.Options{Credentials: probe})
			if err != nil {
				t.Fatal(err)
			}
			args, _ := json.Marshal(map[string]any{"StreamName": "s"})
			_, _ = tg.CallTool(context.Background(), &toolgate.CallRequest{Tool: "DeleteStream", Arguments: args})
			if ownHits.Load() != tc.wantOwn || globalHits.Load() != tc.wantGlb {
				t.Errorf("service endpoint got %d requests, global %d; want %d and %d", ownHits.Load(), globalHits.Load(), tc.wantOwn, tc.wantGlb)
			}
			if tc.wantHost != "" {
				if h := sent.Load(); h == nil || *h != tc.wantHost {
					t.Errorf("request for host %v, want %s", h, tc.wantHost)
				}
			}
		})
	}
}
