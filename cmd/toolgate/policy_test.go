package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// shop is the refunds API behind the gateway: it counts the requests that
// reach it, by operation.
type shop struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]int
}

func newShop(t *testing.T) *shop {
	s := &shop{seen: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := r.Method + " " + strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0]
		s.mu.Lock()
		s.seen[op]++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"op": op, "query": r.URL.RawQuery})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *shop) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.seen {
		n += c
	}
	return n
}

const (
	refundGatewayARN = "arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"
	gatewayAudience  = "https://gateway.test/mcp"
)

// refundPolicies are written as AgentCore's documentation writes them:
// conditions on the token's claims (tags), on the tool's arguments
// (context.input), a forbid on one user and one on an argument.
const refundPolicies = `
policies:
  - name: support_small_refunds
    description: Support staff refund less than $500
    policyEngineId: refund_engine-a1b2c3d4e5
    definition:
      cedar:
        statement: |
          permit(
            principal is AgentCore::OAuthUser,
            action == AgentCore::Action::"RefundTool___process_refund",
            resource == AgentCore::Gateway::"` + refundGatewayARN + `"
          ) when {
            principal.hasTag("role") && principal.getTag("role") == "support" &&
            context.input.amount < 500
          };
  - name: read_orders
    description: Callers with the orders:read scope look orders up
    policyEngineId: refund_engine-a1b2c3d4e5
    definition:
      cedar:
        statement: |
          permit(
            principal is AgentCore::OAuthUser,
            action == AgentCore::Action::"RefundTool___get_order",
            resource == AgentCore::Gateway::"` + refundGatewayARN + `"
          ) when {
            principal.hasTag("scope") && principal.getTag("scope") like "*orders:read*"
          };
  - name: admins
    description: Administrators call every tool
    policyEngineId: refund_engine-a1b2c3d4e5
    definition:
      cedar:
        statement: |
          permit(principal is AgentCore::OAuthUser, action, resource is AgentCore::Gateway)
          when { principal.hasTag("role") && principal.getTag("role") == "admin" };
  - name: no_chargebacks
    description: Chargebacks go through the bank, never through a refund
    policyEngineId: refund_engine-a1b2c3d4e5
    definition:
      cedar:
        statement: |
          forbid(
            principal,
            action == AgentCore::Action::"RefundTool___process_refund",
            resource
          ) when { context.input has reason && context.input.reason == "chargeback" };
  - name: block_mallory
    description: Mallory's account is suspended
    policyEngineId: refund_engine-a1b2c3d4e5
    definition:
      cedar:
        statement: forbid(principal == AgentCore::OAuthUser::"mallory", action, resource);
`

func refundConfig(discoveryURL, shopURL, mode string) string {
	return `
gateway:
  name: refund-gateway
  authorizerType: CUSTOM_JWT
  authorizerConfiguration:
    customJWTAuthorizer:
      discoveryUrl: ` + discoveryURL + `
      allowedAudience: [` + gatewayAudience + `]
  policyEngineConfiguration:
    arn: arn:aws:bedrock-agentcore:us-west-2:123456789012:policy-engine/refund_engine-a1b2c3d4e5
    mode: ` + mode + `
targets:
  - name: RefundTool
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: refunds-openapi.yaml}}}}
toolgate:
  gatewayArn: ` + refundGatewayARN + `
  telemetry: {audit: audit.jsonl}
` + refundPolicies
}

func connectAs(t *testing.T, url, token string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "policy-test", Version: "1"}, nil)
	tr := &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: testenv.BearerTransport(token)}}
	cs, err := c.Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestPolicyServe: toolgate serve, from a configuration with a CUSTOM_JWT
