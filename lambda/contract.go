package lambda

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/jsonx"
	"github.com/toolgate/toolgate/internal/tracectx"
)

// Keys of the client context's custom map, as AgentCore Gateway sends them.
const (
	KeyToolName       = "bedrockAgentCoreToolName"
	KeyMessageVersion = "bedrockAgentCoreMessageVersion"
	KeyAwsRequestID   = "bedrockAgentCoreAwsRequestId"
	KeyMcpMessageID   = "bedrockAgentCoreMcpMessageId"
	KeyGatewayID      = "bedrockAgentCoreGatewayId"
	KeyTargetID       = "bedrockAgentCoreTargetId"
)

// MessageVersion is the value of KeyMessageVersion.
const MessageVersion = "1.0"

// Limits of the Lambda Invoke API.
const (
	// MaxClientContext is the largest base64-encoded client context
	// Lambda accepts, in bytes.
	MaxClientContext = 3583
	// MaxPayload is the largest synchronous request payload, in bytes.
	MaxPayload = 6 << 20
)

// ToolName returns the unprefixed tool name of the invocation in ctx, from
// the client context of a function's lambdacontext: what follows the last
// "___" of KeyToolName. ok is false outside a tool invocation. It is meant
// for function code, which serves the same way in AWS and in-process.
func ToolName(lc *lambdacontext.LambdaContext) (name string, ok bool) {
	if lc == nil {
		return "", false
	}
	full, ok := lc.ClientContext.Custom[KeyToolName]
	if !ok {
		return "", false
	}
	if i := strings.LastIndex(full, "___"); i >= 0 {
		return full[i+3:], true
	}
	return full, true
}

// clientContext builds the custom map of one call.
func (t *Target) clientContext(ctx context.Context, req *toolgate.CallRequest) map[string]string {
	msgID, _ := req.Meta[KeyMcpMessageID].(string)
	if msgID == "" {
		msgID = newUUID()
	}
	name := req.Name
	if name == "" {
		name = t.name + "___" + req.Tool
	}
	custom := map[string]string{
		KeyToolName:       name,
		KeyMessageVersion: MessageVersion,
		KeyAwsRequestID:   newUUID(),
		KeyMcpMessageID:   msgID,
		KeyGatewayID:      t.gatewayID,
		KeyTargetID:       t.targetID,
	}
	for _, h := range t.propagate {
		if v := req.Header.Values(h); len(v) > 0 {
			custom[strings.ToLower(h)] = strings.Join(v, ", ")
		}
	}
	// The call's span is the function's parent: its trace context
	// replaces an inbound traceparent or tracestate propagated above.
	if trace := tracectx.Fields(ctx); trace != nil {
		delete(custom, tracectx.Tracestate)
		maps.Copy(custom, trace)
	}
	return custom
}

