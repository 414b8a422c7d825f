package mcpserver

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/mcpserver/internal/sdkwire"
)

// FuzzSSECounter feeds arbitrary server event streams, cut into reads of
// any size, through the counter: the bytes pass unchanged, and the count
// does not depend on how the stream was cut.
func FuzzSSECounter(f *testing.F) {
	f.Add([]byte("event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n"), uint8(3))
	f.Add([]byte("data: {\"method\":\ndata: \"notifications/message\"}\r\n\r\n"), uint8(1))
	f.Add([]byte("data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n: comment\n\n"), uint8(7))
	f.Fuzz(func(t *testing.T, stream []byte, size uint8) {
		count := func(n int) int64 {
			l := &link{}
			r := &sseCounter{ReadCloser: io.NopCloser(&chunked{s: string(stream), n: n}), l: l}
			b, err := io.ReadAll(r)
			if err != nil || string(b) != string(stream) {
				t.Fatalf("reads of %d bytes changed the stream: %v", n, err)
			}
			return l.received.Load()
		}
		whole, cut := count(len(stream)+1), count(int(size)%16+1)
		if whole != cut {
			t.Fatalf("%d notifications counted whole, %d in reads of %d bytes", whole, cut, int(size)%16+1)
		}
		// In a call's stream, what is inserted does not depend on the
		// reads either, and is all that is added.
		call := func(n int) string {
			r := &sseCounter{ReadCloser: io.NopCloser(&chunked{s: string(stream), n: n}), l: &link{}, call: true}
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		if w, c := call(len(stream)+1), call(int(size)%16+1); w != c || len(w) < len(stream) {
			t.Fatalf("whole: %q\nin reads of %d bytes: %q", w, int(size)%16+1, c)
		}
	})
}

// FuzzLeanAnswer feeds arbitrary answers, plain JSON or event streams cut
// into reads of any size, to the lean path's reader: it never panics, and
// what it finds (the answer, the other messages, or an error) does not
// depend on how the stream was cut.
func FuzzLeanAnswer(f *testing.F) {
	f.Add([]byte("id: 1\ndata: \n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/message\",\"params\":{}}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"toolgate-1\",\"result\":{\"content\":[]}}\n\n"), true, uint8(3))
	f.Add([]byte("data: [{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\"},\r\ndata: {\"id\":\"toolgate-1\",\"error\":{\"code\":-1,\"message\":\"x\"}}]\r\n\r\n"), true, uint8(1))
	f.Add([]byte("event: other\ndata: {\"id\":\"toolgate-1\",\"result\":{}}\n\n: comment\ndata: {\"id\": \"toolgate-1\", \"result\": {}}"), true, uint8(5))
	f.Add([]byte(`{"jsonrpc":"2.0","id":"toolgate-1","result":{"isError":true}}`), false, uint8(2))
	id := []byte(`"toolgate-1"`)
	f.Fuzz(func(t *testing.T, stream []byte, sse bool, size uint8) {
		read := func(n int) string {
			var others []string
			other := func(m *wireMessage) { others = append(others, m.Method) }
			var m *wireMessage
			var err error
			if body := (&chunked{s: string(stream), n: n}); sse {
				m, err = newEventReader(body, 1<<10).answer(id, other)
			} else {
				m, err = readJSONAnswer(body, id, 1<<10, other)
			}
			if err != nil {
				return fmt.Sprintf("error %v after %q", err != nil, others)
			}
			if m == nil || !bytes.Equal(m.ID, id) && string(bytes.TrimSpace(m.ID)) != string(id) {
				t.Fatalf("the answer %+v is not the call's", m)
			}
			return fmt.Sprintf("answer %s %v after %q", m.Result, m.Error, others)
		}
		whole, cut := read(len(stream)+1), read(int(size)%16+1)
		if whole != cut {
			t.Fatalf("whole: %s\ncut in reads of %d bytes: %s", whole, int(size)%16+1, cut)
		}
	})
}

// FuzzEventIDs: what a stream resumes from — the last event id read
// whole and the reconnection delay — is the same however the stream is
// cut into reads, event by event.
func FuzzEventIDs(f *testing.F) {
	f.Add([]byte("id: e1\nretry: 5\ndata:\n\nid: e2\ndata: {}\n\nid: e3\ndata: {\"a\""), uint8(3))
	f.Add([]byte("retry: x\nid\nid: a\x00b\ndata: 1\r\n\r\n: c\nid: \ndata: 2\n\n"), uint8(1))
	f.Fuzz(func(t *testing.T, stream []byte, size uint8) {
		read := func(n int) string {
			ev := newEventReader(&chunked{s: string(stream), n: n}, 1<<10)
			var b strings.Builder
			for {
				data, err := ev.next()
				fmt.Fprintf(&b, "%q %q %v|", data, ev.lastID, ev.retry)
				if err != nil {
					return b.String() + err.Error()
				}
			}
		}
		whole, cut := read(len(stream)+1), read(int(size)%16+1)
		if whole != cut {
			t.Fatalf("whole: %s\ncut in reads of %d bytes: %s", whole, int(size)%16+1, cut)
		}
	})
}

// FuzzCallToolResult holds the lean path's decoding of a tools/call result
// (package sdkwire) to go-sdk's: the same result, or an error for the
// same inputs.
func FuzzCallToolResult(f *testing.F) {
	for _, s := range []string{
		`{"content":[{"type":"text","text":"hi","annotations":{"priority":0.5}}],"structuredContent":{"n":42},"_meta":{"a":1}}`,
		`{"content":[{"type":"image","data":"iVBORw==","mimeType":"image/png"},{"type":"audio","data":"UklGRg==","mimeType":"audio/wav"}],"isError":true}`,
		`{"content":[{"type":"resource_link","uri":"file:///a","name":"a","size":3,"icons":[{"src":"x"}]},{"type":"resource","resource":{"uri":"file:///b","text":"b"}}]}`,
		`{"content":[{"type":"tool_use","id":"1","name":"x","input":{}}]}`,
		`{"content":[{"type":"text","Text":"case"}],"IsError":true}`,
		`{"content":[null]}`, `{"content":null}`, `{}`, `null`, `[]`, `{"content":[{"type":"text","text":1}]}`,
		`{"content":[],"resultType":"complete"}`, `{"content":[],"requestState":"s"}`, `{"content":[]} x`,
		`{"content":[{"type":"text","text":"a","input":"wrong"}]}`, `{"structuredContent":[1,"2",null,{"x":[]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, gerr := sdkwire.DecodeCallToolResult(data)
		want := new(mcp.CallToolResult)
		werr := want.UnmarshalJSON(data)
		if (gerr != nil) != (werr != nil) {
			t.Fatalf("%s: error %v, go-sdk's %v", data, gerr, werr)
		}
		if werr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\n got %#v\nwant %#v", data, got, want)
		}
	})
}
