package toolgate

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A FuncTool is one in-process Go tool. Build it with Func (typed) or
// RawFunc (hand-written schema) and serve a set of them with Funcs.
type FuncTool struct {
	tool Tool
	call func(ctx context.Context, args json.RawMessage) (*Result, error)
	err  error
}

// WithTitle returns a copy of t with a human-readable title.
func (t FuncTool) WithTitle(title string) FuncTool {
	t.tool.Title = title
	return t
}

// WithSession returns a copy of t that declares it uses the caller's
// session (Tool.UsesSession): its handler finds it with SessionFrom(ctx).
func (t FuncTool) WithSession() FuncTool {
	t.tool.UsesSession = true
	return t
}

// WithAnnotations returns a copy of t with the given hints for clients.
func (t FuncTool) WithAnnotations(a *mcp.ToolAnnotations) FuncTool {
	t.tool.Annotations = a
	return t
}

// Func makes a typed tool from a Go function. The input schema is inferred
// from In, which must be a struct (or a map with string keys); field
// descriptions come from `jsonschema:"..."` struct tags, and fields without
// `json:",omitempty"` are required. The gateway validates arguments
// against that schema before fn runs.
//
// The result depends on Out: a struct (or pointer to one, or a map) becomes
// structuredContent, with an inferred output schema, and the same JSON as
// text; a string becomes a text block; a *Result is returned as it is;
// anything else becomes its JSON as text. An error from fn becomes an
// IsError result with the error's text.
func Func[In, Out any](name, description string, fn func(ctx context.Context, in In) (Out, error)) FuncTool {
	ft := FuncTool{tool: Tool{Name: name, Description: description}}
	in, err := jsonschema.For[In](nil)
	if err != nil {
		ft.err = fmt.Errorf("tool %q: inferring input schema from %v: %w", name, reflect.TypeFor[In](), err)
		return ft
	}
	portable(in)
	if in.Type != "object" {
		ft.err = fmt.Errorf("tool %q: input type %v must be a struct or a map, not %q", name, reflect.TypeFor[In](), in.Type)
		return ft
	}
	if ft.tool.InputSchema, err = json.Marshal(in); err != nil {
		ft.err = fmt.Errorf("tool %q: input schema: %w", name, err)
		return ft
	}

	outType := reflect.TypeFor[Out]()
	kind := outJSON
	switch {
	case outType == reflect.TypeFor[*Result]():
		kind = outResult
	case outType.Kind() == reflect.String:
		kind = outText
	case structured(outType):
		kind = outStructured
		out, err := jsonschema.For[Out](nil)
		if err != nil {
			ft.err = fmt.Errorf("tool %q: inferring output schema from %v: %w", name, outType, err)
			return ft
		}
		portable(out)
		if ft.tool.OutputSchema, err = json.Marshal(out); err != nil {
			ft.err = fmt.Errorf("tool %q: output schema: %w", name, err)
			return ft
		}
	}

	ft.call = func(ctx context.Context, args json.RawMessage) (*Result, error) {
		var v In
		if err := json.Unmarshal(args, &v); err != nil {
			return ErrorResult("invalid arguments: " + err.Error()), nil
		}
		out, err := fn(ctx, v)
		if err != nil {
			return nil, err
		}
		switch kind {
		case outResult:
			if r := any(out).(*Result); r != nil {
				return r, nil
			}
			return &Result{Content: []mcp.Content{}}, nil
		case outText:
			return TextResult(reflect.ValueOf(out).String()), nil
		case outStructured:
			return StructuredResult(out)
		default:
			b, err := json.Marshal(out)
			if err != nil {
				return nil, fmt.Errorf("encoding result: %w", err)
			}
			return TextResult(string(b)), nil
		}
	}
	return ft
}

