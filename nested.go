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
// its target sees the caller's session id and headers (CallRequest.SessionID,
// Header). A tool called within a call whose Session reaches the client
// (the outer tool declares Tool.UsesSession, or Tool.CallsTool naming it)
// shares that Session, if it declares UsesSession itself: what it sends
// goes to the caller, related to the caller's request. Otherwise its
// Session tells the client's capabilities but cannot reach the client.
// Carrying the call where the principal was costs the call path nothing.

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
// fails with when that call's Session does not reach the client.
var errWithinCall = fmt.Errorf("toolgate: %w: a call made in process within another call cannot reach the client unless that call's Session can (Tool.UsesSession, Tool.CallsTool)", ErrNoSession)

// nestedSession returns the Session and _meta of a call of e made within
// the call of via (nil: none, the application's own call). A tool that
// does not declare Tool.UsesSession has none, as when called directly. One
// that does shares the Session of the nearest call it was made within
// that reaches the client, and the _meta of that call's request (its
// progress token, say): the Session is a copy, so that a tool that relays
// another server's session (Tool.RelaysSession), or any tool within a
// call the gateway answers with a stream of its own, may not Elicit. One
// that finds none reaches no client and has no _meta, but its Session
// tells the capabilities the caller's client declared, so that a target
// that opens a session of its own for the caller (another MCP server's
// backend session) declares them there, as the caller's direct call
// would.
func nestedSession(via *observation, e *entry) (*Session, map[string]any) {
	if via != nil && !e.prep.tool.UsesSession {
		return undeclared, nil
	}
	for o := via; o != nil; o = o.via {
		if o.sess != nil {
			s := *o.sess
			s.relayOnly = s.stream != nil || e.prep.tool.RelaysSession
			return &s, o.meta
		}
		if o.client != nil {
			return &Session{ss: o.client, err: errWithinCall}, nil
		}
	}
	return inProcess, nil
}
