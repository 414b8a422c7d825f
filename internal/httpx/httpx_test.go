package httpx

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("é", ExcerptLen) // two bytes a rune
	cases := []struct {
		name, want string
		data       []byte
		text       bool
		what       string
	}{
		{name: "empty", data: nil, want: ""},
		{name: "trimmed text", data: []byte("  oops \n"), want: "oops"},
		{name: "binary", data: []byte{0xff, 0xfe, 0}, want: "(3 bytes of binary data)"},
		{name: "binary, named", data: []byte{0xff}, what: "image/png", want: "(1 bytes of image/png)"},
		{name: "known text, not UTF-8", data: []byte{'a', 0xff}, text: true, want: "a\xff"},
		{name: "long, cut on a rune", data: []byte(long), want: strings.Repeat("é", ExcerptLen/2) + "… (4096 bytes in all)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Excerpt(c.data, c.text, c.what); got != c.want {
				t.Fatalf("Excerpt = %q, want %q", got, c.want)
			}
		})
	}
}

// TestDo sends to a server that drops the first connection without an
// answer: the request is sent again only when retrying is allowed.
func TestDo(t *testing.T) {
	cases := []struct {
		name      string
		retry     bool
		cancelled bool
		wantOK    bool
		wantSends int32
	}{
		{"retried", true, false, true, 2},
		{"not retryable", false, false, false, 1},
		{"context over", true, true, false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var conns atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("ok"))
			}))
			srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
				if s == http.StateNew && conns.Add(1) == 1 {
					c.Close() // the first connection dies before answering
				}
			}
			srv.Start()
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if c.cancelled {
				cancel()
			}
			build := func() (*http.Request, error) { return http.NewRequestWithContext(ctx, "GET", srv.URL, nil) }
			req, _ := build()
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			sent, resp, err := Do(ctx, client, req, c.retry, build)
			if resp != nil {
				resp.Body.Close()
			}
			if ok := err == nil && resp.StatusCode == 200; ok != c.wantOK {
				t.Fatalf("ok = %v (%v), want %v", ok, err, c.wantOK)
			}
			if c.wantOK && sent == req {
				t.Fatal("Do returned the first request, not the one that got the answer")
			}
			if n := conns.Load(); !c.cancelled && n != c.wantSends {
				t.Fatalf("%d connections, want %d", n, c.wantSends)
			}
		})
	}
}
