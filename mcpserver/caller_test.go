package mcpserver_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
	"github.com/toolgate/toolgate/mcpserver"
)

// The audiences of the test: the gateway's (callers' tokens) and the MCP
// server's (what the gateway sends it).
const (
	gatewayAudience = "https://gateway.test/"
	serverAudience  = "https://mcp.test/"
)

// guardedServer is an MCP server that accepts only the provider's tokens
// for its own audience, checked with the standard library alone, and
// records who each request came from.
type guardedServer struct {
	url    string
	refuse atomic.Bool  // refuse every request, as if every token had expired
	lists  atomic.Int32 // tools/list requests received

	mu       sync.Mutex
	bySess   map[string][]string // Mcp-Session-Id -> subjects of its requests ("" for the initialize)
	subjects []string            // every request's subject
	tokens   []string            // every token received
}

func startGuardedServer(t *testing.T, p *oidc.Provider) *guardedServer {
	t.Helper()
	g := &guardedServer{bySess: map[string][]string{}}
	subjectOf := func(h http.Header) string {
		v, err := p.Check(t, strings.TrimPrefix(h.Get("Authorization"), "Bearer "))
		if err != nil || !slices.Contains(v.Audience(), serverAudience) {
			return ""
		}
		return v.Subject()
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "guarded", Version: "1"}, &mcp.ServerOptions{
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}, Prompts: &mcp.PromptCapabilities{}},
	})
	s.AddTool(&mcp.Tool{Name: "whoami", Description: "Says whom the server is serving.", InputSchema: map[string]any{"type": "object"}},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "serving " + subjectOf(req.Extra.Header)}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "greet", Description: "Greets whom the server is serving."},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hello " + subjectOf(req.Extra.Header)}}}}, nil
		})
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub := subjectOf(r.Header)
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte(`"method":"tools/list"`)) {
				g.lists.Add(1)
			}
		}
		if g.refuse.Load() {
			sub = "" // not served
		}
		g.mu.Lock()
		g.subjects = append(g.subjects, sub)
		g.tokens = append(g.tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		if sid := r.Header.Get("Mcp-Session-Id"); sid != "" {
			g.bySess[sid] = append(g.bySess[sid], sub)
		}
		g.mu.Unlock()
		if sub == "" || g.refuse.Load() {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

// sessions returns, for each backend session, the subjects its requests
// came from.
func (g *guardedServer) sessions() map[string][]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string][]string{}
	for k, v := range g.bySess {
		out[k] = slices.Compact(slices.Sorted(slices.Values(v)))
	}
	return out
}

// onBehalf is the set-up of the tests of credentials that act for the
// caller: a real OpenID provider, a guarded MCP server, the gateway's token
// exchange and its own client credentials for that server, and a JWT
// authorizer for the gateway's callers.
type onBehalf struct {
	p        *oidc.Provider
	g        *guardedServer
	gwClient oidc.Client
	exchange credentials.Provider
	own      credentials.Provider
	jwt      toolgate.Authorizer
}

