package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/toolgate/toolgate/internal/fastpath"
)

// requestInfo travels from ServeHTTP into the MCP handlers: the one
// carrier of the request's principal. It rides in the Extra of the token
// information go-sdk hands every JSON-RPC request of the HTTP request.
type requestInfo struct {
	principal  *Principal
	ctx        context.Context   // the HTTP request's context
	header     http.Header       // the request's own headers, as the caller sent them
	splice     *fastpath.Splicer // pages of tools/list awaiting their bytes
	auth       []string          // the request's own Authorization values
	hadAuth    bool
	remoteAddr string
	watch      *cancelWatch // what go-sdk answers the request through (relaycancel.go)

	obs atomic.Pointer[observation] // the request's, once a handler began it
}

type requestInfoKey struct{}

const requestInfoExtra = "toolgate.request"

// ServeHTTP serves MCP over streamable HTTP: the body limit, the
// Authorizer (whose refusals the gateway answers itself), then go-sdk, or
// the fast path for a call it may answer directly. The caller's request is
// not modified.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		// A call's answer is written after its target returns: Shutdown
		// waits for the request, not only for the call (invoke).
		g.running.Add(1)
		defer g.running.Add(-1)
	}
	if max := g.opts.MaxBodyBytes; max > 0 && r.ContentLength > max {
		writeJSONRPCError(w, http.StatusRequestEntityTooLarge, nil, jsonrpc.CodeInvalidRequest,
			fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, max))
		return
	}
	p := anonymousPrincipal()
	if g.opts.Authorizer != nil {
		ap, err := g.opts.Authorizer.Authorize(r)
		if err != nil {
			g.refused(r, nil, OutcomeRefusedAuth, "the authorizer refused the request")
			g.writeAuthError(w, r, err)
			return
		}
		if ap != nil {
			p = ap
		}
	}
	if ok, wait := g.limitRequest(p, r); !ok {
		g.refused(r, p, OutcomeThrottled, "the caller's request rate limit")
		writeThrottled(w, wait)
		return
	}
	ri := &requestInfo{principal: p, ctx: r.Context(), header: r.Header,
		splice: g.splices.Splicer(), remoteAddr: r.RemoteAddr}
	// go-sdk gets no expiry or scopes to check: the Authorizer has decided.
	ti := &sdkauth.TokenInfo{Extra: map[string]any{requestInfoExtra: ri}}
	if !p.Anonymous() {
		// go-sdk binds a stateful session to the user that opened it.
		ti.UserID = p.ID()
	}
	if g.sessionOfAnother(r, ti.UserID) {
		g.refused(r, p, OutcomeRefusedAuth, "the session belongs to another user")
		g.writeAuthError(w, r, errSessionOfAnother)
		return
	}
	// go-sdk takes token information only from its bearer-token middleware,
	// which wants a bearer header: lend it one on a copy of the request
	// with its own header map, and give that copy the caller's
	// Authorization back in serveMCP, before go-sdk reads the headers.
	ri.auth, ri.hadAuth = r.Header["Authorization"]
	r2 := new(http.Request)
	*r2 = *r
	r2.Header = make(http.Header, len(r.Header)+1)
	for k, v := range r.Header {
		r2.Header[k] = v
	}
	r2.Header["Authorization"] = lentBearer
	r2 = r2.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ti))
	if g.ic != nil {
		g.serveIntercepted(w, r, r2, ri, func(w http.ResponseWriter, r2 *http.Request) {
			g.inject.ServeHTTP(ri.splice.Writer(w), r2)
		})
	} else {
		g.inject.ServeHTTP(ri.splice.Writer(w), r2)
	}
	if ob := ri.obs.Load(); ob != nil {
		ob.written(r.Context())
	}
}

// refused reports an HTTP request the gateway refused before reading it.
func (g *Gateway) refused(r *http.Request, p *Principal, o Outcome, reason string) {
	if g.tel == nil && !g.auditing() {
		return
	}
	if p == nil {
		p = anonymousPrincipal()
	}
	ri := &requestInfo{principal: p, ctx: r.Context(), header: r.Header, remoteAddr: r.RemoteAddr}
	ctx, ob := g.observeRequest(r.Context(), ri, "", "", nil)
	ob.setOutcome(o, reason)
	ob.end(ctx, nil, nil)
	ob.written(ctx)
}

