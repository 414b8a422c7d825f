package testfn

import (
	"context"
	"errors"
	"strings"
)

// Intercept is an interceptor function of AgentCore Gateway's contract,
// written on the payload's JSON as a Python function would be. At the
// REQUEST point it refuses a tools/call whose text argument is
// "forbidden", fails for "crash", and upper-cases any other text; at the
// RESPONSE point it redacts the word "secret" from the answer.
func Intercept(_ context.Context, event map[string]any) (map[string]any, error) {
	mcp, _ := event["mcp"].(map[string]any)
	req, _ := mcp["gatewayRequest"].(map[string]any)
	body, _ := req["body"].(map[string]any)
	if resp, ok := mcp["gatewayResponse"].(map[string]any); ok && resp != nil {
		return map[string]any{"interceptorOutputVersion": "1.0", "mcp": map[string]any{
			"transformedGatewayResponse": map[string]any{"statusCode": resp["statusCode"], "body": redact(resp["body"])},
		}}, nil
	}
	if body["method"] == "tools/call" {
		params, _ := body["params"].(map[string]any)
		args, _ := params["arguments"].(map[string]any)
		switch text, _ := args["text"].(string); text {
		case "forbidden":
			return map[string]any{"interceptorOutputVersion": "1.0", "mcp": map[string]any{
				"transformedGatewayResponse": map[string]any{"statusCode": 200, "body": map[string]any{
					"jsonrpc": "2.0", "id": body["id"], "result": map[string]any{
						"isError": true, "content": []any{map[string]any{"type": "text", "text": "denied by the interceptor"}}}}},
			}}, nil
		case "crash":
			return nil, errors.New("the interceptor crashed")
		default:
			if args != nil {
				args["text"] = strings.ToUpper(text)
			}
		}
	}
	return map[string]any{"interceptorOutputVersion": "1.0", "mcp": map[string]any{
		"transformedGatewayRequest": map[string]any{"body": body},
	}}, nil
}

// redact replaces "secret" in every string of v.
func redact(v any) any {
	switch v := v.(type) {
	case string:
		return strings.ReplaceAll(strings.ReplaceAll(v, "SECRET", "[REDACTED]"), "secret", "[REDACTED]")
	case map[string]any:
		for k, e := range v {
			v[k] = redact(e)
		}
	case []any:
		for i, e := range v {
			v[i] = redact(e)
		}
	}
	return v
}
