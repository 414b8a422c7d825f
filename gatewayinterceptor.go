package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// InterceptorVersion is the version of AgentCore Gateway's interceptor
// payloads: interceptorInputVersion and interceptorOutputVersion.
const InterceptorVersion = "1.0"

// A GatewayInterceptor is an interceptor in AgentCore Gateway's model (its
// GatewayInterceptorConfiguration): custom code run around every MCP
// request the gateway serves over HTTP, at the REQUEST interception point
// (before the gateway serves the request) and at the RESPONSE one (before
// the answer is written), with AgentCore's version 1.0 payloads. A Lambda
// function is one (package lambda, Function); a Go value is another.
// docs/interceptors.md describes the contract.
type GatewayInterceptor struct {
	// Handler is called with the payload at each interception point.
	Handler InterceptorHandler
	// Request and Response are the interception points (AgentCore's
	// interceptionPoints REQUEST and RESPONSE); at least one.
	Request, Response bool
	// PassRequestHeaders includes the HTTP request's headers in
	// gatewayRequest.headers. They carry the caller's credentials
	// (Authorization), so it is off by default, as in AgentCore.
	PassRequestHeaders bool
}

// An InterceptorHandler receives an interceptor's input payload and returns
// its output payload. The context carries the caller's Principal
// (PrincipalFrom) and is bounded by the gateway's CallTimeout. A returned
// error, like an output that is not version 1.0, is a failure of the
// interceptor: the gateway retries it once, then answers the request with
// a JSON-RPC error, and the request never reaches a target. Implementations
// must be safe for concurrent use and must not keep the input.
type InterceptorHandler interface {
	Intercept(ctx context.Context, in *InterceptorInput) (*InterceptorOutput, error)
}

// InterceptorFunc adapts a function to an InterceptorHandler.
type InterceptorFunc func(ctx context.Context, in *InterceptorInput) (*InterceptorOutput, error)

// Intercept calls f(ctx, in).
func (f InterceptorFunc) Intercept(ctx context.Context, in *InterceptorInput) (*InterceptorOutput, error) {
	return f(ctx, in)
}

// InterceptorInput is the payload an interceptor receives, as AgentCore
// sends it to an interceptor Lambda function.
type InterceptorInput struct {
	// InterceptorInputVersion is InterceptorVersion.
	InterceptorInputVersion string               `json:"interceptorInputVersion"`
	MCP                     *InterceptorMCPInput `json:"mcp"`
}

// InterceptorMCPInput is the input's "mcp" object.
type InterceptorMCPInput struct {
	// RawGatewayRequest holds the HTTP request's body exactly as the
	// caller sent it.
	RawGatewayRequest *RawGatewayRequest `json:"rawGatewayRequest"`
	// GatewayRequest is the caller's request: the path, the HTTP method,
	// the headers (only with PassRequestHeaders) and the JSON-RPC request.
	GatewayRequest *GatewayRequest `json:"gatewayRequest"`
	// GatewayResponse is the gateway's answer; nil at the REQUEST
	// interception point, where there is none yet.
	GatewayResponse *GatewayResponse `json:"gatewayResponse,omitempty"`
}

// RawGatewayRequest is the request's body as a string.
type RawGatewayRequest struct {
	Body string `json:"body"`
}

// GatewayRequest is an MCP request: gatewayRequest in the input,
// transformedGatewayRequest in the output.
type GatewayRequest struct {
	// Path and HTTPMethod are the HTTP request's (input only).
	Path       string `json:"path,omitempty"`
	HTTPMethod string `json:"httpMethod,omitempty"`
	// Headers are the HTTP request's headers, several values of one
	// header joined with ", ". In the output, each header named here is
	// set on the request targets see (CallRequest.Header).
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the JSON-RPC request object. In the output, absent or null
	// keeps the request as it is.
	Body json.RawMessage `json:"body,omitempty"`
}

// GatewayResponse is the gateway's HTTP answer to an MCP request:
// gatewayResponse in the input, transformedGatewayResponse in the output.
type GatewayResponse struct {
	// StatusCode is the HTTP status; zero in the output keeps it (200
	// for an answer given in place of the gateway's).
	StatusCode int `json:"statusCode,omitempty"`
	// Headers are the answer's HTTP headers. In the output, each header
	// named is set; Content-Type and Content-Length stay the gateway's.
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the JSON-RPC response object. In the output, absent or null
	// keeps the body as it is.
	Body json.RawMessage `json:"body,omitempty"`
}

