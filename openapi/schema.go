package openapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// schemaMode says which side of the wire a schema describes. Input schemas
// drop readOnly properties (the server ignores them or rejects them);
// output schemas drop writeOnly properties.
type schemaMode int

const (
	modeInput schemaMode = iota
	modeOutput
)

// A def is one named schema in a tool's $defs: a component (or any other
// $ref'd) schema converted once per spec and mode, with the defs it refers to.
type def struct {
	name string
	raw  json.RawMessage
	deps []*openapi3.Schema
}

// converter turns kin-openapi schemas into JSON Schema 2020-12. Every schema
// reached through a $ref becomes a named $defs entry, converted once per
// mode and shared by every tool that uses it; recursion therefore ends at a
// "$ref": "#/$defs/Name" instead of being inlined forever.
type converter struct {
	names    map[*openapi3.Schema]string // def name of every $ref'd schema
	used     map[string]bool             // def names taken
	defs     [2]map[*openapi3.Schema]*def
	building [2]map[*openapi3.Schema]bool
	regexOK  map[string]bool
	warn     func(where, msg string)
}

func newConverter(warn func(where, msg string)) *converter {
	c := &converter{
		names:   map[*openapi3.Schema]string{},
		used:    map[string]bool{},
		regexOK: map[string]bool{},
		warn:    warn,
	}
	for i := range c.defs {
		c.defs[i] = map[*openapi3.Schema]*def{}
		c.building[i] = map[*openapi3.Schema]bool{}
	}
	return c
}

var defNameUnsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// defName returns the $defs name of a $ref'd schema: the last segment of
// the ref ("#/components/schemas/Pet" -> "Pet"), made unique.
func (c *converter) defName(s *openapi3.Schema, ref string) string {
	if n, ok := c.names[s]; ok {
		return n
	}
	base := ref
	if i := strings.Index(base, "#"); i >= 0 {
		frag := base[i+1:]
		file := base[:i]
		if j := strings.LastIndex(frag, "/"); j >= 0 && strings.HasPrefix(frag, "/components/schemas/") && strings.Count(frag, "/") == 3 {
			base = frag[j+1:]
		} else if strings.HasPrefix(frag, "/definitions/") && strings.Count(frag, "/") == 2 {
			base = frag[len("/definitions/"):]
		} else {
			base = strings.TrimPrefix(frag, "/")
			if file != "" {
				base = file + "_" + base
			}
		}
		if base == "" {
			base = file
		}
	}
	base = strings.ReplaceAll(base, "~1", "/")
	base = strings.ReplaceAll(base, "~0", "~")
	base = strings.Trim(defNameUnsafe.ReplaceAllString(base, "_"), "_")
	if base == "" {
		base = "schema"
	}
	name := base
	for i := 2; c.used[name]; i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	c.used[name] = true
	c.names[s] = name
	return name
}

// collector gathers the defs one tool's schema refers to.
type collector struct {
	deps map[*openapi3.Schema]bool
	list []*openapi3.Schema
	// loose replaces every $ref'd schema by an open schema naming it,
	// for output schemas whose full $defs would be too large.
	loose bool
}

func (k *collector) add(s *openapi3.Schema) {
	if k.deps == nil {
		k.deps = map[*openapi3.Schema]bool{}
	}
	if !k.deps[s] {
		k.deps[s] = true
		k.list = append(k.list, s)
	}
}

// ref converts a schema reference at the top of a tool schema or inside
// another schema. A $ref'd schema becomes {"$ref":"#/$defs/Name"}.
func (c *converter) ref(sr *openapi3.SchemaRef, mode schemaMode, k *collector) any {
	if sr == nil || sr.Value == nil {
		return map[string]any{}
	}
	if sr.Ref != "" && k.loose {
		return map[string]any{"description": "A " + c.defName(sr.Value, sr.Ref) + " (schema omitted: the full output schema is too large)."}
	}
	if sr.Ref != "" {
		d := c.def(sr.Value, sr.Ref, mode)
		k.add(sr.Value)
		return map[string]any{"$ref": "#/$defs/" + d.name}
	}
	return c.inline(sr.Value, mode, k)
}

