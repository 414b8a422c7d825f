package toolgate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestRelayElicit: a relayed elicitation reaches the client with its
// schema exactly as given, even one go-sdk's own rules refuse (a titled
// multi-select whose items also say "type": "string"), and the answer
// comes back unchanged; Elicit keeps go-sdk's checks.
func TestRelayElicit(t *testing.T) {
	schema := map[string]any{"type": "object", "properties": map[string]any{
		"colors": map[string]any{"type": "array", "title": "Colours", "items": map[string]any{
			"type": "string", "anyOf": []any{
				map[string]any{"const": "r", "title": "Red"},
				map[string]any{"const": "g", "title": "Green"},
			}}},
	}}
	ask := func(relay bool) FuncTool {
		return Func("ask", "Asks for colours", func(ctx context.Context, _ struct{}) (string, error) {
			p := &mcp.ElicitParams{Message: "Colours?", RequestedSchema: schema}
			var res *mcp.ElicitResult
			var err error
			if relay {
				res, err = SessionFrom(ctx).RelayElicit(ctx, p)
			} else {
				res, err = SessionFrom(ctx).Elicit(ctx, p)
			}
			if err != nil {
				return "", err
			}
			b, _ := json.Marshal(res)
			return string(b), nil
		}).WithSession()
	}
	for _, tc := range []struct {
		name  string
		relay bool
		want  string
	}{
		{"relayed", true, `{"action":"accept","content":{"colors":["r"]}}`},
		{"asked by a tool", false, "elicit schema property"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := mustGateway(t, nil, Funcs("form", ask(tc.relay)))
			var asked json.RawMessage
			c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, &mcp.ClientOptions{
				Capabilities: &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{Form: &mcp.FormElicitationCapabilities{}}},
			})
			// The client answers before go-sdk's client checks the schema
			// (it refuses this one too), as the official clients do.
			c.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
				return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
					if method != "elicitation/create" {
						return next(ctx, method, req)
					}
					asked, _ = json.Marshal(req.(*mcp.ElicitRequest).Params.RequestedSchema)
					return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"colors": []any{"r"}}}, nil
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: serve(t, gw)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "form___ask", Arguments: map[string]any{}})
			if err != nil || !strings.Contains(textOf(res), tc.want) {
				t.Fatalf("got %v %q, want %q", err, textOf(res), tc.want)
			}
			want, _ := json.Marshal(schema)
			if string(asked) != string(want) {
				t.Errorf("the client was asked with the schema\n%s\nwant\n%s", asked, want)
			}
		})
	}
}
