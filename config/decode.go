package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/toolgate/toolgate/credentials"
)

// Limits of what a configuration may hold: nesting, and nodes visited (an
// alias repeats the subtree it names, so a small document can describe a
// huge one).
const (
	maxDepth = 200
	maxNodes = 1 << 20
)

// Ignored is an AgentCore field toolgate has no use for (roleArn, tags,
// kmsKeyArn, ...): any value is accepted and reported as a Warning.
type Ignored struct{ Set bool }

// Unsupported is an AgentCore field toolgate does not implement and cannot
// safely ignore (an interceptor, a policy engine): giving it is an error.
type Unsupported struct{ Set bool }

// Payload is an inline payload given either as a string (a JSON or YAML
// document, for example an OpenAPI spec) or as YAML or JSON written in
// place. Data holds the string's bytes, or the structure encoded as JSON.
type Payload struct {
	Data []byte
	// Text is true when the payload was given as a string.
	Text bool
}

// Duration is a time.Duration written as Go writes one ("60s", "1m30s").
type Duration time.Duration

// decoder turns YAML nodes into this package's types, expanding ${VAR} in
// scalars and recording problems with their paths.
type decoder struct {
	p      *problems
	lookup func(string) (string, bool)
	nodes  int
}

var (
	tIgnored     = reflect.TypeFor[Ignored]()
	tUnsupported = reflect.TypeFor[Unsupported]()
	tPayload     = reflect.TypeFor[Payload]()
	tDuration    = reflect.TypeFor[Duration]()
	tSecret      = reflect.TypeFor[credentials.Secret]()
	tRaw         = reflect.TypeFor[json.RawMessage]()
	tTools       = reflect.TypeFor[ToolDefinitions]()
)

// join appends a field name to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// joinKey appends a key from the file to a path: as a field name when it
// is a plain name, else quoted in brackets (customParameters["a.b"]).
func joinKey(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c == '-' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return join(path, key)
	}
	return path + "[" + strconv.Quote(clip(key)) + "]"
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// resolve follows documents and aliases; it returns nil when the budget of
// nodes is spent.
func (d *decoder) resolve(n *yaml.Node, path string) *yaml.Node {
	for n != nil && (n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode) {
		if n.Kind == yaml.DocumentNode {
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		} else {
			n = n.Alias
		}
	}
	d.nodes++
	if d.nodes > maxNodes {
		if d.nodes == maxNodes+1 {
			d.p.errorf(path, "the document is too large (aliases expand to more than %d nodes)", maxNodes)
		}
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "a scalar"
}

// decode sets v from n. v is addressable.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value, depth int) {
	if depth > maxDepth {
		d.p.errorf(path, "nested more than %d levels deep", maxDepth)
		return
	}
	if n = d.resolve(n, path); n == nil {
		return
	}
	t := v.Type()
	switch t {
	case tIgnored:
		v.Set(reflect.ValueOf(Ignored{Set: true}))
		return
	case tUnsupported:
		v.Set(reflect.ValueOf(Unsupported{Set: true}))
		return
	}
	if isNull(n) {
		return // unset
	}
	switch t {
	case tSecret:
		if n.Kind != yaml.ScalarNode {
			d.p.errorf(path, "must be a string, not %s", kindName(n))
			return
		}
		s, ok := d.expandQuiet(n.Value, path, true)
		if ok {
			v.Set(reflect.ValueOf(credentials.Literal(s)))
		}
		return
	case tPayload:
		if n.Kind == yaml.ScalarNode {
			if s, ok := d.expand(n.Value, path); ok {
				v.Set(reflect.ValueOf(Payload{Data: []byte(s), Text: true}))
			}
			return
		}
		var b bytes.Buffer
		if d.json(&b, n, path, depth) {
			v.Set(reflect.ValueOf(Payload{Data: b.Bytes()}))
		}
		return
	case tRaw:
		var b bytes.Buffer
		if d.json(&b, n, path, depth) {
			v.SetBytes(b.Bytes())
		}
		return
	case tDuration:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		dur, err := time.ParseDuration(s)
		if err != nil || dur < 0 {
			d.p.errorf(path, "%q is not a duration such as 30s or 2m", s)
			return
		}
		v.SetInt(int64(dur))
		return
	case tTools:
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
			// The definitions as a string holding JSON or YAML.
			s, ok := d.expand(n.Value, path)
			if !ok {
				return
			}
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
				d.p.errorf(path, "not a JSON or YAML list of tool definitions: %s", yamlMessage(err))
				return
			}
			n = d.resolve(&doc, path)
			if isNull(n) {
				d.p.errorf(path, "the string holds no tool definitions")
				return
			}
		}
	}

	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		d.decode(n, path, v.Elem(), depth+1)
	case reflect.Struct:
		d.decodeStruct(n, path, v, depth)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.p.errorf(path, "must be a list, not %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, index(path, i), s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.p.errorf(path, "must be a mapping, not %s", kindName(n))
			return
		}
		m := reflect.MakeMapWithSize(t, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := d.resolve(n.Content[i], path)
			if k == nil || k.Kind != yaml.ScalarNode {
				d.p.errorf(path, "keys must be strings")
				continue
			}
			e := reflect.New(t.Elem()).Elem()
			d.decode(n.Content[i+1], joinKey(path, k.Value), e, depth+1)
			m.SetMapIndex(reflect.ValueOf(k.Value), e)
		}
		v.Set(m)
	case reflect.String:
		if s, ok := d.scalar(n, path); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		b, err := strconv.ParseBool(s)
		if err != nil {
			d.p.errorf(path, "%q is not true or false", s)
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		s, ok := d.scalar(n, path)
		if !ok {
			return
		}
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil || (t.Kind() == reflect.Int && (i > math.MaxInt32 || i < math.MinInt32)) {
			d.p.errorf(path, "%q is not a whole number", s)
			return
		}
		v.SetInt(i)
	default:
		d.p.errorf(path, "cannot be decoded into %s", t) // a bug in this package's types
	}
}