// def returns the converted def of a $ref'd schema, converting it on first use.
func (c *converter) def(s *openapi3.Schema, ref string, mode schemaMode) *def {
	if d, ok := c.defs[mode][s]; ok {
		return d
	}
	d := &def{name: c.defName(s, ref)}
	c.defs[mode][s] = d // registered before conversion: recursion stops here
	var k collector
	v := c.inline(s, mode, &k)
	raw, err := json.Marshal(v)
	if err != nil {
		c.warn("#/$defs/"+d.name, "cannot encode schema: "+err.Error())
		raw = []byte(`{}`)
	}
	d.raw = raw
	d.deps = k.list
	return d
}

// closure returns the $defs object for the defs in k and everything they
// reach, or nil when there are none.
func (c *converter) closure(k *collector, mode schemaMode) map[string]json.RawMessage {
	if len(k.list) == 0 {
		return nil
	}
	out := map[string]json.RawMessage{}
	seen := map[*openapi3.Schema]bool{}
	stack := append([]*openapi3.Schema(nil), k.list...)
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[s] {
			continue
		}
		seen[s] = true
		d := c.defs[mode][s]
		out[d.name] = d.raw
		stack = append(stack, d.deps...)
	}
	return out
}

func (c *converter) regexpCompiles(p string) bool {
	ok, seen := c.regexOK[p]
	if !seen {
		_, err := regexp.Compile(p)
		ok = err == nil
		c.regexOK[p] = ok
	}
	return ok
}

