package mcpserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// TestLineLogger: a command's standard error becomes one record a line,
// whatever the writes; an unfinished line waits for flush; a very long
// line is cut.
func TestLineLogger(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	for _, tc := range []struct {
		name   string
		writes []string
		flush  bool
		want   []string
	}{
		{"lines", []string{"one\ntwo\n"}, false, []string{"one", "two"}},
		{"split writes", []string{"o", "ne\nt", "wo", "\n"}, false, []string{"one", "two"}},
		{"CRLF", []string{"one\r\n"}, false, []string{"one"}},
		{"unfinished", []string{"one\ntw"}, false, []string{"one"}},
		{"unfinished, flushed", []string{"one\ntw"}, true, []string{"one", "tw"}},
		{"empty line", []string{"\n"}, false, []string{""}},
		{"too long", []string{long + "\n"}, false, []string{long[:maxLine], "xxxxxxxxxx"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := &lineLogger{log: slog.New(slog.NewJSONHandler(&buf, nil)), target: "t"}
			for _, s := range tc.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write: %d, %v", n, err)
				}
			}
			if tc.flush {
				w.flush()
			}
			var got []string
			for _, rec := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
				if len(rec) == 0 {
					continue
				}
				var r struct{ Target, Line string }
				if err := json.Unmarshal(rec, &r); err != nil || r.Target != "t" {
					t.Fatalf("record %s: %v", rec, err)
				}
				got = append(got, r.Line)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("lines %q, want %q", abbreviate(got), abbreviate(tc.want))
			}
		})
	}
}

// abbreviate shortens long lines for a failure message.
func abbreviate(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l
		if len(l) > 40 {
			out[i] = fmt.Sprintf("%s... (%d bytes)", l[:20], len(l))
		}
	}
	return out
}