// scalar returns n's value, expanded; it reports a non-scalar.
func (d *decoder) scalar(n *yaml.Node, path string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.p.errorf(path, "must be a single value, not %s", kindName(n))
		return "", false
	}
	return d.expand(n.Value, path)
}

// field describes one field of a struct the decoder fills.
type field struct {
	index    int
	name     string
	required bool
	note     string // for Ignored and Unsupported fields
}

func fields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("yaml")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, field{index: i, name: name, required: f.Tag.Get("cfg") == "required", note: f.Tag.Get("note")})
	}
	return out
}

func (d *decoder) decodeStruct(n *yaml.Node, path string, v reflect.Value, depth int) {
	if n.Kind != yaml.MappingNode {
		d.p.errorf(path, "must be a mapping, not %s", kindName(n))
		return
	}
	fs := fields(v.Type())
	seen := make(map[string]bool, len(fs))
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.resolve(n.Content[i], path)
		if k == nil || k.Kind != yaml.ScalarNode {
			d.p.errorf(path, "keys must be strings")
			continue
		}
		at := slices.IndexFunc(fs, func(f field) bool { return f.name == k.Value })
		p := joinKey(path, k.Value)
		if at < 0 {
			names := make([]string, len(fs))
			for j, f := range fs {
				names[j] = f.name
			}
			if s := suggest(k.Value, names); s != "" {
				d.p.errorf(p, "unknown field; did you mean %q?", s)
			} else {
				d.p.errorf(p, "unknown field")
			}
			continue
		}
		f := fs[at]
		if seen[f.name] {
			d.p.errorf(p, "given twice")
			continue
		}
		seen[f.name] = true
		fv := v.Field(f.index)
		switch fv.Type() {
		case tIgnored:
			note := f.note
			if note == "" {
				note = "AgentCore field with no meaning in toolgate"
			}
			d.p.warnf(p, "ignored: %s", note)
		case tUnsupported:
			note := f.note
			if note == "" {
				note = "toolgate does not implement it"
			}
			d.p.errorf(p, "not supported: %s", note)
		}
		d.decode(n.Content[i+1], p, fv, depth+1)
		if f.required && (isNull(d.resolve(n.Content[i+1], p)) || fv.Kind() == reflect.String && fv.Len() == 0) {
			d.p.errorf(p, "required")
		}
	}
	for _, f := range fs {
		if f.required && !seen[f.name] {
			d.p.errorf(join(path, f.name), "required")
		}
	}
}

