package policy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/policy"
)

const gatewayARN = "arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"

// The policies, written as AgentCore's documentation writes them.
var docPolicies = []policy.Policy{
	{Name: "refund_john", Description: "Only John refunds, below $500", Statement: `
permit(
  principal is AgentCore::OAuthUser,
  action == AgentCore::Action::"refund___process_refund",
  resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"
)
when {
  principal.hasTag("username") &&
  principal.getTag("username") == "John" &&
  context.input.amount < 500
};`},
	{Name: "refund_scope", Statement: `permit(
  principal is AgentCore::OAuthUser,
  action == AgentCore::Action::"refund___process_refund",
  resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"
)
when {
  principal.hasTag("scope") && principal.getTag("scope") like "*refund:write*" && context.input.amount < 500
};`},
	{Name: "admin_all", Statement: `permit(
  principal is AgentCore::OAuthUser,
  action in AgentCore::Action::"CallTool",
  resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"
) when { principal.hasTag("role") && principal.getTag("role") == "admin" };`},
	{Name: "orders_read", Statement: `permit(principal, action == AgentCore::Action::"orders___get_order", resource)
when { principal.hasTag("scope") && principal.getTag("scope") like "*orders:read*" };`},
	{Name: "forbid_mallory", Statement: `forbid(principal == AgentCore::OAuthUser::"mallory", action, resource);`},
	{Name: "forbid_big_refunds", Statement: `forbid(
  principal,
  action == AgentCore::Action::"refund___process_refund",
  resource
) when { context.input.amount >= 10000 };`},
}

// users are the claims of each caller's token, keyed by the token.
var users = map[string]map[string]any{
	"alice":   {"sub": "alice", "username": "alice", "role": "admin", "scope": "refund:write orders:read"},
	"john":    {"sub": "12345678-1234-1234-1234-123456789012", "username": "John", "scope": "aws.cognito.signin.user.admin orders:read"},
	"carol":   {"sub": "carol", "scope": "aws.cognito.signin.user.admin refund:write"},
	"bob":     {"sub": "bob", "scope": "orders:read"},
	"mallory": {"sub": "mallory", "role": "admin", "scope": "refund:write orders:read"},
	"dave":    {"sub": "dave", "role": "user", "level": 3.0, "groups": []any{"a", "b"}, "email_verified": true},
}

// claimsAuth authorizes a bearer token naming one of users, as auth.JWT
// would with that token's claims.
var claimsAuth = toolgate.AuthorizerFunc(func(r *http.Request) (*toolgate.Principal, error) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c, ok := users[tok]
	if !ok {
		return nil, errors.New("unknown token")
	}
	p := &toolgate.Principal{Subject: c["sub"].(string), Claims: c, Token: tok}
	if s, ok := c["scope"].(string); ok {
		p.Scopes = strings.Fields(s)
	}
	return p, nil
})

// backend counts the calls that reach its tools.
type backend struct {
	mu    sync.Mutex
	calls map[string]int
}

func (b *backend) count(name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.calls[name]
}

func (b *backend) tool(name, schema string) toolgate.FuncTool {
	return toolgate.RawFunc(toolgate.Tool{Name: name, InputSchema: json.RawMessage(schema)}, func(_ context.Context, args json.RawMessage) (*toolgate.Result, error) {
		b.mu.Lock()
		b.calls[name]++
		b.mu.Unlock()
		return toolgate.TextResult("done: " + string(args)), nil
	})
}

func (b *backend) targets() []toolgate.Target {
	return []toolgate.Target{
		toolgate.Funcs("refund", b.tool("process_refund", `{"type":"object","properties":{
			"orderId":{"type":"string"},"amount":{"type":"integer"},"reason":{"type":"string"}},"required":["orderId","amount"]}`)),
		toolgate.Funcs("orders", b.tool("get_order", `{"type":"object","properties":{"orderId":{"type":"string"}},"required":["orderId"]}`)),
		toolgate.Funcs("admin", b.tool("delete_user", `{"type":"object","properties":{"user":{"type":"string"}},"required":["user"]}`)),
	}
}

// auditLog collects audit records.
type auditLog struct {
	mu   sync.Mutex
	recs []toolgate.AuditRecord
}

