package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/httpx"
	"github.com/toolgate/toolgate/internal/testenv"
)

// TestInjection sends hostile arguments and checks that none of them
// changes the request's host, path, query or headers.
func TestInjection(t *testing.T) {
	rec := newRecorder(t)
	tg := loadTestdata(t, "styles.yaml", &Options{BaseURL: rec.srv.URL + "/base"})
	host := strings.TrimPrefix(rec.srv.URL, "http://")
	tests := []struct {
		name, tool, args string
		wantURI          string // "" means the call must be refused before sending
	}{
		{"traversal", "getItem", `{"id":"../../admin"}`, "/base/items/..%2F..%2Fadmin"},
		{"dot-dot segment", "getItem", `{"id":".."}`, "/base/items/%2E%2E"},
		{"dot segment", "getItem", `{"id":"."}`, "/base/items/%2E"},
		{"query in path", "getItem", `{"id":"a?admin=1#frag"}`, "/base/items/a%3Fadmin%3D1%23frag"},
		{"authority in path", "getItem", `{"id":"//evil.example/x"}`, "/base/items/%2F%2Fevil.example%2Fx"},
		{"absolute URL in path", "getItem", `{"id":"http://evil.example/"}`, "/base/items/http%3A%2F%2Fevil.example%2F"},
		{"pre-encoded", "getItem", `{"id":"%2e%2e%2f"}`, "/base/items/%252e%252e%252f"},
		{"backslash and NUL", "getItem", `{"id":"a\\b\u0000"}`, "/base/items/a%5Cb%00"},
		{"query splitting", "getItem", `{"id":"1","query_id":"x&admin=true"}`, "/base/items/1?id=x%26admin%3Dtrue"},
		{"label traversal", "label", `{"v":["..","/"]}`, "/base/label/...,%2F"},
		{"deep object keys", "query", `{"deep":{"a]&x=[":"1"}}`, "/base/query?deep[a%5D%26x%3D%5B]=1"},
		{"header CRLF", "getItem", `{"id":"1","X-Trace":"a\r\nX-Evil: 1"}`, ""},
		{"header LF", "getItem", `{"id":"1","X-Trace":"a\nHost: evil"}`, ""},
		{"cookie splitting", "getItem", `{"id":"1","session":"x; admin=1"}`, "/base/items/1"},
		{"host argument ignored", "getItem", `{"id":"1","Host":"evil.example","X-Forwarded-Host":"evil.example"}`, "/base/items/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := rec.count()
			res := call(t, tg, tc.tool, tc.args)
			if tc.wantURI == "" {
				if !res.IsError {
					t.Errorf("call was not refused: %s", resultText(res))
				}
				if rec.count() != before {
					t.Errorf("refused call still reached the server")
				}
				return
			}
			if res.IsError {
				t.Fatalf("IsError: %s", resultText(res))
			}
			got := rec.last(t)
			if got.uri != tc.wantURI {
				t.Errorf("URI %q, want %q", got.uri, tc.wantURI)
			}
			if got.host != host {
				t.Errorf("Host %q, want %q", got.host, host)
			}
			if got.header.Get("X-Evil") != "" || got.header.Get("X-Forwarded-Host") != "" {
				t.Errorf("injected header reached the server: %v", got.header)
			}
			if c := got.header.Get("Cookie"); strings.Contains(c, "admin=1") {
				t.Errorf("cookie injection: %q", c)
			}
		})
	}
}

