package httpx

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
)

// transports returns an inline transport and the http.Transport it
// stands for, on the same settings (mod changes them), without gzip,
// which inline does not ask for.
func transports(t *testing.T, mod func(*http.Transport)) (*inline, *http.Transport) {
	t.Helper()
	mk := func() *http.Transport {
		std := NewTransport().(*inline).std
		std.DisableCompression = true
		if mod != nil {
			mod(std)
		}
		t.Cleanup(std.CloseIdleConnections)
		return std
	}
	in := &inline{std: mk()}
	t.Cleanup(in.CloseIdleConnections)
	return in, mk()
}

// outcome is what a client sees of an exchange.
type outcome struct {
	Err     string
	Status  int
	Header  http.Header
	Body    string
	BodyErr bool
	Trailer http.Header
}

// roundTrip makes req (built afresh by mk) with rt and returns what came
// of it.
func roundTrip(t *testing.T, rt http.RoundTripper, mk func() *http.Request) outcome {
	t.Helper()
	resp, err := rt.RoundTrip(mk())
	if err != nil {
		return outcome{Err: err.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	h := resp.Header.Clone()
	h.Del("Date")
	return outcome{Status: resp.StatusCode, Header: h, Body: string(data), BodyErr: err != nil, Trailer: resp.Trailer}
}

// scripted serves every connection with answer, which reads requests
// from br and writes what it likes to c; it returns the server's address.
func scripted(t *testing.T, answer func(n int, br *bufio.Reader, c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				answer(n, bufio.NewReader(c), c)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// readRequest reads one request from br with its body.
func readRequest(br *bufio.Reader) (*http.Request, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, req.Body)
	return req, err
}

// TestInlineMatchesTransport makes the same requests of the same servers
// with inline and with http.Transport: the client sees the same answer,
// the server the same request.
func TestInlineMatchesTransport(t *testing.T) {
	handler := func(h http.HandlerFunc) func(*testing.T) string {
		return func(t *testing.T) string {
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			return srv.URL
		}
	}
	raw := func(answer string) func(*testing.T) string {
		return func(t *testing.T) string {
			return scripted(t, func(_ int, br *bufio.Reader, c net.Conn) {
				if _, err := readRequest(br); err == nil {
					_, _ = io.WriteString(c, answer)
				}
			})
		}
	}
	post := func(body string) func(string) *http.Request {
		return func(u string) *http.Request {
			req, _ := http.NewRequest(http.MethodPost, u+"/mcp?x=1", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Mcp-Session-Id", "abc")
			return req
		}
	}
	method := func(m string) func(string) *http.Request {
		return func(u string) *http.Request {
			req, _ := http.NewRequest(m, u+"/", nil)
			return req
		}
	}
	cases := []struct {
		name   string
		server func(*testing.T) string
		req    func(string) *http.Request
		mod    func(*http.Transport)
	}{
		{"JSON answer", handler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":1,"result":{}}`)
		}), post(`{"jsonrpc":"2.0","id":1,"method":"ping"}`), nil},
		{"event stream, chunked", handler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			for i := range 3 {
				fmt.Fprintf(w, "event: message\ndata: %d\n\n", i)
				w.(http.Flusher).Flush()
			}
		}), post(`{}`), nil},
		{"echoed request", handler(func(w http.ResponseWriter, r *http.Request) {
			var b bytes.Buffer
			fmt.Fprintf(&b, "%s %s %s host=%s len=%d\n", r.Method, r.URL.RequestURI(), r.Proto, r.Host, r.ContentLength)
			_ = r.Header.Write(&b)
			_, _ = io.Copy(&b, r.Body)
			_, _ = w.Write(b.Bytes())
		}), post(`{"a":1}`), nil},
		{"echoed GET", handler(func(w http.ResponseWriter, r *http.Request) { _ = r.Header.Write(w) }), method(http.MethodGet), nil},
		{"echoed DELETE", handler(func(w http.ResponseWriter, r *http.Request) { _ = r.Header.Write(w) }), method(http.MethodDelete), nil},
		{"HEAD", handler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "42")
		}), method(http.MethodHead), nil},
		{"no content", handler(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }), post(`{}`), nil},
		{"accepted, empty", handler(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }), post(`{}`), nil},
		{"error status", handler(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no such session", http.StatusNotFound) }), post(`{}`), nil},
		{"informational first", handler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "done")
		}), method(http.MethodGet), nil},
		{"trailers", handler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			_, _ = io.WriteString(w, "body")
			w.Header().Set("X-Sum", "7")
		}), method(http.MethodGet), nil},
		{"large answer", handler(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write(bytes.Repeat([]byte("0123456789"), 100_000))
		}), method(http.MethodGet), nil},
		{"large request (sent by std)", handler(func(w http.ResponseWriter, r *http.Request) {
			n, _ := io.Copy(io.Discard, r.Body)
			fmt.Fprint(w, n)
		}), post(strings.Repeat("x", inlineMaxBody+1)), nil},
		{"informational heads over the limit", raw(strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n", 200) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
			method(http.MethodGet), func(std *http.Transport) { std.MaxResponseHeaderBytes = 4 << 10 }},
		{"headers over the limit", handler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Big", strings.Repeat("b", 8<<10))
		}), method(http.MethodGet), func(std *http.Transport) { std.MaxResponseHeaderBytes = 4 << 10 }},
		{"invalid header name", handler(func(http.ResponseWriter, *http.Request) {}), func(u string) *http.Request {
			req := method(http.MethodGet)(u)
			req.Header["Bad Name"] = []string{"v"}
			return req
		}, nil},
		{"invalid header value", handler(func(http.ResponseWriter, *http.Request) {}), func(u string) *http.Request {
			req := method(http.MethodGet)(u)
			req.Header.Set("X-Key", "secret\r\nInjected: yes")
			return req
		}, nil},
		{"connection close", raw("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"), post(`{}`), nil},
		{"HTTP/1.0, body to the end", raw("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close"), method(http.MethodGet), nil},
		{"malformed status line", raw("HTTP/1.1 OK\r\n\r\n"), method(http.MethodGet), nil},
		{"body shorter than its length", raw("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), method(http.MethodGet), nil},
		{"bad chunk", raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), method(http.MethodGet), nil},
		{"many informational answers", raw(strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 6) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), method(http.MethodGet), nil},
		{"no answer", raw(""), post(`{}`), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := c.server(t)
			in, std := transports(t, c.mod)
			mk := func() *http.Request { return c.req(u) }
			got, want := roundTrip(t, in, mk), roundTrip(t, std, mk)
			// Transport says where a connection broke in words of its own.
			if got.Err != "" && want.Err != "" {
				got.Err, want.Err = "failed", "failed"
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("inline:\n%+v\nhttp.Transport:\n%+v", got, want)
			}
		})
	}
}