// InterceptorOutput is the payload an interceptor returns.
type InterceptorOutput struct {
	// InterceptorOutputVersion must be InterceptorVersion.
	InterceptorOutputVersion string                `json:"interceptorOutputVersion"`
	MCP                      *InterceptorMCPOutput `json:"mcp"`
}

// InterceptorMCPOutput is the output's "mcp" object. An empty one changes
// nothing.
type InterceptorMCPOutput struct {
	// TransformedGatewayRequest replaces the request (REQUEST point only):
	// a rewritten request is served as if the caller had sent it, so a
	// tools/call is routed and its arguments validated again.
	TransformedGatewayRequest *GatewayRequest `json:"transformedGatewayRequest,omitempty"`
	// TransformedGatewayResponse is the answer. At the REQUEST point the
	// gateway answers with it at once, even if TransformedGatewayRequest
	// is set too: the request reaches no target (RESPONSE interceptors
	// still run). At the RESPONSE point it replaces the gateway's answer.
	TransformedGatewayResponse *GatewayResponse `json:"transformedGatewayResponse,omitempty"`
}

// PassThrough returns the output that changes nothing: the request as it
// is at the REQUEST point, the response as it is at the RESPONSE point, as
// AgentCore's pass-through example returns them.
func (in *InterceptorInput) PassThrough() *InterceptorOutput {
	out := &InterceptorOutput{InterceptorOutputVersion: InterceptorVersion, MCP: &InterceptorMCPOutput{}}
	if in == nil || in.MCP == nil {
		return out
	}
	if r := in.MCP.GatewayResponse; r != nil {
		out.MCP.TransformedGatewayResponse = &GatewayResponse{StatusCode: r.StatusCode, Body: r.Body}
	} else if r := in.MCP.GatewayRequest; r != nil {
		out.MCP.TransformedGatewayRequest = &GatewayRequest{Body: r.Body}
	}
	return out
}

// errInterceptorOutput is a malformed output. Its messages never quote the
// payload, which may hold the caller's headers.
var errInterceptorOutput = errors.New("malformed interceptor output")

// checkOutput reports whether out is a version 1.0 output whose request
// and response, if any, are JSON.
func checkOutput(out *InterceptorOutput) error {
	switch {
	case out == nil:
		return fmt.Errorf("%w: none", errInterceptorOutput)
	case out.InterceptorOutputVersion != InterceptorVersion:
		return fmt.Errorf("%w: interceptorOutputVersion is not %q", errInterceptorOutput, InterceptorVersion)
	case out.MCP == nil:
		return fmt.Errorf("%w: no mcp object", errInterceptorOutput)
	}
	if r := out.MCP.TransformedGatewayResponse; r != nil {
		if r.StatusCode != 0 && (r.StatusCode < 100 || r.StatusCode > 599) {
			return fmt.Errorf("%w: transformedGatewayResponse.statusCode %d is not an HTTP status", errInterceptorOutput, r.StatusCode)
		}
		if !isNull(r.Body) && !json.Valid(r.Body) {
			return fmt.Errorf("%w: transformedGatewayResponse.body is not JSON", errInterceptorOutput)
		}
	}
	return nil
}

// isNull reports whether a body is absent or JSON null.
func isNull(b json.RawMessage) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// rewriteRequest returns the JSON-RPC request an interceptor's
// transformed body describes, answering id: a JSON object with a method.
// Its id is the caller's whatever the interceptor wrote, since the answer
// goes back to the caller.
func rewriteRequest(id json.RawMessage, body json.RawMessage) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: transformedGatewayRequest.body is not a JSON object", errInterceptorOutput)
	}
	var method string
	if json.Unmarshal(m["method"], &method) != nil || method == "" {
		return nil, fmt.Errorf("%w: transformedGatewayRequest.body has no method", errInterceptorOutput)
	}
	m["jsonrpc"] = json.RawMessage(`"2.0"`)
	m["id"] = id
	return json.Marshal(m)
}

// headerMap returns h as an interceptor payload's headers: one string per
// header, several values joined with ", ".
func headerMap(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for k, vs := range h {
		m[k] = strings.Join(vs, ", ")
	}
	return m
}

// framing reports whether a header is the gateway's to set: the answer's
// framing.
func framing(k string) bool {
	k = http.CanonicalHeaderKey(k)
	return k == "Content-Type" || k == "Content-Length" || k == "Transfer-Encoding"
}
