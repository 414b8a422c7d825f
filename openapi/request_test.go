package openapi

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/toolgate/toolgate"
)

// recorded is one request the test server saw.
type recorded struct {
	method, uri, host string
	header            http.Header
	body              []byte
}

// recorder is a real HTTP server that records requests and answers with
// a fixed response.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	srv  *httptest.Server
	// respond writes the response; default 200 {"ok":true}.
	respond func(w http.ResponseWriter, r *http.Request)
}

func newRecorder(t *testing.T) *recorder {
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{method: r.Method, uri: r.RequestURI, host: r.Host, header: r.Header.Clone(), body: body})
		respond := rec.respond
		rec.mu.Unlock()
		if respond != nil {
			respond(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *recorder) last(t *testing.T) recorded {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("no request reached the server")
	}
	return rec.reqs[len(rec.reqs)-1]
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

func loadTestdata(t *testing.T, file string, opts *Options) *Target {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	tg, err := LoadFile(context.Background(), "testdata/"+file, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func call(t *testing.T, tg *Target, tool, args string) *toolgate.Result {
	t.Helper()
	res, err := tg.CallTool(context.Background(), &toolgate.CallRequest{Tool: tool, Arguments: json.RawMessage(args)})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func resultText(res *toolgate.Result) string {
	var sb strings.Builder
	for _, c := range res.Content {
		b, _ := json.Marshal(c)
		sb.Write(b)
	}
	return sb.String()
}

func TestRequestSerialization(t *testing.T) {
	rec := newRecorder(t)
	tg := loadTestdata(t, "styles.yaml", &Options{BaseURL: rec.srv.URL + "/base"})
	tests := []struct {
		tool, args  string
		method, uri string
		header      map[string]string
		body, ctype string
	}{
		{"getItem", `{"id":"a b","query_id":"q&x=1","X-Trace":"t1","session":"s 1"}`, "GET", "/base/items/a%20b?id=q%26x%3D1",
			map[string]string{"X-Trace": "t1", "Cookie": "session=s+1", "Accept": "application/json"}, "", ""},
		{"deleteItem", `{"id":"7"}`, "DELETE", "/base/items/7", nil, "", ""},
		{"label", `{"v":["a","b"]}`, "GET", "/base/label/.a,b", nil, "", ""},
		{"labelExplode", `{"v":["a","b"]}`, "GET", "/base/labelx/.a.b", nil, "", ""},
		{"matrix", `{"v":["a","b"]}`, "GET", "/base/matrix/;v=a;v=b", nil, "", ""},
		{"matrixObject", `{"v":{"x":1,"y":"z"}}`, "GET", "/base/matrixobj/;v=x,1,y,z", nil, "", ""},
		{"simpleObject", `{"v":{"x":1,"y":"z"}}`, "GET", "/base/simpleobj/x=1,y=z", nil, "", ""},
		{"query", `{"form":["a","b"],"formflat":["c","d"],"space":["e","f"],"pipe":["g","h"],"deep":{"k":"v","n":{"m":1}},"obj":{"p":"1"},"json":{"a":[1]}}`,
			"GET", "/base/query?form=a&form=b&formflat=c,d&space=e%20f&pipe=g|h&deep[k]=v&deep[n][m]=1&p=1&json=%7B%22a%22%3A%5B1%5D%7D", nil, "", ""},
		{"postForm", `{"query_body":"qb","body":{"name":"n 1","tags":["x","y"],"meta":{"a":"b"},"flat":["1","2"],"js":{"k":true}}}`,
			"POST", "/base/form?body=qb", nil, "flat=1,2&js=%7B%22k%22%3Atrue%7D&meta[a]=b&name=n%201&tags=x&tags=y", "application/x-www-form-urlencoded"},
		{"putText", `{"body":"hello\nworld"}`, "PUT", "/base/text", nil, "hello\nworld", "text/plain"},
		{"put_binary", `{"body":"AAEC"}`, "PUT", "/base/binary", nil, "\x00\x01\x02", "application/octet-stream"},
		{"postJSON", `{"body":{"name":"n","children":[{"name":null}]}}`, "POST", "/base/json", nil, `{"children":[{"name":null}],"name":"n"}`, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.tool, func(t *testing.T) {
			res := call(t, tg, tc.tool, tc.args)
			if res.IsError {
				t.Fatalf("IsError: %s", resultText(res))
			}
			got := rec.last(t)
			if got.method != tc.method || got.uri != tc.uri {
				t.Errorf("request %s %s, want %s %s", got.method, got.uri, tc.method, tc.uri)
			}
			for k, v := range tc.header {
				if got.header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, got.header.Get(k), v)
				}
			}
			if tc.ctype != "" && got.header.Get("Content-Type") != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got.header.Get("Content-Type"), tc.ctype)
			}
			if string(got.body) != tc.body {
				t.Errorf("body %q, want %q", got.body, tc.body)
			}
		})
	}
}

