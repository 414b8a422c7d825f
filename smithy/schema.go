package smithy

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
)

// Trait ids used by the converter.
const (
	trDocumentation   = "smithy.api#documentation"
	trRequired        = "smithy.api#required"
	trDefault         = "smithy.api#default"
	trLength          = "smithy.api#length"
	trRange           = "smithy.api#range"
	trPattern         = "smithy.api#pattern"
	trSensitive       = "smithy.api#sensitive"
	trEnum            = "smithy.api#enum"
	trEnumValue       = "smithy.api#enumValue"
	trTimestampFormat = "smithy.api#timestampFormat"
	trSparse          = "smithy.api#sparse"
	trUniqueItems     = "smithy.api#uniqueItems"
	trDeprecated      = "smithy.api#deprecated"
	trReadonly        = "smithy.api#readonly"
	trIdempotent      = "smithy.api#idempotent"
	trTitle           = "smithy.api#title"
	trJSONName        = "smithy.api#jsonName"
	trHTTP            = "smithy.api#http"
	trHTTPLabel       = "smithy.api#httpLabel"
	trHTTPQuery       = "smithy.api#httpQuery"
	trHTTPQueryParams = "smithy.api#httpQueryParams"
	trHTTPHeader      = "smithy.api#httpHeader"
	trHTTPPrefix      = "smithy.api#httpPrefixHeaders"
	trHTTPPayload     = "smithy.api#httpPayload"
	trHTTPCode        = "smithy.api#httpResponseCode"
	trMediaType       = "smithy.api#mediaType"
	trStreaming       = "smithy.api#streaming"
	trUnitType        = "smithy.api#unitType"
	trInternal        = "smithy.api#internal"
	trClientOptional  = "smithy.api#clientOptional"
	trError           = "smithy.api#error"
)

// SensitiveKeyword marks a property whose shape carries @sensitive in the
// generated JSON Schemas ("x-sensitive": true). Values of such properties
// are never logged.
const SensitiveKeyword = "x-sensitive"

// schemaGen turns shapes into JSON Schema 2020-12. Shapes are inlined;
// a shape that contains itself is emitted once under $defs and referenced.
type schemaGen struct {
	m      *Model
	output bool // output schemas: nothing is required (servers omit members)
	xml    bool // XML protocols: body timestamps are date-time strings
	loc    location

	stack    map[string]bool
	nodes    int               // structures and unions inlined under the current root
	patterns map[string]bool   // pattern -> the validator can run it
	docs     map[string]string // @documentation HTML -> text
	defs     map[string]any
	defNames map[string]string // shape id -> $defs name
	pending  []string
}

// maxInlined bounds the structures and unions inlined in one schema. Past
// it, they are referenced from $defs (each defined once), so that a model
// whose shapes share members many levels deep cannot make a schema grow
// exponentially. No corpus schema comes near it.
const maxInlined = 500

// location is where a top-level member travels; it decides the default
// timestamp format.
type location int

const (
	locBody location = iota
	locHeader
	locQuery
)

func newSchemaGen(m *Model, output bool) *schemaGen {
	return &schemaGen{m: m, output: output, stack: map[string]bool{}, patterns: map[string]bool{}, docs: map[string]string{}}
}

// root returns the schema of an operation's input or output structure, with
// its $defs. locOf tells where each top-level member travels (nil: body).
//
// Input schemas carry every constraint of the model. Output schemas only
// describe: no required members, enums, unions' oneOf, lengths, ranges,
// patterns or defaults, since servers omit members and add enum values and
// union members before models catch up.
func (g *schemaGen) root(id string, locOf func(*member) location) (map[string]any, error) {
	s := g.m.shapes[id]
	if s == nil {
		return nil, fmt.Errorf("shape %s not found", id)
	}
	g.defs, g.defNames, g.pending, g.nodes = nil, nil, nil, 0
	g.stack[id] = true
	sch, err := g.structure(s, locOf)
	delete(g.stack, id)
	if err != nil {
		return nil, err
	}
	for len(g.pending) > 0 {
		did := g.pending[0]
		g.pending = g.pending[1:]
		g.stack[did] = true
		d, err := g.shapeSchema(g.m.shapes[did], nil, true)
		delete(g.stack, did)
		if err != nil {
			return nil, err
		}
		g.defs[g.defNames[did]] = d
	}
	if len(g.defs) > 0 {
		sch["$defs"] = g.defs
	}
	return sch, nil
}

