package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestCallerRequestNotModified: the gateway never changes the caller's
// *http.Request, whichever way it answers (go-sdk or the fast path), with
// and without an Authorization header.
func TestCallerRequestNotModified(t *testing.T) {
	bodies := map[string]string{
		"initialize": initBody,
		"tools/call": `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"math___add","arguments":{"a":1,"b":2}}}`,
		"tools/list": `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`,
	}
	for _, auth := range []string{"", "Bearer caller-token"} {
		for _, name := range slices.Sorted(maps.Keys(bodies)) {
			t.Run(fmt.Sprintf("%s/auth=%v", name, auth != ""), func(t *testing.T) {
				gw := mustGateway(t, &Options{Stateless: true, JSONResponse: true, Authorizer: AuthorizerFunc(func(r *http.Request) (*Principal, error) {
					return &Principal{Subject: "alice"}, nil
				})}, mathTarget())
				r := httptest.NewRequest("POST", "/mcp", strings.NewReader(bodies[name]))
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Accept", "application/json, text/event-stream")
				r.Header.Set("Mcp-Protocol-Version", "2025-11-25")
				if auth != "" {
					r.Header.Set("Authorization", auth)
				}
				before := r.Header.Clone()
				ctx := r.Context()
				w := httptest.NewRecorder()
				gw.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Fatalf("status %d: %s", w.Code, w.Body)
				}
				if !equalHeaders(before, r.Header) || r.Context() != ctx {
					t.Fatalf("the caller's request changed:\nbefore %v\nafter  %v", before, r.Header)
				}
			})
		}
	}
}

func equalHeaders(a, b http.Header) bool {
	return maps.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// TestAcceptedTokenIsNeverRefusedLater: a principal whose credential
// expired a moment ago (inside an authorizer's clock-skew leeway) is
// served, in every transport mode, and its session keeps working.
func TestAcceptedTokenIsNeverRefusedLater(t *testing.T) {
	for _, m := range []struct{ stateless, json bool }{{false, false}, {false, true}, {true, false}, {true, true}} {
		t.Run(fmt.Sprintf("stateless=%v,json=%v", m.stateless, m.json), func(t *testing.T) {
			gw := mustGateway(t, &Options{Stateless: m.stateless, JSONResponse: m.json, Authorizer: AuthorizerFunc(func(r *http.Request) (*Principal, error) {
				return &Principal{Subject: "alice", ExpiresAt: time.Now().Add(-10 * time.Second)}, nil
			})}, mathTarget())
			cs := connect(t, serve(t, gw), nil)
			for range 2 {
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "math___add", Arguments: map[string]any{"a": 1, "b": 2}})
				if err != nil || res.IsError {
					t.Fatalf("call: %v %+v", err, res)
				}
			}
		})
	}
}

// TestRefusals: every refusal is the gateway's own answer: the status, a
// WWW-Authenticate challenge naming the resource metadata, and a JSON-RPC
// error body.
func TestRefusals(t *testing.T) {
	refuse := func(err error) Authorizer {
		return AuthorizerFunc(func(r *http.Request) (*Principal, error) {
			if r.Header.Get("X-Key") == "alice" {
				return &Principal{Subject: "alice"}, nil
			}
			if r.Header.Get("X-Key") == "bob" {
				return &Principal{Subject: "bob"}, nil
			}
			return nil, err
		})
	}
	tests := []struct {
		name      string
		opts      Options
		key       string
		session   bool // on alice's session
		status    int
		challenge string
	}{
		{"plain error", Options{Authorizer: refuse(errors.New("no key"))}, "", false,
			401, `Bearer resource_metadata="http://HOST/.well-known/oauth-protected-resource/mcp"`},
		{"configured metadata URL", Options{Authorizer: refuse(errors.New("no key")), ResourceMetadataURL: "https://tools.example/.well-known/oauth-protected-resource"}, "", false,
			401, `Bearer resource_metadata="https://tools.example/.well-known/oauth-protected-resource"`},
		{"error with its own challenge", Options{Authorizer: refuse(authErr{})}, "", false,
			401, `Bearer resource_metadata="https://x/.well-known/oauth-protected-resource"`},
		{"forbidden without a challenge", Options{Authorizer: refuse(authRefusal{status: 403, msg: "no scope"})}, "", false,
			403, `Bearer error="insufficient_scope", resource_metadata="http://HOST/.well-known/oauth-protected-resource/mcp"`},
		{"another user's session", Options{Authorizer: refuse(errors.New("no key"))}, "bob", true,
			403, `Bearer error="insufficient_scope", resource_metadata="http://HOST/.well-known/oauth-protected-resource/mcp"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Logger = discardLogger()
			gw, err := New(&tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := gw.AddTarget(context.Background(), mathTarget()); err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/mcp", gw)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			defer gw.Close()
			url := srv.URL + "/mcp"
			hdr := map[string]string{"X-Key": tc.key, "Mcp-Protocol-Version": "2025-11-25"}
			body := initBody
			if tc.session {
				c := mcp.NewClient(&mcp.Implementation{Name: "alice", Version: "0"}, nil)
				hc := &http.Client{Transport: &headerTransport{base: http.DefaultTransport, hdr: http.Header{"X-Key": {"alice"}}}}
				cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc}, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer cs.Close()
				hdr["Mcp-Session-Id"] = cs.ID()
				body = `{"jsonrpc":"2.0","id":9,"method":"tools/list"}`
			}
			status, h, b := rawExchange(t, url, []byte(body), hdr)
			var msg struct {
				JSONRPC string
				Error   struct{ Code int64 }
			}
			err = json.Unmarshal([]byte(b), &msg)
			want := strings.ReplaceAll(tc.challenge, "HOST", strings.TrimPrefix(srv.URL, "http://"))
			if status != tc.status || h.Get("WWW-Authenticate") != want ||
				err != nil || msg.JSONRPC != "2.0" || msg.Error.Code != -32001 {
				t.Fatalf("got %d %q (body %s, %v)\nwant %d %q", status, h.Get("WWW-Authenticate"), b, err, tc.status, want)
			}
		})
	}
}