// portable rewrites every {"type": ["null", T], ...} in an inferred schema
// (jsonschema-go's shape for Go slices and maps, which may be nil) as
// {"anyOf": [{"type": "null"}, {"type": T, ...}]}: the same values, in a
// form that clients mapping schemas onto single-type dialects accept.
func portable(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	for _, c := range s.Properties {
		portable(c)
	}
	for _, c := range s.PatternProperties {
		portable(c)
	}
	for _, c := range s.Defs {
		portable(c)
	}
	for _, list := range [][]*jsonschema.Schema{s.PrefixItems, s.ItemsArray, s.AllOf, s.AnyOf, s.OneOf} {
		for _, c := range list {
			portable(c)
		}
	}
	for _, c := range []*jsonschema.Schema{s.Items, s.AdditionalProperties, s.AdditionalItems, s.Not} {
		portable(c)
	}
	if len(s.Types) != 2 || (s.Types[0] != "null" && s.Types[1] != "null") {
		return
	}
	t := s.Types[0]
	if t == "null" {
		t = s.Types[1]
	}
	branch := *s
	branch.Types, branch.Type = nil, t
	branch.Title, branch.Description, branch.Default, branch.Examples, branch.Deprecated = "", "", nil, nil, false
	*s = jsonschema.Schema{
		Title: s.Title, Description: s.Description, Default: s.Default, Examples: s.Examples, Deprecated: s.Deprecated,
		AnyOf: []*jsonschema.Schema{{Type: "null"}, &branch},
	}
}

type outKind int

const (
	outJSON outKind = iota
	outText
	outResult
	outStructured
)

// structured reports whether values of t encode as JSON objects.
func structured(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct || t.Kind() == reflect.Map && t.Key().Kind() == reflect.String
}

// RawFunc makes a tool from a hand-written description and a handler that
// takes the raw arguments object. tool.InputSchema is a JSON Schema
// (draft 2020-12); the gateway validates arguments against it before fn
// runs.
func RawFunc(tool Tool, fn func(ctx context.Context, args json.RawMessage) (*Result, error)) FuncTool {
	ft := FuncTool{tool: tool, call: fn}
	if fn == nil {
		ft.err = fmt.Errorf("tool %q: nil handler", tool.Name)
	}
	return ft
}

// FuncTarget is a Target made of in-process Go functions.
type FuncTarget struct {
	name, desc string
	tools      []Tool
	calls      map[string]func(context.Context, json.RawMessage) (*Result, error)
	sessions   map[string]bool // tools that use the caller's session
	err        error
}

// Funcs returns a target named name that serves the given tools. Mistakes
// in the tools (a duplicate name, an input type that has no schema) are
// reported when the target is added to a gateway.
func Funcs(name string, tools ...FuncTool) *FuncTarget {
	t := &FuncTarget{name: name, calls: make(map[string]func(context.Context, json.RawMessage) (*Result, error), len(tools))}
	for _, ft := range tools {
		if ft.err != nil {
			t.err = ft.err
			break
		}
		if _, dup := t.calls[ft.tool.Name]; dup {
			t.err = fmt.Errorf("tool %q is defined twice", ft.tool.Name)
			break
		}
		t.calls[ft.tool.Name] = ft.call
		t.tools = append(t.tools, ft.tool)
		if ft.tool.UsesSession {
			if t.sessions == nil {
				t.sessions = map[string]bool{}
			}
			t.sessions[ft.tool.Name] = true
		}
	}
	return t
}

// WithDescription sets the target's description and returns t.
func (t *FuncTarget) WithDescription(d string) *FuncTarget {
	t.desc = d
	return t
}

// Name implements Target.
func (t *FuncTarget) Name() string { return t.name }

// Description implements Describer.
func (t *FuncTarget) Description() string { return t.desc }

// TargetType reports "Function": tools of in-process Go functions.
func (t *FuncTarget) TargetType() string { return "Function" }

// ListTools implements Target.
func (t *FuncTarget) ListTools(context.Context) ([]Tool, error) {
	if t.err != nil {
		return nil, fmt.Errorf("funcs %q: %w", t.name, t.err)
	}
	return t.tools, nil
}

// CallTool implements Target.
func (t *FuncTarget) CallTool(ctx context.Context, req *CallRequest) (*Result, error) {
	call, ok := t.calls[req.Tool]
	if !ok {
		return nil, fmt.Errorf("funcs %q: no tool %q", t.name, req.Tool)
	}
	if t.sessions[req.Tool] {
		ctx = withSession(ctx, req.Session)
	}
	return call(ctx, req.Arguments)
}