// TestRedirectToOtherHost checks that a redirect off the configured server
// is not followed, so neither arguments nor credentials leave it, whatever
// the client's own redirect policy.
func TestRedirectToOtherHost(t *testing.T) {
	key, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("provider-secret"), Name: "X-Provider-Key"})
	if err != nil {
		t.Fatal(err)
	}
	followAll := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	for _, tc := range []struct {
		name   string
		opts   Options
		header string
		want   string
	}{
		{"static header", Options{Header: http.Header{"X-Api-Key": {"secret-value"}}}, "X-Api-Key", "secret-value"},
		{"credentials", Options{Credentials: key}, "X-Provider-Key", "provider-secret"},
		{"client that follows every redirect", Options{HTTPClient: followAll, Credentials: key}, "X-Provider-Key", "provider-secret"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := newRecorder(t)
			rec := newRecorder(t)
			rec.respond = func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.srv.URL+"/stolen", http.StatusFound)
			}
			opts := tc.opts
			opts.BaseURL = rec.srv.URL
			res := call(t, loadTestdata(t, "styles.yaml", &opts), "getItem", `{"id":"1"}`)
			if !res.IsError || !strings.Contains(resultText(res), "302") {
				t.Errorf("want an IsError 302 result, got %s", resultText(res))
			}
			if other.count() != 0 {
				t.Errorf("redirect to another host was followed")
			}
			if got := rec.last(t).header.Get(tc.header); got != tc.want {
				t.Errorf("%s sent to the configured server: %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

// TestCredentialsNotSentWithSpec checks that Options.Credentials reach the
// API but not the server LoadURL reads the spec from.
func TestCredentialsNotSentWithSpec(t *testing.T) {
	key, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal("api-secret"), Name: "X-Api-Key"})
	if err != nil {
		t.Fatal(err)
	}
	api := newRecorder(t)
	specs := newRecorder(t)
	specs.respond = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("openapi: 3.0.0\ninfo: {title: s, version: '1'}\npaths:\n  /p:\n    get:\n      operationId: p\n      responses: {'200': {description: ok}}\n"))
	}
	tg, err := LoadURL(context.Background(), specs.srv.URL+"/api.yaml", &Options{BaseURL: api.srv.URL, Credentials: key, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if res := call(t, tg, "p", `{}`); res.IsError {
		t.Fatal(resultText(res))
	}
	if got := specs.last(t).header.Get("X-Api-Key"); got != "" {
		t.Errorf("the spec server got the API key %q", got)
	}
	if got := api.last(t).header.Get("X-Api-Key"); got != "api-secret" {
		t.Errorf("the API got X-Api-Key %q", got)
	}
}

// TestServerSelection checks servers, variables and overrides.
func TestServerSelection(t *testing.T) {
	spec := func(servers string) []byte {
		return []byte(`openapi: 3.0.0
info: {title: s, version: "1"}
` + servers + `
paths:
  /p:
    get:
      operationId: p
      responses: {"200": {description: ok}}
`)
	}
	rec := newRecorder(t)
	u := rec.srv.URL
	tests := []struct {
		name, servers string
		opts          Options
		wantURI       string
		wantErr       string
	}{
		{"first server", "servers: [{url: '" + u + "/v1'}, {url: 'http://other.invalid'}]", Options{}, "/v1/p", ""},
		{"variables", "servers: [{url: '" + u + "/{version}', variables: {version: {default: v2}}}]", Options{}, "/v2/p", ""},
		{"variable override", "servers: [{url: '" + u + "/{version}', variables: {version: {default: v2}}}]", Options{ServerVariables: map[string]string{"version": "v3"}}, "/v3/p", ""},
		{"base URL override", "servers: [{url: 'http://other.invalid/x'}]", Options{BaseURL: u + "/api/"}, "/api/p", ""},
		{"relative without base", "servers: [{url: '/v1'}]", Options{}, "", "relative"},
		{"no servers", "", Options{}, "", "no server"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Logger = quietLogger()
			tg, err := New(context.Background(), spec(tc.servers), &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			unreachable := tg.Unreachable()
			res := call(t, tg, "p", `{}`)
			if tc.wantErr != "" {
				if !res.IsError || !strings.Contains(resultText(res), tc.wantErr) {
					t.Errorf("want error containing %q, got %s", tc.wantErr, resultText(res))
				}
				if len(unreachable) != 1 || unreachable[0].Where != "p" || !strings.Contains(unreachable[0].Message, tc.wantErr) {
					t.Errorf("Unreachable() = %v, want p with %q", unreachable, tc.wantErr)
				}
				return
			}
			if len(unreachable) != 0 {
				t.Errorf("Unreachable() = %v", unreachable)
			}
			if res.IsError {
				t.Fatal(resultText(res))
			}
			if got := rec.last(t).uri; got != tc.wantURI {
				t.Errorf("URI %q, want %q", got, tc.wantURI)
			}
		})
	}
}

func TestRelativeServerFromURL(t *testing.T) {
	rec := newRecorder(t)
	rec.respond = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/specs/api.yaml" {
			_, _ = w.Write([]byte("openapi: 3.0.0\ninfo: {title: s, version: '1'}\nservers: [{url: ../api/v1}]\npaths:\n  /p:\n    get:\n      operationId: p\n      responses: {'200': {description: ok}}\n"))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	tg, err := LoadURL(context.Background(), rec.srv.URL+"/specs/api.yaml", &Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	res := call(t, tg, "p", `{}`)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	if got := rec.last(t).uri; got != "/api/v1/p" {
		t.Errorf("URI %q, want /api/v1/p", got)
	}
}

func TestResponseMapping(t *testing.T) {
	type reply struct {
		status int
		ctype  string
		body   string
	}
	tests := []struct {
		name, tool string
		reply      reply
		check      func(t *testing.T, res *mcpResult)
	}{
		{"json object", "getItem", reply{200, "application/json", `{"id":"1","name":"x"}`}, func(t *testing.T, r *mcpResult) {
			r.wantOK(t)
			r.wantStructured(t, `{"id":"1","name":"x"}`)
			r.wantText(t, `{"id":"1","name":"x"}`)
		}},
		{"json array wrapped", "putText", reply{200, "application/json; charset=utf-8", `[{"name":"a"}]`}, func(t *testing.T, r *mcpResult) {
			r.wantOK(t)
			r.wantStructured(t, `{"result":[{"name":"a"}]}`)
		}},
		{"text", "deleteItem", reply{200, "text/plain", "done"}, func(t *testing.T, r *mcpResult) {
			r.wantOK(t)
			r.wantText(t, "done")
		}},
		{"no content", "deleteItem", reply{204, "", ""}, func(t *testing.T, r *mcpResult) {
			r.wantOK(t)
			r.wantText(t, "HTTP 204 No Content")
		}},
		{"image", "deleteItem", reply{200, "image/png", "\x89PNG\r\n"}, func(t *testing.T, r *mcpResult) {
			r.wantOK(t)
			img, ok := r.Content[0].(*mcp.ImageContent)
			if !ok || img.MIMEType != "image/png" || string(img.Data) != "\x89PNG\r\n" {
				t.Errorf("content %#v", r.Content[0])
			}
		}},
		{"audio", "deleteItem", reply{200, "audio/mpeg", "ID3"}, func(t *testing.T, r *mcpResult) {
			if a, ok := r.Content[0].(*mcp.AudioContent); !ok || a.MIMEType != "audio/mpeg" {
				t.Errorf("content %#v", r.Content[0])
			}
		}},
		{"binary", "deleteItem", reply{200, "application/pdf", "%PDF-1.4\x00\x01"}, func(t *testing.T, r *mcpResult) {
			r.wantOK(t)
			e, ok := r.Content[0].(*mcp.EmbeddedResource)
			if !ok || e.Resource.MIMEType != "application/pdf" || string(e.Resource.Blob) != "%PDF-1.4\x00\x01" || !strings.HasSuffix(e.Resource.URI, "/items/1") {
				t.Errorf("content %#v", r.Content[0])
			}
		}},
		{"not found", "getItem", reply{404, "application/json", `{"message":"no such item"}`}, func(t *testing.T, r *mcpResult) {
			if !r.IsError || !strings.Contains(r.text(), "HTTP 404 Not Found") || !strings.Contains(r.text(), "no such item") {
				t.Errorf("result %s", r.text())
			}
		}},
		{"server error excerpt bounded", "getItem", reply{500, "text/plain", strings.Repeat("x", 100000)}, func(t *testing.T, r *mcpResult) {
			if !r.IsError || !strings.Contains(r.text(), "HTTP 500") || len(r.text()) > httpx.ExcerptLen+200 {
				t.Errorf("result of %d bytes: %.100s", len(r.text()), r.text())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.reply.ctype != "" {
					w.Header().Set("Content-Type", tc.reply.ctype)
				}
				w.WriteHeader(tc.reply.status)
				_, _ = w.Write([]byte(tc.reply.body))
			}))
			defer srv.Close()
			tg := loadTestdata(t, "styles.yaml", &Options{BaseURL: srv.URL})
			args := `{"id":"1"}`
			if tc.tool == "putText" {
				args = `{"body":"x"}`
			}
			tc.check(t, &mcpResult{call(t, tg, tc.tool, args)})
		})
	}
}

