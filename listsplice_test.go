package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// spliceTarget has tools whose JSON exercises the encoder: HTML
// characters, non-ASCII text, output schemas, annotations and _meta.
func spliceTarget(n int) *FuncTarget {
	var tools []FuncTool
	for i := range n {
		t := Tool{
			Name:        fmt.Sprintf("tool_%02d", i),
			Title:       fmt.Sprintf("Tool <%d> & co", i),
			Description: fmt.Sprintf("Returns <b>%d</b> — «données» 数据 \"quoted\"\nsecond line", i),
			InputSchema: json.RawMessage(fmt.Sprintf(`{"type":"object","properties":{"q%d":{"type":"string","description":"a <query>"}}}`, i)),
		}
		if i%2 == 0 {
			t.OutputSchema = json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`)
			t.Annotations = &mcp.ToolAnnotations{ReadOnlyHint: true, Title: "read & only"}
			t.Meta = map[string]any{"x/y": "<z>"}
		}
		tools = append(tools, RawFunc(t, func(context.Context, json.RawMessage) (*Result, error) {
			return TextResult("ok"), nil
		}))
	}
	return Funcs("splice", tools...)
}

// messages returns the JSON-RPC messages of an answer that must have
// succeeded: its JSON body, or the data of its events (several as one JSON
// array, as a batch answers).
func messages(t *testing.T, ex exchange) []byte {
	t.Helper()
	if ex.status != 200 {
		t.Fatalf("status %d: %s", ex.status, ex.body)
	}
	if !strings.HasPrefix(ex.header.Get("Content-Type"), "text/event-stream") {
		return []byte(ex.body)
	}
	var msgs [][]byte
	for _, line := range strings.Split(ex.body, "\n") {
		if d, ok := strings.CutPrefix(line, "data: "); ok && d != "" {
			msgs = append(msgs, []byte(d))
		}
	}
	if len(msgs) == 1 {
		return msgs[0]
	}
	return append(append([]byte("["), bytes.Join(msgs, []byte(","))...), ']')
}

type listAnswer struct {
	ID     json.RawMessage `json:"id"`
	Result struct {
		Tools      json.RawMessage `json:"tools"`
		NextCursor string          `json:"nextCursor"`
		CacheScope string          `json:"cacheScope"`
		ResultType string          `json:"resultType"`
	} `json:"result"`
	Error json.RawMessage `json:"error"`
}

// TestListSpliceMatchesEncoding lists a catalogue page by page in every
// transport mode and protocol generation and checks that each page's
// tools are byte for byte what go-sdk writes for the same page, with no
// placeholder left anywhere.
func TestListSpliceMatchesEncoding(t *testing.T) {
	const sessionless = `,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}`
	cases := []struct {
		name      string
		opts      Options
		version   string
		init      bool
		batch     bool // two tools/list requests in one body
		meta      string
		filter    bool
		wantScope string
	}{
		{name: "stateful SSE", version: "2025-11-25", init: true, wantScope: "public"},
		{name: "stateful JSON", opts: Options{JSONResponse: true}, version: "2025-06-18", init: true, wantScope: "public"},
		{name: "stateless SSE", opts: Options{Stateless: true}, version: "2025-11-25", wantScope: "public"},
		{name: "stateless JSON", opts: Options{Stateless: true, JSONResponse: true}, version: "2025-06-18", wantScope: "public"},
		{name: "batch JSON 2025-03-26", opts: Options{JSONResponse: true}, version: "2025-03-26", init: true, batch: true, wantScope: "public"},
		{name: "batch SSE 2025-03-26", version: "2025-03-26", init: true, batch: true, wantScope: "public"},
		{name: "sessionless 2026-07-28", opts: Options{Stateless: true, JSONResponse: true}, version: "2026-07-28", meta: sessionless, wantScope: "public"},
		{name: "filtered", opts: Options{Stateless: true, JSONResponse: true}, version: "2025-11-25", filter: true, wantScope: "private"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			opts.PageSize = 3
			if c.filter {
				opts.ToolFilter = func(_ context.Context, _ *Principal, ti *ToolInfo) bool {
					return !strings.HasSuffix(ti.Name, "3") && !strings.HasSuffix(ti.Name, "4")
				}
			}
			gw := mustGateway(t, &opts, spliceTarget(11))
			hdr := map[string]string{"Mcp-Protocol-Version": c.version}
			if c.init {
				hdr["Mcp-Session-Id"] = openSession(t, gw, nil)
			}
			want := 11
			if c.filter {
				want = 9
			}
			if c.meta != "" {
				hdr["Mcp-Method"] = "tools/list"
			}
			cursor, seen := "", 0
			for page := 0; ; page++ {
				params := `{` + strings.TrimPrefix(c.meta, ",") + `}`
				if cursor != "" {
					params = `{"cursor":"` + cursor + `"` + c.meta + `}`
				}
				req := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/list","params":%s}`, 10+page, params)
				body := req
				if c.batch {
					body = "[" + req + "," + strings.Replace(req, fmt.Sprintf(`"id":%d`, 10+page), `"id":"second"`, 1) + "]"
				}
				raw := messages(t, postTo(gw, "POST", body, hdr))
				if bytes.Contains(raw, []byte("toolgate-page-")) {
					t.Fatalf("placeholder left in the answer: %.300s", raw)
				}
				var answers []listAnswer
				if c.batch {
					if err := json.Unmarshal(raw, &answers); err != nil || len(answers) != 2 {
						t.Fatalf("batch answer: %v: %.300s", err, raw)
					}
				} else {
					var a listAnswer
					if err := json.Unmarshal(raw, &a); err != nil {
						t.Fatalf("answer: %v: %.300s", err, raw)
					}
					answers = []listAnswer{a}
				}
				ctx := context.Background()
				slow, err := gw.listTools(ctx, anonymousPrincipal(), cursor, nil)
				if err != nil {
					t.Fatal(err)
				}
				wantTools, _ := marshalNoEscape(slow.Tools)
				for _, a := range answers {
					if a.Error != nil {
						t.Fatalf("error answer: %s", a.Error)
					}
					if !bytes.Equal(a.Result.Tools, wantTools) {
						t.Fatalf("page %d tools:\n got %s\nwant %s", page, a.Result.Tools, wantTools)
					}
					if a.Result.NextCursor != slow.NextCursor || a.Result.CacheScope != c.wantScope {
						t.Fatalf("page %d: cursor %q scope %q; want %q %q", page, a.Result.NextCursor, a.Result.CacheScope, slow.NextCursor, c.wantScope)
					}
					if c.meta != "" && a.Result.ResultType != "complete" {
						t.Fatalf("sessionless answer lacks resultType: %s", raw)
					}
				}
				seen += len(slow.Tools)
				if cursor = slow.NextCursor; cursor == "" {
					break
				}
			}
			if seen != want {
				t.Fatalf("listed %d tools, want %d", seen, want)
			}
		})
	}
}

