package toolgate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
)

// A Go interceptor of AgentCore's contract: at the REQUEST point it
// refuses calls of a tool, at the RESPONSE point it redacts an address
// from every answer. A Lambda function (lambda.NewFunction) plugs in the
// same way and sees the same payloads.
func ExampleGatewayInterceptor() {
	guard := toolgate.InterceptorFunc(func(_ context.Context, in *toolgate.InterceptorInput) (*toolgate.InterceptorOutput, error) {
		if resp := in.MCP.GatewayResponse; resp != nil { // RESPONSE
			out := in.PassThrough()
			out.MCP.TransformedGatewayResponse.Body = json.RawMessage(
				strings.ReplaceAll(string(resp.Body), "ada@example.com", "[REDACTED]"))
			return out, nil
		}
		var req struct {
			ID     json.RawMessage `json:"id"`
			Params struct{ Name string }
		}
		if err := json.Unmarshal(in.MCP.GatewayRequest.Body, &req); err != nil {
			return nil, err
		}
		if req.Params.Name == "people___delete" {
			deny := fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"result":{"isError":true,"content":[{"type":"text","text":"not allowed"}]}}`, req.ID)
			return &toolgate.InterceptorOutput{InterceptorOutputVersion: toolgate.InterceptorVersion, MCP: &toolgate.InterceptorMCPOutput{
				TransformedGatewayResponse: &toolgate.GatewayResponse{StatusCode: 200, Body: json.RawMessage(deny)},
			}}, nil
		}
		return in.PassThrough(), nil
	})
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Stateless: true, JSONResponse: true,
		GatewayInterceptors: []toolgate.GatewayInterceptor{{Handler: guard, Request: true, Response: true}}})
	if err != nil {
		panic(err)
	}
	defer gw.Close()
	people := toolgate.Funcs("people",
		toolgate.Func("find", "Find a person", func(context.Context, struct{}) (string, error) { return "Ada, ada@example.com", nil }),
		toolgate.Func("delete", "Delete a person", func(context.Context, struct{}) (string, error) { return "deleted", nil }))
	if err := gw.AddTarget(context.Background(), people); err != nil {
		panic(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	for _, tool := range []string{"people___find", "people___delete"} {
		body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var answer struct {
			Result struct {
				IsError bool
				Content []struct{ Text string }
			}
		}
		if err := json.Unmarshal(b, &answer); err != nil || len(answer.Result.Content) == 0 {
			panic(string(b))
		}
		fmt.Println(tool+":", answer.Result.Content[0].Text, "isError:", answer.Result.IsError)
	}
	// Output:
	// people___find: Ada, [REDACTED] isError: false
	// people___delete: not allowed isError: true
}