func (a *auditLog) record(_ context.Context, r *toolgate.AuditRecord) {
	a.mu.Lock()
	a.recs = append(a.recs, *r)
	a.mu.Unlock()
}

func (a *auditLog) last() toolgate.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.recs) == 0 {
		return toolgate.AuditRecord{}
	}
	return a.recs[len(a.recs)-1]
}

type fixture struct {
	t       *testing.T // the test the fixture lives as long as
	gw      *toolgate.Gateway
	eng     *policy.Engine
	be      *backend
	audit   *auditLog
	url     string
	tokens  map[string]string // each user's bearer token; default its name
	clients map[string]*mcp.ClientSession
}

// newFixture serves the refund, orders and admin tools over HTTP behind
// authorizer, with an engine holding docPolicies.
func newFixture(t *testing.T, authorizer toolgate.Authorizer, mode policy.Mode) *fixture {
	t.Helper()
	eng, err := policy.New(policy.Config{Engine: "test-engine", Gateway: gatewayARN, Mode: mode, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, eng: eng, be: &backend{calls: map[string]int{}}, audit: &auditLog{}, clients: map[string]*mcp.ClientSession{}}
	f.gw, err = toolgate.New(&toolgate.Options{Authorizer: authorizer, Policy: eng, Audit: f.audit.record, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range f.be.targets() {
		if err := f.gw.AddTarget(context.Background(), tg); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(eng.Attach(f.gw))
	if err := eng.SetPolicies(docPolicies); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.gw)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = f.gw.Close() })
	f.url = srv.URL
	return f
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// client returns an MCP session of user.
func (f *fixture) client(t *testing.T, user string) *mcp.ClientSession {
	t.Helper()
	if cs := f.clients[user]; cs != nil {
		return cs
	}
	token := user
	if tok, ok := f.tokens[user]; ok {
		token = tok
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: f.url, HTTPClient: &http.Client{Transport: testenv.BearerTransport(token)}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.t.Cleanup(func() { _ = cs.Close() })
	f.clients[user] = cs
	return cs
}

// matrixCase is one call and the decision the policies make on it.
type matrixCase struct {
	user, tool string
	args       map[string]any
	allow      bool
	policies   []string // determining policies
}

func refund(amount int) map[string]any { return map[string]any{"orderId": "o-1", "amount": amount} }

var order = map[string]any{"orderId": "o-1"}
var deleteArgs = map[string]any{"user": "eve"}

var matrix = []matrixCase{
	{"alice", "refund___process_refund", refund(100), true, []string{"refund_scope", "admin_all"}},
	{"alice", "refund___process_refund", refund(600), true, []string{"admin_all"}},
	{"alice", "refund___process_refund", refund(20000), false, []string{"forbid_big_refunds"}},
	{"alice", "admin___delete_user", deleteArgs, true, []string{"admin_all"}},
	{"alice", "orders___get_order", order, true, []string{"admin_all", "orders_read"}},
	{"john", "refund___process_refund", refund(450), true, []string{"refund_john"}},
	{"john", "refund___process_refund", refund(500), false, nil},
	{"john", "orders___get_order", order, true, []string{"orders_read"}},
	{"carol", "refund___process_refund", refund(499), true, []string{"refund_scope"}},
	{"carol", "refund___process_refund", refund(500), false, nil},
	{"carol", "orders___get_order", order, false, nil},
	{"bob", "orders___get_order", order, true, []string{"orders_read"}},
	{"bob", "refund___process_refund", refund(1), false, nil},
	{"bob", "admin___delete_user", deleteArgs, false, nil},
	{"mallory", "orders___get_order", order, false, []string{"forbid_mallory"}},
	{"mallory", "refund___process_refund", refund(10), false, []string{"forbid_mallory"}},
	{"dave", "orders___get_order", order, false, nil},
}

// runMatrix makes every call of matrix over HTTP and checks its answer,
// whether it reached the backend, and its audit record.
func runMatrix(t *testing.T, f *fixture, logOnly bool, cases []matrixCase) {
	for _, c := range cases {
		name := c.user + "/" + c.tool
		if a, ok := c.args["amount"]; ok {
			name += fmt.Sprintf("/%v", a)
		}
		t.Run(name, func(t *testing.T) {
			backendName := c.tool[strings.Index(c.tool, "___")+3:]
			before := f.be.count(backendName)
			res, err := f.client(t, c.user).CallTool(context.Background(), &mcp.CallToolParams{Name: c.tool, Arguments: c.args})
			reached := f.be.count(backendName) - before
			if c.allow || logOnly {
				if err != nil || res.IsError || reached != 1 {
					t.Fatalf("want the call to go through: err %v, result %+v, reached the backend %d times", err, res, reached)
				}
			} else {
				var we *jsonrpc.Error
				if !errors.As(err, &we) || we.Code != toolgate.CodePolicyDenied {
					t.Fatalf("want a policy denial (JSON-RPC %d), got %v %+v", toolgate.CodePolicyDenied, err, res)
				}
				why := "No policy applies to the request (denied by default)."
				if len(c.policies) > 0 {
					why = "Policy evaluation denied due to " + strings.Join(c.policies, ", ")
				}
				if want := "Tool Execution Denied: Tool call not allowed due to policy enforcement [" + why + "]"; we.Message != want {
					t.Fatalf("message %q, want %q", we.Message, want)
				}
				if reached != 0 {
					t.Fatalf("a denied call reached the backend")
				}
			}
			rec := f.audit.last()
			wantDecision, wantOutcome, wantMode := "DENY", toolgate.OutcomeRefusedPolicy, "ENFORCE"
			if c.allow {
				wantDecision = "ALLOW"
			}
			if c.allow || logOnly {
				wantOutcome = toolgate.OutcomeOK
			}
			if logOnly {
				wantMode = "LOG_ONLY"
			}
			if rec.Tool != c.tool || rec.PolicyDecision != wantDecision || rec.PolicyMode != wantMode ||
				rec.Outcome != wantOutcome || !slices.Equal(rec.Policies, c.policies) || len(rec.PolicyErrors) != 0 {
				t.Fatalf("audit record %+v; want %s %s %s %v", rec, wantDecision, wantMode, wantOutcome, c.policies)
			}
		})
	}
}

// TestDecisionMatrix: AgentCore's policies, as its documentation writes
// them, decide every call of the matrix exactly, through a real gateway
// over HTTP; a denied call never reaches the backend and is audited as
// refused_policy with the determining policies.
func TestDecisionMatrix(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	runMatrix(t, f, false, matrix)
}

// TestLogOnly: in LOG_ONLY mode every call goes through, and its audit
// record says what would have been decided.
func TestLogOnly(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.LogOnly)
	runMatrix(t, f, true, matrix)
	for user := range users {
		if got := listed(t, f, user); len(got) != 3 {
			t.Errorf("%s lists %v in LOG_ONLY mode, want every tool", user, got)
		}
	}
	// Switching mode takes effect at once.
	if err := f.eng.SetMode(policy.Enforce); err != nil {
		t.Fatal(err)
	}
	_, err := f.client(t, "bob").CallTool(context.Background(), &mcp.CallToolParams{Name: "admin___delete_user", Arguments: deleteArgs})
	if we := (*jsonrpc.Error)(nil); !errors.As(err, &we) || we.Code != toolgate.CodePolicyDenied {
		t.Fatalf("after SetMode(Enforce) the denial is enforced: %v", err)
	}
	if got := listed(t, f, "bob"); !slices.Equal(got, []string{"orders___get_order"}) {
		t.Fatalf("after SetMode(Enforce) bob lists %v", got)
	}
}

func listed(t *testing.T, f *fixture, user string) []string {
	t.Helper()
	res, err := f.client(t, user).ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}

// TestToolsList: tools/list shows a principal the tools some policy could
// permit it to call, whatever the arguments, and none that a forbid
// refuses it whatever the arguments (AgentCore's meta action).
func TestToolsList(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	want := map[string][]string{
		"alice":   {"admin___delete_user", "orders___get_order", "refund___process_refund"},
		"john":    {"orders___get_order", "refund___process_refund"},
		"carol":   {"refund___process_refund"},
		"bob":     {"orders___get_order"},
		"mallory": nil,
		"dave":    nil,
	}
	for user, w := range want {
		if got := listed(t, f, user); !slices.Equal(got, w) {
			t.Errorf("%s lists %v, want %v", user, got, w)
		}
	}
	// A forbid that holds whatever the arguments hides the tool; one that
	// depends on them does not.
	ps := append(slices.Clone(docPolicies),
		policy.Policy{Name: "no_refunds_for_carol", Statement: `forbid(principal == AgentCore::OAuthUser::"carol", action == AgentCore::Action::"refund___process_refund", resource);`},
		policy.Policy{Name: "john_small_orders", Statement: `forbid(principal, action == AgentCore::Action::"orders___get_order", resource) when { context.input.orderId like "big-*" };`})
	if err := f.eng.SetPolicies(ps); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, f, "carol"); len(got) != 0 {
		t.Errorf("carol lists %v after a forbid on her only tool", got)
	}
	if got := listed(t, f, "bob"); !slices.Equal(got, want["bob"]) {
		t.Errorf("bob lists %v, want %v: the forbid depends on the arguments", got, want["bob"])
	}
}

// TestValidationErrors: a policy that does not parse, or does not validate
// against the schema generated from the catalogue, is refused when it is
// loaded, with its name and the line and column of the problem; the
// policies in force stay.
func TestValidationErrors(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	cases := []struct {
		name, statement string
		line, col       int
		msg             string
	}{
		{"typo", "permit(principal, action == AgentCore::Action::\"refund___process_refund\", resource)\nwhen {\n  context.input.amout < 500\n};",
			3, 17, "attribute `amout` in context"},
		{"unknown_tool", "permit(\n  principal,\n  action == AgentCore::Action::\"refund___process_refunds\",\n  resource\n);",
			3, 13, "unrecognized action"},
		{"optional_unguarded", `permit(principal, action == AgentCore::Action::"refund___process_refund", resource) when { context.input.reason == "x" };`,
			1, 106, "optional attribute `input.reason`"},
		{"unguarded_tag", `permit(principal, action, resource) when { principal.getTag("role") == "admin" };`,
			1, 61, "tag `\"role\"`"},
		{"wrong_type", "permit(principal, action == AgentCore::Action::\"refund___process_refund\", resource)\n  when { context.input.amount < \"500\" };",
			2, 3, "Long"},
		{"other_namespace", `permit(principal is User, action, resource);`, 1, 21, "User"},
		{"other_context", `permit(principal, action == AgentCore::Action::"orders___get_order", resource) when { context.session == "x" };`,
			1, 95, "session"},
		{"syntax", "permit(principal, action, resource)\nwhen { context.input.amount < };", 2, 32, "parse error"},
		{"two_statements", `permit(principal, action, resource); forbid(principal, action, resource);`, 1, 1, "exactly one policy"},
		{"too_long", "permit(principal, action, resource);//" + strings.Repeat("x", policy.MaxStatement), 1, 1, "more than the 10000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.eng.SetPolicies([]policy.Policy{docPolicies[0], {Name: c.name, Statement: c.statement}})
			var pe *policy.PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("want a PolicyError, got %v", err)
			}
			if pe.Policy != c.name || pe.Line != c.line || pe.Column != c.col || !strings.Contains(pe.Error(), c.msg) {
				t.Fatalf("got %v (%d:%d); want %q at %d:%d mentioning %q", pe, pe.Line, pe.Column, c.name, c.line, c.col, c.msg)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("policy %q at %d:%d", c.name, c.line, c.col)) {
				t.Fatalf("message %q does not name the policy and its position", err)
			}
			if got := f.eng.Policies(); len(got) != len(docPolicies) {
				t.Fatalf("a refused set replaced the policies in force: %v", got)
			}
		})
	}
	err := f.eng.SetPolicies([]policy.Policy{{Name: "a", Statement: docPolicies[0].Statement}, {Name: "a", Statement: docPolicies[1].Statement}, {Statement: docPolicies[2].Statement}})
	if err == nil || !strings.Contains(err.Error(), "same name") || !strings.Contains(err.Error(), "needs a name") {
		t.Fatalf("duplicate and missing names: %v", err)
	}
}

