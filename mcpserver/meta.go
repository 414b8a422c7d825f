package mcpserver

import (
	"maps"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// hopMeta are the _meta keys that describe the caller's exchange with the
// gateway rather than the request: the sessionless protocol's per-request
// version, client information, capabilities and log level, and the
// subscription a notification belongs to. The target's own exchange with
// the server has its own (a stateful server refuses a request that names
// the sessionless version), so they are not forwarded.
var hopMeta = []string{
	mcp.MetaKeyProtocolVersion,
	mcp.MetaKeyClientInfo,
	mcp.MetaKeyClientCapabilities,
	mcp.MetaKeyLogLevel,
	mcp.MetaKeySubscriptionID,
}

// forwardedMeta returns a copy of a request's _meta as the target sends it
// on: without the caller's progress token (the target sets its own) and
// the keys of the caller's hop. Nil when nothing is left.
func forwardedMeta(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out := maps.Clone(m)
	delete(out, "progressToken")
	for _, k := range hopMeta {
		delete(out, k)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