// clientContextJSON returns the client context {"custom":{...}} as JSON,
// or an error when its base64 form is over Lambda's limit. Keys are
// written in sorted order, as encoding/json writes maps.
func clientContextJSON(custom map[string]string) ([]byte, error) {
	keys := make([]string, 0, len(custom))
	size := 16
	for k, v := range custom {
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	slices.Sort(keys)
	b := make([]byte, 0, size)
	b = append(b, `{"custom":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonx.AppendString(b, k)
		b = append(b, ':')
		b = jsonx.AppendString(b, custom[k])
	}
	b = append(b, "}}"...)
	if n := base64.StdEncoding.EncodedLen(len(b)); n > MaxClientContext {
		return nil, fmt.Errorf("client context is %d bytes base64-encoded, over Lambda's limit of %d: propagate fewer or shorter headers", n, MaxClientContext)
	}
	return b, nil
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[c>>4], hexd[c&0xf])
	}
	return string(out)
}

// functionError is the runtime's error payload.
type functionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

// errorResult describes a function error as an IsError result.
func (t *Target) errorResult(fe functionError) *toolgate.Result {
	if strings.Contains(fe.Message, "Task timed out after") || fe.Type == "Sandbox.Timedout" {
		return toolgate.ErrorResult(fmt.Sprintf("Lambda function %s timed out: %s", t.function, fe.Message))
	}
	typ := fe.Type
	if typ == "" {
		typ = "Unhandled"
	}
	return toolgate.ErrorResult(fmt.Sprintf("Lambda function error (%s): %s", typ, fe.Message))
}

// asFunctionError reports whether payload is the runtime's error shape: an
// object with errorMessage and errorType and nothing but those and
// stackTrace. The emulator does not send FunctionError, so this shape is
// how its function errors are recognised.
func asFunctionError(payload []byte) (functionError, bool) {
	if !bytes.Contains(payload, []byte(`"errorMessage"`)) || !bytes.Contains(payload, []byte(`"errorType"`)) {
		return functionError{}, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return functionError{}, false
	}
	_, hasMsg := m["errorMessage"]
	_, hasType := m["errorType"]
	if !hasMsg || !hasType {
		return functionError{}, false
	}
	for k := range m {
		if k != "errorMessage" && k != "errorType" && k != "stackTrace" {
			return functionError{}, false
		}
	}
	var fe functionError
	if json.Unmarshal(payload, &fe) != nil {
		return functionError{}, false
	}
	return fe, true
}

// mapPayload turns a function's response into a tool result. fnErr is the
// Invoke API's FunctionError header ("" for success).
func (t *Target) mapPayload(payload []byte, fnErr string) *toolgate.Result {
	payload = bytes.TrimSpace(payload)
	if fnErr != "" {
		var fe functionError
		if json.Unmarshal(payload, &fe) != nil || (fe.Message == "" && fe.Type == "") {
			fe = functionError{Type: fnErr, Message: excerpt(payload)}
		}
		if fe.Type == "" {
			fe.Type = fnErr
		}
		return t.errorResult(fe)
	}
	if len(payload) == 0 {
		return &toolgate.Result{Content: []mcp.Content{}}
	}
	switch payload[0] {
	case '{':
		if fe, ok := asFunctionError(payload); ok {
			return t.errorResult(fe)
		}
		if r, ok := asToolResult(payload); ok {
			return r
		}
		if json.Valid(payload) {
			return &toolgate.Result{
				Content:           []mcp.Content{&mcp.TextContent{Text: string(payload)}},
				StructuredContent: json.RawMessage(payload),
			}
		}
	case '"':
		var s string
		if json.Unmarshal(payload, &s) == nil {
			return toolgate.TextResult(s)
		}
	}
	if !json.Valid(payload) && bytes.HasPrefix(payload, []byte("Task timed out after")) {
		// The emulator's answer to a timeout: plain text, no FunctionError.
		return t.errorResult(functionError{Message: string(payload)})
	}
	return toolgate.TextResult(string(payload))
}

// asToolResult reports whether payload is an MCP tool result: an object
// whose "content" is an array of typed blocks, with no members other than
// those of CallToolResult.
func asToolResult(payload []byte) (*toolgate.Result, bool) {
	var probe struct {
		Content []struct {
			Type string `json:"type"`
		} `json:"content"`
	}
	if !bytes.Contains(payload, []byte(`"content"`)) {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil {
		return nil, false
	}
	if _, ok := m["content"]; !ok {
		return nil, false
	}
	for k := range m {
		switch k {
		case "content", "isError", "structuredContent", "_meta":
		default:
			return nil, false
		}
	}
	if json.Unmarshal(payload, &probe) != nil || probe.Content == nil {
		return nil, false
	}
	for _, c := range probe.Content {
		if c.Type == "" {
			return nil, false
		}
	}
	var r toolgate.Result
	if json.Unmarshal(payload, &r) != nil {
		return nil, false
	}
	return &r, true
}

// excerpt shortens a body for an error message.
func excerpt(b []byte) string {
	const max = 512
	if len(b) > max {
		return strings.ToValidUTF8(string(b[:max]), "") + "…"
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
