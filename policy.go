package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// A PolicyDecider decides which tool calls a policy engine permits (package
// policy evaluates Cedar policies in AgentCore's model). Set it as
// Options.Policy.
//
// Decide is asked about every tools/call (and Gateway.Call) after the call
// was validated, rate limited and passed through the interceptors, right
// before the target would be called: it sees the tool that runs and the
// arguments it gets. A denial the decision enforces never reaches the
// target. ListFilter decides which tools tools/list shows a principal.
type PolicyDecider interface {
	Decide(ctx context.Context, req *PolicyRequest) PolicyDecision
	// ListFilter returns the func that tells, tool by tool, whether
	// tools/list shows the tool to p; nil shows every tool. The func is
	// called on one goroutine, for one listing.
	ListFilter(ctx context.Context, p *Principal) func(t *ToolInfo) bool
}

// PolicyRequest is one tool call as a PolicyDecider sees it.
type PolicyRequest struct {
	Principal *Principal
	// Tool is the tool about to run; Tool.Name is its published name.
	Tool *ToolInfo
	// Arguments are valid for the tool's input schema; never nil.
	Arguments json.RawMessage
}

// PolicyDecision is a PolicyDecider's answer.
type PolicyDecision struct {
	// Allow is the decision.
	Allow bool
	// LogOnly: the decision is recorded (audit records show it) but the call
	// proceeds whatever it says.
	LogOnly bool
	// Policies are the ids of the policies that determined the decision:
	// the forbids that matched, or else the permits; none for a default
	// deny.
	Policies []string
	// Errors are the ids of the policies whose evaluation failed (and were
	// skipped), and whatever else the decider could not evaluate.
	Errors []string
}

// CodePolicyDenied is the JSON-RPC error code of a tool call a policy
// denied, as AgentCore Gateway answers it.
const CodePolicyDenied = -32002

// ErrPolicyDenied is returned by Call for a call a policy denied.
var ErrPolicyDenied = errors.New("tool call denied by policy")

// policyDeniedError refuses a call a policy denied: AgentCore Gateway's
// JSON-RPC error on the wire, ErrPolicyDenied in process.
type policyDeniedError struct{ policies []string }

func (e *policyDeniedError) Error() string {
	why := "No policy applies to the request (denied by default)."
	if len(e.policies) > 0 {
		why = "Policy evaluation denied due to " + strings.Join(e.policies, ", ")
	}
	return "Tool Execution Denied: Tool call not allowed due to policy enforcement [" + why + "]"
}

func (e *policyDeniedError) Is(target error) bool { return target == ErrPolicyDenied }

func (e *policyDeniedError) As(target any) bool {
	if p, ok := target.(**jsonrpc.Error); ok {
		*p = &jsonrpc.Error{Code: CodePolicyDenied, Message: e.Error()}
		return true
	}
	return false
}

// checkPolicy asks Options.Policy about the call of e that req is about to
// make, and refuses it when an enforced decision denies it.
func (g *Gateway) checkPolicy(ctx context.Context, e *entry, req *CallRequest) error {
	if g.opts.Policy == nil {
		return nil
	}
	d := g.opts.Policy.Decide(ctx, &PolicyRequest{Principal: PrincipalFrom(ctx), Tool: &e.info, Arguments: req.Arguments})
	if req.obs != nil {
		req.obs.policy = &d
	}
	if d.Allow || d.LogOnly {
		return nil
	}
	req.obs.setOutcome(OutcomeRefusedPolicy, "denied by policy")
	return &policyDeniedError{policies: d.Policies}
}

// listFilter returns Options.Policy's tools/list filter for p; nil when
// every tool may be listed.
func (g *Gateway) listFilter(ctx context.Context, p *Principal) func(*ToolInfo) bool {
	if g.opts.Policy == nil {
		return nil
	}
	return g.opts.Policy.ListFilter(ctx, p)
}
