// Command conformance serves a gateway for the official MCP conformance
// suite: the quickstart targets plus, as builtins, the fixtures the
// suite's tools scenarios call (test_simple_text, test_image_content, ...,
// and, on the caller's session, test_tool_with_logging,
// test_tool_with_progress, test_sampling, test_elicitation, ...), so those
// scenarios exercise the gateway's own call path.
//
//	go run ./internal/cmd/conformance -addr 127.0.0.1:18081 [-stateless] [-json]
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/examples/demotools"
)

// A 1x1 red PNG and a tiny WAV file.
const (
	redPixelPNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
	tinyWAV     = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA="
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address")
	stateless := flag.Bool("stateless", false, "serve statelessly")
	jsonResp := flag.Bool("json", false, "JSON responses instead of SSE")
	flag.Parse()

	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Stateless: *stateless, JSONResponse: *jsonResp})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for _, t := range []toolgate.Target{demotools.Clock(nil), demotools.Units()} {
		if err := gw.AddTarget(ctx, t); err != nil {
			log.Fatal(err)
		}
	}
	png, _ := base64.StdEncoding.DecodeString(redPixelPNG)
	wav, _ := base64.StdEncoding.DecodeString(tinyWAV)
	fixtures := []struct {
		name, desc string
		schema     string
		res        *toolgate.Result
	}{
		{"test_simple_text", "Returns simple text content", "", toolgate.TextResult("This is a simple text response for testing.")},
		{"test_image_content", "Returns image content", "", &toolgate.Result{Content: []mcp.Content{&mcp.ImageContent{Data: png, MIMEType: "image/png"}}}},
		{"test_audio_content", "Returns audio content", "", &toolgate.Result{Content: []mcp.Content{&mcp.AudioContent{Data: wav, MIMEType: "audio/wav"}}}},
		{"test_embedded_resource", "Returns an embedded resource", "", &toolgate.Result{Content: []mcp.Content{&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
			URI: "test://embedded-resource", MIMEType: "text/plain", Text: "This is an embedded resource content."}}}}},
		{"test_multiple_content_types", "Returns text, image and resource content", "", &toolgate.Result{Content: []mcp.Content{
			&mcp.TextContent{Text: "Multiple content types test:"},
			&mcp.ImageContent{Data: png, MIMEType: "image/png"},
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "test://mixed-content-resource", MIMEType: "application/json", Text: `{"test":"data","value":123}`}},
		}}},
		{"test_error_handling", "Always fails", "", toolgate.ErrorResult("This tool intentionally returns an error for testing")},
		{"json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","$defs":{"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}}}},"properties":{"name":{"type":"string"},"address":{"$ref":"#/$defs/address"}},"additionalProperties":false}`,
			toolgate.TextResult("ok")},
	}
	for _, f := range fixtures {
		res := f.res
		err := gw.AddBuiltin(toolgate.Tool{Name: f.name, Description: f.desc, InputSchema: json.RawMessage(f.schema)},
			func(context.Context, *toolgate.CallRequest) (*toolgate.Result, error) { return res, nil })
		if err != nil {
			log.Fatal(err)
		}
	}
	for _, f := range sessionFixtures() {
		err := gw.AddBuiltin(toolgate.Tool{Name: f.name, Description: f.desc, InputSchema: json.RawMessage(f.schema), UsesSession: true}, f.run)
		if err != nil {
			log.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	fmt.Printf("conformance gateway at http://%s/mcp (stateless=%v json=%v)\n", ln.Addr(), *stateless, *jsonResp)
	log.Fatal((&http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}).Serve(ln))
}
