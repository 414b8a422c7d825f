// Package schema compiles tool input schemas once and validates arguments
// against them on every call, with errors that name the offending field.
package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// ObjectSchema is the schema that accepts any arguments object.
var objectSchema = []byte(`{"type":"object"}`)

// ObjectSchema returns the schema that accepts any arguments object.
func ObjectSchema() json.RawMessage { return append(json.RawMessage(nil), objectSchema...) }

// A Validator checks tool arguments against a compiled input schema.
// The zero value is not usable; get one from Compile.
type Validator struct {
	sch *jsonschema.Schema // nil: any object is valid
}

// NormalizeInput checks that raw is a JSON Schema for a tool's arguments
// (a JSON object whose "type", if present, is "object") and returns it in
// compact form. Nil or empty input becomes {"type":"object"}; a missing
// "type" is added, as MCP requires it.
func NormalizeInput(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return ObjectSchema(), nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("input schema is not a JSON object: %w", err)
	}
	if m == nil {
		return ObjectSchema(), nil
	}
	if t, ok := m["type"]; ok {
		var s string
		if json.Unmarshal(t, &s) != nil || s != "object" {
			return nil, fmt.Errorf(`input schema must have "type": "object", not %s`, t)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, fmt.Errorf("input schema: %w", err)
		}
		return buf.Bytes(), nil
	}
	m["type"] = json.RawMessage(`"object"`)
	out, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	return out, nil
}

// NormalizeOutput checks that raw, if present, is a JSON object and returns
// it compacted. Nil stays nil.
func NormalizeOutput(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, fmt.Errorf("output schema is not a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("output schema: %w", err)
	}
	return buf.Bytes(), nil
}

// noLoader refuses every external reference: a tool's schema must be
// self-contained ($defs and local $ref), so compiling it never reaches
// the file system or the network.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("external $ref %q is not allowed; inline it under $defs", url)
}

// A Compiler compiles many schemas, sharing the work that does not depend
// on the schema (loading the draft's meta-schemas) and identical schemas.
// It is not safe for concurrent use.
type Compiler struct {
	c    *jsonschema.Compiler
	n    int
	seen map[string]*Validator
}

// NewCompiler returns a Compiler for a batch of schemas.
func NewCompiler() *Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(noLoader{})
	return &Compiler{c: c, seen: map[string]*Validator{}}
}

// Compile compiles a normalized input schema (draft 2020-12 unless the
// schema's $schema says otherwise). The schema {"type":"object"} compiles
// to a validator that only checks for an object, without a schema engine.
func (c *Compiler) Compile(raw json.RawMessage) (*Validator, error) {
	if bytes.Equal(raw, objectSchema) {
		return &Validator{}, nil
	}
	if v := c.seen[string(raw)]; v != nil {
		return v, nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	c.n++
	loc := "urn:toolgate:schema:" + strconv.Itoa(c.n)
	if err := c.c.AddResource(loc, doc); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	sch, err := c.c.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("schema does not compile: %w", err)
	}
	v := &Validator{sch: sch}
	c.seen[string(raw)] = v
	return v, nil
}

// Compile compiles one schema; see Compiler.Compile.
func Compile(raw json.RawMessage) (*Validator, error) { return NewCompiler().Compile(raw) }

// ErrNotObject is returned by Validate for arguments that are not a JSON object.
var ErrNotObject = errors.New("arguments must be a JSON object")

// Validate checks args, a JSON value, against the schema. The error names
// each offending field by its JSON Pointer ("/unit: value must be one of
// ...") and is safe to show to a model.
func (v *Validator) Validate(args json.RawMessage) error {
	if v.sch == nil {
		if !isObject(args) {
			return ErrNotObject
		}
		return nil
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(args))
	if err != nil {
		return fmt.Errorf("arguments are not valid JSON: %w", err)
	}
	if _, ok := inst.(map[string]any); !ok {
		return ErrNotObject
	}
	if err := v.sch.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return &Error{Problems: problems(ve)}
		}
		return err
	}
	return nil
}

// isObject reports whether the JSON text b is an object.
func isObject(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' {
		return false
	}
	return json.Valid(b)
}

// Error lists what is wrong with a call's arguments.
type Error struct {
	// Problems are "<field pointer>: <message>" lines, sorted.
	Problems []string
}

func (e *Error) Error() string {
	return "invalid arguments: " + strings.Join(e.Problems, "; ")
}

var printer = message.NewPrinter(language.English)

// problems flattens a validation error tree into its leaves.
func problems(ve *jsonschema.ValidationError) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		loc := "/" + strings.Join(e.InstanceLocation, "/")
		if len(e.InstanceLocation) == 0 {
			loc = "(root)"
		}
		k := e.ErrorKind
		if ap, ok := k.(*kind.AdditionalProperties); ok {
			// Listed in the order of the arguments' map: sort them so
			// the same call always gets the same message.
			k = &kind.AdditionalProperties{Properties: slices.Sorted(slices.Values(ap.Properties))}
		}
		line := loc + ": " + k.LocalizedString(printer)
		if !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	walk(ve)
	sort.Strings(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("... and %d more", len(out)-10))
	}
	return out
}
