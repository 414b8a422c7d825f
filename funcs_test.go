package toolgate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/schema"
)

type listsIn struct {
	Tags  []string            `json:"tags" jsonschema:"labels to attach"`
	Extra map[string][]string `json:"extra,omitempty"`
}

type listsOut struct {
	Groups map[string][]string `json:"groups"`
	Names  []string            `json:"names"`
}

// TestFuncSchemasArePortable: inferred schemas use no type arrays (nil
// slices and maps become anyOf null-or-T), and still accept and describe
// the same values.
func TestFuncSchemasArePortable(t *testing.T) {
	ft := Func("lists", "Lists", func(_ context.Context, in listsIn) (listsOut, error) {
		return listsOut{Groups: map[string][]string{"a": in.Tags}}, nil
	})
	if ft.err != nil {
		t.Fatal(ft.err)
	}
	for _, sch := range []json.RawMessage{ft.tool.InputSchema, ft.tool.OutputSchema} {
		if strings.Contains(string(sch), `"type":[`) {
			t.Fatalf("type array in %s", sch)
		}
	}
	if !strings.Contains(string(ft.tool.InputSchema), `"tags":{"description":"labels to attach","anyOf":[{"type":"null"},{"type":"array","items":{"type":"string"}}]}`) {
		t.Fatalf("input schema %s", ft.tool.InputSchema)
	}
	gw := mustGateway(t, nil, Funcs("f", ft))
	ctx := context.Background()
	for _, c := range []struct {
		args string
		ok   bool
	}{
		{`{"tags":["x"]}`, true},
		{`{"tags":null}`, true},
		{`{"tags":"x"}`, false},
		{`{"tags":[1]}`, false},
		{`{"tags":[],"extra":{"k":["v"]}}`, true},
		{`{"tags":[],"extra":{"k":"v"}}`, false},
	} {
		r, err := gw.Call(ctx, "f___lists", json.RawMessage(c.args))
		if err != nil || r.IsError == c.ok {
			t.Errorf("%s: isError=%v %v %q", c.args, r.IsError, err, textOf(r))
		}
	}
	// A nil slice in the output (null) is valid against the output schema.
	r, _ := gw.Call(ctx, "f___lists", json.RawMessage(`{"tags":null}`))
	if got := textOf(r); got != `{"groups":{"a":null},"names":null}` {
		t.Fatalf("output %s", got)
	}
	v, err := schema.Compile(ft.tool.OutputSchema)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(json.RawMessage(textOf(r))); err != nil {
		t.Fatalf("output does not match its schema: %v", err)
	}
	if err := v.Validate(json.RawMessage(`{"groups":{"a":[1]},"names":null}`)); err == nil {
		t.Fatal("output schema accepts numbers for strings")
	}
}