// connCounter serves h and counts the connections the server accepted
// and closed.
type connCounter struct {
	srv            *httptest.Server
	opened, closed atomic.Int32
}

func countConns(t *testing.T, h http.HandlerFunc, configure func(*http.Server)) *connCounter {
	t.Helper()
	cc := &connCounter{srv: httptest.NewUnstartedServer(h)}
	cc.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			cc.opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			cc.closed.Add(1)
		}
	}
	if configure != nil {
		configure(cc.srv.Config)
	}
	cc.srv.Start()
	t.Cleanup(cc.srv.Close)
	return cc
}

// send makes one request with rt and reads its answer to the end.
func send(t *testing.T, rt http.RoundTripper, method, u, body string) (string, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return string(data), err
}

// TestInlineReusesConnections sends requests one after another on one
// connection, and opens another only after a body closed before its end.
func TestInlineReusesConnections(t *testing.T) {
	cc := countConns(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, "data: 1\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		_, _ = io.Copy(w, r.Body)
	}, nil)
	in, _ := transports(t, nil)
	idle := func() int {
		in.mu.Lock()
		defer in.mu.Unlock()
		return in.nidle
	}
	for i := range 20 {
		got, err := send(t, in, http.MethodPost, cc.srv.URL, fmt.Sprint(i))
		if err != nil || got != fmt.Sprint(i) {
			t.Fatalf("request %d: %q, %v", i, got, err)
		}
	}
	if n := cc.opened.Load(); n != 1 {
		t.Fatalf("20 requests opened %d connections, want 1", n)
	}
	req, _ := http.NewRequest(http.MethodGet, cc.srv.URL+"/stream", nil)
	resp, err := in.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: 1\n" {
		t.Fatalf("stream: %q, %v", line, err)
	}
	_ = resp.Body.Close() // before the end: the connection goes
	if _, err := resp.Body.Read(make([]byte, 1)); err == nil || err.Error() != errClosedBody.Error() {
		t.Fatalf("read after Close: %v, want %v", err, errClosedBody)
	}
	testenv.WaitFor(t, "the server to see the stream's connection closed", func() bool { return cc.closed.Load() == 1 })
	if _, err := send(t, in, http.MethodPost, cc.srv.URL, "again"); err != nil {
		t.Fatal(err)
	}
	if n := cc.opened.Load(); n != 2 {
		t.Fatalf("opened %d connections, want 2", n)
	}
	if _, err := send(t, in, http.MethodPost, cc.srv.URL+"/close", "last"); err != nil || idle() != 0 {
		t.Fatalf("after an answer with Connection: close: %v, %d idle connections, want none", err, idle())
	}
}

