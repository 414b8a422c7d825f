package policy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/cedar-policy/cedar-go/types"
	"github.com/cedar-policy/cedar-go/x/exp/schema"
	sast "github.com/cedar-policy/cedar-go/x/exp/schema/ast"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"
)

// The names of AgentCore's entity model.
const (
	namespace     = "AgentCore"
	userType      = namespace + "::OAuthUser"
	gatewayType   = namespace + "::Gateway"
	actionType    = namespace + "::Action"
	callToolGroup = "CallTool"
	mcpGroup      = "Mcp"
)

// compileInput returns the type of context.input for a tool whose input
// schema is raw: a Record of the properties Cedar can type (see
// compiler.compile); an empty Record for a schema that declares none.
func compileInput(raw json.RawMessage) *ctype {
	var root any
	if len(raw) > 0 && json.Unmarshal(raw, &root) != nil {
		root = nil
	}
	c := compiler{root: root, onPath: map[string]bool{}}
	t, _ := c.compile(root)
	if t == nil || t.kind != kRecord {
		return &ctype{kind: kRecord, attrs: map[string]attr{}}
	}
	return t
}

// compiler maps a JSON Schema to Cedar types.
type compiler struct {
	root   any
	onPath map[string]bool // the $refs being expanded: a recursive schema stops there
	nodes  int             // schemas compiled, to bound expansion
}

// maxNodes bounds the schemas one tool's input expands to.
const maxNodes = 10000

// compile returns the Cedar type of the values of schema s and whether s
// allows null, or nil for a schema Cedar cannot type: a property of such a
// schema is left out of the record (and so out of context.input, where a
// policy cannot name it). The mapping is AgentCore's: string → String,
// integer → Long, boolean → Bool, number → decimal, object → Record of its
// properties (those in required are required attributes, the others
// optional), array → Set of its items. A type list with null, such as
// ["string","null"], is its other type, and the property is optional (a
// null value is an absent attribute). Unions of other types, tuples,
// arrays of nullable items, and recursive $refs (past the first level)
// have no Cedar type.
func (c *compiler) compile(s any) (*ctype, bool) {
	c.nodes++
	m, ok := s.(map[string]any)
	if !ok || c.nodes > maxNodes {
		return nil, false
	}
	if ref, ok := m["$ref"].(string); ok {
		if c.onPath[ref] {
			return nil, false
		}
		target := pointer(c.root, ref)
		if target == nil {
			return nil, false
		}
		c.onPath[ref] = true
		defer delete(c.onPath, ref)
		return c.compile(target)
	}
	typ, nullable := "", false
	switch x := m["type"].(type) {
	case string:
		typ = x
	case []any:
		for _, e := range x {
			switch name, _ := e.(string); {
			case name == "null":
				nullable = true
			case typ == "":
				typ = name
			default:
				return nil, false
			}
		}
	case nil:
		switch {
		case m["properties"] != nil:
			typ = "object"
		case m["items"] != nil:
			typ = "array"
		case allStrings(m["enum"]) || isString(m["const"]):
			typ = "string"
		}
	}
	switch typ {
	case "string":
		return &ctype{kind: kString}, nullable
	case "integer":
		return &ctype{kind: kLong}, nullable
	case "boolean":
		return &ctype{kind: kBool}, nullable
	case "number":
		return &ctype{kind: kDecimal}, nullable
	case "array":
		elem, null := c.compile(m["items"])
		if elem == nil || null {
			return nil, false
		}
		return &ctype{kind: kSet, elem: elem}, nullable
	case "object":
		required := map[string]bool{}
		if r, ok := m["required"].([]any); ok {
			for _, n := range r {
				if s, ok := n.(string); ok {
					required[s] = true
				}
			}
		}
		props, _ := m["properties"].(map[string]any)
		t := &ctype{kind: kRecord, attrs: make(map[string]attr, len(props))}
		for name, ps := range props {
			pt, null := c.compile(ps)
			if pt != nil {
				t.attrs[name] = attr{t: pt, required: required[name] && !null}
			}
		}
		return t, nullable
	}
	return nil, false
}

func isString(v any) bool { _, ok := v.(string); return ok }

