package toolgate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestEndToEndModes(t *testing.T) {
	modes := []struct {
		name string
		opts Options
	}{
		{"stateful-sse", Options{}},
		{"stateful-json", Options{JSONResponse: true}},
		{"stateless-sse", Options{Stateless: true}},
		{"stateless-json", Options{Stateless: true, JSONResponse: true}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			opts := m.opts
			opts.PageSize = 2
			gw := mustGateway(t, &opts, mathTarget())
			cs := connect(t, serve(t, gw), nil)
			ctx := context.Background()

			var names []string
			pages := 0
			cursor := ""
			for {
				res, err := cs.ListTools(ctx, &mcp.ListToolsParams{Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, tl := range res.Tools {
					names = append(names, tl.Name)
				}
				if cursor = res.NextCursor; cursor == "" {
					break
				}
			}
			want := "math___add math___boom math___convert math___echo math___fail"
			if got := strings.Join(names, " "); got != want || pages != 3 {
				t.Fatalf("listed %q in %d pages, want %q in 3", got, pages, want)
			}

			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___add", Arguments: map[string]any{"a": 2, "b": 3.5}})
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError || textOf(res) != `{"sum":5.5}` {
				t.Fatalf("add: %+v %q", res, textOf(res))
			}
			sc, _ := json.Marshal(res.StructuredContent)
			if string(sc) != `{"sum":5.5}` {
				t.Fatalf("structuredContent %s", sc)
			}
		})
	}
}

func TestCallOutcomes(t *testing.T) {
	gw := mustGateway(t, nil, mathTarget())
	cs := connect(t, serve(t, gw), nil)
	ctx := context.Background()
	cases := []struct {
		name, tool string
		args       any
		isError    bool
		text       string // substring
		rpcErr     string // substring of a JSON-RPC error
	}{
		{name: "ok raw", tool: "math___convert", args: map[string]any{"value": 1, "unit": "km"}, text: "KM"},
		{name: "missing field", tool: "math___convert", args: map[string]any{"value": 1}, isError: true, text: `missing property 'unit'`},
		{name: "wrong type names field", tool: "math___add", args: map[string]any{"a": "x", "b": 1}, isError: true, text: "/a: got string, want number"},
		{name: "enum names field", tool: "math___convert", args: map[string]any{"value": 1, "unit": "parsec"}, isError: true, text: "/unit: value must be one of"},
		{name: "extra property", tool: "math___convert", args: map[string]any{"value": 1, "unit": "km", "x": 1}, isError: true, text: "additional properties 'x' not allowed"},
		{name: "target error", tool: "math___fail", args: map[string]any{}, isError: true, text: "backend said no"},
		{name: "panic", tool: "math___boom", isError: true, text: "internal error"},
		{name: "unknown tool", tool: "math___nope", rpcErr: `unknown tool "math___nope"`},
		{name: "no arguments is {}", tool: "math___echo", isError: true, text: "missing property 'text'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
			if c.rpcErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.rpcErr) {
					t.Fatalf("err = %v, want %q", err, c.rpcErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError != c.isError || !strings.Contains(textOf(res), c.text) {
				t.Fatalf("isError=%v text=%q, want isError=%v containing %q", res.IsError, textOf(res), c.isError, c.text)
			}
		})
	}
	// Still serving after the panic.
	if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "math___echo", Arguments: map[string]any{"text": "hi"}}); err != nil {
		t.Fatal(err)
	}
}

func TestListChangedNotifications(t *testing.T) {
	gw := mustGateway(t, nil, mathTarget())
	changed := make(chan struct{}, 10)
	cs := connect(t, serve(t, gw), &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	ctx := context.Background()
	wait := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(5 * time.Second):
			t.Fatalf("no tools/list_changed after %s", what)
		}
	}
	extra := Funcs("clock", Func("now", "Now", func(context.Context, struct{}) (string, error) { return "t", nil }))
	if err := gw.AddTarget(ctx, extra); err != nil {
		t.Fatal(err)
	}
	wait("AddTarget")
	res, err := cs.ListTools(ctx, nil)
	if err != nil || len(res.Tools) != 6 {
		t.Fatalf("after add: %d tools, %v", len(res.Tools), err)
	}
	if !gw.RemoveTarget("clock") {
		t.Fatal("RemoveTarget = false")
	}
	wait("RemoveTarget")
	if res, _ := cs.ListTools(ctx, nil); len(res.Tools) != 5 {
		t.Fatalf("after remove: %d tools", len(res.Tools))
	}
}

// TestListChangedBuiltinsOnly: with ListBuiltinsOnly, a target's change
// changes nothing a client lists, and sends it no tools/list_changed; a
// builtin added does.
func TestListChangedBuiltinsOnly(t *testing.T) {
	gw := mustGateway(t, &Options{ListBuiltinsOnly: true}, mathTarget())
	changed := make(chan struct{}, 10)
	cs := connect(t, serve(t, gw), &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	ctx := context.Background()
	extra := Funcs("clock", Func("now", "Now", func(context.Context, struct{}) (string, error) { return "t", nil }))
	if err := gw.AddTarget(ctx, extra); err != nil {
		t.Fatal(err)
	}
	if !gw.RemoveTarget("clock") {
		t.Fatal("RemoveTarget = false")
	}
	// go-sdk sends a change 10 ms after the last; give it far longer.
	select {
	case <-changed:
		t.Fatal("tools/list_changed for a target's change, with builtins listed only")
	case <-time.After(300 * time.Millisecond):
	}
	if err := gw.AddBuiltin(Tool{Name: "find"}, func(context.Context, *CallRequest) (*Result, error) { return TextResult("x"), nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no tools/list_changed after AddBuiltin")
	}
	if res, err := cs.ListTools(ctx, nil); err != nil || len(res.Tools) != 1 || res.Tools[0].Name != "find" {
		t.Fatalf("tools/list: %v %v", res, err)
	}
}