// TestInlineServerClosedIdle sends a request after the server closed the
// idle connection: inline sees it closed and opens another, as
// http.Transport's reader would have noticed.
func TestInlineServerClosedIdle(t *testing.T) {
	cc := countConns(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") },
		func(s *http.Server) { s.IdleTimeout = 20 * time.Millisecond })
	in, _ := transports(t, nil)
	for i := range 3 {
		if got, err := send(t, in, http.MethodPost, cc.srv.URL, "{}"); err != nil || got != "ok" {
			t.Fatalf("request %d: %q, %v", i, got, err)
		}
		testenv.WaitFor(t, "the server to close the idle connection", func() bool { return cc.closed.Load() == int32(i+1) })
	}
	if n := cc.opened.Load(); n != 3 {
		t.Fatalf("opened %d connections, want 3", n)
	}
}

// TestInlineRetries has a server close a reused connection after reading
// a request, without an answer: as http.Transport does, inline sends an
// idempotent request again on a new connection, and fails a POST.
func TestInlineRetries(t *testing.T) {
	cases := []struct {
		name, method string
		key          bool // an Idempotency-Key header
		wantOK       bool
	}{
		{"GET", http.MethodGet, false, true},
		{"POST", http.MethodPost, false, false},
		{"POST with an idempotency key", http.MethodPost, true, true},
	}
	for _, c := range cases {
		for _, which := range []string{"inline", "std"} {
			t.Run(c.name+"/"+which, func(t *testing.T) {
				u := scripted(t, func(n int, br *bufio.Reader, conn net.Conn) {
					// The first connection answers once, then drops the
					// next request; the others answer everything.
					for i := 0; ; i++ {
						if _, err := readRequest(br); err != nil {
							return
						}
						if n == 0 && i == 1 {
							return
						}
						_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
					}
				})
				in, std := transports(t, nil)
				var rt http.RoundTripper = in
				if which == "std" {
					rt = std
				}
				mk := func() *http.Request {
					req, _ := http.NewRequest(c.method, u, bytes.NewReader([]byte("{}")))
					if c.method == http.MethodGet {
						req, _ = http.NewRequest(c.method, u, nil)
					}
					if c.key {
						req.Header.Set("Idempotency-Key", "k1")
					}
					return req
				}
				if got := roundTrip(t, rt, mk); got.Err != "" {
					t.Fatalf("first request: %v", got.Err)
				}
				got := roundTrip(t, rt, mk)
				if (got.Err == "") != c.wantOK {
					t.Fatalf("second request: %+v, want success %v", got, c.wantOK)
				}
			})
		}
	}
}