func (g *schemaGen) structure(s *shape, locOf func(*member) location) (map[string]any, error) {
	props := make(map[string]any, len(s.members))
	var required []string
	for _, mm := range s.members {
		g.loc = locBody
		if locOf != nil {
			g.loc = locOf(mm)
		}
		ps, err := g.member(mm)
		g.loc = locBody
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", mm.name, err)
		}
		props[mm.name] = ps
		if !g.output && has(mm.traits, trRequired) && !has(mm.traits, trClientOptional) {
			required = append(required, mm.name)
		}
	}
	sch := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sch["required"] = required
	}
	if d := g.doc(s.traits); d != "" {
		sch["description"] = d
	}
	return sch, nil
}

// doc is doc with a cache: models repeat the same documentation often.
func (g *schemaGen) doc(traits map[string]json.RawMessage) string {
	raw, ok := traits[trDocumentation]
	if !ok {
		return ""
	}
	if d, ok := g.docs[string(raw)]; ok {
		return d
	}
	d := doc(traits)
	g.docs[string(raw)] = d
	return d
}

// member returns the schema of a member: its target's, with the member's
// own traits applied over the target's.
func (g *schemaGen) member(mm *member) (any, error) {
	t := g.m.shapes[mm.target]
	if t == nil {
		return nil, fmt.Errorf("target %s not found", mm.target)
	}
	return g.shapeSchema(t, mm.traits, false)
}

func (g *schemaGen) ref(s *shape) map[string]any {
	if g.defNames == nil {
		g.defNames, g.defs = map[string]string{}, map[string]any{}
	}
	name, ok := g.defNames[s.id]
	if !ok {
		name = shapeName(s.id)
		for taken := true; taken; {
			taken = false
			for id, n := range g.defNames {
				if n == name && id != s.id {
					name = strings.NewReplacer(".", "_", "#", "_").Replace(s.id)
					taken = name == n
				}
			}
		}
		g.defNames[s.id] = name
		g.pending = append(g.pending, s.id)
	}
	return map[string]any{"$ref": "#/$defs/" + name}
}

