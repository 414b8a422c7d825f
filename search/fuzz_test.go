package search

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/toolgate/toolgate"
)

// FuzzTextHandling feeds arbitrary text to the analyser and to the index,
// as a tool's name, description and schema and as a query. Nothing may
// panic, every term must be valid non-empty UTF-8 of bounded length, the
// analysis must be repeatable, and a tool must be found by its own name.
func FuzzTextHandling(f *testing.F) {
	for _, s := range []string{
		"getHTTPResponseCode", "get_route-directions v2", "获取微博热搜榜", "café ünïcode naïve",
		"\x00\xff invalid utf8 \xc3", "a.b.c. d! e? f;\ng", "'''", "ＦＵＬＬＷＩＤＴＨ", "🙂 emoji 🙂🙂",
		`{"type":"object","properties":{"x":{"description":"y"}}}`, strings.Repeat("x", 300),
	} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, text, query string) {
		terms := Terms(text)
		for _, term := range terms {
			if term == "" || !utf8.ValidString(term) || utf8.RuneCountInString(term) > maxTermLen+1 {
				t.Fatalf("bad term %q from %q", term, text)
			}
		}
		if again := Terms(text); !slices.Equal(terms, again) {
			t.Fatalf("Terms(%q) not repeatable: %q then %q", text, terms, again)
		}
		_ = splitSegments(text)
		for _, c := range splitClauses(text) {
			if c == "" || c != strings.TrimSpace(c) {
				t.Fatalf("bad clause %q from %q", c, text)
			}
		}

		ix := NewIndex()
		d := Document{ToolInfo: toolgate.ToolInfo{Name: "t___tool", Target: "t", Tool: toolgate.Tool{
			Name: text, Description: query, InputSchema: json.RawMessage(text),
		}}}
		sib := Document{ToolInfo: toolgate.ToolInfo{Name: "t___sib", Target: "t", Tool: toolgate.Tool{
			Name: "sib_tool", Description: query, InputSchema: json.RawMessage(text),
		}}}
		ix.Upsert(d, sib, Document{ToolInfo: toolgate.ToolInfo{Name: "other", Tool: toolgate.Tool{Description: "unrelated words"}}})
		hits := ix.Search(query, &SearchOptions{Limit: 1})
		if len(hits) > 1 {
			t.Fatalf("limit 1 returned %d hits", len(hits))
		}
		// A name with a path separator reads as a file path in a query (the
		// ranker looks for tools about files); MCP tool names have none.
		if len(Terms(text)) > 0 && !slices.ContainsFunc(Terms(text), isStopWord) && !strings.ContainsAny(text, `/\`) {
			if h := ix.Search(text, nil); len(h) == 0 {
				t.Fatalf("tool not found by its own name %q", text)
			}
		}
		ix.Remove("t___tool")
		if ix.Len() != 2 {
			t.Fatalf("Len after remove = %d", ix.Len())
		}
	})
}

// FuzzEmbeddingsResponse decodes arbitrary bodies as the answer of an
// embeddings server to n texts. Nothing may panic; an answer accepted has
// one vector per text, all of one length; an error's excerpt of the body
// is valid UTF-8 without control characters, at most 200 characters
// and an ellipsis.
func FuzzEmbeddingsResponse(f *testing.F) {
	for _, s := range []string{
		`{"data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[0,1]}]}`,
		`{"data":[{"index":1,"embedding":[1,0]},{"index":0,"embedding":[0,1]}]}`,
		`{"data":[{"index":0,"embedding":[1,0]},{"index":0,"embedding":[0,1]}]}`,
		`{"data":[{"index":0,"embedding":[1,0,3]},{"index":1,"embedding":[0,1]}]}`,
		`{"data":[{"index":-1,"embedding":[1]}]}`, `{"data":[{"index":0,"embedding":[]}]}`,
		`{"data":[{"index":0,"embedding":[1e39]}]}`, `{"data":null}`, `[]`, `null`, "\xff\xfe",
	} {
		f.Add([]byte(s), 2)
	}
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		n = n & 0xff
		vecs, err := decodeEmbeddings(body, n)
		if err == nil {
			if len(vecs) != n {
				t.Fatalf("%d vectors for %d texts", len(vecs), n)
			}
			for i, v := range vecs {
				if len(v) == 0 || len(v) != len(vecs[0]) {
					t.Fatalf("vector %d has %d dimensions, vector 0 %d", i, len(v), len(vecs[0]))
				}
			}
		}
		e := excerpt(body)
		if !utf8.ValidString(e) || strings.ContainsFunc(e, unicode.IsControl) || utf8.RuneCountInString(e) > 201 {
			t.Fatalf("excerpt %q of %q", e, body)
		}
	})
}
