// Package sdkwire decodes a tools/call result exactly as go-sdk's
// (*mcp.CallToolResult).UnmarshalJSON does, without the 32 KiB buffer
// go-sdk's decoder allocates for every value it decodes: the same decoder
// (github.com/segmentio/encoding/json, with case-sensitive field names),
// the same wire shape of a content block, the same mapping to go-sdk's
// content types. It takes the common results alone (content blocks of the
// five kinds a tool returns, no input requests, no result type) and hands
// any other to go-sdk, whose errors are then the errors. The mcpserver
// package's differential fuzz test (FuzzCallToolResult) holds it to
// go-sdk's results.
package sdkwire

import (
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	segjson "github.com/segmentio/encoding/json"
	"github.com/toolgate/toolgate/internal/jsonx"
)

// wireContent is a content block as go-sdk reads it from the wire: every
// field of every kind, so that a block is refused (or not) as go-sdk
// refuses it.
type wireContent struct {
	Type              string                `json:"type"`
	Text              string                `json:"text,omitempty"`
	MIMEType          string                `json:"mimeType,omitempty"`
	Data              []byte                `json:"data,omitempty"`
	Resource          *mcp.ResourceContents `json:"resource,omitempty"`
	URI               string                `json:"uri,omitempty"`
	Name              string                `json:"name,omitempty"`
	Title             string                `json:"title,omitempty"`
	Description       string                `json:"description,omitempty"`
	Size              *int64                `json:"size,omitempty"`
	Meta              mcp.Meta              `json:"_meta,omitempty"`
	Annotations       *mcp.Annotations      `json:"annotations,omitempty"`
	Icons             []mcp.Icon            `json:"icons,omitempty"`
	ID                string                `json:"id,omitempty"`
	Input             map[string]any        `json:"input,omitempty"`
	ToolUseID         string                `json:"toolUseId,omitempty"`
	NestedContent     []*wireContent        `json:"content,omitempty"`
	StructuredContent any                   `json:"structuredContent,omitempty"`
	IsError           bool                  `json:"isError,omitempty"`
}

// wireResult is a CallToolResult as go-sdk reads it from the wire.
type wireResult struct {
	Meta              mcp.Meta        `json:"_meta,omitempty"`
	Content           []*wireContent  `json:"content"`
	StructuredContent any             `json:"structuredContent,omitempty"`
	IsError           bool            `json:"isError,omitempty"`
	InputRequests     json.RawMessage `json:"inputRequests,omitempty"`
	RequestState      string          `json:"requestState,omitempty"`
	ResultType        json.RawMessage `json:"resultType"`
}

// DecodeCallToolResult decodes data as (*mcp.CallToolResult).UnmarshalJSON
// does.
func DecodeCallToolResult(data []byte) (*mcp.CallToolResult, error) {
	if res, ok := decode(data); ok {
		return res, nil
	}
	res := new(mcp.CallToolResult)
	if err := res.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return res, nil
}

// decode decodes the common results; ok is false for the others (and for
// any error).
func decode(data []byte) (_ *mcp.CallToolResult, ok bool) {
	if jsonx.TooDeep(data) { // go-sdk refuses it
		return nil, false
	}
	var w wireResult
	if _, err := segjson.Parse(data, &w, segjson.DontMatchCaseInsensitiveStructFields); err != nil {
		return nil, false
	}
	if len(w.InputRequests) > 0 || w.RequestState != "" || len(w.ResultType) > 0 {
		return nil, false
	}
	res := &mcp.CallToolResult{Meta: w.Meta, StructuredContent: w.StructuredContent, IsError: w.IsError,
		Content: make([]mcp.Content, 0, len(w.Content))}
	for _, c := range w.Content {
		if c == nil {
			return nil, false
		}
		var block mcp.Content
		switch c.Type {
		case "text":
			block = &mcp.TextContent{Text: c.Text, Meta: c.Meta, Annotations: c.Annotations}
		case "image":
			block = &mcp.ImageContent{MIMEType: c.MIMEType, Data: c.Data, Meta: c.Meta, Annotations: c.Annotations}
		case "audio":
			block = &mcp.AudioContent{MIMEType: c.MIMEType, Data: c.Data, Meta: c.Meta, Annotations: c.Annotations}
		case "resource_link":
			block = &mcp.ResourceLink{URI: c.URI, Name: c.Name, Title: c.Title, Description: c.Description,
				MIMEType: c.MIMEType, Size: c.Size, Meta: c.Meta, Annotations: c.Annotations, Icons: c.Icons}
		case "resource":
			block = &mcp.EmbeddedResource{Resource: c.Resource, Meta: c.Meta, Annotations: c.Annotations}
		default:
			return nil, false
		}
		res.Content = append(res.Content, block)
	}
	return res, true
}
