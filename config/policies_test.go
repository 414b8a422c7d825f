package config_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/config"
	"github.com/toolgate/toolgate/policy"
)

const (
	engineARN  = "arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/notes_engine-a1b2c3d4e5"
	gatewayARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:gateway/notes-gw-abcdefghij"
)

// policyConfig is a gateway with the notion target, a policy engine in
// mode, and policies (YAML list items, indented by two spaces).
func policyConfig(t *testing.T, backendURL, mode, policies string) string {
	t.Helper()
	return writeConfig(t, map[string]string{
		"gateway.yaml": `
gateway:
  name: notes-gw
  authorizerType: NONE
  policyEngineConfiguration:
    arn: ` + engineARN + `
    mode: ` + mode + `
targets:
  - name: notion
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: notion.yaml}}}}
toolgate:
  gatewayArn: ` + gatewayARN + `
policies:
` + policies,
		"notion.yaml": notionSpec(t, backendURL),
	})
}

// Policies as AgentCore's documentation writes them: claim tags,
// context.input conditions, a forbid on one user.
const (
	searchPolicy = `  - name: analysts_search
    description: Analysts search, ten results at most
    policyEngineId: notes_engine-a1b2c3d4e5
    validationMode: IGNORE_ALL_FINDINGS
    definition:
      cedar:
        statement: |
          permit(
            principal is AgentCore::OAuthUser,
            action == AgentCore::Action::"notion___search",
            resource == AgentCore::Gateway::"` + gatewayARN + `"
          ) when {
            principal.hasTag("role") && principal.getTag("role") == "analyst" &&
            context.input.body has page_size && context.input.body.page_size <= 10
          };
`
	selfPolicy = `  - name: everyone_self
    policyEngineId: notes_engine-a1b2c3d4e5
    definition: {cedar: {statement: 'permit(principal, action == AgentCore::Action::"notion___getSelf", resource);'}}
`
	forbidMallory = `  - name: no_mallory
    policyEngineId: notes_engine-a1b2c3d4e5
    definition: {cedar: {statement: 'forbid(principal == AgentCore::OAuthUser::"mallory", action, resource);'}}
`
)

func caller(sub, role string) context.Context {
	claims := map[string]any{"sub": sub}
	if role != "" {
		claims["role"] = role
	}
	return toolgate.WithPrincipal(context.Background(), &toolgate.Principal{Subject: sub, Claims: claims})
}

// decide calls tool as the caller and reports whether the call went
// ahead; any error but a policy denial fails the test.
func decide(t *testing.T, gw *toolgate.Gateway, ctx context.Context, tool, args string) bool {
	t.Helper()
	res, err := gw.Call(ctx, tool, json.RawMessage(args))
	switch {
	case errors.Is(err, toolgate.ErrPolicyDenied):
		return false
	case err != nil:
		t.Fatalf("%s: %v", tool, err)
	case res.IsError:
		t.Fatalf("%s: error result %+v", tool, res.Content)
	}
	return true
}

// TestPolicies: the policies of the file decide every call, as written,
// and denied calls never reach the backend.
func TestPolicies(t *testing.T) {
	backend := newNotionBackend(t)
	f, err := config.Load(policyConfig(t, backend.URL, "ENFORCE", searchPolicy+selfPolicy+forbidMallory))
	if err != nil {
		t.Fatal(err)
	}
	b, gw := build(t, f, nil)
	if b.Policy == nil || b.Options.Policy == nil || b.Policy.Mode() != policy.Enforce {
		t.Fatalf("no engine in ENFORCE mode: %+v", b.Policy)
	}
	if got := strings.Join(b.Policy.Policies(), ","); got != "analysts_search,everyone_self,no_mallory" {
		t.Errorf("policies in force: %s", got)
	}
	small, big := `{"body":{"query":"q","page_size":5}}`, `{"body":{"query":"q","page_size":50}}`
	for _, tc := range []struct {
		who, role, tool, args string
		allow                 bool
	}{
		{"alice", "analyst", "notion___search", small, true},
		{"alice", "analyst", "notion___search", big, false},
		{"alice", "analyst", "notion___search", `{"body":{"query":"q"}}`, false},
		{"bob", "intern", "notion___search", small, false},
		{"carol", "", "notion___search", small, false},
		{"bob", "intern", "notion___getSelf", `{}`, true},
		{"mallory", "analyst", "notion___search", small, false},
		{"mallory", "analyst", "notion___getSelf", `{}`, false},
		{"alice", "analyst", "notion___getPage", `{"page_id":"p"}`, false},
	} {
		before := len(backend.credentials())
		got := decide(t, gw, caller(tc.who, tc.role), tc.tool, tc.args)
		reached := len(backend.credentials()) > before
		if got != tc.allow || reached != tc.allow {
			t.Errorf("%s (%s) %s %s: allowed %v, backend reached %v; want %v", tc.who, tc.role, tc.tool, tc.args, got, reached, tc.allow)
		}
	}
}