type mcpResult struct{ *mcp.CallToolResult }

func (r *mcpResult) text() string { return testenv.Text(r.CallToolResult) }

func (r *mcpResult) wantOK(t *testing.T) {
	t.Helper()
	if r.IsError {
		t.Fatalf("IsError: %s", r.text())
	}
}

func (r *mcpResult) wantText(t *testing.T, want string) {
	t.Helper()
	if got := r.text(); got != want {
		t.Errorf("text %q, want %q", got, want)
	}
}

func (r *mcpResult) wantStructured(t *testing.T, want string) {
	t.Helper()
	got, _ := r.StructuredContent.(json.RawMessage)
	if string(got) != want {
		t.Errorf("structuredContent %s, want %s", got, want)
	}
}

// TestRetryIdempotent checks that a transport failure is retried once for
// an idempotent method and never for POST.
func TestRetryIdempotent(t *testing.T) {
	tests := []struct {
		tool, args string
		wantCalls  int
		wantErr    bool
	}{
		{"getItem", `{"id":"1"}`, 2, false},
		{"deleteItem", `{"id":"1"}`, 2, false},
		{"postJSON", `{"body":{"name":"n"}}`, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.tool, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				n := calls
				mu.Unlock()
				if n == 1 {
					// drop the connection without a response
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"ok":true}`))
			}))
			defer srv.Close()
			// a client without keep-alives, so that Go's transport does not
			// retry on its own
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			tg := loadTestdata(t, "styles.yaml", &Options{BaseURL: srv.URL, HTTPClient: client})
			_, err := tg.CallTool(context.Background(), &toolgate.CallRequest{Tool: tc.tool, Arguments: json.RawMessage(tc.args)})
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want error %v", err, tc.wantErr)
			}
			mu.Lock()
			defer mu.Unlock()
			if calls != tc.wantCalls {
				t.Errorf("%d requests reached the server, want %d", calls, tc.wantCalls)
			}
		})
	}
}
