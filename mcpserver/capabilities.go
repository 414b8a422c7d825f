package mcpserver

import "github.com/modelcontextprotocol/go-sdk/mcp"

// relayAll is what the shared session declares: everything the target
// relays (sampling, with tools; elicitation, form and URL), and no roots
// (docs/mcpserver.md).
func relayAll() *mcp.ClientCapabilities {
	return &mcp.ClientCapabilities{
		Sampling:    &mcp.SamplingCapabilities{Tools: &mcp.SamplingToolsCapabilities{}},
		Elicitation: &mcp.ElicitationCapabilities{Form: &mcp.FormElicitationCapabilities{}, URL: &mcp.URLElicitationCapabilities{}},
	}
}

// declared returns what the link declares to the server: a caller's own
// session what its caller declared of sampling and elicitation (a server
// then asks only what the caller can answer, in the modes it can); the
// shared session relayAll.
func (l *link) declared() *mcp.ClientCapabilities {
	if l.key == "" {
		return relayAll()
	}
	out := &mcp.ClientCapabilities{}
	if c := l.callerCaps; c != nil {
		out.Sampling, out.Elicitation = c.Sampling, c.Elicitation
	}
	return out
}
