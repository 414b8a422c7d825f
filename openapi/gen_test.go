package openapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"time"
)

// argGen generates arguments from a tool's input schema (JSON Schema
// 2020-12 with $defs), the way a careful client would: required fields,
// examples that fit their schema, enums, formats, patterns, nested
// objects, arrays, oneOf/anyOf (first branch) and allOf (merged).
type argGen struct {
	defs map[string]any
	// optional adds optional properties down to this object depth.
	optional int
	// examples prefers the schema's examples over synthesised values.
	examples bool
	// fullObjects includes every object-typed property at any depth and
	// leaves out optional arrays of objects: what Prism's deepObject
	// deserializer needs (see prismDeepObject).
	fullObjects bool
}

func generateArgs(schema json.RawMessage, optional int, examples bool) (map[string]any, error) {
	var s map[string]any
	if err := json.Unmarshal(schema, &s); err != nil {
		return nil, err
	}
	g := &argGen{optional: optional, examples: examples}
	if d, ok := s["$defs"].(map[string]any); ok {
		g.defs = d
	}
	v, _ := g.gen(s, 0, 0).(map[string]any)
	if v == nil {
		v = map[string]any{}
	}
	return v, nil
}

func (g *argGen) resolve(s map[string]any, hops int) map[string]any {
	for hops < 20 {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name := strings.TrimPrefix(ref, "#/$defs/")
		d, ok := g.defs[name].(map[string]any)
		if !ok {
			return map[string]any{}
		}
		merged := map[string]any{}
		for k, v := range d {
			merged[k] = v
		}
		for k, v := range s {
			if k != "$ref" {
				merged[k] = v
			}
		}
		s = merged
		hops++
	}
	return s
}

func typeOf(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if x != "null" {
				return x.(string)
			}
		}
	}
	if s["properties"] != nil {
		return "object"
	}
	if s["items"] != nil {
		return "array"
	}
	return ""
}

func (g *argGen) gen(schema any, depth, level int) any {
	s, ok := schema.(map[string]any)
	if !ok {
		return "x"
	}
	s = g.resolve(s, 0)
	if depth > 12 {
		return nil
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		for _, x := range e {
			if x != nil && x != "" {
				return x
			}
		}
		return e[0]
	}
	if g.examples {
		if ex, ok := s["examples"].([]any); ok && len(ex) > 0 && fits(ex[0], typeOf(s)) && g.satisfies(ex[0], s, 0) {
			return ex[0]
		}
	}
	if all, ok := s["allOf"].([]any); ok && len(all) > 0 {
		out := map[string]any{}
		var last any
		for _, sub := range all {
			v := g.gen(sub, depth+1, level)
			if m, ok := v.(map[string]any); ok {
				for k, x := range m {
					out[k] = x
				}
			} else {
				last = v
			}
		}
		if base := g.genType(s, depth, level); base != nil {
			if m, ok := base.(map[string]any); ok {
				for k, x := range m {
					if _, set := out[k]; !set {
						out[k] = x
					}
				}
			}
		}
		if len(out) == 0 && last != nil {
			return last
		}
		return out
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[key].([]any); ok && len(alts) > 0 {
			alt := alts[0]
			// prefer a non-null, non-empty-object branch
			for _, a := range alts {
				if am, ok := a.(map[string]any); ok {
					am = g.resolve(am, 0)
					if typeOf(am) != "null" {
						alt = a
						break
					}
				}
			}
			v := g.gen(alt, depth+1, level)
			if base, ok := g.genType(s, depth, level).(map[string]any); ok {
				if m, ok := v.(map[string]any); ok {
					for k, x := range base {
						if _, set := m[k]; !set {
							m[k] = x
						}
					}
				}
			}
			return v
		}
	}
	return g.genType(s, depth, level)
}

func fits(v any, typ string) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "number":
		_, ok := v.(float64)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	}
	return false
}

// satisfies checks a string example against its schema's format, pattern
// and length: vendor examples often break their own schema (Twilio's
// "2008-01-02" for a date-time), and a careful client would not send them.
func (g *argGen) satisfies(v any, s map[string]any, depth int) bool {
	s = g.resolve(s, 0)
	if depth > 10 {
		return true
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		for k, x := range obj {
			ps, ok := props[k].(map[string]any)
			if ok && (!fits(x, typeOf(g.resolve(ps, 0))) && typeOf(g.resolve(ps, 0)) != "" || !g.satisfies(x, ps, depth+1)) {
				return false
			}
		}
		return true
	}
	if arr, ok := v.([]any); ok {
		items, _ := s["items"].(map[string]any)
		for _, x := range arr {
			if items != nil && !g.satisfies(x, items, depth+1) {
				return false
			}
		}
		return true
	}
	str, ok := v.(string)
	if !ok {
		return true
	}
	switch s["format"] {
	case "date-time":
		if _, err := time.Parse(time.RFC3339, str); err != nil {
			return false
		}
	case "date":
		if _, err := time.Parse("2006-01-02", str); err != nil {
			return false
		}
	case "uri", "url":
		u, err := url.Parse(str)
		if err != nil || u.Scheme == "" {
			return false
		}
	case "email":
		if !strings.Contains(str, "@") {
			return false
		}
	case "uuid":
		if len(str) != 36 {
			return false
		}
	}
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(p)
		if err == nil && !re.MatchString(str) {
			return false
		}
	}
	if m, ok := num(s, "minLength"); ok && len(str) < int(m) {
		return false
	}
	if m, ok := num(s, "maxLength"); ok && len(str) > int(m) {
		return false
	}
	return true
}