// TestReload: SetPolicies swaps the set atomically while calls are
// decided; a refused set leaves the old one in force.
func TestReload(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	bob := &toolgate.Principal{Subject: "bob", Claims: users["bob"]}
	tool := toolInfo(t, f.gw, "admin___delete_user")
	args := json.RawMessage(`{"user":"eve"}`)
	if r := f.eng.Evaluate(bob, tool, args); r.Allow {
		t.Fatal("bob may not delete before the reload")
	}
	set := func(prefix string) []policy.Policy {
		return []policy.Policy{
			{Name: prefix + "1", Statement: `permit(principal == AgentCore::OAuthUser::"bob", action == AgentCore::Action::"admin___delete_user", resource);`},
			{Name: prefix + "2", Statement: `permit(principal, action in AgentCore::Action::"Mcp", resource) when { principal.hasTag("scope") && principal.getTag("scope") == "orders:read" };`},
		}
	}
	if err := f.eng.SetPolicies(set("a")); err != nil {
		t.Fatal(err)
	}
	if r := f.eng.Evaluate(bob, tool, args); !r.Allow || !slices.Equal(r.Policies, []string{"a1", "a2"}) {
		t.Fatalf("after the reload: %+v", r)
	}
	// A bad set leaves the old one.
	bad := append(set("b"), policy.Policy{Name: "bad", Statement: `permit(principal, action == AgentCore::Action::"nope", resource);`})
	if err := f.eng.SetPolicies(bad); err == nil {
		t.Fatal("a bad set was accepted")
	}
	if r := f.eng.Evaluate(bob, tool, args); !slices.Equal(r.Policies, []string{"a1", "a2"}) {
		t.Fatalf("after a refused reload: %+v", r)
	}
	// Concurrent decisions see one set or the other, never a mix.
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				r := f.eng.Evaluate(bob, tool, args)
				if !r.Allow || !(slices.Equal(r.Policies, []string{"a1", "a2"}) || slices.Equal(r.Policies, []string{"b1", "b2"})) {
					t.Errorf("torn decision %+v", r)
					return
				}
			}
		}()
	}
	for i := range 200 {
		if err := f.eng.SetPolicies(set(string(rune('a' + i%2)))); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
}

