package smithy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/smithy"
)

// seen is one request as the backend received it.
type seen struct {
	method, rawPath, query, body string
	header                       http.Header
}

// backend serves canned responses per "METHOD /path" prefix and records
// the last request.
type backend struct {
	mu   sync.Mutex
	last seen
	srv  *httptest.Server
}

func newBackend(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *backend {
	b := &backend{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.last = seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(body), r.Header.Clone()}
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) request() seen {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

func callTarget(t *testing.T, tg *smithy.Target, tool string, args any) (*toolgate.Result, map[string]any, string) {
	t.Helper()
	raw, _ := json.Marshal(args)
	res, err := tg.CallTool(context.Background(), &toolgate.CallRequest{Tool: tool, Arguments: raw})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	var sc map[string]any
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		_ = json.Unmarshal(b, &sc)
	}
	var text []string
	for _, c := range res.Content {
		if b, err := json.Marshal(c); err == nil {
			var tc struct{ Text string }
			_ = json.Unmarshal(b, &tc)
			text = append(text, tc.Text)
		}
	}
	return res, sc, strings.Join(text, "\n")
}

// TestRestJSONBindings checks every restJson1 HTTP binding on the wire,
// both ways: labels (greedy and not), query, query maps, headers, prefix
// headers, blob and structure payloads, @jsonName, response codes and
// errors.
func TestRestJSONBindings(t *testing.T) {
	be := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/fail"):
			w.Header().Set("X-Amzn-Errortype", "NotFound:http://internal.example.com/")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"gone"}`)
		case r.Method == http.MethodPut:
			w.Header().Set("ETag", "abc")
			w.Header().Set("X-Version", "7")
			w.Header().Set("X-Flags", "a, b")
			w.Header().Set("X-Meta-Owner", "me")
			w.WriteHeader(http.StatusCreated)
		case r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write([]byte{0, 1, 2, 'b', 'i', 'n'})
		case r.Method == http.MethodPost:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"hits":["a"],"meta_data":{"owner":"x","nested":{"owner":"y"}},"Total":3}`)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
	m, err := smithy.LoadFile("testdata/bindings.json")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: be.srv.URL + "/base/"})
	if err != nil {
		t.Fatal(err)
	}

	res, sc, text := callTarget(t, tg, "PutObject", map[string]any{
		"Bucket": "my bucket", "Key": "a/b c/d.txt", "Body": base64.StdEncoding.EncodeToString([]byte("hello")),
		"Tags": []string{"x", "y"}, "Expires": "Sun, 06 Nov 1994 08:49:37 GMT",
		"Metadata": map[string]string{"color": "blue"}, "Token": "s3cr3t",
	})
	if res.IsError {
		t.Fatalf("PutObject: %s", text)
	}
	got := be.request()
	for _, c := range []struct{ name, got, want string }{
		{"method", got.method, "PUT"},
		{"path", got.rawPath, "/base/buckets/my%20bucket/objects/a/b%20c/d.txt"},
		{"query", got.query, "x-id=PutObject"},
		{"body", got.body, "hello"},
		{"Content-Type", got.header.Get("Content-Type"), "application/octet-stream"},
		{"X-Tags", got.header.Get("X-Tags"), "x, y"},
		{"Expires", got.header.Get("Expires"), "Sun, 06 Nov 1994 08:49:37 GMT"},
		{"X-Meta-Color", got.header.Get("X-Meta-Color"), "blue"},
		{"X-Token", got.header.Get("X-Token"), "s3cr3t"},
	} {
		if c.got != c.want {
			t.Errorf("PutObject %s = %q, want %q", c.name, c.got, c.want)
		}
	}
	want := map[string]any{"Status": float64(201), "ETag": "abc", "Version": float64(7),
		"Flags": []any{"a", "b"}, "Meta": map[string]any{"owner": "me"}}
	if b1, b2 := mustJSON(sc), mustJSON(want); b1 != b2 {
		t.Errorf("PutObject output %s, want %s", b1, b2)
	}

	res, sc, text = callTarget(t, tg, "GetObject", map[string]any{"Bucket": "b", "Key": "k"})
	if res.IsError || be.request().method != "GET" || be.request().body != "" {
		t.Fatalf("GetObject: %s %+v", text, be.request())
	}
	if body, _ := base64.StdEncoding.DecodeString(sc["Body"].(string)); string(body) != "\x00\x01\x02bin" || sc["ContentType"] != "application/octet-stream" {
		t.Errorf("GetObject output %v", sc)
	}

	res, sc, text = callTarget(t, tg, "Search", map[string]any{
		"Index": "idx/1", "Limit": 10, "Ids": []int{1, 2}, "Since": "2024-01-01T00:00:00Z",
		"Extra": map[string][]string{"tag": {"v1", "v2"}, "limit": {"99"}},
		"Query": "q", "Meta": map[string]any{"ownerName": "me", "nested": map[string]any{"ownerName": "you"}},
	})
	if res.IsError {
		t.Fatalf("Search: %s", text)
	}
	got = be.request()
	if got.rawPath != "/base/search/idx%2F1" || got.query != "id=1&id=2&limit=10&since=2024-01-01T00%3A00%3A00Z&tag=v1&tag=v2" {
		t.Errorf("Search request %s?%s", got.rawPath, got.query)
	}
	if got.body != `{"Query":"q","meta_data":{"nested":{"owner":"you"},"owner":"me"}}` || got.header.Get("Content-Type") != "application/json" {
		t.Errorf("Search body %s (%s)", got.body, got.header.Get("Content-Type"))
	}
	if s := mustJSON(sc); s != `{"Hits":["a"],"Meta":{"nested":{"ownerName":"y"},"ownerName":"x"},"Total":3}` {
		t.Errorf("Search output %s", s)
	}

	res, _, text = callTarget(t, tg, "Fail", map[string]any{})
	if !res.IsError || text != "NotFound: gone (HTTP 404 Not Found)" {
		t.Errorf("Fail: isError=%v %q", res.IsError, text)
	}
	if got := be.request(); got.method != "POST" || got.body != "" {
		t.Errorf("Fail request %+v", got)
	}

	// Missing labels are reported, not sent.
	res, _, text = callTarget(t, tg, "GetObject", map[string]any{"Bucket": "b"})
	if !res.IsError || !strings.Contains(text, "Key") {
		t.Errorf("GetObject without Key: %q", text)
	}
}

