package toolgate

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// summary is what an audit destination received, as "tool outcome
// session?" entries.
func (a *auditLog) summary() string {
	var lines []string
	for _, r := range a.all() {
		lines = append(lines, fmt.Sprintf("%s %s session=%t", r.Tool, r.Outcome, r.SessionID != ""))
	}
	return strings.Join(lines, "; ")
}

// TestAddAuditSink: a sink added at run time receives the records of tool
// calls over HTTP (with the MCP session; an unknown tool's too) and in
// process, with or without Options.Audit and on both call paths; a
// removed sink receives nothing more, and the others go on.
func TestAddAuditSink(t *testing.T) {
	for _, tc := range []struct {
		name     string
		audit    bool
		slowPath bool
	}{
		{"sink alone", false, false},
		{"beside Options.Audit", true, false},
		{"go-sdk's call path", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opt, a, b auditLog
			opts := &Options{DisableFastPath: tc.slowPath}
			if tc.audit {
				opts.Audit = opt.record
			}
			gw := mustGateway(t, opts, mathTarget())
			removeA := gw.AddAuditSink(a.record)
			gw.AddAuditSink(b.record)
			url := serve(t, gw)
			cs := connect(t, url, nil)
			ctx := context.Background()
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___add", Arguments: map[string]any{"a": 1, "b": 2}}); err != nil {
				t.Fatal(err)
			}
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___nope"}); err == nil {
				t.Fatal("an unknown tool was called")
			}
			if _, err := gw.Call(ctx, "math___echo", []byte(`{"text":"x"}`)); err != nil {
				t.Fatal(err)
			}
			removeA()
			removeA() // again: nothing
			if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___fail"}); err != nil {
				t.Fatal(err)
			}

			want := "math___add ok session=true; math___nope invalid session=true; math___echo ok session=false"
			if got := a.summary(); !strings.HasPrefix(got, want) || strings.Contains(got, "math___fail") {
				t.Errorf("removed sink got %q, want %q then no math___fail", got, want)
			}
			if got := b.summary(); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "math___fail failed session=true") {
				t.Errorf("sink got %q, want %q ... math___fail", got, want)
			}
			if tc.audit && opt.summary() != b.summary() {
				t.Errorf("Options.Audit got %q, the sink %q", opt.summary(), b.summary())
			}
		})
	}
}
