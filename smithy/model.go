package smithy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// A Model is a parsed Smithy JSON AST model (version 1.0 or 2.0): its shapes
// by absolute shape id, with the Smithy prelude added.
type Model struct {
	version string
	shapes  map[string]*shape
	renamed map[string]bool // aggregates containing a @jsonName member, transitively
}

// renames reports whether values of shape id contain @jsonName members.
func (m *Model) renames(id string) bool { return m.renamed[id] }

// findRenamed fills m.renamed.
func (m *Model) findRenamed() {
	m.renamed = map[string]bool{}
	for id, s := range m.shapes {
		for _, mm := range s.members {
			if has(mm.traits, trJSONName) {
				m.renamed[id] = true
			}
		}
	}
	for changed := len(m.renamed) > 0; changed; {
		changed = false
		for id, s := range m.shapes {
			if m.renamed[id] {
				continue
			}
			for _, mm := range s.allMembers() {
				if m.renamed[mm.target] {
					m.renamed[id], changed = true, true
					break
				}
			}
		}
	}
}

// shape is one shape of a model. Only the fields of its type are set.
type shape struct {
	id     string
	typ    string
	traits map[string]json.RawMessage

	members []*member // structure, union, enum, intEnum
	member  *member   // list, set
	key     *member   // map
	value   *member   // map

	operations []string // service, resource
	resources  []string // service, resource
	input      string   // operation
	output     string   // operation
	errors     []string // operation, service

	lifecycle []string // resource: create, put, read, update, delete, list, collectionOperations
	version   string   // service
}

// member is a member of an aggregate shape.
type member struct {
	name   string
	target string
	traits map[string]json.RawMessage
}

// LoadFile reads and parses a Smithy JSON AST model file.
func LoadFile(path string) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("smithy: %w", err)
	}
	m, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Parse parses a Smithy JSON AST model. It checks that the document is a
