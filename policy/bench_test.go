package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/policy"
)

// benchCatalogue is 60 tools with refund-like input schemas.
func benchCatalogue() []toolgate.Target {
	schema := json.RawMessage(`{"type":"object","properties":{"orderId":{"type":"string"},"amount":{"type":"integer"},
		"reason":{"type":"string"},"currency":{"type":"string"},"items":{"type":"array","items":{"type":"string"}}},"required":["orderId","amount"]}`)
	var tools []toolgate.FuncTool
	for i := range 60 {
		tools = append(tools, toolgate.RawFunc(toolgate.Tool{Name: fmt.Sprintf("tool%02d", i), InputSchema: schema},
			func(context.Context, json.RawMessage) (*toolgate.Result, error) {
				return toolgate.TextResult("ok"), nil
			}))
	}
	return []toolgate.Target{toolgate.Funcs("bench", tools...)}
}

// benchPolicies are 100 policies on benchCatalogue: 60 permits and 20
// forbids on one tool each, with conditions on the caller's tags and the
// arguments, and 20 for every tool on the caller's tags (all 100 for
// every tool with allApply).
func benchPolicies(allApply bool) []policy.Policy {
	var ps []policy.Policy
	action := func(i int) string {
		if allApply {
			return `action in AgentCore::Action::"CallTool"`
		}
		return fmt.Sprintf(`action == AgentCore::Action::"bench___tool%02d"`, i%60)
	}
	for i := range 60 {
		ps = append(ps, policy.Policy{Name: fmt.Sprintf("permit_%02d", i), Statement: fmt.Sprintf(`permit(principal is AgentCore::OAuthUser, %s, resource == AgentCore::Gateway::"%s")
when { principal.hasTag("scope") && principal.getTag("scope") like "*refund:write*" && context.input.amount < %d };`, action(i), gatewayARN, 500+i)})
	}
	for i := range 20 {
		ps = append(ps, policy.Policy{Name: fmt.Sprintf("forbid_%02d", i), Statement: fmt.Sprintf(`forbid(principal, %s, resource)
when { context.input has currency && context.input.currency == "X%02d" };`, action(i*3), i)})
	}
	for i := range 20 {
		ps = append(ps, policy.Policy{Name: fmt.Sprintf("role_%02d", i), Statement: fmt.Sprintf(`permit(principal, action in AgentCore::Action::"CallTool", resource)
when { principal.hasTag("role") && principal.getTag("role") == "role%02d" };`, i)})
	}
	return ps
}

// benchPrincipal carries the claims of a typical access token.
func benchPrincipal() *toolgate.Principal {
	now := time.Now()
	claims := map[string]any{
		"sub": "12345678-1234-1234-1234-123456789012", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Vg2efaoGO",
		"aud": []any{"https://gw.example/mcp"}, "client_id": "agent-7", "username": "refund-agent",
		"scope": "aws.cognito.signin.user.admin refund:write", "role": "role07", "department": "finance",
		"exp": now.Add(time.Hour), "iat": now, "jti": "a1b2c3", "email_verified": true,
	}
	return &toolgate.Principal{Subject: "12345678-1234-1234-1234-123456789012", ClientID: "agent-7", Claims: claims}
}

var benchArgs = json.RawMessage(`{"orderId":"o-12345","amount":450,"reason":"Defective product","currency":"EUR","items":["a","b"]}`)

func benchEngine(b *testing.B, allApply bool) (*toolgate.Gateway, *policy.Engine) {
	eng, err := policy.New(policy.Config{Gateway: gatewayARN, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	gw, err := toolgate.New(&toolgate.Options{Policy: eng, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	for _, tg := range benchCatalogue() {
		if err := gw.AddTarget(context.Background(), tg); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(eng.Attach(gw))
	if err := eng.SetPolicies(benchPolicies(allApply)); err != nil {
		b.Fatal(err)
	}
	return gw, eng
}

// p50 returns the median of d in µs.
func p50(d []time.Duration) float64 {
	slices.Sort(d)
	return float64(d[len(d)/2]) / float64(time.Microsecond)
}

// BenchmarkDecide100 is one policy decision with 100 policies loaded: the
// typical case (the 20 policies for every tool and the few naming the
// tool are evaluated) and the worst (all 100 apply to every tool).
func BenchmarkDecide100(b *testing.B) {
	for _, allApply := range []bool{false, true} {
		name := "typical"
		if allApply {
			name = "all-apply"
		}
		b.Run(name, func(b *testing.B) {
			gw, eng := benchEngine(b, allApply)
			req := &toolgate.PolicyRequest{Principal: benchPrincipal(), Tool: toolInfoB(b, gw, "bench___tool07"), Arguments: benchArgs}
			if d := eng.Decide(context.Background(), req); !d.Allow {
				b.Fatalf("the benchmark's call is denied: %+v", d)
			}
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				eng.Decide(context.Background(), req)
				times = append(times, time.Since(start))
			}
			b.ReportMetric(p50(times), "p50-µs")
		})
	}
}

func toolInfoB(b *testing.B, gw *toolgate.Gateway, name string) *toolgate.ToolInfo {
	for _, ti := range gw.Tools() {
		if ti.Name == name {
			return &ti
		}
	}
	b.Fatalf("no tool %s", name)
	return nil
}

// BenchmarkCallWithPolicy is an in-process call (Gateway.Call) of the same
// tool through a gateway without a policy engine and through one with 100
// policies, alternating call by call; it reports both medians and the
// difference, the time the decision adds to a call.
func BenchmarkCallWithPolicy(b *testing.B) {
	with, _ := benchEngine(b, false)
	without, err := toolgate.New(&toolgate.Options{Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	for _, tg := range benchCatalogue() {
		if err := without.AddTarget(context.Background(), tg); err != nil {
			b.Fatal(err)
		}
	}
	ctx := toolgate.WithPrincipal(context.Background(), benchPrincipal())
	call := func(gw *toolgate.Gateway) time.Duration {
		start := time.Now()
		res, err := gw.Call(ctx, "bench___tool07", benchArgs)
		d := time.Since(start)
		if err != nil || res.IsError {
			b.Fatalf("call: %v %+v", err, res)
		}
		return d
	}
	tw := make([]time.Duration, 0, b.N)
	to := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		to = append(to, call(without))
		tw = append(tw, call(with))
	}
	pw, po := p50(tw), p50(to)
	b.ReportMetric(po, "p50-without-µs")
	b.ReportMetric(pw, "p50-with-µs")
	b.ReportMetric(pw-po, "p50-added-µs")
}
