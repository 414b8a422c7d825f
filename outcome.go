package toolgate

// Outcome is how a tool call or a refused request ended, as audit records,
// metrics and spans report it.
type Outcome string

// The outcomes. Metrics count OutcomeThrottled as a throttle,
// OutcomeFailed as a system error, and OutcomeInvalid, OutcomeRefusedAuth
// and OutcomeRefusedPolicy as user errors, as AgentCore Gateway counts 429,
// 5xx and other 4xx answers. OutcomeToolError is a tool's own answer with
// isError set: a successful request, counted only by the status page.
const (
	OutcomeOK        Outcome = "ok"
	OutcomeToolError Outcome = "tool_error"
	// OutcomeInvalid: the tool does not exist, its arguments do not match
	// its input schema, or the request was malformed.
	OutcomeInvalid Outcome = "invalid"
	// OutcomeRefusedAuth: the Authorizer refused the request, or it named
	// another user's session.
	OutcomeRefusedAuth Outcome = "refused_auth"
	// OutcomeRefusedPolicy: the ToolFilter hides the tool from the caller,
	// an interceptor refused the call with an error, or Options.Policy
	// denied it.
	OutcomeRefusedPolicy Outcome = "refused_policy"
	// OutcomeThrottled: a rate limit or a concurrency cap.
	OutcomeThrottled Outcome = "throttled"
	// OutcomeFailed: the target failed, timed out or panicked, or the
	// gateway was shutting down.
	OutcomeFailed Outcome = "failed"
)