func newOnBehalf(t *testing.T) *onBehalf {
	t.Helper()
	ob := &onBehalf{p: oidc.Start(t)}
	ob.gwClient = ob.p.Register(t, oidc.Client{ID: "toolgate", Resource: serverAudience})
	ob.g = startGuardedServer(t, ob.p)
	ctx := t.Context()
	var err error
	ob.exchange, err = credentials.NewTokenExchange(ctx, credentials.TokenExchangeConfig{
		ClientID: ob.gwClient.ID, ClientSecret: credentials.Literal(ob.gwClient.Secret), DiscoveryURL: ob.p.DiscoveryURL(),
		Audience: serverAudience,
	})
	if err != nil {
		t.Fatal(err)
	}
	ob.own, err = credentials.NewClientCredentials(ctx, credentials.ClientCredentialsConfig{
		ClientID: ob.gwClient.ID, ClientSecret: credentials.Literal(ob.gwClient.Secret), DiscoveryURL: ob.p.DiscoveryURL(),
		EndpointParams: url.Values{"resource": {serverAudience}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ob.jwt, err = auth.NewJWT(ctx, auth.JWTConfig{DiscoveryURL: ob.p.DiscoveryURL(), AllowedAudience: []string{gatewayAudience}})
	if err != nil {
		t.Fatal(err)
	}
	return ob
}

// token mints a caller's token for the gateway.
func (ob *onBehalf) token(t *testing.T, sub string) string {
	return ob.p.Mint(t, map[string]any{"sub": sub, "aud": gatewayAudience, "client_id": "agent"}, "ES256", time.Hour)
}

// TestOnBehalfOfCaller: a target whose credentials exchange the caller's
// token (RFC 8693, at a real OpenID provider) serves each caller on a
// backend session of the caller's own, every request of it (initialize,
// event stream, calls by either path, prompts/get) made with that
// caller's exchanged token; the gateway's listing uses its own client
// credentials; a call without a caller is refused; no inbound token
// reaches the server.
func TestOnBehalfOfCaller(t *testing.T) {
	ob := newOnBehalf(t)
	g, gwClient, ctx := ob.g, ob.gwClient, t.Context()
	alice, bob := ob.token(t, "alice"), ob.token(t, "bob")

	for _, mode := range []struct {
		name             string
		stateless, noSDK bool
	}{{"stateful", false, false}, {"stateless", true, false}, {"stateful, go-sdk's client", false, true}} {
		t.Run(mode.name, func(t *testing.T) {
			tg := newTarget(t, mcpserver.Options{Name: "up", URL: g.url, Credentials: ob.exchange, ListingCredentials: ob.own})
			if mode.noSDK {
				mcpserver.NoLean(tg)
			}
			gw, gwURL := gatewayWith(t, &toolgate.Options{Authorizer: ob.jwt, Stateless: mode.stateless}, tg)
			if st := gw.Status(); len(st) != 1 || !st[0].Healthy {
				t.Fatalf("status %+v: the listing with the gateway's own credentials failed", st)
			}

			for _, who := range []struct{ sub, token string }{{"alice", alice}, {"bob", bob}, {"alice", alice}} {
				c := mcp.NewClient(&mcp.Implementation{Name: who.sub, Version: "0"}, nil)
				cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: gwURL, HTTPClient: &http.Client{Transport: testenv.BearerTransport(who.token)}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___whoami", Arguments: map[string]any{}, Meta: mcp.Meta{"progressToken": "p1"}})
				if err != nil || res.IsError || testenv.Text(res) != "serving "+who.sub {
					t.Fatalf("%s: %v %+v %q", who.sub, err, res, testenv.Text(res))
				}
				pr, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "up___greet"})
				if err != nil || pr.Messages[0].Content.(*mcp.TextContent).Text != "hello "+who.sub {
					t.Fatalf("%s: prompts/get: %v %+v", who.sub, err, pr)
				}
				_ = cs.Close()
			}

			// A call for no caller at all has nobody to act for.
			res, err := gw.Call(ctx, "up___whoami", nil)
			if err != nil || !res.IsError || !strings.Contains(testenv.Text(res), "on behalf of the caller") {
				t.Fatalf("call without a caller: %v %+v", err, res)
			}
		})
	}

	// Every backend session served one identity: the gateway's own (its
	// listing) or one caller's, every request of it included.
	seen := map[string]bool{}
	for sid, subs := range g.sessions() {
		if len(subs) != 1 || subs[0] == "" {
			t.Errorf("backend session %s served %q", sid, subs)
		}
		seen[subs[0]] = true
	}
	for _, sub := range []string{"alice", "bob", gwClient.ID} {
		if !seen[sub] {
			t.Errorf("no backend session served %s (sessions: %v)", sub, g.sessions())
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, tok := range g.tokens {
		if tok == alice || tok == bob {
			t.Errorf("request %d carried a caller's inbound token", i)
		}
		if g.subjects[i] == "" {
			t.Errorf("request %d was refused", i)
		}
	}
}

// swappedBearer sends whichever token it holds now.
type swappedBearer struct{ token atomic.Pointer[string] }

func (b *swappedBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	return testenv.BearerTransport(*b.token.Load()).RoundTrip(r)
}

// TestCallerSessionRenewed: a caller's backend session that failed (the
// server refused its token, as it would an expired one) is opened again at
// once by a call that brings another token, not after the backoff, while
// calls with the refused token wait for the backoff as any other.
func TestCallerSessionRenewed(t *testing.T) {
	ob := newOnBehalf(t)
	ctx := t.Context()
	tg := newTarget(t, mcpserver.Options{Name: "up", URL: ob.g.url, Credentials: ob.exchange, ListingCredentials: ob.own, MinBackoff: time.Hour})
	_, gwURL := gatewayWith(t, &toolgate.Options{Authorizer: ob.jwt}, tg)
	var b swappedBearer
	first := ob.token(t, "alice")
	b.token.Store(&first)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "alice", Version: "0"}, nil).Connect(ctx,
		&mcp.StreamableClientTransport{Endpoint: gwURL, HTTPClient: &http.Client{Transport: &b}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	call := func() string {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___whoami", Arguments: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		return testenv.Text(res)
	}
	ob.g.refuse.Store(true)
	if got := call(); !strings.Contains(got, "unavailable") {
		t.Fatalf("with the token refused: %q", got)
	}
	ob.g.refuse.Store(false)
	if got := call(); !strings.Contains(got, "unavailable") {
		t.Fatalf("the same token again, before the backoff ends: %q", got)
	}
	second := ob.token(t, "alice")
	b.token.Store(&second)
	if got := call(); got != "serving alice" {
		t.Fatalf("with a new token: %q", got)
	}

	// A caller's session failing for its token does not have the gateway
	// list the server again (a caller could make it list at will).
	lists := ob.g.lists.Load()
	ob.g.refuse.Store(true)
	if got := call(); !strings.Contains(got, "unavailable") {
		t.Fatalf("with the session's token refused: %q", got)
	}
	time.Sleep(300 * time.Millisecond)
	if n := ob.g.lists.Load(); n != lists {
		t.Errorf("the server was listed %d more times after a caller's session failed", n-lists)
	}
}

// TestGatewayCredentials: with credentials of the gateway's own (OAuth
// client credentials at the real provider), every request to the server
// — initialize, event stream, listing, calls by either path, prompts/get —
// carries the gateway's token, whoever calls, and one backend session per
// caller's session as always.
func TestGatewayCredentials(t *testing.T) {
	ob := newOnBehalf(t)
	ctx := t.Context()
	lean := newTarget(t, mcpserver.Options{Name: "up", URL: ob.g.url, Credentials: ob.own})
	sdk := newTarget(t, mcpserver.Options{Name: "up", URL: ob.g.url, Credentials: ob.own})
	mcpserver.NoLean(sdk)
	_, leanURL := gatewayWith(t, &toolgate.Options{Authorizer: ob.jwt}, lean)
	_, sdkURL := gatewayWith(t, &toolgate.Options{Authorizer: ob.jwt}, sdk)
	for _, sub := range []string{"alice", "bob"} {
		for _, gwURL := range []string{leanURL, sdkURL} {
			cs, err := mcp.NewClient(&mcp.Implementation{Name: sub, Version: "0"}, nil).Connect(ctx,
				&mcp.StreamableClientTransport{Endpoint: gwURL, HTTPClient: &http.Client{Transport: testenv.BearerTransport(ob.token(t, sub))}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "up___whoami", Arguments: map[string]any{}})
			if err != nil || res.IsError || testenv.Text(res) != "serving "+ob.gwClient.ID {
				t.Fatalf("%s: %v %q", sub, err, testenv.Text(res))
			}
			pr, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "up___greet"})
			if err != nil || pr.Messages[0].Content.(*mcp.TextContent).Text != "hello "+ob.gwClient.ID {
				t.Fatalf("%s: prompts/get: %v %+v", sub, err, pr)
			}
			_ = cs.Close()
		}
	}
	sessions := ob.g.sessions()
	if len(sessions) < 3 { // the shared one and one per caller's session
		t.Errorf("backend sessions %v, want the shared one and one per caller", sessions)
	}
	for sid, subs := range sessions {
		if len(subs) != 1 || subs[0] != ob.gwClient.ID {
			t.Errorf("backend session %s served %q, want only the gateway", sid, subs)
		}
	}
	ob.g.mu.Lock()
	defer ob.g.mu.Unlock()
	for i, sub := range ob.g.subjects {
		if sub != ob.gwClient.ID {
			t.Errorf("request %d came from %q, want the gateway", i, sub)
		}
	}
}
