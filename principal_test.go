package toolgate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type headerTransport struct {
	base http.RoundTripper
	hdr  http.Header
}

func (h *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h.hdr {
		r.Header[k] = v
	}
	return h.base.RoundTrip(r)
}

type authErr struct{}

func (authErr) Error() string   { return "bad key" }
func (authErr) HTTPStatus() int { return http.StatusUnauthorized }
func (authErr) HTTPHeader() http.Header {
	return http.Header{"Www-Authenticate": {`Bearer resource_metadata="https://x/.well-known/oauth-protected-resource"`}}
}

// keyAuth maps an X-Key header to a principal.
var keyAuth = AuthorizerFunc(func(r *http.Request) (*Principal, error) {
	switch r.Header.Get("X-Key") {
	case "alice":
		return &Principal{Subject: "alice", Scopes: []string{"math"}, Token: "secret-alice"}, nil
	case "bob":
		return &Principal{Subject: "bob", Token: "secret-bob"}, nil
	}
	return nil, authErr{}
})

func TestPrincipalFiltersAndInterceptors(t *testing.T) {
	var order []string
	seen := make(chan string, 10)
	whoami := Funcs("me", Func("whoami", "Who is calling", func(ctx context.Context, _ struct{}) (string, error) {
		p := PrincipalFrom(ctx)
		seen <- p.Subject
		return p.Subject, nil
	}))
	gw := mustGateway(t, &Options{
		Authorizer: keyAuth,
		ToolFilter: func(_ context.Context, p *Principal, ti *ToolInfo) bool {
			return ti.Target != "math" || p.HasScope("math")
		},
		Interceptors: []Interceptor{
			func(next CallFunc) CallFunc {
				return func(ctx context.Context, r *CallRequest) (*Result, error) {
					order = append(order, "outer:"+PrincipalFrom(ctx).Subject)
					return next(ctx, r)
				}
			},
			func(next CallFunc) CallFunc {
				return func(ctx context.Context, r *CallRequest) (*Result, error) {
					order = append(order, "inner:"+r.Name)
					return next(ctx, r)
				}
			},
		},
	}, mathTarget(), whoami)
	url := serve(t, gw)

	conn := func(key string) *mcp.ClientSession {
		hc := &http.Client{Transport: &headerTransport{base: http.DefaultTransport, hdr: http.Header{"X-Key": {key}}}}
		c := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil)
		cs, err := c.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: hc}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	ctx := context.Background()
	alice, bob := conn("alice"), conn("bob")
	for _, c := range []struct {
		cs    *mcp.ClientSession
		who   string
		tools int
	}{{alice, "alice", 6}, {bob, "bob", 1}} {
		res, err := c.cs.ListTools(ctx, nil)
		if err != nil || len(res.Tools) != c.tools {
			t.Fatalf("%s sees %d tools (%v), want %d", c.who, len(res.Tools), err, c.tools)
		}
		r, err := c.cs.CallTool(ctx, &mcp.CallToolParams{Name: "me___whoami", Arguments: map[string]any{}})
		if err != nil || textOf(r) != c.who || <-seen != c.who {
			t.Fatalf("whoami as %s: %q %v", c.who, textOf(r), err)
		}
	}
	// A hidden tool is exactly as unknown as a missing one.
	_, errHidden := bob.CallTool(ctx, &mcp.CallToolParams{Name: "math___add", Arguments: map[string]any{"a": 1, "b": 2}})
	_, errMissing := bob.CallTool(ctx, &mcp.CallToolParams{Name: "math___zzz", Arguments: map[string]any{}})
	if errHidden == nil || errMissing == nil ||
		strings.Replace(errHidden.Error(), "math___add", "X", 1) != strings.Replace(errMissing.Error(), "math___zzz", "X", 1) {
		t.Fatalf("hidden %v vs missing %v", errHidden, errMissing)
	}
	if got := strings.Join(order, ","); got != "outer:alice,inner:me___whoami,outer:bob,inner:me___whoami" {
		t.Fatalf("interceptor order %q", got)
	}

	// Rejected requests: 401 with the authorizer's headers, JSON-RPC -32001, no call.
	status, body := rawPost(t, url, []byte(initBody), map[string]string{"X-Key": "mallory"})
	if status != 401 || !strings.Contains(body, `"code":-32001`) {
		t.Fatalf("no key: %d %s", status, body)
	}
	// A session opened by alice cannot be used by bob.
	sid := alice.ID()
	if sid == "" {
		t.Fatal("no session id")
	}
	status, _ = rawPost(t, url, []byte(`{"jsonrpc":"2.0","id":9,"method":"tools/list"}`), map[string]string{"X-Key": "bob", "Mcp-Session-Id": sid, "Mcp-Protocol-Version": "2025-06-18"})
	if status != http.StatusForbidden {
		t.Fatalf("session hijack: status %d, want 403", status)
	}
}