// TestListSpliceFollowsNames checks that the cached JSON of each tool
// carries its published name as newcomers take suffixes and holders leave.
func TestListSpliceFollowsNames(t *testing.T) {
	lt := &listTarget{name: "api", tools: []Tool{{Name: "a_b"}}}
	gw := mustGateway(t, &Options{Stateless: true, JSONResponse: true}, lt)
	names := func() string {
		var ans listAnswer
		ex := postTo(gw, "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"Mcp-Protocol-Version": "2025-11-25"})
		if err := json.Unmarshal(messages(t, ex), &ans); err != nil {
			t.Fatal(err)
		}
		var tools []struct{ Name string }
		if err := json.Unmarshal(ans.Result.Tools, &tools); err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, t := range tools {
			s = append(s, t.Name)
		}
		return strings.Join(s, " ")
	}
	if got := names(); got != "api___a_b" { // listed: its JSON is cached
		t.Fatalf("before: %s", got)
	}
	lt.tools = []Tool{{Name: "a b"}, {Name: "a_b"}} // a newcomer wanting the same name
	if err := gw.Refresh(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "api___a_b api___a_b_2" {
		t.Fatalf("with the newcomer: %s", got)
	}
	lt.tools = []Tool{{Name: "a b"}}
	if err := gw.Refresh(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}
	if got := names(); got != "api___a_b_2" {
		t.Fatalf("after the holder left: %s", got)
	}
}

// TestSpliceWriter covers the writer on its own: pass-through, one and
// several placeholders in a write, and a failing underlying writer.
func TestSpliceWriter(t *testing.T) {
	var seq atomic.Uint64
	cases := []struct {
		name  string
		pages []string // page arrays to register, in order
		write func(keys []string) string
		want  func(pages []string) string
	}{
		{"nothing pending", nil,
			func([]string) string { return `{"tools":[]}` },
			func([]string) string { return `{"tools":[]}` }},
		{"one page", []string{`[{"name":"x"}]`},
			func(k []string) string { return `data: {"result":{"tools":` + k[0] + `}}` + "\n\n" },
			func(p []string) string { return `data: {"result":{"tools":` + p[0] + `}}` + "\n\n" }},
		{"a batch, answered in reverse", []string{`[{"name":"x"}]`, `[{"name":"y"},{"name":"z"}]`},
			func(k []string) string { return `[{"tools":` + k[1] + `},{"tools":` + k[0] + `}]` },
			func(p []string) string { return `[{"tools":` + p[1] + `},{"tools":` + p[0] + `}]` }},
		{"a write without the placeholder", []string{`[{"name":"x"}]`},
			func([]string) string { return `event: ping` },
			func([]string) string { return `event: ping` }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := &splicer{nonce: "n", seq: &seq}
			var keys []string
			for _, p := range c.pages {
				tool, err := sp.placeholder([]byte(p))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := marshalNoEscape(tool)
				keys = append(keys, "["+string(b)+"]")
			}
			rec := httptest.NewRecorder()
			w := &spliceWriter{ResponseWriter: rec, s: sp}
			in := c.write(keys)
			n, err := w.Write([]byte(in))
			if err != nil || n != len(in) {
				t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(in))
			}
			if got, want := rec.Body.String(), c.want(c.pages); got != want {
				t.Fatalf("wrote %q, want %q", got, want)
			}
		})
	}
	t.Run("underlying writer fails", func(t *testing.T) {
		sp := &splicer{nonce: "n", seq: &seq}
		tool, _ := sp.placeholder([]byte(`[]`))
		b, _ := marshalNoEscape(tool)
		w := &spliceWriter{ResponseWriter: failingWriter{httptest.NewRecorder()}, s: sp}
		if n, err := w.Write([]byte("[" + string(b) + "]")); err == nil || n != 0 {
			t.Fatalf("Write = %d, %v; want 0 and the error", n, err)
		}
	})
	t.Run("flush reaches the connection", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := http.NewResponseController(&spliceWriter{ResponseWriter: rec, s: &splicer{seq: &seq}}).Flush(); err != nil || !rec.Flushed {
			t.Fatalf("Flush: %v, flushed %v", err, rec.Flushed)
		}
	})
}

type failingWriter struct{ http.ResponseWriter }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset") }
