package toolgate

import (
	"context"
	"fmt"
)

// A call's handler receives a context that carries the call itself, under
// the key of its principal: PrincipalFrom reads the principal from it, and
// a call the handler makes through Gateway.Call with that context (a tool
// that calls tools, such as the search package's call tool) is known to be
// made within it. Its audit record then names the tool it was made in
// (AuditRecord.Via) and carries the outer call's session, address and
// request id, per-caller limits count it against the caller over the
// network rather than against the application's own in-process calls, and
// its target sees the caller's session id, headers and client capabilities
// (CallRequest.SessionID, Header, Session.ClientCapabilities), though it
// cannot reach the client. Carrying the call where the principal was costs
// the call path nothing.

// withCall returns ctx carrying the call of ob, and with it ob's principal.
func withCall(ctx context.Context, ob *observation) context.Context {
	return context.WithValue(ctx, principalKey{}, ob)
}

// callOf returns the call whose handler ctx belongs to, or nil: outside a
// handler, or where the handler gave the context another principal
// (WithPrincipal), which makes what follows a call of its own.
func callOf(ctx context.Context) *observation {
	ob, _ := ctx.Value(principalKey{}).(*observation)
	return ob
}

// origin returns what the gateway knows of the HTTP request ob's call came
// from, directly or through calls made within handlers; nil for a call the
// application made in process.
func (ob *observation) origin() *requestInfo {
	for ; ob != nil; ob = ob.via {
		if ob.ri != nil {
			return ob.ri
		}
	}
	return nil
}

// errWithinCall is what the Session of a call made within another call
// fails with.
var errWithinCall = fmt.Errorf("toolgate: %w: a call made in process within another call cannot reach the client", ErrNoSession)

// nestedSession returns the Session of a call made within the call of via
// (nil: none, the application's own call): it reaches no client, but
// tells the capabilities the caller's client declared, so that a target
// that opens a session of its own for the caller (another MCP server's
// backend session) declares them there, as the caller's direct call
// would.
func nestedSession(via *observation) *Session {
	for o := via; o != nil; o = o.via {
		if o.client != nil {
			return &Session{ss: o.client, err: errWithinCall}
		}
	}
	return inProcess
}
