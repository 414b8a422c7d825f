package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/httpx"
)

// mapResponse turns an HTTP response into a tool result: JSON becomes
// structuredContent plus its text, text stays text, images and audio become
// image and audio content, other bodies an embedded resource, and any
// status >= 300 an IsError result with the status and a bounded excerpt.
func (t *Target) mapResponse(op *operation, req *http.Request, resp *http.Response) (*toolgate.Result, error) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, t.maxResp+1))
	if err != nil {
		return nil, fmt.Errorf("openapi: operation %s: read response: %w", op.id(), err)
	}
	if int64(len(data)) > t.maxResp {
		return toolgate.ErrorResult(fmt.Sprintf("HTTP %s: response body larger than %d bytes", resp.Status, t.maxResp)), nil
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if resp.StatusCode >= 300 {
		msg := "HTTP " + resp.Status
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode < 400 {
			msg += " (redirect to " + loc + " not followed)"
		}
		if ex := httpx.Excerpt(data, isTextual(mt, data), mt); ex != "" {
			msg += "\n" + ex
		}
		return toolgate.ErrorResult(msg), nil
	}
	if len(data) == 0 {
		return toolgate.TextResult("HTTP " + resp.Status), nil
	}
	switch {
	case isJSON(mt) || (mt == "" && json.Valid(data)):
		body := bytes.TrimSpace(data)
		if !json.Valid(body) {
			return toolgate.TextResult(string(data)), nil
		}
		res := &toolgate.Result{Content: []mcp.Content{&mcp.TextContent{Text: string(data)}}}
		switch {
		case op.wrapOutput:
			sc := make([]byte, 0, len(body)+12)
			sc = append(append(append(sc, `{"result":`...), body...), '}')
			res.StructuredContent = json.RawMessage(sc)
		case body[0] == '{':
			res.StructuredContent = json.RawMessage(body)
		}
		return res, nil
	case strings.HasPrefix(mt, "image/"):
		return &toolgate.Result{Content: []mcp.Content{&mcp.ImageContent{Data: data, MIMEType: mt}}}, nil
	case strings.HasPrefix(mt, "audio/"):
		return &toolgate.Result{Content: []mcp.Content{&mcp.AudioContent{Data: data, MIMEType: mt}}}, nil
	case isTextual(mt, data):
		return toolgate.TextResult(string(data)), nil
	}
	u := *req.URL
	u.RawQuery, u.User = "", nil
	return &toolgate.Result{Content: []mcp.Content{&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
		URI: u.String(), MIMEType: firstNonEmpty(mt, "application/octet-stream"), Blob: data,
	}}}}, nil
}

func isTextual(mt string, data []byte) bool {
	if mt == "" {
		return utf8.Valid(data) && !bytes.ContainsRune(data, 0)
	}
	return classify(mt) == bodyText || isJSON(mt) || mt == "application/x-www-form-urlencoded"
}