// TestInlineContext ends a request's context while it waits for the
// answer's head and while its body is read: the request fails with the
// context's cause at once, as with http.Transport, and the server sees
// the connection go.
func TestInlineContext(t *testing.T) {
	cause := errors.New("caller gone")
	for _, stage := range []string{"head", "body"} {
		for _, which := range []string{"inline", "std"} {
			t.Run(stage+"/"+which, func(t *testing.T) {
				started := make(chan struct{}, 1)
				var gone atomic.Bool
				quit := make(chan struct{})
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, _ = io.Copy(io.Discard, r.Body) // the server then watches the connection
					if stage == "body" {
						_, _ = io.WriteString(w, "first\n")
						w.(http.Flusher).Flush()
					}
					started <- struct{}{}
					select {
					case <-r.Context().Done():
						gone.Store(true)
					case <-quit:
					}
				}))
				t.Cleanup(srv.Close)
				t.Cleanup(func() { close(quit) })
				in, std := transports(t, nil)
				var rt http.RoundTripper = in
				if which == "std" {
					rt = std
				}
				ctx, cancel := context.WithCancelCause(context.Background())
				defer cancel(nil)
				if stage == "head" {
					go func() { <-started; cancel(cause) }()
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("{}"))
				resp, err := rt.RoundTrip(req)
				if stage == "body" {
					if err != nil {
						t.Fatal(err)
					}
					br := bufio.NewReader(resp.Body)
					if line, err := br.ReadString('\n'); err != nil || line != "first\n" {
						t.Fatalf("first line: %q, %v", line, err)
					}
					<-started
					go func() { time.Sleep(10 * time.Millisecond); cancel(cause) }() // while Read waits
					_, err = io.ReadAll(br)
					_ = resp.Body.Close()
				}
				if !errors.Is(err, cause) {
					t.Fatalf("err = %v, want %v", err, cause)
				}
				testenv.WaitFor(t, "the server to see the connection closed", gone.Load)
			})
		}
	}
}

// TestInlineConcurrent sends requests from several goroutines: each gets
// its own answer, on no more connections than goroutines.
func TestInlineConcurrent(t *testing.T) {
	cc := countConns(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(w, r.Body) }, nil)
	in, _ := transports(t, nil)
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf("%d-%d", w, i)
				got, err := send(t, in, http.MethodPost, cc.srv.URL, body)
				if err == nil && got != body {
					err = fmt.Errorf("got %q for %q", got, body)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := cc.opened.Load(); n > workers {
		t.Fatalf("opened %d connections for %d goroutines", n, workers)
	}
}

// TestInlineIdleLimits keeps at most MaxIdleConnsPerHost idle
// connections, closes them after IdleConnTimeout, and at once on
// CloseIdleConnections.
func TestInlineIdleLimits(t *testing.T) {
	release := make(chan struct{})
	var waiting atomic.Int32
	cc := countConns(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/held" {
			waiting.Add(1)
			<-release
		}
		_, _ = io.WriteString(w, "ok")
	}, nil)
	cases := []struct {
		name string
		idle time.Duration
		end  func(in *inline)
	}{
		{"CloseIdleConnections", 0, func(in *inline) { in.CloseIdleConnections() }},
		{"IdleConnTimeout", 30 * time.Millisecond, func(*inline) {}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc.opened.Store(0)
			cc.closed.Store(0)
			waiting.Store(0)
			release = make(chan struct{})
			in, _ := transports(t, func(std *http.Transport) {
				std.MaxIdleConnsPerHost = 2
				std.IdleConnTimeout = c.idle
			})
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := send(t, in, http.MethodGet, cc.srv.URL+"/held", ""); err != nil {
						t.Error(err)
					}
				}()
			}
			testenv.WaitFor(t, "four requests at once", func() bool { return waiting.Load() == 4 })
			close(release)
			wg.Wait()
			testenv.WaitFor(t, "two connections closed beyond the idle limit", func() bool { return cc.closed.Load() == 2 })
			in.mu.Lock()
			kept := in.nidle
			in.mu.Unlock()
			if kept != 2 {
				t.Fatalf("%d idle connections kept, want 2", kept)
			}
			c.end(in)
			testenv.WaitFor(t, "the idle connections closed", func() bool { return cc.closed.Load() == 4 })
		})
	}
}