// TestPolicyLoadErrors: a policy the file cannot hold is refused when the
// file loads, naming the field.
func TestPolicyLoadErrors(t *testing.T) {
	const engine = `
  policyEngineConfiguration:
    arn: ` + engineARN + `
    mode: ENFORCE
`
	const stmt = `definition: {cedar: {statement: 'permit(principal, action, resource);'}}`
	for _, tc := range []struct {
		name, yaml string
		want       []string
	}{
		{"no engine", base + "policies:\n  - {name: p, policyEngineId: e, " + stmt + "}\n",
			[]string{"policies[0].policyEngineId: the gateway has no policyEngineConfiguration to hold the policy"}},
		{"another engine", base + engine + "policies:\n  - {name: p, policyEngineId: other-a1b2c3d4e5, " + stmt + "}\n",
			[]string{`policies[0].policyEngineId: "other-a1b2c3d4e5" is not the gateway's policy engine ("notes_engine-a1b2c3d4e5")`}},
		{"required", base + engine + "policies:\n  - {description: d}\n",
			[]string{"policies[0].name: required", "policies[0].policyEngineId: required", "policies[0].definition: required"}},
		{"no statement", base + engine + "policies:\n  - {name: p, policyEngineId: notes_engine-a1b2c3d4e5, definition: {cedar: {}}}\n",
			[]string{"policies[0].definition.cedar.statement: required"}},
		{"names", base + engine + "policies:\n  - {name: 1p, policyEngineId: notes_engine-a1b2c3d4e5, " + stmt + "}\n  - {name: 1p, policyEngineId: notes_engine-a1b2c3d4e5, " + stmt + "}\n",
			[]string{`policies[0].name: "1p": a policy's name is a letter`, `policies[1].name: "1p" is used twice`}},
		{"validation mode", base + engine + "policies:\n  - {name: p, policyEngineId: notes_engine-a1b2c3d4e5, validationMode: STRICT, " + stmt + "}\n",
			[]string{`policies[0].validationMode: "STRICT" is not one of FAIL_ON_ANY_FINDINGS, IGNORE_ALL_FINDINGS`}},
		{"too long", base + engine + "policies:\n  - {name: p, policyEngineId: notes_engine-a1b2c3d4e5, definition: {cedar: {statement: '" + strings.Repeat(" ", policy.MaxStatement) + "x'}}}\n",
			[]string{"policies[0].definition.cedar.statement: 10001 bytes: longer than 10000"}},
		{"engine fields", base + "  policyEngineConfiguration: {arn: arn:aws:iam::123456789012:role/x, mode: AUDIT}\n",
			[]string{`gateway.policyEngineConfiguration.arn: "arn:aws:iam::123456789012:role/x" is not a policy engine ARN`,
				`gateway.policyEngineConfiguration.mode: "AUDIT" is not one of ENFORCE, LOG_ONLY`}},
		{"engine required fields", base + "  policyEngineConfiguration: {}\n",
			[]string{"gateway.policyEngineConfiguration.arn: required", "gateway.policyEngineConfiguration.mode: required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadString(t, tc.yaml, nil)
			got := errorTexts(err)
			for _, w := range tc.want {
				if !slicesContainsSub(got, w) {
					t.Errorf("no error %q in:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
	f, err := loadString(t, base+engine, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ws := f.Warnings(); len(ws) != 1 || !strings.Contains(ws[0].String(), "no policies: every tool call is denied") {
		t.Errorf("warnings: %v", ws)
	}
}

// TestPolicyValidation: a policy that does not validate against the
// catalogue's schema is refused by validate and by the build, naming the
// policy's field and the position in its statement.
func TestPolicyValidation(t *testing.T) {
	backend := newNotionBackend(t)
	typo := `  - name: typo
    policyEngineId: notes_engine-a1b2c3d4e5
    definition:
      cedar:
        statement: |
          permit(principal, action == AgentCore::Action::"notion___search", resource)
          when { context.input.body.page_sise < 10 };
`
	f, err := config.Load(policyConfig(t, backend.URL, "ENFORCE", selfPolicy+typo))
	if err != nil {
		t.Fatal(err)
	}
	const want = "policies[1].definition.cedar.statement: policy \"typo\" at 2:27: attribute `page_sise`"
	err = f.Validate(context.Background())
	if got := errorTexts(err); !slicesContainsSub(got, want) {
		t.Errorf("validate: %v", got)
	}
	b, err := f.Build(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if gw, err := b.Gateway(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("gateway: %v", err)
		if gw != nil {
			gw.Close()
		}
	}
}

// TestUpdatePolicies: a reload's policies and mode take effect in the
// running engine together, or not at all.
func TestUpdatePolicies(t *testing.T) {
	backend := newNotionBackend(t)
	load := func(mode, ps string) *config.File {
		t.Helper()
		f, err := config.Load(policyConfig(t, backend.URL, mode, ps))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f1 := load("ENFORCE", selfPolicy)
	b, gw := build(t, f1, nil)
	bob := caller("bob", "")
	if !decide(t, gw, bob, "notion___getSelf", `{}`) {
		t.Fatal("getSelf denied")
	}
	f2 := load("ENFORCE", selfPolicy+`  - name: no_bob
    policyEngineId: notes_engine-a1b2c3d4e5
    definition: {cedar: {statement: 'forbid(principal == AgentCore::OAuthUser::"bob", action, resource);'}}
`)
	if f2.GatewayFingerprint() != f1.GatewayFingerprint() || f2.PolicyFingerprint() == f1.PolicyFingerprint() {
		t.Error("a policy change should change the policy fingerprint only")
	}
	if err := b.UpdatePolicies(f2); err != nil {
		t.Fatal(err)
	}
	if decide(t, gw, bob, "notion___getSelf", `{}`) {
		t.Error("bob allowed after the forbid was added")
	}
	// A broken set changes nothing, the mode included.
	broken := load("LOG_ONLY", selfPolicy+`  - name: broken
    policyEngineId: notes_engine-a1b2c3d4e5
    definition: {cedar: {statement: 'permit(principal, action == AgentCore::Action::"notion___nope", resource);'}}
`)
	if err := b.UpdatePolicies(broken); err == nil || !strings.Contains(err.Error(), `policies[1].definition.cedar.statement`) {
		t.Errorf("broken policies: %v", err)
	}
	if b.Policy.Mode() != policy.Enforce || decide(t, gw, bob, "notion___getSelf", `{}`) {
		t.Error("a refused update changed the engine")
	}
	// The mode alone: LOG_ONLY lets the call through.
	f3 := load("LOG_ONLY", selfPolicy+strings.ReplaceAll(forbidMallory, "mallory", "bob"))
	if f3.GatewayFingerprint() != f1.GatewayFingerprint() {
		t.Error("a mode change should not change the gateway fingerprint")
	}
	if err := b.UpdatePolicies(f3); err != nil {
		t.Fatal(err)
	}
	if b.Policy.Mode() != policy.LogOnly || !decide(t, gw, bob, "notion___getSelf", `{}`) {
		t.Error("LOG_ONLY did not let the call through")
	}
}