func TestMultipart(t *testing.T) {
	rec := newRecorder(t)
	tg := loadTestdata(t, "styles.yaml", &Options{BaseURL: rec.srv.URL})
	for _, tc := range []struct{ name, file, wantName, wantData, wantType string }{
		{"base64", `"aGVsbG8="`, "file", "hello", "application/octet-stream"},
		{"text", `{"text":"hi there","filename":"a.txt","contentType":"text/plain"}`, "a.txt", "hi there", "text/plain"},
		{"object base64", `{"base64":"AAE=","filename":"b.bin"}`, "b.bin", "\x00\x01", "application/octet-stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := call(t, tg, "upload", `{"body":{"file":`+tc.file+`,"note":"n","meta":{"k":1}}}`)
			if res.IsError {
				t.Fatal(resultText(res))
			}
			parts := formParts(t, rec.last(t))
			if f := parts["file"]; f.filename != tc.wantName || f.ctype != tc.wantType {
				t.Errorf("file part filename %q type %q, want %q %q", f.filename, f.ctype, tc.wantName, tc.wantType)
			}
			if m := parts["meta"]; m.ctype != "application/json" {
				t.Errorf("object part type %q", m.ctype)
			}
			want := map[string]string{"file": tc.wantData, "note": "n", "meta": `{"k":1}`}
			for k, v := range want {
				if parts[k].data != v {
					t.Errorf("part %s = %q, want %q", k, parts[k].data, v)
				}
			}
		})
	}
}

// TestMultipartStyled checks that a multipart property with an explicit
// encoding style is sent as bracket-named parts (Stripe's file_link_data).
func TestMultipartStyled(t *testing.T) {
	rec := newRecorder(t)
	tg := loadTestdata(t, "styles.yaml", &Options{BaseURL: rec.srv.URL})
	res := call(t, tg, "uploadStyled", `{"body":{"file":"aGk=","link":{"create":true,"meta":{"k":"v w"}}}}`)
	if res.IsError {
		t.Fatal(resultText(res))
	}
	parts := map[string]string{}
	for name, p := range formParts(t, rec.last(t)) {
		parts[name] = p.data
	}
	want := map[string]string{"file": "hi", "link[create]": "true", "link[meta][k]": "v w"}
	if len(parts) != len(want) {
		t.Errorf("parts %v, want %v", parts, want)
	}
	for k, v := range want {
		if parts[k] != v {
			t.Errorf("part %q = %q, want %q", k, parts[k], v)
		}
	}
}

func TestInputSchemaShape(t *testing.T) {
	tg := loadTestdata(t, "styles.yaml", &Options{})
	tools, _ := tg.ListTools(context.Background())
	byName := map[string]toolgate.Tool{}
	for _, tl := range tools {
		byName[tl.Name] = tl
	}
	tests := []struct {
		tool     string
		props    []string
		required []string
	}{
		{"getItem", []string{"id", "query_id", "X-Trace", "session"}, []string{"id"}},
		{"postForm", []string{"body", "query_body"}, []string{"body"}},
		{"postJSON", []string{"body"}, []string{"body"}},
		{"put_binary", []string{"body"}, nil},
	}
	for _, tc := range tests {
		tl, ok := byName[tc.tool]
		if !ok {
			t.Fatalf("no tool %s", tc.tool)
		}
		var s struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(tl.InputSchema, &s); err != nil {
			t.Fatal(err)
		}
		if s.Type != "object" || len(s.Properties) != len(tc.props) {
			t.Errorf("%s: properties %v, want %v", tc.tool, keys(s.Properties), tc.props)
		}
		for _, p := range tc.props {
			if _, ok := s.Properties[p]; !ok {
				t.Errorf("%s: missing property %q (have %v)", tc.tool, p, keys(s.Properties))
			}
		}
		if strings.Join(s.Required, ",") != strings.Join(tc.required, ",") {
			t.Errorf("%s: required %v, want %v", tc.tool, s.Required, tc.required)
		}
	}
	// readOnly properties are not arguments; recursion stays a $ref.
	in := string(byName["postJSON"].InputSchema)
	if strings.Contains(in, `"readOnly"`) || !strings.Contains(in, `"$ref":"#/$defs/Item"`) || !strings.Contains(in, `"type":["string","null"]`) {
		t.Errorf("postJSON input schema: %s", in)
	}
	out := string(byName["getItem"].OutputSchema)
	if !strings.Contains(out, `"required":["id","name"]`) || !strings.Contains(out, `"items":{"$ref":"#/$defs/Item"}`) {
		t.Errorf("getItem output schema: %s", out)
	}
	// A non-object response is wrapped as {"result": ...}.
	if got := string(byName["putText"].OutputSchema); !strings.Contains(got, `"properties":{"result":{"items":{"$ref":"#/$defs/Item"},"type":"array"}}`) {
		t.Errorf("putText output schema: %s", got)
	}
	// Annotations follow the method.
	if a := byName["getItem"].Annotations; !a.ReadOnlyHint {
		t.Errorf("GET not readOnly")
	}
	if a := byName["deleteItem"].Annotations; a.DestructiveHint == nil || !*a.DestructiveHint {
		t.Errorf("DELETE not destructive")
	}
	if a := byName["putText"].Annotations; !a.IdempotentHint || a.ReadOnlyHint {
		t.Errorf("PUT annotations %+v", a)
	}
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// formPart is one part of a multipart/form-data request body.
type formPart struct{ data, filename, ctype string }

// formParts reads a recorded multipart/form-data request's parts by name.
func formParts(t *testing.T, got recorded) map[string]formPart {
	t.Helper()
	mt, params, err := mime.ParseMediaType(got.header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type %q", got.header.Get("Content-Type"))
	}
	r := multipart.NewReader(strings.NewReader(string(got.body)), params["boundary"])
	parts := map[string]formPart{}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(p)
		parts[p.FormName()] = formPart{string(data), p.FileName(), p.Header.Get("Content-Type")}
	}
}
