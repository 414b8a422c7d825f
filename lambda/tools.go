package lambda

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/toolgate/toolgate"
)

// toolDef is one tool in AgentCore's inline-payload shape.
type toolDef struct {
	Name         string          `json:"name"`
	Title        string          `json:"title,omitempty"`
	Description  string          `json:"description"`
	InputSchema  json.RawMessage `json:"inputSchema"`
	OutputSchema json.RawMessage `json:"outputSchema,omitempty"`
}

// ParseTools reads tool definitions in AgentCore's inline-payload shape: a
// JSON array of objects with "name", "description", "inputSchema" and an
// optional "outputSchema" (and "title"). An object wrapping that array as
// "inlinePayload" (the shape of AgentCore's toolSchema) or as "tools" is
// accepted too. Schemas may use all of JSON Schema; they must be objects,
// and names must be unique and non-empty.
func ParseTools(data []byte) ([]toolgate.Tool, error) {
	data = bytes.TrimSpace(data)
	var defs []toolDef
	if len(data) > 0 && data[0] == '{' {
		var wrap struct {
			InlinePayload []toolDef `json:"inlinePayload"`
			Tools         []toolDef `json:"tools"`
		}
		if err := json.Unmarshal(data, &wrap); err != nil {
			return nil, fmt.Errorf("lambda: tool definitions: %w", err)
		}
		defs = wrap.InlinePayload
		if defs == nil {
			defs = wrap.Tools
		}
		if defs == nil {
			return nil, fmt.Errorf("lambda: tool definitions: an object must hold an \"inlinePayload\" or \"tools\" array")
		}
	} else if err := json.Unmarshal(data, &defs); err != nil {
		return nil, fmt.Errorf("lambda: tool definitions: %w", err)
	}
	tools := make([]toolgate.Tool, 0, len(defs))
	seen := make(map[string]bool, len(defs))
	for i, d := range defs {
		if d.Name == "" {
			return nil, fmt.Errorf("lambda: tool definitions: tool %d has no name", i)
		}
		if seen[d.Name] {
			return nil, fmt.Errorf("lambda: tool definitions: tool %q is defined twice", d.Name)
		}
		seen[d.Name] = true
		for _, s := range []struct {
			what string
			raw  json.RawMessage
		}{{"inputSchema", d.InputSchema}, {"outputSchema", d.OutputSchema}} {
			if len(s.raw) > 0 && !isJSONObject(s.raw) {
				return nil, fmt.Errorf("lambda: tool definitions: tool %q: %s must be a JSON object", d.Name, s.what)
			}
		}
		tools = append(tools, toolgate.Tool{
			Name:         d.Name,
			Title:        d.Title,
			Description:  d.Description,
			InputSchema:  d.InputSchema,
			OutputSchema: d.OutputSchema,
		})
	}
	return tools, nil
}

// LoadTools reads tool definitions from a file; see [ParseTools].
func LoadTools(path string) ([]toolgate.Tool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lambda: %w", err)
	}
	tools, err := ParseTools(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return tools, nil
}

// ToolFor describes a tool whose input schema is inferred from the Go type
// In, a struct (or a map with string keys): the type a handler's event
// parameter decodes into. Field descriptions come from `jsonschema:"..."`
// struct tags; fields without `json:",omitempty"` are required.
func ToolFor[In any](name, description string) (toolgate.Tool, error) {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		return toolgate.Tool{}, fmt.Errorf("lambda: tool %q: schema of %v: %w", name, reflect.TypeFor[In](), err)
	}
	if s.Type != "object" {
		return toolgate.Tool{}, fmt.Errorf("lambda: tool %q: %v must be a struct or a map, not %q", name, reflect.TypeFor[In](), s.Type)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return toolgate.Tool{}, fmt.Errorf("lambda: tool %q: %w", name, err)
	}
	return toolgate.Tool{Name: name, Description: description, InputSchema: b}, nil
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	return json.Valid(b)
}