func TestPrincipalNeverPrintsToken(t *testing.T) {
	p := &Principal{Subject: "alice", ClientID: "app", Token: "s3cr3t-token"}
	var logs strings.Builder
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "p", p)
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s", p, p, p, p), logs.String()} {
		if strings.Contains(s, "s3cr3t") {
			t.Fatalf("token printed: %s", s)
		}
	}
	if !errors.Is(fmt.Errorf("w: %w", ErrUnknownTool), ErrUnknownTool) {
		t.Fatal("ErrUnknownTool does not wrap")
	}
}

// TestTargetsSeeTheRequestsOwnHeaders: the gateway's plumbing leaves no
// trace in the headers a target sees.
func TestTargetsSeeTheRequestsOwnHeaders(t *testing.T) {
	seen := make(chan http.Header, 2)
	tgt := &headerTarget{seen: seen}
	gw := mustGateway(t, &Options{Stateless: true, JSONResponse: true, Authorizer: AuthorizerFunc(func(r *http.Request) (*Principal, error) {
		return &Principal{Subject: "s"}, nil
	})}, tgt)
	url := serve(t, gw)
	for _, c := range []struct{ sent, want string }{{"", ""}, {"Basic dTpw", "Basic dTpw"}} {
		hdr := map[string]string{"X-Trace": "abc"}
		if c.sent != "" {
			hdr["Authorization"] = c.sent
		}
		if status, body := rawPost(t, url, []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"h___headers","arguments":{}}}`), hdr); status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		h := <-seen
		if h.Get("Authorization") != c.want || h.Get("X-Trace") != "abc" {
			t.Fatalf("target saw Authorization %q X-Trace %q, want %q", h.Get("Authorization"), h.Get("X-Trace"), c.want)
		}
	}
}

type headerTarget struct{ seen chan http.Header }

func (h *headerTarget) Name() string { return "h" }
func (h *headerTarget) ListTools(context.Context) ([]Tool, error) {
	return []Tool{{Name: "headers"}}, nil
}
func (h *headerTarget) CallTool(_ context.Context, req *CallRequest) (*Result, error) {
	h.seen <- req.Header.Clone()
	return TextResult("ok"), nil
}

// TestLookupAndTools checks the in-process views of the catalogue: Lookup
// answers as Catalog lists, per principal; Tools lists every tool.
func TestLookupAndTools(t *testing.T) {
	gw := mustGateway(t, &Options{
		ToolFilter: func(_ context.Context, p *Principal, ti *ToolInfo) bool {
			return ti.Target != "math" || p.HasScope("math")
		},
	}, mathTarget(), Funcs("me", Func("whoami", "Who is calling", func(context.Context, struct{}) (string, error) { return "", nil })))
	alice := WithPrincipal(context.Background(), &Principal{Subject: "alice", Scopes: []string{"math"}})
	bob := WithPrincipal(context.Background(), &Principal{Subject: "bob"})
	cases := []struct {
		name string
		ctx  context.Context
		tool string
		want bool
	}{
		{"visible to a principal with the scope", alice, "math___add", true},
		{"hidden from one without", bob, "math___add", false},
		{"unfiltered tool", bob, "me___whoami", true},
		{"unknown tool", alice, "math___zzz", false},
		{"unpublished (unprefixed) name", alice, "add", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, ok := gw.Lookup(c.ctx, c.tool)
			if ok != c.want || (ok && info.Name != c.tool) {
				t.Fatalf("Lookup(%q) = %q, %v; want %v", c.tool, info.Name, ok, c.want)
			}
			inCatalog := slices.ContainsFunc(gw.Catalog(c.ctx), func(ti ToolInfo) bool { return ti.Name == c.tool })
			if inCatalog != ok {
				t.Fatalf("Lookup says %v, Catalog says %v", ok, inCatalog)
			}
		})
	}
	all := gw.Tools()
	if len(all) != 6 || !slices.IsSortedFunc(all, func(a, b ToolInfo) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatalf("Tools: %d tools, sorted %v", len(all), all)
	}
	if n := len(gw.Catalog(bob)); n != 1 {
		t.Fatalf("bob's catalogue has %d tools, want 1", n)
	}
}
