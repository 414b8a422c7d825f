package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
)

// sessionFixture is a fixture tool of the conformance suite that uses the
// caller's session: it logs, reports progress, or asks the client.
type sessionFixture struct {
	name, desc, schema string
	run                func(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error)
}

// sessionFixtures are the suite's logging, progress, sampling and
// elicitation fixtures, as its scenarios describe them, written on
// toolgate's Session.
func sessionFixtures() []sessionFixture {
	elicit := func(message string, schema any) func(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
		return func(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
			if message == "" {
				var in struct{ Message string }
				_ = json.Unmarshal(req.Arguments, &in)
				message = in.Message
			}
			res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: message, RequestedSchema: schema})
			if err != nil {
				return nil, fmt.Errorf("elicitation failed: %w", err)
			}
			return toolgate.TextResult(fmt.Sprintf("Elicitation result: action=%s, content=%v", res.Action, res.Content)), nil
		}
	}
	options := []string{"option1", "option2", "option3"}
	titled := []map[string]any{{"const": "value1", "title": "First Option"}, {"const": "value2", "title": "Second Option"}, {"const": "value3", "title": "Third Option"}}
	return []sessionFixture{
		{"test_tool_with_logging", "Emits log messages while it runs", "", func(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
			for i, msg := range []string{"Tool execution started", "Tool processing data", "Tool execution completed"} {
				if i > 0 {
					time.Sleep(50 * time.Millisecond)
				}
				if err := req.Session.Log(ctx, "info", "", msg); err != nil {
					return nil, err
				}
			}
			return toolgate.TextResult("Tool with logging executed successfully"), nil
		}},
		{"test_tool_with_progress", "Reports progress while it runs", "", func(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
			for _, p := range []float64{0, 50, 100} {
				if err := req.Session.Progress(ctx, p, 100, fmt.Sprintf("Completed step %.0f of 100", p)); err != nil {
					return nil, err
				}
				time.Sleep(50 * time.Millisecond)
			}
			return toolgate.TextResult(fmt.Sprint(req.Meta["progressToken"])), nil
		}},
		{"test_sampling", "Asks the client's model", `{"type":"object","properties":{"prompt":{"type":"string","description":"The prompt to send to the LLM"}},"required":["prompt"]}`,
			func(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
				var in struct{ Prompt string }
				_ = json.Unmarshal(req.Arguments, &in)
				res, err := req.Session.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 100,
					Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Prompt}}}})
				if err != nil {
					return nil, fmt.Errorf("sampling failed: %w", err)
				}
				text := "(non-text response)"
				if tc, ok := res.Content.(*mcp.TextContent); ok {
					text = tc.Text
				}
				return toolgate.TextResult("LLM response: " + text), nil
			}},
		{"test_elicitation", "Asks the user", `{"type":"object","properties":{"message":{"type":"string","description":"The message to show the user"}},"required":["message"]}`,
			elicit("", map[string]any{"type": "object", "required": []string{"username"},
				"properties": map[string]any{"username": map[string]any{"type": "string", "description": "Your preferred username"}}})},
		{"test_elicitation_sep1034_defaults", "Asks with default values", "", elicit("Test defaults for primitives", map[string]any{
			"type": "object", "properties": map[string]any{
				"name":     map[string]any{"type": "string", "description": "User name", "default": "John Doe"},
				"age":      map[string]any{"type": "integer", "description": "User age", "default": 30},
				"score":    map[string]any{"type": "number", "description": "User score", "default": 95.5},
				"status":   map[string]any{"type": "string", "description": "User status", "enum": []string{"active", "inactive", "pending"}, "default": "active"},
				"verified": map[string]any{"type": "boolean", "description": "Verification status", "default": true},
			}})},
		{"test_elicitation_sep1330_enums", "Asks with enum schemas", "", elicit("Test enum schemas", map[string]any{
			"type": "object", "properties": map[string]any{
				"untitledSingle": map[string]any{"type": "string", "enum": options},
				"titledSingle":   map[string]any{"type": "string", "oneOf": titled},
				"legacyEnum":     map[string]any{"type": "string", "enum": []string{"opt1", "opt2", "opt3"}, "enumNames": []string{"Option One", "Option Two", "Option Three"}},
				"untitledMulti":  map[string]any{"type": "array", "minItems": 1, "maxItems": 3, "items": map[string]any{"type": "string", "enum": options}},
				"titledMulti":    map[string]any{"type": "array", "minItems": 1, "maxItems": 3, "items": map[string]any{"type": "string", "anyOf": titled}},
			}})},
	}
}
