package credentials_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/toolgate/toolgate/credentials"
)

// TestClientReusesConnections: a Client made without a transport keeps
// the connections of concurrent requests to one backend for the next ones
// (http.DefaultTransport keeps 2 per host and closes the rest).
func TestClientReusesConnections(t *testing.T) {
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	const concurrent, rounds = 16, 20
	for _, tc := range []struct {
		name    string
		client  *http.Client
		atMost  int64
		atLeast int64
	}{
		{"Client without a transport", credentials.Client(nil, nil), 2 * concurrent, 0},
		{"http.DefaultTransport, for comparison", &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}, 1 << 30, 4 * concurrent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opened.Store(0)
			for range rounds {
				var wg sync.WaitGroup
				for range concurrent {
					wg.Add(1)
					go func() {
						defer wg.Done()
						resp, err := tc.client.Get(srv.URL)
						if err != nil {
							t.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}()
				}
				wg.Wait()
			}
			if n := opened.Load(); n > tc.atMost || n < tc.atLeast {
				t.Errorf("%d requests opened %d connections, want between %d and %d", concurrent*rounds, n, tc.atLeast, tc.atMost)
			}
		})
	}
}