func allStrings(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) == 0 {
		return false
	}
	for _, e := range a {
		if !isString(e) {
			return false
		}
	}
	return true
}

// pointer resolves a $ref within the document root: "#" or a JSON pointer
// "#/...". Other references resolve to nil.
func pointer(root any, ref string) any {
	if ref == "#" {
		return root
	}
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	cur := root
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

// schemaType returns t in the schema AST.
func (t *ctype) schemaType() sast.IsType {
	switch t.kind {
	case kString:
		return sast.String()
	case kLong:
		return sast.Long()
	case kBool:
		return sast.Bool()
	case kDecimal:
		return sast.Decimal()
	case kSet:
		return sast.Set(t.elem.schemaType())
	}
	rt := make(sast.RecordType, len(t.attrs))
	for name, a := range t.attrs {
		rt[types.String(name)] = sast.Attribute{Type: a.t.schemaType(), Optional: !a.required}
	}
	return rt
}

// generated is the Cedar schema of a catalogue.
type generated struct {
	text      string
	validator *validate.Validator
}

// generateSchema returns the Cedar schema of tools, in AgentCore's model:
//
//	namespace AgentCore {
//		entity OAuthUser { id: String } tags String;
//		entity Gateway;
//		action Mcp;
//		action CallTool in Mcp;
//		type <tool>Input = { ... };
//		action "<tool>" in CallTool appliesTo {
//			principal: OAuthUser, resource: Gateway,
//			context: { input: <tool>Input }
//		};
//	}
//
// one action per published tool, named by its published name.
func generateSchema(tools []*tool) (*generated, error) {
	actions := sast.Actions{
		mcpGroup:      {},
		callToolGroup: {Parents: []sast.ParentRef{sast.ParentRefFromID(mcpGroup)}},
	}
	common := sast.CommonTypes{}
	sorted := slices.SortedFunc(slices.Values(tools), func(a, b *tool) int { return strings.Compare(a.name, b.name) })
	for _, t := range sorted {
		if t.name == mcpGroup || t.name == callToolGroup {
			continue // a policy cannot name a tool that has a group's name
		}
		name := typeName(t.name, common)
		common[name] = sast.CommonType{Type: t.input.schemaType()}
		actions[types.String(t.name)] = sast.Action{
			Parents: []sast.ParentRef{sast.ParentRefFromID(callToolGroup)},
			AppliesTo: &sast.AppliesTo{
				Principals: []sast.EntityTypeRef{"OAuthUser"},
				Resources:  []sast.EntityTypeRef{"Gateway"},
				Context:    sast.RecordType{"input": {Type: sast.Type(types.Path(name))}},
			},
		}
	}
	s := schema.NewSchemaFromAST(&sast.Schema{Namespaces: sast.Namespaces{namespace: {
		Entities: sast.Entities{
			"OAuthUser": {Shape: sast.RecordType{"id": {Type: sast.String()}}, Tags: sast.String()},
			"Gateway":   {},
		},
		CommonTypes: common,
		Actions:     actions,
	}}})
	text, err := s.MarshalCedar()
	if err != nil {
		return nil, fmt.Errorf("policy: the catalogue's Cedar schema: %w", err)
	}
	resolved, err := s.Resolve()
	if err != nil {
		return nil, fmt.Errorf("policy: the catalogue's Cedar schema: %w", err)
	}
	return &generated{text: string(text), validator: validate.New(resolved)}, nil
}

// typeName returns the name of the common type of tool's input, as
// AgentCore names it (<tool>Input), made a Cedar identifier and unique
// among used.
func typeName(tool string, used sast.CommonTypes) sast.Ident {
	b := []byte(tool)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	base := string(b)
	for strings.Contains(base, "__cedar") { // reserved
		base = strings.ReplaceAll(base, "__cedar", "_cedar")
	}
	if base == "" || base[0] >= '0' && base[0] <= '9' {
		base = "_" + base
	}
	name := sast.Ident(base + "Input")
	for k := 2; ; k++ {
		if _, taken := used[name]; !taken {
			return name
		}
		name = sast.Ident(fmt.Sprintf("%sInput%d", base, k))
	}
}