func toolInfo(t *testing.T, gw *toolgate.Gateway, name string) *toolgate.ToolInfo {
	t.Helper()
	for _, ti := range gw.Tools() {
		if ti.Name == name {
			return &ti
		}
	}
	t.Fatalf("no tool %s", name)
	return nil
}

// TestCatalogueChange: when a tool disappears, the policies naming it no
// longer validate; they stay in force (a forbid dropped would open what it
// closes), Problems names them, and they validate again when it returns.
func TestCatalogueChange(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	ps := append(slices.Clone(docPolicies), policy.Policy{Name: "no_delete_for_alice", Statement: "forbid(\n  principal == AgentCore::OAuthUser::\"alice\",\n  action == AgentCore::Action::\"admin___delete_user\",\n  resource\n);"})
	if err := f.eng.SetPolicies(ps); err != nil {
		t.Fatal(err)
	}
	f.gw.RemoveTarget("admin")
	err := f.eng.SetTools(f.gw.Tools())
	var pe *policy.PolicyError
	if !errors.As(err, &pe) || pe.Policy != "no_delete_for_alice" || pe.Line != 3 || pe.Column != 13 {
		t.Fatalf("SetTools: %v", err)
	}
	if f.eng.Problems() == nil || len(f.eng.Policies()) != len(ps) {
		t.Fatalf("problems %v, policies %v", f.eng.Problems(), f.eng.Policies())
	}
	if strings.Contains(f.eng.Schema(), "admin___delete_user") {
		t.Fatal("the schema still has the removed tool")
	}
	runMatrix(t, f, false, slices.DeleteFunc(slices.Clone(matrix), func(c matrixCase) bool { return c.tool == "admin___delete_user" }))
	if err := f.gw.AddTarget(context.Background(), f.be.targets()[2]); err != nil {
		t.Fatal(err)
	}
	if err := f.eng.SetTools(f.gw.Tools()); err != nil || f.eng.Problems() != nil {
		t.Fatalf("after the tool came back: %v", err)
	}
	// The forbid was in force all along, and still is.
	_, err = f.client(t, "alice").CallTool(context.Background(), &mcp.CallToolParams{Name: "admin___delete_user", Arguments: deleteArgs})
	if err == nil || !strings.Contains(err.Error(), "no_delete_for_alice") {
		t.Fatalf("alice's delete: %v", err)
	}
}

