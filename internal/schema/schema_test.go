package schema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestNormalizeInput(t *testing.T) {
	cases := []struct {
		in, want, err string
	}{
		{"", `{"type":"object"}`, ""},
		{"null", `{"type":"object"}`, ""},
		{`{ "type" : "object", "properties": {} }`, `{"type":"object","properties":{}}`, ""},
		{`{"properties":{"a":{"type":"string"}}}`, `{"properties":{"a":{"type":"string"}},"type":"object"}`, ""},
		{`{"type":"array"}`, "", `must have "type": "object"`},
		{`{"type":["object","null"]}`, "", `must have "type": "object"`},
		{`[1]`, "", "not a JSON object"},
		{`{`, "", "not a JSON object"},
	}
	for _, c := range cases {
		got, err := NormalizeInput(json.RawMessage(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%q: %s %v, want %s", c.in, got, err, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	const sch = `{"type":"object","$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},"next":{"$ref":"#/$defs/node"}}}},
		"properties":{"name":{"type":"string","minLength":2},"list":{"$ref":"#/$defs/node"},"n":{"type":"number","maximum":10}},
		"required":["name"],"additionalProperties":false}`
	norm, err := NormalizeInput(json.RawMessage(sch))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Compile(norm)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args string
		want []string // problems, in order; nil means valid
	}{
		{`{"name":"ok"}`, nil},
		{`{"name":"ok","list":{"v":1,"next":{"v":2,"next":{"v":3}}}}`, nil},
		{`{}`, []string{"(root): missing property 'name'"}},
		{`{"name":"x"}`, []string{"/name: minLength: got 1, want 2"}},
		{`{"name":"ok","n":11,"zzz":1}`, []string{"(root): additional properties 'zzz' not allowed", "/n: maximum: got 11, want 10"}},
		{`{"name":"ok","list":{"next":{"v":"x"}}}`, []string{"/list/next/v: got string, want integer"}},
		// Unknown properties are named in order, whatever the map order.
		{`{"name":"ok","zz":1,"aa":2,"mm":3,"bb":4}`, []string{"(root): additional properties 'aa', 'bb', 'mm', 'zz' not allowed"}},
	}
	for _, c := range cases {
		for range 20 { // the same message every time
			err := v.Validate(json.RawMessage(c.args))
			if c.want == nil {
				if err != nil {
					t.Errorf("%s: %v", c.args, err)
				}
				break
			}
			var se *Error
			if !errors.As(err, &se) || strings.Join(se.Problems, "|") != strings.Join(c.want, "|") {
				t.Errorf("%s: %v, want %q", c.args, err, c.want)
				break
			}
		}
	}
	for _, bad := range []string{`[]`, `"x"`, `12`, `nul`} {
		if err := v.Validate(json.RawMessage(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	any, _ := Compile(ObjectSchema())
	if err := any.Validate(json.RawMessage(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := any.Validate(json.RawMessage(`[1]`)); !errors.Is(err, ErrNotObject) {
		t.Fatalf("array: %v", err)
	}
}

func TestCompileRefusesExternalRefs(t *testing.T) {
	for _, s := range []string{
		`{"type":"object","properties":{"a":{"$ref":"https://example.com/s.json"}}}`,
		`{"type":"object","properties":{"a":{"$ref":"file:///etc/passwd"}}}`,
	} {
		if _, err := Compile(json.RawMessage(s)); err == nil || !strings.Contains(err.Error(), "not allowed") {
			t.Errorf("%s: %v", s, err)
		}
	}
}

func TestCompilerSharesIdenticalSchemas(t *testing.T) {
	c := NewCompiler()
	s := json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}}}`)
	v1, err1 := c.Compile(s)
	v2, err2 := c.Compile(s)
	if err1 != nil || err2 != nil || v1 != v2 {
		t.Fatalf("not shared: %v %v", err1, err2)
	}
}

// FuzzCompile: any bytes offered as a tool's input schema are refused or
// compiled, and validation of any arguments never panics.
func FuzzCompile(f *testing.F) {
	f.Add([]byte(`{"type":"object","properties":{"a":{"type":"string","pattern":"^a+$"}},"required":["a"]}`), []byte(`{"a":"aa"}`))
	f.Add([]byte(`{"$defs":{"n":{"$ref":"#/$defs/n"}},"$ref":"#/$defs/n"}`), []byte(`{}`))
	f.Add([]byte(`{"type":"object","oneOf":[{"required":["x"]},{"required":["y"]}]}`), []byte(`{"x":1,"y":2}`))
	f.Fuzz(func(t *testing.T, sch, args []byte) {
		norm, err := NormalizeInput(sch)
		if err != nil {
			return
		}
		v, err := Compile(norm)
		if err != nil {
			return
		}
		_ = v.Validate(args)
	})
}