// Smithy model of version 1.x or 2.x, that every shape has a known type and
// that every reference between shapes resolves; errors name the shape.
func Parse(data []byte) (*Model, error) {
	var doc struct {
		Smithy string                     `json:"smithy"`
		Shapes map[string]json.RawMessage `json:"shapes"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("smithy: model is not a JSON AST object: %w", err)
	}
	if doc.Smithy == "" {
		return nil, errors.New(`smithy: model has no "smithy" version`)
	}
	if !strings.HasPrefix(doc.Smithy, "1.") && !strings.HasPrefix(doc.Smithy, "2.") && doc.Smithy != "1" && doc.Smithy != "2" {
		return nil, fmt.Errorf("smithy: unsupported model version %q", doc.Smithy)
	}
	m := &Model{version: doc.Smithy, shapes: preludeShapes(len(doc.Shapes))}
	var applies []*rawShape
	ids := make([]string, 0, len(doc.Shapes))
	for id := range doc.Shapes {
		ids = append(ids, id)
	}
	sort.Strings(ids) // deterministic error messages
	raws := make(map[string]*rawShape, len(ids))
	for _, id := range ids {
		if !validShapeID(id) {
			return nil, fmt.Errorf("smithy: shape %q: invalid shape id", id)
		}
		var rs rawShape
		if err := json.Unmarshal(doc.Shapes[id], &rs); err != nil {
			return nil, fmt.Errorf("smithy: shape %s: %w", id, err)
		}
		rs.id = id
		if rs.Type == "apply" {
			applies = append(applies, &rs)
			continue
		}
		s, err := rs.shape(m.version)
		if err != nil {
			return nil, fmt.Errorf("smithy: shape %s: %w", id, err)
		}
		m.shapes[id] = s
		raws[id] = &rs
	}
	for _, a := range applies {
		s := m.shapes[a.id]
		if s == nil {
			return nil, fmt.Errorf("smithy: shape %s: apply to an unknown shape", a.id)
		}
		if s.traits == nil {
			s.traits = map[string]json.RawMessage{}
		}
		for k, v := range a.Traits {
			s.traits[k] = v
		}
	}
	for _, id := range ids {
		if rs := raws[id]; rs != nil && len(rs.Mixins) > 0 {
			if err := m.applyMixins(id, raws, map[string]bool{}); err != nil {
				return nil, err
			}
		}
	}
	for _, id := range ids {
		if s := m.shapes[id]; s != nil {
			if err := m.check(s); err != nil {
				return nil, fmt.Errorf("smithy: shape %s: %w", id, err)
			}
		}
	}
	m.findRenamed()
	return m, nil
}

// applyMixins copies the members and traits of a shape's mixins into it
// (members the shape declares itself win).
func (m *Model) applyMixins(id string, raws map[string]*rawShape, seen map[string]bool) error {
	rs := raws[id]
	if rs == nil || len(rs.Mixins) == 0 {
		return nil
	}
	if seen[id] {
		return fmt.Errorf("smithy: shape %s: mixin cycle", id)
	}
	seen[id] = true
	s := m.shapes[id]
	var inherited []*member
	for _, ref := range rs.Mixins {
		mx := m.shapes[ref.Target]
		if mx == nil {
			return fmt.Errorf("smithy: shape %s: mixin %s not found", id, ref.Target)
		}
		if err := m.applyMixins(ref.Target, raws, seen); err != nil {
			return err
		}
		for k, v := range mx.traits {
			if _, ok := s.traits[k]; !ok && k != "smithy.api#mixin" {
				if s.traits == nil {
					s.traits = map[string]json.RawMessage{}
				}
				s.traits[k] = v
			}
		}
		for _, mm := range mx.members {
			if s.memberNamed(mm.name) == nil {
				inherited = append(inherited, mm)
			}
		}
	}
	s.members = append(inherited, s.members...)
	rs.Mixins = nil
	return nil
}

func (s *shape) memberNamed(name string) *member {
	for _, mm := range s.members {
		if mm.name == name {
			return mm
		}
	}
	return nil
}

// check verifies that the references of s resolve to shapes of the right kind.
func (m *Model) check(s *shape) error {
	need := func(what, id string, types ...string) error {
		t := m.shapes[id]
		if t == nil {
			return fmt.Errorf("%s %s not found", what, id)
		}
		if len(types) > 0 && !contains(types, t.typ) {
			return fmt.Errorf("%s %s is a %s, not a %s", what, id, t.typ, strings.Join(types, " or "))
		}
		return nil
	}
	for _, mm := range s.allMembers() {
		if err := need("member "+mm.name+": target", mm.target); err != nil {
			return err
		}
		if t := m.shapes[mm.target]; t != nil && (t.typ == "service" || t.typ == "operation" || t.typ == "resource") {
			return fmt.Errorf("member %s: target %s is a %s", mm.name, mm.target, t.typ)
		}
	}
	for _, op := range s.operations {
		if err := need("operation", op, "operation"); err != nil {
			return err
		}
	}
	for _, op := range s.lifecycle {
		if err := need("operation", op, "operation"); err != nil {
			return err
		}
	}
	for _, r := range s.resources {
		if err := need("resource", r, "resource"); err != nil {
			return err
		}
	}
	if s.input != "" {
		if err := need("input", s.input, "structure"); err != nil {
			return err
		}
	}
	if s.output != "" {
		if err := need("output", s.output, "structure"); err != nil {
			return err
		}
	}
	for _, e := range s.errors {
		if err := need("error", e, "structure"); err != nil {
			return err
		}
	}
	return nil
}

func (s *shape) allMembers() []*member {
	out := s.members
	for _, mm := range []*member{s.member, s.key, s.value} {
		if mm != nil {
			out = append(out[:len(out):len(out)], mm)
		}
	}
	return out
}

// Services returns the ids of the model's service shapes, sorted.
func (m *Model) Services() []string {
	var out []string
	for id, s := range m.shapes {
		if s.typ == "service" {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// service returns the service shape named id, or the model's only service
// when id is empty.
func (m *Model) service(id string) (*shape, error) {
	if id != "" {
		s := m.shapes[id]
		if s == nil {
			// Accept a bare name when it is unambiguous.
			for _, sid := range m.Services() {
				if shapeName(sid) == id {
					if s != nil {
						return nil, fmt.Errorf("smithy: service %q is ambiguous; use the absolute shape id", id)
					}
					s = m.shapes[sid]
				}
			}
		}
		if s == nil || s.typ != "service" {
			return nil, fmt.Errorf("smithy: service %s not found in the model (services: %s)", id, strings.Join(m.Services(), ", "))
		}
		return s, nil
	}
	svcs := m.Services()
	switch len(svcs) {
	case 0:
		return nil, errors.New("smithy: the model has no service shape")
	case 1:
		return m.shapes[svcs[0]], nil
	}
	return nil, fmt.Errorf("smithy: the model has %d services (%s); choose one", len(svcs), strings.Join(svcs, ", "))
}

// closure returns the operations of a service, directly and through its
// resources (recursively), in a stable order without duplicates.
func (m *Model) closure(svc *shape) []*shape {
	var ops []*shape
	seen := map[string]bool{}
	var walk func(s *shape)
	walk = func(s *shape) {
		for _, id := range append(append([]string(nil), s.lifecycle...), s.operations...) {
			if !seen[id] {
				seen[id] = true
				ops = append(ops, m.shapes[id])
			}
		}
		for _, r := range s.resources {
			if !seen[r] {
				seen[r] = true
				walk(m.shapes[r])
			}
		}
	}
	walk(svc)
	sort.SliceStable(ops, func(i, j int) bool { return shapeName(ops[i].id) < shapeName(ops[j].id) })
	return ops
}

// rawShape is a shape as the JSON AST writes it.
type rawShape struct {
	id      string
	Type    string                     `json:"type"`
	Traits  map[string]json.RawMessage `json:"traits"`
	Members orderedMembers             `json:"members"`
	Member  *rawMember                 `json:"member"`
	Key     *rawMember                 `json:"key"`
	Value   *rawMember                 `json:"value"`
	Mixins  []ref                      `json:"mixins"`
	Version string                     `json:"version"`

	Operations           []ref `json:"operations"`
	CollectionOperations []ref `json:"collectionOperations"`
	Resources            []ref `json:"resources"`
	Errors               []ref `json:"errors"`
	Input                *ref  `json:"input"`
	Output               *ref  `json:"output"`
	Create               *ref  `json:"create"`
	Put                  *ref  `json:"put"`
	Read                 *ref  `json:"read"`
	Update               *ref  `json:"update"`
	Delete               *ref  `json:"delete"`
	List                 *ref  `json:"list"`
}

type ref struct {
	Target string `json:"target"`
}

type rawMember struct {
	Target string                     `json:"target"`
	Traits map[string]json.RawMessage `json:"traits"`
}

type namedMember struct {
	name string
	rawMember
}

// orderedMembers keeps the members of a shape in document order.
type orderedMembers []namedMember

func (o *orderedMembers) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		if t == nil {
			return nil
		}
		return errors.New("members must be an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var rm rawMember
		if err := dec.Decode(&rm); err != nil {
			return fmt.Errorf("member %s: %w", name, err)
		}
		*o = append(*o, namedMember{name: name, rawMember: rm})
	}
	return nil
}

var simpleTypes = map[string]bool{
	"blob": true, "boolean": true, "string": true, "byte": true, "short": true,
	"integer": true, "long": true, "float": true, "double": true,
	"bigInteger": true, "bigDecimal": true, "timestamp": true, "document": true,
}

func (rs *rawShape) shape(version string) (*shape, error) {
	s := &shape{id: rs.id, typ: rs.Type, traits: rs.Traits}
	mem := func(what string, rm *rawMember) (*member, error) {
		if rm == nil {
			return nil, fmt.Errorf("%s has no %s", rs.Type, what)
		}
		if rm.Target == "" {
			return nil, fmt.Errorf("member %s has no target", what)
		}
		return &member{name: what, target: rm.Target, traits: rm.Traits}, nil
	}
	var err error
	switch {
	case simpleTypes[rs.Type]:
	case rs.Type == "list" || rs.Type == "set":
		if s.member, err = mem("member", rs.Member); err != nil {
			return nil, err
		}
	case rs.Type == "map":
		if s.key, err = mem("key", rs.Key); err != nil {
			return nil, err
		}
		if s.value, err = mem("value", rs.Value); err != nil {
			return nil, err
		}
	case rs.Type == "structure" || rs.Type == "union" || rs.Type == "enum" || rs.Type == "intEnum":
		for _, nm := range rs.Members {
			if nm.name == "" {
				return nil, errors.New("member with an empty name")
			}
			if nm.Target == "" {
				if rs.Type == "enum" {
					nm.Target = "smithy.api#Unit"
				} else if rs.Type == "intEnum" {
					nm.Target = "smithy.api#Unit"
				} else {
					return nil, fmt.Errorf("member %s has no target", nm.name)
				}
			}
			s.members = append(s.members, &member{name: nm.name, target: nm.Target, traits: nm.Traits})
		}
		if (rs.Type == "enum" || rs.Type == "intEnum") && len(s.members) == 0 {
			return nil, fmt.Errorf("%s has no members", rs.Type)
		}
	case rs.Type == "service":
		s.operations, s.resources, s.errors = targets(rs.Operations), targets(rs.Resources), targets(rs.Errors)
		s.version = rs.Version
	case rs.Type == "resource":
		s.operations, s.resources = targets(rs.Operations), targets(rs.Resources)
		for _, r := range []*ref{rs.Create, rs.Put, rs.Read, rs.Update, rs.Delete, rs.List} {
			if r != nil && r.Target != "" {
				s.lifecycle = append(s.lifecycle, r.Target)
			}
		}
		s.lifecycle = append(s.lifecycle, targets(rs.CollectionOperations)...)
	case rs.Type == "operation":
		s.input, s.output = "smithy.api#Unit", "smithy.api#Unit"
		if rs.Input != nil && rs.Input.Target != "" {
			s.input = rs.Input.Target
		}
		if rs.Output != nil && rs.Output.Target != "" {
			s.output = rs.Output.Target
		}
		s.errors = targets(rs.Errors)
	case rs.Type == "":
		return nil, errors.New("shape has no type")
	default:
		return nil, fmt.Errorf("unknown shape type %q", rs.Type)
	}
	return s, nil
}

func targets(rs []ref) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Target)
	}
	return out
}

// validShapeID reports whether id looks like namespace#Name.
func validShapeID(id string) bool {
	ns, name, ok := strings.Cut(id, "#")
	return ok && ns != "" && name != "" && !strings.ContainsAny(name, "#$ ") && !strings.ContainsAny(ns, " $")
}

// shapeName returns the name part of a shape id.
func shapeName(id string) string {
	if i := strings.LastIndexByte(id, '#'); i >= 0 {
		return id[i+1:]
	}
	return id
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// preludeShapes returns a new shape map holding the shapes of the Smithy
// prelude (smithy.api#...), with room for n more.
func preludeShapes(n int) map[string]*shape {
	p := make(map[string]*shape, n+22)
	for name, typ := range map[string]string{
		"Blob": "blob", "Boolean": "boolean", "String": "string", "Byte": "byte", "Short": "short",
		"Integer": "integer", "Long": "long", "Float": "float", "Double": "double",
		"BigInteger": "bigInteger", "BigDecimal": "bigDecimal", "Timestamp": "timestamp", "Document": "document",
		"PrimitiveBoolean": "boolean", "PrimitiveByte": "byte", "PrimitiveShort": "short", "PrimitiveInteger": "integer",
		"PrimitiveLong": "long", "PrimitiveFloat": "float", "PrimitiveDouble": "double",
	} {
		s := &shape{id: "smithy.api#" + name, typ: typ}
		if strings.HasPrefix(name, "Primitive") {
			def := "0"
			if typ == "boolean" {
				def = "false"
			}
			s.traits = map[string]json.RawMessage{"smithy.api#default": json.RawMessage(def)}
		}
		p[s.id] = s
	}
	p["smithy.api#Unit"] = &shape{id: "smithy.api#Unit", typ: "structure",
		traits: map[string]json.RawMessage{"smithy.api#unitType": json.RawMessage("{}")}}
	return p
}