// inline converts one schema object (not following its own $ref).
func (c *converter) inline(s *openapi3.Schema, mode schemaMode, k *collector) any {
	if s.Always != nil {
		return *s.Always
	}
	if c.building[mode][s] {
		// An inline cycle (only possible through resolved refs that lost
		// their names). Stop with an open schema rather than loop.
		return map[string]any{}
	}
	c.building[mode][s] = true
	defer delete(c.building[mode], s)

	m := map[string]any{}
	var types []string
	if s.Type != nil {
		types = append(types, s.Type.Slice()...)
	}
	if s.Type != nil && len(types) == 1 && types[0] == "file" {
		types = []string{"string"}
		m["format"] = "binary"
	}
	nullable := s.Nullable
	if nullable && len(types) > 0 && !contains(types, "null") {
		types = append(types, "null")
	}
	switch len(types) {
	case 0:
	case 1:
		m["type"] = types[0]
	default:
		m["type"] = types
	}
	if s.Title != "" {
		m["title"] = s.Title
	}
	if s.Description != "" {
		m["description"] = s.Description
	}
	if s.Format != "" {
		m["format"] = s.Format
	}
	if len(s.Enum) > 0 {
		enum := s.Enum
		if nullable && !containsNil(enum) {
			enum = append(append([]any(nil), enum...), nil)
		}
		m["enum"] = enum
	}
	if s.Const != nil {
		m["const"] = s.Const
	}
	if s.Default != nil {
		m["default"] = s.Default
	}
	switch {
	case len(s.Examples) > 0:
		m["examples"] = s.Examples
	case s.Example != nil:
		m["examples"] = []any{s.Example}
	}
	if s.Deprecated {
		m["deprecated"] = true
	}
	if s.ReadOnly {
		m["readOnly"] = true
	}
	if s.WriteOnly {
		m["writeOnly"] = true
	}
	// numbers
	if s.Min != nil {
		if s.ExclusiveMin.IsTrue() {
			m["exclusiveMinimum"] = *s.Min
		} else {
			m["minimum"] = *s.Min
		}
	}
	if s.ExclusiveMin.Value != nil {
		m["exclusiveMinimum"] = *s.ExclusiveMin.Value
	}
	if s.Max != nil {
		if s.ExclusiveMax.IsTrue() {
			m["exclusiveMaximum"] = *s.Max
		} else {
			m["maximum"] = *s.Max
		}
	}
	if s.ExclusiveMax.Value != nil {
		m["exclusiveMaximum"] = *s.ExclusiveMax.Value
	}
	if s.MultipleOf != nil && *s.MultipleOf > 0 {
		m["multipleOf"] = *s.MultipleOf
	}
	// strings
	if s.MinLength > 0 {
		m["minLength"] = s.MinLength
	}
	if s.MaxLength != nil {
		m["maxLength"] = *s.MaxLength
	}
	if s.Pattern != "" {
		if c.regexpCompiles(s.Pattern) {
			m["pattern"] = s.Pattern
		} else {
			// ECMA-262 features Go's RE2 lacks (lookaround, backrefs):
			// keep the pattern as documentation instead of a constraint.
			m["x-pattern"] = s.Pattern
		}
	}
	if s.ContentMediaType != "" {
		m["contentMediaType"] = s.ContentMediaType
	}
	if s.ContentEncoding != "" {
		m["contentEncoding"] = s.ContentEncoding
	}
	// arrays
	if s.Items != nil {
		m["items"] = c.ref(s.Items, mode, k)
	}
	if len(s.PrefixItems) > 0 {
		m["prefixItems"] = c.refs(s.PrefixItems, mode, k)
	}
	if s.Contains != nil {
		m["contains"] = c.ref(s.Contains, mode, k)
	}
	if s.MinContains != nil {
		m["minContains"] = *s.MinContains
	}
	if s.MaxContains != nil {
		m["maxContains"] = *s.MaxContains
	}
	if s.MinItems > 0 {
		m["minItems"] = s.MinItems
	}
	if s.MaxItems != nil {
		m["maxItems"] = *s.MaxItems
	}
	if s.UniqueItems {
		m["uniqueItems"] = true
	}
	if b := c.boolSchema(s.UnevaluatedItems, mode, k); b != nil {
		m["unevaluatedItems"] = b
	}
	// objects
	if len(s.Properties) > 0 {
		props := map[string]any{}
		for name, p := range s.Properties {
			if p != nil && p.Value != nil && ((mode == modeInput && p.Value.ReadOnly) || (mode == modeOutput && p.Value.WriteOnly)) {
				continue
			}
			props[name] = c.ref(p, mode, k)
		}
		if len(props) > 0 {
			m["properties"] = props
		}
	}
	if len(s.Required) > 0 {
		// readOnly (input) and writeOnly (output) properties were dropped
		// above, so they cannot be required either.
		req := filterRequired(s.Required, nil)
		if mode == modeInput {
			req = c.withoutReadOnly(s, req)
		} else {
			req = c.withoutWriteOnly(s, req)
		}
		if len(req) > 0 {
			m["required"] = req
		}
	}
	if b := c.boolSchema(s.AdditionalProperties, mode, k); b != nil {
		m["additionalProperties"] = b
	}
	if b := c.boolSchema(s.UnevaluatedProperties, mode, k); b != nil {
		m["unevaluatedProperties"] = b
	}
	if s.MinProps > 0 {
		m["minProperties"] = s.MinProps
	}
	if s.MaxProps != nil {
		m["maxProperties"] = *s.MaxProps
	}
	if len(s.PatternProperties) > 0 {
		pp := map[string]any{}
		for p, sr := range s.PatternProperties {
			if c.regexpCompiles(p) {
				pp[p] = c.ref(sr, mode, k)
			}
		}
		if len(pp) > 0 {
			m["patternProperties"] = pp
		}
	}
	if s.PropertyNames != nil {
		m["propertyNames"] = c.ref(s.PropertyNames, mode, k)
	}
	if len(s.DependentRequired) > 0 {
		m["dependentRequired"] = s.DependentRequired
	}
	if len(s.DependentSchemas) > 0 {
		ds := map[string]any{}
		for n, sr := range s.DependentSchemas {
			ds[n] = c.ref(sr, mode, k)
		}
		m["dependentSchemas"] = ds
	}
	// composition
	if len(s.OneOf) > 0 {
		m["oneOf"] = c.refs(s.OneOf, mode, k)
	}
	if len(s.AnyOf) > 0 {
		m["anyOf"] = c.refs(s.AnyOf, mode, k)
	}
	if len(s.AllOf) > 0 {
		m["allOf"] = c.refs(s.AllOf, mode, k)
	}
	if s.Not != nil {
		m["not"] = c.ref(s.Not, mode, k)
	}
	if s.If != nil {
		m["if"] = c.ref(s.If, mode, k)
	}
	if s.Then != nil {
		m["then"] = c.ref(s.Then, mode, k)
	}
	if s.Else != nil {
		m["else"] = c.ref(s.Else, mode, k)
	}
	if d := s.Discriminator; d != nil && d.PropertyName != "" {
		dm := map[string]any{"propertyName": d.PropertyName}
		if len(d.Mapping) > 0 {
			mapping := map[string]string{}
			for key, mr := range d.Mapping {
				sr := openapi3.SchemaRef(mr)
				if sr.Value != nil && sr.Ref != "" && !k.loose {
					dd := c.def(sr.Value, sr.Ref, mode)
					k.add(sr.Value)
					mapping[key] = "#/$defs/" + dd.name
				}
			}
			if len(mapping) > 0 {
				dm["mapping"] = mapping
			}
		}
		m["discriminator"] = dm
	}
	if nullable && len(types) == 0 && (len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0) {
		// OpenAPI 3.0 writes a nullable reference as
		// {nullable: true, allOf: [{$ref}]}: keep null acceptable.
		return map[string]any{"anyOf": []any{m, map[string]any{"type": "null"}}}
	}
	return m
}