// shapeSchema returns the schema of shape s as used by a member with traits
// mt, or as the $defs entry for s when def is set.
func (g *schemaGen) shapeSchema(s *shape, mt map[string]json.RawMessage, def bool) (map[string]any, error) {
	aggregate := s.typ == "structure" || s.typ == "union" || s.typ == "list" || s.typ == "set" || s.typ == "map"
	inlined := s.typ == "structure" || s.typ == "union"
	if inlined && !def && !g.stack[s.id] {
		g.nodes++
	}
	if aggregate && !def && (g.stack[s.id] || (inlined && g.nodes > maxInlined)) {
		r := g.ref(s)
		if d := g.doc(mt); d != "" {
			r["description"] = d
		}
		return r, nil
	}
	trait := func(name string) (json.RawMessage, bool) {
		if v, ok := mt[name]; ok {
			return v, true
		}
		v, ok := s.traits[name]
		return v, ok
	}
	var sch map[string]any
	loc := g.loc
	g.loc = locBody // nested members are always in the body
	defer func() { g.loc = loc }()
	switch s.typ {
	case "structure":
		if has(s.traits, trUnitType) {
			sch = map[string]any{"type": "object"}
			break
		}
		g.stack[s.id] = true
		var err error
		sch, err = g.structure(s, nil)
		delete(g.stack, s.id)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", s.id, err)
		}
		delete(sch, "description") // the member's or shape's doc is added below
	case "union":
		g.stack[s.id] = true
		var alts []any
		for _, mm := range s.members {
			ps, err := g.member(mm)
			if err != nil {
				delete(g.stack, s.id)
				return nil, fmt.Errorf("shape %s: member %s: %w", s.id, mm.name, err)
			}
			alts = append(alts, map[string]any{
				"type": "object", "properties": map[string]any{mm.name: ps},
				"required": []string{mm.name}, "additionalProperties": false,
			})
		}
		delete(g.stack, s.id)
		sch = map[string]any{"type": "object", "oneOf": alts}
		if g.output {
			// A server may answer with a member newer than the model.
			props := map[string]any{}
			for _, a := range alts {
				for k, v := range a.(map[string]any)["properties"].(map[string]any) {
					props[k] = v
				}
			}
			sch = map[string]any{"type": "object", "properties": props}
		}
	case "list", "set":
		g.stack[s.id] = true
		items, err := g.member(s.member)
		delete(g.stack, s.id)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", s.id, err)
		}
		if _, ok := trait(trSparse); ok {
			items = map[string]any{"anyOf": []any{items, map[string]any{"type": "null"}}}
		}
		sch = map[string]any{"type": "array", "items": items}
		if _, ok := trait(trUniqueItems); ok || s.typ == "set" {
			sch["uniqueItems"] = true
		}
	case "map":
		g.stack[s.id] = true
		vs, err := g.member(s.value)
		if err != nil {
			delete(g.stack, s.id)
			return nil, fmt.Errorf("shape %s: %w", s.id, err)
		}
		ks, err := g.member(s.key)
		delete(g.stack, s.id)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", s.id, err)
		}
		if _, ok := trait(trSparse); ok {
			vs = map[string]any{"anyOf": []any{vs, map[string]any{"type": "null"}}}
		}
		sch = map[string]any{"type": "object", "additionalProperties": vs}
		if k, ok := ks.(map[string]any); ok {
			delete(k, "type")
			delete(k, "description")
			if len(k) > 0 {
				sch["propertyNames"] = k
			}
		}
	case "string":
		sch = map[string]any{"type": "string"}
		if raw, ok := trait(trEnum); ok { // Smithy 1.0 enum trait
			var defs []struct {
				Value string `json:"value"`
			}
			if json.Unmarshal(raw, &defs) == nil && len(defs) > 0 && !g.output {
				vals := make([]any, len(defs))
				for i, d := range defs {
					vals[i] = d.Value
				}
				sch["enum"] = vals
			}
		}
	case "enum":
		if g.output { // servers add values before models do
			sch = map[string]any{"type": "string"}
			break
		}
		vals := make([]any, 0, len(s.members))
		for _, mm := range s.members {
			v := mm.name
			if raw, ok := mm.traits[trEnumValue]; ok {
				var sv string
				if json.Unmarshal(raw, &sv) != nil {
					return nil, fmt.Errorf("shape %s: member %s: enumValue must be a string", s.id, mm.name)
				}
				v = sv
			}
			vals = append(vals, v)
		}
		sch = map[string]any{"type": "string", "enum": vals}
	case "intEnum":
		if g.output {
			sch = map[string]any{"type": "integer"}
			break
		}
		vals := make([]any, 0, len(s.members))
		for _, mm := range s.members {
			var iv json.Number
			if json.Unmarshal(mm.traits[trEnumValue], &iv) != nil {
				return nil, fmt.Errorf("shape %s: member %s: intEnum member needs an integer enumValue", s.id, mm.name)
			}
			vals = append(vals, iv)
		}
		sch = map[string]any{"type": "integer", "enum": vals}
	case "boolean":
		sch = map[string]any{"type": "boolean"}
	case "byte":
		sch = map[string]any{"type": "integer", "minimum": math.MinInt8, "maximum": math.MaxInt8}
	case "short":
		sch = map[string]any{"type": "integer", "minimum": math.MinInt16, "maximum": math.MaxInt16}
	case "integer":
		sch = map[string]any{"type": "integer", "minimum": math.MinInt32, "maximum": math.MaxInt32}
	case "long", "bigInteger":
		sch = map[string]any{"type": "integer"}
	case "float", "double", "bigDecimal":
		sch = map[string]any{"type": "number"}
	case "blob":
		sch = map[string]any{"type": "string", "contentEncoding": "base64"}
		if _, ok := trait(trStreaming); ok {
			sch["description"] = "Streaming data, base64-encoded."
		}
	case "timestamp":
		format := ""
		if raw, ok := trait(trTimestampFormat); ok {
			_ = json.Unmarshal(raw, &format)
		}
		if format == "" {
			switch loc {
			case locHeader:
				format = "http-date"
			case locQuery:
				format = "date-time"
			default:
				if g.xml {
					format = "date-time"
					break
				}
				format = "epoch-seconds"
			}
		}
		switch format {
		case "date-time":
			sch = map[string]any{"type": "string", "format": "date-time"}
		case "http-date":
			sch = map[string]any{"type": "string", "description": "An HTTP date (RFC 7231 IMF-fixdate), for example Sun, 06 Nov 1994 08:49:37 GMT."}
		default:
			sch = map[string]any{"type": "number", "description": "Seconds since the Unix epoch (1970-01-01T00:00:00Z), fractions allowed."}
		}
	case "document":
		sch = map[string]any{}
	default:
		return nil, fmt.Errorf("shape %s: a %s cannot be a member", s.id, s.typ)
	}
	if g.output {
		// Output schemas describe; they do not police the server, whose
		// answers a strict client would otherwise reject.
		delete(sch, "minimum")
		delete(sch, "maximum")
	} else {
		g.constraints(sch, s, trait)
	}
	if _, ok := trait(trSensitive); ok {
		sch[SensitiveKeyword] = true
	}
	if _, ok := trait(trDeprecated); ok {
		sch["deprecated"] = true
	}
	// Documentation: the member's, else the shape's; kept after any
	// type note already set.
	d := g.doc(mt)
	if d == "" {
		d = g.doc(s.traits)
	}
	if note, ok := sch["description"].(string); ok && d != "" {
		d = d + "\n\n" + note
	}
	if d != "" {
		sch["description"] = d
	}
	return sch, nil
}

