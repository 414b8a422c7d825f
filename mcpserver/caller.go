package mcpserver

import (
	"context"
	"errors"
	"net/http"

	"github.com/toolgate/toolgate"
)

// Credentials that act on behalf of the caller (credentials.ActsForCaller:
// token exchange, passthrough) exist only within a caller's request, while
// a backend session outlives its calls: its initialization, its event
// stream and its reconnections are made for no request at all. Such a
// target therefore keeps every backend session a caller's own: bound to
// the principal whose call opened it, made with that principal's newest
// token (each call brings it), and never used by another caller. The
// gateway's own requests (listing, subscriptions) use ListingCredentials
// on the shared session instead, which calls never use.

// errNoCaller is the refusal of a call that has no caller's token to act
// with.
var errNoCaller = errors.New("the server's credentials act on behalf of the caller, and the call has no caller's token")

// errOtherCaller is the refusal of a call on a backend session that
// another caller opened.
var errOtherCaller = errors.New("the backend session belongs to another caller")

// callerKey returns the key of the backend session for calls of p without a
// caller's session id: one per principal. No session id starts with the
// byte it starts with.
func callerKey(p *toolgate.Principal) string { return "\x00caller\x00" + p.ID() }

// callerOf returns the principal of ctx to act for, or errNoCaller.
func callerOf(ctx context.Context) (*toolgate.Principal, error) {
	p := toolgate.PrincipalFrom(ctx)
	if p.Anonymous() || p.Token == "" {
		return nil, errNoCaller
	}
	return p, nil
}

// bind records p, the caller of a call on l, as the principal l's requests
// are made for; it refuses another caller than the one l is bound to, and
// reports whether p brings another token than l had.
func (l *link) bind(p *toolgate.Principal) (renewed bool, err error) {
	old := l.caller.Load()
	if old != nil && old.ID() != p.ID() {
		return false, errOtherCaller
	}
	l.caller.Store(p)
	return old == nil || old.Token != p.Token, nil
}

// down reports whether l is not connected and its last attempt failed.
// A caller's link that is down may have failed for its caller's token
// alone (expired, refused by the authorization server): a call with
// another token replaces it at once rather than wait for the backoff.
func (l *link) down() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cs == nil && l.err != nil
}

// callerTransport gives each request of a caller's backend session that
// carries no caller (go-sdk's initialization, event stream, closing
// DELETE) the link's newest principal, for the credentials to act with.
type callerTransport struct {
	base http.RoundTripper
	l    *link
}

func (c callerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if p := c.l.caller.Load(); p != nil && toolgate.PrincipalFrom(req.Context()).Token == "" {
		req = req.WithContext(toolgate.WithPrincipal(req.Context(), p))
	}
	return c.base.RoundTrip(req)
}
