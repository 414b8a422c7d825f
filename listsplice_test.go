package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
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
			offOpts := opts
			offOpts.DisableFastPath = true
			off := mustGateway(t, &offOpts, spliceTarget(11)) // go-sdk encodes every page
			hdr := map[string]string{"Mcp-Protocol-Version": c.version}
			offHdr := map[string]string{"Mcp-Protocol-Version": c.version}
			if c.init {
				hdr["Mcp-Session-Id"] = openSession(t, gw, nil)
				offHdr["Mcp-Session-Id"] = openSession(t, off, nil)
			}
			want := 11
			if c.filter {
				want = 9
			}
			if c.meta != "" {
				hdr["Mcp-Method"] = "tools/list"
				offHdr["Mcp-Method"] = "tools/list"
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
				offRaw := messages(t, postTo(off, "POST", body, offHdr))
				got, want := raw, offRaw
				if c.batch { // go-sdk answers a batch's requests in any order
					got, want = sortedBatch(t, raw), sortedBatch(t, offRaw)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("page %d differs from go-sdk's own encoding:\n got %.400s\nwant %.400s", page, got, want)
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
				for _, a := range answers {
					if a.Error != nil {
						t.Fatalf("error answer: %s", a.Error)
					}
					if a.Result.CacheScope != c.wantScope {
						t.Fatalf("page %d: scope %q; want %q", page, a.Result.CacheScope, c.wantScope)
					}
					if c.meta != "" && a.Result.ResultType != "complete" {
						t.Fatalf("sessionless answer lacks resultType: %s", raw)
					}
				}
				var tools []json.RawMessage
				if err := json.Unmarshal(answers[0].Result.Tools, &tools); err != nil {
					t.Fatal(err)
				}
				seen += len(tools)
				if cursor = answers[0].Result.NextCursor; cursor == "" {
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

// TestListSpliceFailsLoudly: if go-sdk wrote a placeholder in a shape the
// splicer does not expect (simulated by re-spacing go-sdk's output), no
// placeholder reaches the client, the failure is reported, and later
// listings fall back to go-sdk's own encoding, identical to a gateway that
// never splices.
func TestListSpliceFailsLoudly(t *testing.T) {
	opts := &Options{Stateless: true, JSONResponse: true}
	gw := mustGateway(t, opts, spliceTarget(5))
	off := mustGateway(t, &Options{Stateless: true, JSONResponse: true, DisableFastPath: true}, spliceTarget(5))
	sdk := gw.mcpHTTP
	gw.mcpHTTP = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sdk.ServeHTTP(respacer{w}, r)
	})
	hdr := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`

	first := postTo(gw, "POST", list, hdr)
	if strings.Contains(first.body, "toolgate-page-") || strings.Contains(first.body, `"tools"`) {
		t.Fatalf("the first listing let a placeholder or a page out: %d %.300s", first.status, first.body)
	}
	if !gw.spliceOff.Load() {
		t.Fatal("the unexpected shape was not reported")
	}
	for range 2 {
		got, want := postTo(gw, "POST", list, hdr), postTo(off, "POST", list, hdr)
		if strings.Contains(got.body, "toolgate-page-") || got.body != strings.ReplaceAll(want.body, `":`, `": `) {
			t.Fatalf("after the fallback:\n got %.300s\nwant %.300s", got.body, want.body)
		}
	}
}

// respacer stands for a go-sdk that encodes differently: it adds a space
// after every colon of what go-sdk writes.
type respacer struct{ http.ResponseWriter }

func (r respacer) Write(p []byte) (int, error) {
	if _, err := r.ResponseWriter.Write(bytes.ReplaceAll(p, []byte(`":`), []byte(`": `))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sortedBatch returns the messages of a batch answer, each as written,
// in sorted order, joined by newlines.
func sortedBatch(t *testing.T, raw []byte) []byte {
	t.Helper()
	var msgs []json.RawMessage
	if err := json.Unmarshal(raw, &msgs); err != nil {
		t.Fatalf("batch answer: %v: %.300s", err, raw)
	}
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		out[i] = m
	}
	slices.SortFunc(out, bytes.Compare)
	return bytes.Join(out, []byte("\n"))
}