// TestInlineServes lists the requests inline leaves to http.Transport.
func TestInlineServes(t *testing.T) {
	proxy, _ := url.Parse("http://proxy.example:3128")
	trace := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{})
	cases := []struct {
		name  string
		req   func() *http.Request
		proxy bool
		want  bool
	}{
		{"plain POST", func() *http.Request { return mustRequest(http.MethodPost, "http://127.0.0.1:1/mcp", "{}") }, false, true},
		{"GET", func() *http.Request { return mustRequest(http.MethodGet, "http://127.0.0.1:1/", "") }, false, true},
		{"https", func() *http.Request { return mustRequest(http.MethodPost, "https://127.0.0.1:1/", "{}") }, false, false},
		{"through a proxy", func() *http.Request { return mustRequest(http.MethodGet, "http://example.com/", "") }, true, false},
		{"Expect", func() *http.Request {
			r := mustRequest(http.MethodPost, "http://127.0.0.1:1/", "{}")
			r.Header.Set("Expect", "100-continue")
			return r
		}, false, false},
		{"Upgrade", func() *http.Request {
			r := mustRequest(http.MethodGet, "http://127.0.0.1:1/", "")
			r.Header.Set("Upgrade", "websocket")
			return r
		}, false, false},
		{"body of unknown length", func() *http.Request {
			r := mustRequest(http.MethodPost, "http://127.0.0.1:1/", "")
			r.Body = io.NopCloser(strings.NewReader("{}"))
			return r
		}, false, false},
		{"large body", func() *http.Request {
			return mustRequest(http.MethodPost, "http://127.0.0.1:1/", strings.Repeat("x", inlineMaxBody+1))
		}, false, false},
		{"trailers", func() *http.Request {
			r := mustRequest(http.MethodPost, "http://127.0.0.1:1/", "{}")
			r.Trailer = http.Header{"X-Sum": nil}
			return r
		}, false, false},
		{"traced", func() *http.Request {
			return mustRequest(http.MethodGet, "http://127.0.0.1:1/", "").WithContext(trace)
		}, false, false},
		{"CONNECT", func() *http.Request { return mustRequest(http.MethodConnect, "http://127.0.0.1:1/", "") }, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, _ := transports(t, func(std *http.Transport) {
				std.Proxy = nil
				if c.proxy {
					std.Proxy = http.ProxyURL(proxy)
				}
			})
			if got := in.serves(c.req()); got != c.want {
				t.Fatalf("serves = %v, want %v", got, c.want)
			}
		})
	}
}

func mustRequest(method, u, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		panic(err)
	}
	return req
}

// FuzzInlineAnswer has a server answer with arbitrary bytes and then
// close the connection: inline and http.Transport agree on whether the
// exchange succeeds, on the head, and on the body.
func FuzzInlineAnswer(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-A\r\n\r\n2\r\nok\r\n0\r\nX-A: 1\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nto the end",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nraw bytes",
		"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrapde: x\r\n\r\nr",
		"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: \r\n\r\nr",
		"HTTP/1.1 200\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
		"garbage",
		"",
	} {
		f.Add([]byte(seed))
	}
	var answer atomic.Pointer[[]byte]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := readRequest(bufio.NewReader(c)); err == nil {
					_, _ = c.Write(*answer.Load())
				}
			}()
		}
	}()
	u := "http://" + ln.Addr().String() + "/mcp"
	f.Fuzz(func(t *testing.T, data []byte) {
		answer.Store(&data)
		in, std := transports(t, nil)
		mk := func() *http.Request {
			return mustRequest(http.MethodPost, u, `{"jsonrpc":"2.0","id":1,"method":"ping"}`)
		}
		got, want := roundTrip(t, in, mk), roundTrip(t, std, mk)
		if got.Err != "" && want.Err != "" {
			got.Err, want.Err = "failed", "failed"
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("answer %q\ninline:\n%+v\nhttp.Transport:\n%+v", data, got, want)
		}
	})
}