// TestAttach: the engine follows the gateway's catalogue.
func TestAttach(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	if err := f.gw.AddTarget(context.Background(), toolgate.Funcs("late", f.be.tool("hello", `{"type":"object"}`))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(f.eng.Schema(), "late___hello") {
		if time.Now().After(deadline) {
			t.Fatal("the schema never got the new tool")
		}
		time.Sleep(10 * time.Millisecond)
	}
	err := f.eng.SetPolicies(append(slices.Clone(docPolicies), policy.Policy{Name: "hello",
		Statement: `permit(principal, action == AgentCore::Action::"late___hello", resource);`}))
	if err != nil {
		t.Fatal(err)
	}
}

// TestSchema: the generated schema is AgentCore's model of the catalogue.
func TestSchema(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	s := f.eng.Schema()
	for _, want := range []string{
		"namespace AgentCore {",
		"entity OAuthUser {\n\t\tid: String\n\t} tags String;",
		"entity Gateway;",
		"action Mcp;",
		"action CallTool in Mcp;",
		"type refund___process_refundInput = {\n\t\tamount: Long,\n\t\torderId: String,\n\t\treason?: String\n\t};",
		"action refund___process_refund in CallTool appliesTo {\n\t\tprincipal: OAuthUser,\n\t\tresource: Gateway,\n\t\tcontext: {\n\t\t\tinput: refund___process_refundInput\n\t\t}\n\t};",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("schema lacks %q:\n%s", want, s)
		}
	}
}