// suggest returns the name in names closest to got, if close enough to be
// a typo of it.
func suggest(got string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if strings.EqualFold(n, got) {
			return n
		}
		if d := distance(strings.ToLower(got), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b (bytes).
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c = 1 + min(prev[j-1], prev[j], cur[j-1])
			}
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// json writes n as JSON to b, expanding ${VAR} in strings. It reports
// values JSON cannot hold (infinities, non-string keys).
func (d *decoder) json(b *bytes.Buffer, n *yaml.Node, path string, depth int) bool {
	if depth > maxDepth {
		d.p.errorf(path, "nested more than %d levels deep", maxDepth)
		return false
	}
	if n = d.resolve(n, path); n == nil {
		b.WriteString("null")
		return d.nodes <= maxNodes
	}
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		ok := true
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := d.resolve(n.Content[i], path)
			if k == nil || k.Kind != yaml.ScalarNode {
				d.p.errorf(path, "keys must be strings")
				return false
			}
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k.Value)
			b.WriteByte(':')
			ok = d.json(b, n.Content[i+1], joinKey(path, k.Value), depth+1) && ok
		}
		b.WriteByte('}')
		return ok
	case yaml.SequenceNode:
		b.WriteByte('[')
		ok := true
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			ok = d.json(b, c, index(path, i), depth+1) && ok
		}
		b.WriteByte(']')
		return ok
	}
	switch n.ShortTag() {
	case "!!null":
		b.WriteString("null")
	case "!!bool":
		v, err := strconv.ParseBool(n.Value)
		if err != nil {
			d.p.errorf(path, "%q is not true or false", n.Value)
			return false
		}
		b.WriteString(strconv.FormatBool(v))
	case "!!int", "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if i, ierr := strconv.ParseInt(n.Value, 0, 64); ierr == nil {
			b.WriteString(strconv.FormatInt(i, 10))
			return true
		}
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.p.errorf(path, "%q is not a number JSON can hold", n.Value)
			return false
		}
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	default:
		s, ok := d.expand(n.Value, path)
		if !ok {
			return false
		}
		writeString(b, s)
	}
	return true
}

func writeString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always encodes
	b.Write(q)
}

// expand replaces ${NAME} in s with the environment variable NAME; $${
// stands for a literal ${. An unset variable is an error naming it and the
// path, never the value.
func (d *decoder) expand(s, path string) (string, bool) {
	return d.expandQuiet(s, path, false)
}

// expandQuiet is expand; with quiet, errors quote nothing of s (a secret).
func (d *decoder) expandQuiet(s, path string, quiet bool) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, true
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		if i > 0 && s[i-1] == '$' { // $${ is a literal ${
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			d.p.errorf(path, "unterminated ${ (write $${ for a literal ${)")
			return "", false
		}
		name := s[i+2 : i+2+end]
		if !validEnvName(name) {
			if quiet {
				d.p.errorf(path, "${...}: not an environment variable name (write $${ for a literal ${)")
			} else {
				d.p.errorf(path, "${%s}: not an environment variable name (write $${ for a literal ${)", clip(name))
			}
			return "", false
		}
		val, ok := d.lookup(name)
		if !ok {
			d.p.errorf(path, "environment variable %s is not set", name)
			return "", false
		}
		b.WriteString(val)
		s = s[i+2+end+1:]
	}
}

func validEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// yamlMessage is a YAML parser error without the package's prefix.
func yamlMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}
