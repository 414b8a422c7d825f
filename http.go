package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// requestInfo travels from ServeHTTP into the MCP handlers.
type requestInfo struct {
	principal *Principal
	ctx       context.Context // the HTTP request's context
	header    http.Header     // the request's own headers
	splice    *splicer        // pages of tools/list awaiting their bytes
	auth      []string        // the request's own Authorization values
	hadAuth   bool
}

type requestInfoKey struct{}

const requestInfoExtra = "toolgate.request"

// ServeHTTP serves MCP over streamable HTTP.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if max := g.opts.MaxBodyBytes; max > 0 && r.ContentLength > max {
		writeJSONRPCError(w, http.StatusRequestEntityTooLarge, nil, jsonrpc.CodeInvalidRequest,
			fmt.Sprintf("request body of %d bytes exceeds the limit of %d bytes", r.ContentLength, max))
		return
	}
	p := anonymousPrincipal()
	if g.opts.Authorizer != nil {
		ap, err := g.opts.Authorizer.Authorize(r)
		if err != nil {
			g.writeAuthError(w, err)
			return
		}
		if ap != nil {
			p = ap
		}
	}
	ri := &requestInfo{principal: p, ctx: r.Context(), header: r.Header,
		splice: &splicer{nonce: g.nonce, seq: &g.pageSeq}}
	ti := &sdkauth.TokenInfo{Scopes: p.Scopes, Expiration: p.ExpiresAt, Extra: map[string]any{requestInfoExtra: ri}}
	if !p.Anonymous() {
		// go-sdk binds a stateful session to the user that opened it.
		ti.UserID = p.Issuer + "\x00" + p.Subject + "\x00" + p.ClientID
	}
	// The injector wants a bearer header; lend it one and give the request
	// its own back in serveMCP, before go-sdk sees the headers.
	ri.auth, ri.hadAuth = r.Header["Authorization"]
	r.Header["Authorization"] = []string{"Bearer toolgate"}
	g.inject.ServeHTTP(&spliceWriter{ResponseWriter: w, s: ri.splice}, r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ti)))
}

// serveMCP restores the request's own headers and hands it to go-sdk.
func (g *Gateway) serveMCP(w http.ResponseWriter, r *http.Request) {
	if ti := sdkauth.TokenInfoFromContext(r.Context()); ti != nil {
		if ri, ok := ti.Extra[requestInfoExtra].(*requestInfo); ok {
			if ri.hadAuth {
				r.Header["Authorization"] = ri.auth
			} else {
				delete(r.Header, "Authorization")
			}
		}
	}
	if g.serveFastCall(w, r) {
		return
	}
	g.mcpHTTP.ServeHTTP(w, r)
}

func (g *Gateway) writeAuthError(w http.ResponseWriter, err error) {
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
	msg := "unauthorized"
	if status == http.StatusForbidden {
		msg = "forbidden"
	}
	writeJSONRPCError(w, status, nil, -32001, msg+": "+err.Error())
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