// TestErrorsInDecisions: arguments without a Cedar value deny the call
// (fail closed); a policy whose evaluation fails is skipped, as Cedar
// skips it, and named in the decision's errors and the audit record.
func TestErrorsInDecisions(t *testing.T) {
	f := newFixture(t, claimsAuth, policy.Enforce)
	alice := toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: "alice", Claims: users["alice"]})
	// 1e30 is an integer for JSON Schema, but not a Long.
	_, err := f.gw.Call(alice, "refund___process_refund", json.RawMessage(`{"orderId":"o-1","amount":1e30}`))
	rec := f.audit.last()
	if !errors.Is(err, toolgate.ErrPolicyDenied) || rec.PolicyDecision != "DENY" || !slices.Equal(rec.PolicyErrors, []string{"context.input"}) {
		t.Fatalf("err %v, audit %+v", err, rec)
	}
	r := f.eng.Evaluate(&toolgate.Principal{Subject: "alice", Claims: users["alice"]}, toolInfo(t, f.gw, "refund___process_refund"),
		json.RawMessage(`{"orderId":"o-1","amount":1e30}`))
	if r.Allow || len(r.Errors) != 1 || r.Errors[0].Policy != "" || !strings.Contains(r.Errors[0].Message, "context.input.amount: 1e30 does not fit") {
		t.Fatalf("Evaluate: %+v", r)
	}

	// The tool's amount becomes a string: the policies comparing it with a
	// number fail and are skipped.
	changed := toolgate.ToolInfo{Name: "refund___process_refund", Target: "refund", Tool: toolgate.Tool{Name: "process_refund",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"orderId":{"type":"string"},"amount":{"type":"string"}}}`)}}
	if err := f.eng.SetTools([]toolgate.ToolInfo{changed}); err == nil {
		t.Fatal("policies comparing a string with a number validated")
	}
	r = f.eng.Evaluate(&toolgate.Principal{Subject: "carol", Claims: users["carol"]}, &changed, json.RawMessage(`{"orderId":"o-1","amount":"20000"}`))
	var failed []string
	for _, e := range r.Errors {
		failed = append(failed, e.Policy)
	}
	if r.Allow || !slices.Equal(failed, []string{"refund_scope", "forbid_big_refunds"}) {
		t.Fatalf("Evaluate after the change: %+v", r)
	}
	d := f.eng.Decide(context.Background(), &toolgate.PolicyRequest{Principal: &toolgate.Principal{Subject: "alice", Claims: users["alice"]},
		Tool: &changed, Arguments: json.RawMessage(`{"orderId":"o-1","amount":"20000"}`)})
	if !d.Allow || !slices.Equal(d.Policies, []string{"admin_all"}) || !slices.Equal(d.Errors, []string{"refund_scope", "forbid_big_refunds"}) {
		t.Fatalf("Decide after the change: %+v", d)
	}
}