func num(s map[string]any, k string) (float64, bool) {
	f, ok := s[k].(float64)
	return f, ok
}

func (g *argGen) genType(s map[string]any, depth, level int) any {
	switch typeOf(s) {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		req := map[string]bool{}
		if r, ok := s["required"].([]any); ok {
			for _, x := range r {
				req[x.(string)] = true
			}
		}
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p, _ := props[n].(map[string]any)
			if !req[n] && g.fullObjects {
				rp := g.resolve(p, 0)
				if typeOf(rp) != "object" || depth > 8 {
					continue
				}
			} else if !req[n] {
				if level >= g.optional || depth > 6 {
					continue
				}
				rp := g.resolve(p, 0)
				if rp["deprecated"] == true {
					continue
				}
			}
			v := g.gen(p, depth+1, level+1)
			if v != nil {
				out[n] = v
			}
		}
		if len(out) == 0 && len(props) == 0 {
			if ap, ok := s["additionalProperties"].(map[string]any); ok && g.optional > level {
				out["key"] = g.gen(ap, depth+1, level+1)
			}
		}
		return out
	case "array":
		n := 1
		if m, ok := num(s, "minItems"); ok && int(m) > n {
			n = int(m)
		}
		items, _ := s["items"].(map[string]any)
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			v := g.gen(items, depth+1, level)
			if v == nil {
				v = "x"
			}
			if i > 0 && s["uniqueItems"] == true {
				if str, ok := v.(string); ok {
					v = fmt.Sprintf("%s%d", str, i)
				}
			}
			out = append(out, v)
		}
		return out
	case "integer", "number":
		v := 1.0
		if m, ok := num(s, "minimum"); ok && m > v {
			v = m
		}
		if m, ok := num(s, "exclusiveMinimum"); ok && m >= v {
			v = m + 1
		}
		if m, ok := num(s, "maximum"); ok && m < v {
			v = m
		}
		if m, ok := num(s, "multipleOf"); ok && m > 0 {
			v = m
		}
		return v
	case "boolean":
		return true
	case "null":
		return nil
	case "string", "":
		return genString(s)
	}
	return "x"
}

func genString(s map[string]any) string {
	var v string
	switch s["format"] {
	case "date-time":
		v = "2024-01-02T03:04:05Z"
	case "date":
		v = "2024-01-02"
	case "time":
		v = "03:04:05Z"
	case "email":
		v = "user@example.com"
	case "uri", "url", "uri-reference", "iri":
		v = "https://example.com/x"
	case "uuid":
		v = "123e4567-e89b-12d3-a456-426614174000"
	case "ipv4":
		v = "192.0.2.1"
	case "ipv6":
		v = "2001:db8::1"
	case "hostname":
		v = "example.com"
	case "byte", "binary", "base64":
		v = "aGVsbG8="
	case "int32", "int64":
		v = "1"
	default:
		v = "x"
		if p, ok := s["pattern"].(string); ok {
			if gen, ok := fromPattern(p); ok {
				v = gen
			}
		}
	}
	if s["contentEncoding"] == "base64" {
		v = "aGVsbG8="
	}
	if m, ok := num(s, "minLength"); ok {
		for len(v) < int(m) {
			v += "x"
		}
	}
	if m, ok := num(s, "maxLength"); ok && len(v) > int(m) {
		v = v[:int(m)]
	}
	return v
}

// fromPattern returns a string matching a regular expression: the first
// choice of every alternation and class, the minimum of every repeat (at
// least one for +).
func fromPattern(p string) (string, bool) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return "", false
	}
	var sb strings.Builder
	var walk func(r *syntax.Regexp)
	walk = func(r *syntax.Regexp) {
		switch r.Op {
		case syntax.OpLiteral:
			sb.WriteString(string(r.Rune))
		case syntax.OpCharClass:
			if len(r.Rune) > 0 {
				c := r.Rune[0]
				// prefer a letter or digit inside the class
				for i := 0; i+1 < len(r.Rune); i += 2 {
					for x := r.Rune[i]; x <= r.Rune[i+1] && x < r.Rune[i]+200; x++ {
						if x >= '0' && x <= '9' || x >= 'a' && x <= 'z' || x >= 'A' && x <= 'Z' {
							c = x
							goto found
						}
					}
				}
			found:
				sb.WriteRune(c)
			}
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			sb.WriteByte('a')
		case syntax.OpCapture:
			walk(r.Sub[0])
		case syntax.OpConcat:
			for _, s := range r.Sub {
				walk(s)
			}
		case syntax.OpAlternate:
			walk(r.Sub[0])
		case syntax.OpStar, syntax.OpQuest:
		case syntax.OpPlus:
			walk(r.Sub[0])
		case syntax.OpRepeat:
			n := r.Min
			for i := 0; i < n; i++ {
				walk(r.Sub[0])
			}
		}
	}
	walk(re)
	return sb.String(), true
}

// hasRequiredObjectArray reports whether an object schema requires (at any
// depth of required properties) an array whose items are objects.
func (g *argGen) hasRequiredObjectArray(schema any, depth int) bool {
	s, ok := schema.(map[string]any)
	if !ok || depth > 10 {
		return false
	}
	s = g.resolve(s, 0)
	switch typeOf(s) {
	case "array":
		items, _ := s["items"].(map[string]any)
		return items != nil && typeOf(g.resolve(items, 0)) == "object"
	case "object":
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if g.hasRequiredObjectArray(props[r.(string)], depth+1) {
				return true
			}
		}
	}
	return false
}