func (c *converter) refs(srs openapi3.SchemaRefs, mode schemaMode, k *collector) []any {
	out := make([]any, 0, len(srs))
	for _, sr := range srs {
		out = append(out, c.ref(sr, mode, k))
	}
	return out
}

func (c *converter) boolSchema(b openapi3.BoolSchema, mode schemaMode, k *collector) any {
	if b.Has != nil {
		return *b.Has
	}
	if b.Schema != nil {
		return c.ref(b.Schema, mode, k)
	}
	return nil
}

func (c *converter) withoutReadOnly(s *openapi3.Schema, req []string) []string {
	out := req[:0:0]
	for _, r := range req {
		if p := s.Properties[r]; p != nil && p.Value != nil && p.Value.ReadOnly {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (c *converter) withoutWriteOnly(s *openapi3.Schema, req []string) []string {
	out := req[:0:0]
	for _, r := range req {
		if p := s.Properties[r]; p != nil && p.Value != nil && p.Value.WriteOnly {
			continue
		}
		out = append(out, r)
	}
	return out
}

// filterRequired returns a sorted, de-duplicated copy of req without the
// dropped names.
func filterRequired(req []string, dropped map[string]bool) []string {
	if len(req) == 0 {
		return req
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(req))
	for _, r := range req {
		if dropped[r] || seen[r] {
			continue
		}
		seen[r] = true
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsNil(list []any) bool {
	for _, x := range list {
		if x == nil {
			return true
		}
	}
	return false
}

// encodeSchema marshals a root schema and splices in its $defs, whose
// values are already-encoded JSON (re-marshalling them would re-validate
// and re-compact every def for every tool).
func encodeSchema(root map[string]any, defs map[string]json.RawMessage) (json.RawMessage, error) {
	body, err := json.Marshal(root)
	if err != nil {
		return nil, err
	}
	if len(defs) == 0 {
		return body, nil
	}
	names := make([]string, 0, len(defs))
	size := len(body) + 16
	for n, raw := range defs {
		names = append(names, n)
		size += len(n) + len(raw) + 4
	}
	sort.Strings(names)
	out := make([]byte, 0, size)
	out = append(out, `{"$defs":{`...)
	for i, n := range names {
		if i > 0 {
			out = append(out, ',')
		}
		key, err := json.Marshal(n)
		if err != nil {
			return nil, err
		}
		out = append(out, key...)
		out = append(out, ':')
		out = append(out, defs[n]...)
	}
	out = append(out, '}')
	if len(body) > 2 { // body is an object: "{...}"
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}