// authorizer (a real OpenID Connect provider's tokens), a policy engine and
// AgentCore-style Cedar policies, decides every call of an allow/deny
// matrix exactly; refused calls never reach the backend and are audited;
// tools/list shows each caller the tools it could be permitted to call; a
// reload to LOG_ONLY lets every call through.
func TestPolicyServe(t *testing.T) {
	idp := oidc.Start(t)
	backend := newShop(t)
	dir := t.TempDir()
	spec, err := os.ReadFile("testdata/refunds-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "refunds-openapi.yaml"), strings.Replace(string(spec), "https://shop.example.com", backend.URL, 1))
	path := filepath.Join(dir, "gateway.yaml")
	write(t, path, refundConfig(idp.DiscoveryURL(), backend.URL, "ENFORCE"))

	code, out, errOut := runCLI(t, nil, "validate", "--config", path)
	if code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	// The schema the policies are validated against, for their authors.
	code, out, errOut = runCLI(t, nil, "schema", "--config", path)
	for _, want := range []string{"namespace AgentCore {", "action RefundTool___process_refund in CallTool", "amount: Long", "reason?: String"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("schema: exit %d, no %q in\n%s%s", code, want, out, errOut)
		}
	}

	// A policy naming no tool of the gateway is refused with its place.
	broken := filepath.Join(dir, "broken.yaml")
	write(t, broken, strings.Replace(refundConfig(idp.DiscoveryURL(), backend.URL, "ENFORCE"), "RefundTool___get_order", "RefundTool___get_orders", 1))
	const where = `policies[1].definition.cedar.statement: policy "read_orders" at 3:`
	if code, out, errOut := runCLI(t, nil, "validate", "--config", broken); code != 1 || !strings.Contains(errOut, where) {
		t.Errorf("validate of a broken policy: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "serve", "--config", broken, "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(errOut, where) {
		t.Errorf("serve of a broken policy: exit %d\n%s", code, errOut)
	}
	proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--watch=false"})

	token := func(claims map[string]any) string {
		claims["aud"] = gatewayAudience
		return idp.Mint(t, claims, "RS256", time.Hour)
	}
	callers := map[string]string{
		"john":    token(map[string]any{"sub": "john", "role": "support", "scope": "openid orders:read"}),
		"ada":     token(map[string]any{"sub": "ada", "role": "admin"}),
		"mallory": token(map[string]any{"sub": "mallory", "role": "admin", "scope": "orders:read"}),
		"rita":    token(map[string]any{"sub": "rita", "scope": "openid orders:read"}),
		"nick":    token(map[string]any{"sub": "nick"}),
	}
	sessions := map[string]*mcp.ClientSession{}
	for who, tok := range callers {
		sessions[who] = connectAs(t, proc.URL, tok)
	}
	// call reports whether the call went ahead and whether it reached the
	// backend; a refusal must be the policy's JSON-RPC error.
	call := func(who, tool string, args map[string]any) (allowed, reached bool) {
		t.Helper()
		before := backend.total()
		res, err := sessions[who].CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: args})
		reached = backend.total() > before
		if err != nil {
			if !strings.Contains(err.Error(), "Tool Execution Denied: Tool call not allowed due to policy enforcement") {
				t.Fatalf("%s %s: %v", who, tool, err)
			}
			return false, reached
		}
		if res.IsError {
			t.Fatalf("%s %s: error result %s", who, tool, res.Content)
		}
		return true, reached
	}
	refund := func(amount int, reason string) map[string]any {
		a := map[string]any{"orderId": "o-1", "amount": amount}
		if reason != "" {
			a["reason"] = reason
		}
		return a
	}
	order := map[string]any{"orderId": "o-1"}
	account := map[string]any{"accountId": "c-9"}
	matrix := []struct {
		who, tool string
		args      map[string]any
		allow     bool
	}{
		{"john", "RefundTool___process_refund", refund(450, ""), true},
		{"john", "RefundTool___process_refund", refund(499, "damaged"), true},
		{"john", "RefundTool___process_refund", refund(500, ""), false},
		{"john", "RefundTool___process_refund", refund(600, ""), false},
		{"john", "RefundTool___process_refund", refund(100, "chargeback"), false},
		{"john", "RefundTool___get_order", order, true},
		{"john", "RefundTool___delete_account", account, false},
		{"ada", "RefundTool___process_refund", refund(5000, ""), true},
		{"ada", "RefundTool___process_refund", refund(5000, "chargeback"), false},
		{"ada", "RefundTool___get_order", order, true},
		{"ada", "RefundTool___delete_account", account, true},
		{"mallory", "RefundTool___process_refund", refund(10, ""), false},
		{"mallory", "RefundTool___get_order", order, false},
		{"mallory", "RefundTool___delete_account", account, false},
		{"rita", "RefundTool___get_order", order, true},
		{"rita", "RefundTool___process_refund", refund(10, ""), false},
		{"nick", "RefundTool___get_order", order, false},
		{"nick", "RefundTool___delete_account", account, false},
	}
	denied := 0
	for _, c := range matrix {
		allowed, reached := call(c.who, c.tool, c.args)
		if allowed != c.allow || reached != c.allow {
			t.Errorf("%s %s %v: allowed %v, reached the backend %v; want %v", c.who, c.tool, c.args, allowed, reached, c.allow)
		}
		if !c.allow {
			denied++
		}
	}

	// tools/list: the tools each caller could be permitted to call.
	for who, want := range map[string][]string{
		"john":    {"RefundTool___get_order", "RefundTool___process_refund"},
		"ada":     {"RefundTool___delete_account", "RefundTool___get_order", "RefundTool___process_refund"},
		"mallory": nil,
		"rita":    {"RefundTool___get_order"},
		"nick":    nil,
	} {
		res, err := sessions[who].ListTools(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tl := range res.Tools {
			got = append(got, tl.Name)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("tools/list for %s: %v, want %v", who, got, want)
		}
	}

	// An unauthenticated caller never gets as far as the policies.
	resp, err := http.Post(proc.URL, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %s", resp.Status)
	}

	// Every refusal is audited with the decision and what determined it.
	var records []map[string]any
	f, err := os.Open(filepath.Join(dir, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		records = append(records, r)
	}
	f.Close()
	refused := 0
	for _, r := range records {
		if r["outcome"] == "refused_policy" {
			refused++
			if r["policy_decision"] != "DENY" || r["policy_mode"] != "ENFORCE" {
				t.Errorf("audit record of a refusal: %v", r)
			}
			if r["subject"] == "mallory" && !slices.Contains(anyStrings(r["policies"]), "block_mallory") {
				t.Errorf("mallory's refusal does not name block_mallory: %v", r)
			}
		}
	}
	if refused != denied {
		t.Errorf("%d refusals audited, %d calls denied", refused, denied)
	}

	// LOG_ONLY by a reload: the calls go ahead, the decisions are still
	// recorded.
	write(t, path, refundConfig(idp.DiscoveryURL(), backend.URL, "LOG_ONLY"))
	if err := proc.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(proc.Stderr.String(), "policies_changed=true") {
		if time.Now().After(deadline) {
			t.Fatalf("no reload:\n%s", proc.Stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if allowed, reached := call("mallory", "RefundTool___delete_account", account); !allowed || !reached {
		t.Errorf("LOG_ONLY: mallory's call allowed %v, reached %v", allowed, reached)
	}
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(30 * time.Second); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
	audit, _ := os.ReadFile(filepath.Join(dir, "audit.jsonl"))
	last := audit[bytes.LastIndexByte(bytes.TrimSpace(audit), '\n')+1:]
	var r map[string]any
	if json.Unmarshal(last, &r) != nil || r["outcome"] != "ok" || r["policy_decision"] != "DENY" || r["policy_mode"] != "LOG_ONLY" {
		t.Errorf("the LOG_ONLY call's audit record: %s", last)
	}
	for who, tok := range callers {
		if strings.Contains(proc.Stderr.String()+proc.Stdout.String()+string(audit), tok) {
			t.Errorf("%s's token was written out", who)
		}
	}
}

func anyStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