// lentBearer is the Authorization header go-sdk's middleware sees.
var lentBearer = []string{"Bearer toolgate"}

// serveMCP gives the request copy the caller's Authorization back and hands
// it to the fast path or go-sdk.
func (g *Gateway) serveMCP(w http.ResponseWriter, r *http.Request) {
	var ri *requestInfo
	if ti := sdkauth.TokenInfoFromContext(r.Context()); ti != nil {
		ri, _ = ti.Extra[requestInfoExtra].(*requestInfo)
		if ri != nil {
			if ri.hadAuth {
				r.Header["Authorization"] = ri.auth
			} else {
				delete(r.Header, "Authorization")
			}
		}
	}
	if g.fast.Serve(w, r) {
		return
	}
	if ri != nil && r.Method == http.MethodPost && !g.opts.Stateless {
		// A call may send the caller requests: count their cancellations.
		ri.watch = newCancelWatch(w)
		w = ri.watch
	}
	g.mcpHTTP.ServeHTTP(w, r)
}

// errSessionOfAnother refuses a request on a session another user opened.
var errSessionOfAnother = authRefusal{status: http.StatusForbidden, msg: "the session belongs to another user"}

type authRefusal struct {
	status int
	msg    string
}

func (e authRefusal) Error() string           { return e.msg }
func (e authRefusal) HTTPStatus() int         { return e.status }
func (e authRefusal) HTTPHeader() http.Header { return nil }

// sessionOfAnother reports whether r names a stateful session that a user
// other than userID opened. go-sdk binds a session to the user who opened
// it (anyone, for a session opened anonymously) and would refuse the
// request with a bare 403.
func (g *Gateway) sessionOfAnother(r *http.Request, userID string) bool {
	sid := r.Header.Get("Mcp-Session-Id")
	if sid == "" || g.opts.Stateless {
		return false
	}
	owner, ok := g.fast.Owner(sid)
	return ok && owner != "" && owner != userID
}

// writeAuthError answers a refused request: 401 (or the status the error
// names), a WWW-Authenticate challenge naming the RFC 9728 resource
// metadata, and a JSON-RPC error body.
func (g *Gateway) writeAuthError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusUnauthorized
	var he HTTPError
	if errors.As(err, &he) {
		status = he.HTTPStatus()
		for k, vs := range he.HTTPHeader() {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
	}
	if w.Header().Get("WWW-Authenticate") == "" {
		challenge := fmt.Sprintf("Bearer resource_metadata=%q", g.resourceMetadataURL(r))
		if status == http.StatusForbidden {
			challenge = `Bearer error="insufficient_scope", ` + challenge[len("Bearer "):]
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	msg := "unauthorized"
	if status == http.StatusForbidden {
		msg = "forbidden"
	}
	writeJSONRPCError(w, status, nil, -32001, msg+": "+err.Error())
}

// resourceMetadataURL is Options.ResourceMetadataURL, or the RFC 9728
// metadata URL of the resource r addresses: the well-known path inserted
// between its host and its path.
func (g *Gateway) resourceMetadataURL(r *http.Request) string {
	if g.opts.ResourceMetadataURL != "" {
		return g.opts.ResourceMetadataURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path := r.URL.Path
	if path == "/" {
		path = ""
	}
	return scheme + "://" + r.Host + "/.well-known/oauth-protected-resource" + path
}

func writeJSONRPCError(w http.ResponseWriter, status int, id any, code int64, msg string) {
	body, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      id,
		"error":   map[string]any{"code": code, "message": msg},
	})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// spliceBroken turns tools/list splicing off for good, after go-sdk wrote
// a placeholder in a shape the splicer did not expect: listings then use
// go-sdk's own encoding.
func (g *Gateway) spliceBroken(err error) {
	if !g.spliceOff.Swap(true) {
		g.log.Error("toolgate: tools/list pages are now encoded by go-sdk", "err", err)
	}
}
