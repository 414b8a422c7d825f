package mcpserver_test

import (
	"maps"
	"reflect"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/mcpserver"
)

// TestStatelessCallerMeta: a caller of a stateless gateway speaking the
// sessionless protocol puts its version, information and capabilities in
// every request's _meta; they describe its exchange with the gateway, and
// a stateful server refuses a request that carries them, so calls of the
// server reach it without them, by either path (completion/complete
// forwards its _meta through the same forwardedMeta).
func TestStatelessCallerMeta(t *testing.T) {
	_, url := backend(t, nil)
	tg := newTarget(t, mcpserver.Options{Name: "up", URL: url})
	_, url = gatewayWith(t, &toolgate.Options{Authorizer: auth.None(), Stateless: true}, tg)
	cs := connect(t, url, nil)
	ctx := callCtx(t)
	for name, meta := range map[string]mcp.Meta{
		"quiet":          nil,
		"with a token":   {"progressToken": "p"},
		"with own _meta": {"example.com/k": "v"},
	} {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"text": "hi"}, Meta: meta})
		if err != nil || res.IsError || text(res) != "hi" {
			t.Fatalf("%s: %v %+v %q", name, err, res, text(res))
		}
	}
}

func TestForwardedMeta(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"nil", nil, nil},
		{"empty", map[string]any{}, nil},
		{"only the caller's", map[string]any{"progressToken": 1, mcp.MetaKeyProtocolVersion: "2026-07-28", mcp.MetaKeyClientInfo: map[string]any{"name": "c"},
			mcp.MetaKeyClientCapabilities: map[string]any{}, mcp.MetaKeyLogLevel: "debug", mcp.MetaKeySubscriptionID: "s"}, nil},
		{"the request's kept", map[string]any{"progressToken": 1, "example.com/k": "v", "traceparent": "00-x", mcp.MetaKeyProtocolVersion: "2026-07-28"},
			map[string]any{"example.com/k": "v", "traceparent": "00-x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := maps.Clone(tc.in)
			got := mcpserver.ForwardedMeta(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if !reflect.DeepEqual(in, tc.in) {
				t.Errorf("the caller's _meta changed: %v", tc.in)
			}
		})
	}
}