func TestRestJSONSchemas(t *testing.T) {
	m, err := smithy.LoadFile("testdata/bindings.json")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := smithy.New(context.Background(), m, &smithy.Options{Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := tg.ListTools(context.Background())
	byName := map[string]toolgate.Tool{}
	for _, tl := range tools {
		byName[tl.Name] = tl
	}
	for _, c := range []struct{ tool, ptr, want string }{
		{"PutObject", "/properties/Token/x-sensitive", "true"},
		{"PutObject", "/properties/Body/contentEncoding", `"base64"`},
		{"PutObject", "/properties/Expires/type", `"string"`},
		{"PutObject", "/required", `["Bucket","Key"]`},
		{"Search", "/properties/Since/format", `"date-time"`},
		{"Search", "/properties/Meta/properties/nested/$ref", `"#/$defs/Meta"`},
		{"Search", "/$defs/Meta/properties/nested/$ref", `"#/$defs/Meta"`},
		{"Search", "/properties/Extra/additionalProperties/type", `"array"`},
	} {
		var v any = json.RawMessage(byName[c.tool].InputSchema)
		if got := pointer(t, byName[c.tool].InputSchema, c.ptr); got != c.want {
			t.Errorf("%s input %s = %s, want %s (%s)", c.tool, c.ptr, got, c.want, v)
		}
	}
	ann := func(n string) string { return mustJSON(byName[n].Annotations) }
	// PUT (and @idempotent) is idempotent, GET read-only, POST destructive.
	if a := ann("PutObject"); !strings.Contains(a, `"idempotentHint":true`) {
		t.Errorf("PutObject annotations %s", a)
	}
	if a := ann("GetObject"); !strings.Contains(a, `"readOnlyHint":true`) {
		t.Errorf("GetObject annotations %s", a)
	}
	if a := ann("Fail"); !strings.Contains(a, `"destructiveHint":true`) {
		t.Errorf("Fail annotations %s", a)
	}
	if d := byName["PutObject"].Description; d != "Stores an object." {
		t.Errorf("description %q", d)
	}
	if byName["Fail"].OutputSchema != nil {
		t.Errorf("Unit output has a schema")
	}
	if s := pointer(t, byName["PutObject"].OutputSchema, "/properties/Status/type"); s != `"integer"` {
		t.Errorf("PutObject output Status %s", s)
	}
}

// pointer returns the JSON at a JSON pointer (no escapes) in doc.
func pointer(t *testing.T, doc json.RawMessage, ptr string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				return "<missing>"
			}
			v = x[i]
		default:
			return "<missing>"
		}
	}
	if v == nil {
		return "<missing>"
	}
	return mustJSON(v)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
