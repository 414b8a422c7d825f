package fastpath

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestSpliceWriter covers the writer on its own: pass-through, one and
// several placeholders in a write, a placeholder in a shape other than the
// one registered, and a failing underlying writer.
func TestSpliceWriter(t *testing.T) {
	cases := []struct {
		name   string
		pages  []string // page arrays to register, in order
		write  func(keys []string) string
		want   func(pages []string) string
		broken bool // the write is refused as an unexpected shape
	}{
		{"nothing pending", nil,
			func([]string) string { return `{"tools":[]}` },
			func([]string) string { return `{"tools":[]}` }, false},
		{"one page", []string{`[{"name":"x"}]`},
			func(k []string) string { return `data: {"result":{"tools":` + k[0] + `}}` + "\n\n" },
			func(p []string) string { return `data: {"result":{"tools":` + p[0] + `}}` + "\n\n" }, false},
		{"a batch, answered in reverse", []string{`[{"name":"x"}]`, `[{"name":"y"},{"name":"z"}]`},
			func(k []string) string { return `[{"tools":` + k[1] + `},{"tools":` + k[0] + `}]` },
			func(p []string) string { return `[{"tools":` + p[1] + `},{"tools":` + p[0] + `}]` }, false},
		{"HTML-escaped, as a JSON batch answer", []string{`[{"name":"<x>"}]`},
			func(k []string) string { return `[{"tools":` + htmlEscape(k[0]) + `}]` },
			func(p []string) string { return `[{"tools":` + htmlEscape(p[0]) + `}]` }, false},
		{"a write without the placeholder", []string{`[{"name":"x"}]`},
			func([]string) string { return `event: ping` },
			func([]string) string { return `event: ping` }, false},
		{"the placeholder in another shape", []string{`[{"name":"x"}]`},
			func(k []string) string { return `{"tools":` + strings.ReplaceAll(k[0], `":`, `": `) + `}` },
			func([]string) string { return "" }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var reported error
			sp := NewSplices(func(err error) { reported = err }).Splicer()
			var keys []string
			for _, p := range c.pages {
				tool, err := sp.Placeholder([]byte(p))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := Encode(tool)
				keys = append(keys, "["+string(b)+"]")
			}
			rec := httptest.NewRecorder()
			w := sp.Writer(rec)
			in := c.write(keys)
			n, err := w.Write([]byte(in))
			if c.broken {
				if !errors.Is(err, ErrSpliceShape) || n != 0 || !errors.Is(reported, ErrSpliceShape) {
					t.Fatalf("Write = %d, %v (reported %v); want 0, ErrSpliceShape", n, err, reported)
				}
			} else if err != nil || n != len(in) || reported != nil {
				t.Fatalf("Write = %d, %v (reported %v); want %d, nil", n, err, reported, len(in))
			}
			if got, want := rec.Body.String(), c.want(c.pages); got != want {
				t.Fatalf("wrote %q, want %q", got, want)
			}
		})
	}
	t.Run("underlying writer fails", func(t *testing.T) {
		sp := NewSplices(nil).Splicer()
		tool, _ := sp.Placeholder([]byte(`[]`))
		b, _ := Encode(tool)
		w := sp.Writer(failingWriter{httptest.NewRecorder()})
		if n, err := w.Write([]byte("[" + string(b) + "]")); err == nil || n != 0 {
			t.Fatalf("Write = %d, %v; want 0 and the error", n, err)
		}
	})
	t.Run("flush reaches the connection", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := http.NewResponseController(NewSplices(nil).Splicer().Writer(rec)).Flush(); err != nil || !rec.Flushed {
			t.Fatalf("Flush: %v, flushed %v", err, rec.Flushed)
		}
	})
}

func htmlEscape(s string) string {
	var b bytes.Buffer
	json.HTMLEscape(&b, []byte(s))
	return b.String()
}

type failingWriter struct{ http.ResponseWriter }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset") }

// TestWithServerInfoLeavesResult checks that annotating a sessionless
// result leaves the target's own result and _meta as they were.
func TestWithServerInfoLeavesResult(t *testing.T) {
	s := New(Config{Server: &mcp.Implementation{Name: "gw", Version: "9"}})
	meta := mcp.Meta{"k": "v"}
	res := &mcp.CallToolResult{Meta: meta}
	got := s.withServerInfo(res)
	if _, ok := meta[mcp.MetaKeyServerInfo]; ok || res.Meta[mcp.MetaKeyServerInfo] != nil {
		t.Fatal("the target's _meta was changed")
	}
	if si, ok := got.Meta[mcp.MetaKeyServerInfo].(*mcp.Implementation); !ok || si.Name != "gw" || si.Version != "9" || got.Meta["k"] != "v" {
		t.Fatalf("annotated _meta: %v", got.Meta)
	}
}
