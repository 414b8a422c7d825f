package toolgate

import (
	"context"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// RelayElicit sends an elicitation request to the client exactly as given,
// its requested schema included, and returns the client's answer as it
// came. It is for relaying the elicitation/create of another server
// (package mcpserver), which checks the answer against its schema itself.
//
// Elicit, for a tool asking on its own behalf, checks the answer against
// the schema with go-sdk's rules for elicitation schemas, which are
// stricter than the MCP specification's (a titled multi-select whose items
// also declare "type": "string" is refused): a relayed request must reach
// the user whatever those rules say.
func (s *Session) RelayElicit(ctx context.Context, params *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	if err := s.canAsk("elicitation"); err != nil {
		return nil, err
	}
	caps := s.ClientCapabilities()
	if caps == nil || caps.Elicitation == nil {
		return nil, errors.New("toolgate: the client does not support elicitation")
	}
	if params == nil {
		return nil, errors.New("toolgate: elicitation: no params")
	}
	if s.stream != nil {
		return s.streamElicit(ctx, params, caps.Elicitation)
	}
	p := *params
	if p.RequestedSchema != nil {
		// go-sdk checks the answer against the schema of the params it is
		// given: it is given none, and the request it sends gets the
		// schema back (relayedSchema).
		ctx = context.WithValue(ctx, relayedSchemaKey{}, p.RequestedSchema)
		p.RequestedSchema = nil
	}
	res, err := ask(ctx, s, func(ctx context.Context) (*mcp.ElicitResult, error) { return s.ss.Elicit(ctx, &p) })
	if err != nil {
		return nil, fmt.Errorf("toolgate: elicitation: %w", err)
	}
	return res, nil
}

type relayedSchemaKey struct{}

// relayedSchema is the gateway's sending middleware: an elicitation/create
// sent by RelayElicit carries the requested schema RelayElicit kept aside.
func relayedSchema(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if method == "elicitation/create" {
			if schema := ctx.Value(relayedSchemaKey{}); schema != nil {
				// go-sdk sends a server's requests as ServerRequest[Params].
				if r, ok := req.(*mcp.ServerRequest[mcp.Params]); ok {
					if ep, ok := r.Params.(*mcp.ElicitParams); ok && ep != nil {
						p := *ep // a copy: go-sdk keeps its own params schema-less
						p.RequestedSchema = schema
						r.Params = &p
					}
				}
			}
		}
		return next(ctx, method, req)
	}
}
