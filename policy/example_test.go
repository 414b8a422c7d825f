package policy_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/policy"
)

// A gateway whose refund tool only support staff may call, for less than
// $500, with the policy AgentCore's documentation writes.
func Example() {
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	const gatewayARN = "arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"

	// The engine, the gateway it decides for, and the gateway's tools.
	eng, err := policy.New(policy.Config{Gateway: gatewayARN, Mode: policy.Enforce, Logger: logger})
	if err != nil {
		panic(err)
	}
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Policy: eng, Logger: logger})
	if err != nil {
		panic(err)
	}
	type refund struct {
		OrderID string `json:"orderId"`
		Amount  int    `json:"amount"`
	}
	refunds := toolgate.Funcs("RefundTool", toolgate.Func("process_refund", "Refund an order",
		func(_ context.Context, in refund) (string, error) {
			return fmt.Sprintf("refunded $%d for %s", in.Amount, in.OrderID), nil
		}))
	if err := gw.AddTarget(ctx, refunds); err != nil {
		panic(err)
	}

	// The engine follows the catalogue; the policies are validated
	// against its schema as they load.
	stop := eng.Attach(gw)
	defer stop()
	err = eng.SetPolicies([]policy.Policy{{
		Name:        "support_small_refunds",
		Description: "Support staff refund less than $500",
		Statement: `permit(
  principal is AgentCore::OAuthUser,
  action == AgentCore::Action::"RefundTool___process_refund",
  resource == AgentCore::Gateway::"arn:aws:bedrock-agentcore:us-west-2:123456789012:gateway/refund-gateway"
)
when {
  principal.hasTag("role") && principal.getTag("role") == "support" &&
  context.input.amount < 500
};`,
	}})
	if err != nil {
		panic(err)
	}

	// A caller whose token has the claim role=support (auth.JWT puts the
	// token's claims in the principal).
	caller := toolgate.WithPrincipal(ctx, &toolgate.Principal{Subject: "u-123", Claims: map[string]any{"sub": "u-123", "role": "support"}})
	for _, amount := range []int{450, 600} {
		res, err := gw.Call(caller, "RefundTool___process_refund", json.RawMessage(fmt.Sprintf(`{"orderId":"o-1","amount":%d}`, amount)))
		switch {
		case errors.Is(err, toolgate.ErrPolicyDenied):
			fmt.Println(err)
		case err != nil:
			panic(err)
		default:
			fmt.Println(res.Content[0].(*mcp.TextContent).Text)
		}
	}
	// Output:
	// refunded $450 for o-1
	// Tool Execution Denied: Tool call not allowed due to policy enforcement [No policy applies to the request (denied by default).]
}

// The Cedar schema the engine generates from a catalogue, which every
// policy is validated against.
func ExampleEngine_Schema() {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := policy.New(policy.Config{Gateway: "gw-1", Logger: logger})
	if err != nil {
		panic(err)
	}
	err = eng.SetTools([]toolgate.ToolInfo{{Name: "orders___get_order", Target: "orders", Tool: toolgate.Tool{
		Name: "get_order",
		InputSchema: json.RawMessage(`{"type":"object","properties":{
			"orderId":{"type":"string"},"express":{"type":"boolean"},"price":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}}
		},"required":["orderId"]}`),
	}}})
	if err != nil {
		panic(err)
	}
	fmt.Print(eng.Schema())
	// Output:
	// namespace AgentCore {
	// 	type orders___get_orderInput = {
	// 		express?: Bool,
	// 		orderId: String,
	// 		price?: decimal,
	// 		tags?: Set<String>
	// 	};
	//
	// 	entity Gateway;
	//
	// 	entity OAuthUser {
	// 		id: String
	// 	} tags String;
	//
	// 	action CallTool in Mcp;
	//
	// 	action Mcp;
	//
	// 	action orders___get_order in CallTool appliesTo {
	// 		principal: OAuthUser,
	// 		resource: Gateway,
	// 		context: {
	// 			input: orders___get_orderInput
	// 		}
	// 	};
	// }
}