// constraints adds @length, @range, @pattern and @default to an input
// schema.
func (g *schemaGen) constraints(sch map[string]any, s *shape, trait func(string) (json.RawMessage, bool)) {
	if raw, ok := trait(trLength); ok {
		var l struct{ Min, Max *json.Number }
		if json.Unmarshal(raw, &l) == nil {
			lo, hi := "minLength", "maxLength"
			switch s.typ {
			case "list", "set":
				lo, hi = "minItems", "maxItems"
			case "map":
				lo, hi = "minProperties", "maxProperties"
			case "blob":
				lo, hi = "", "" // length of the decoded bytes: not expressible
			}
			if lo != "" && l.Min != nil {
				sch[lo] = *l.Min
			}
			if hi != "" && l.Max != nil {
				sch[hi] = *l.Max
			}
		}
	}
	if raw, ok := trait(trRange); ok {
		var r struct{ Min, Max *json.Number }
		if json.Unmarshal(raw, &r) == nil {
			if r.Min != nil {
				sch["minimum"] = *r.Min
			}
			if r.Max != nil {
				sch["maximum"] = *r.Max
			}
		}
	}
	if raw, ok := trait(trPattern); ok && (s.typ == "string") {
		var p string
		// Smithy patterns are ECMA-262; keep those the validator can run.
		if json.Unmarshal(raw, &p) == nil {
			ok, seen := g.patterns[p]
			if !seen {
				_, err := regexp.Compile(p)
				ok = err == nil
				g.patterns[p] = ok
			}
			if ok {
				sch["pattern"] = p
			}
		}
	}
	if raw, ok := trait(trDefault); ok {
		var v any
		if json.Unmarshal(raw, &v) == nil && v != nil && !(s.typ == "timestamp" && !isNumber(v)) {
			sch["default"] = json.RawMessage(raw)
		}
	}
}

func isNumber(v any) bool { _, ok := v.(float64); return ok }

func has(traits map[string]json.RawMessage, name string) bool {
	_, ok := traits[name]
	return ok
}

// doc returns the @documentation trait as plain text.
func doc(traits map[string]json.RawMessage) string {
	raw, ok := traits[trDocumentation]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return htmlToText(s)
}
