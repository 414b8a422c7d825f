// Package policy evaluates Cedar policies on a toolgate.Gateway's tool
// calls, in Amazon Bedrock AgentCore's entity model, so that the policies
// written for an AgentCore Gateway's policy engine run unchanged:
//
//   - principal AgentCore::OAuthUser::"<sub>", with id = sub and a tag per
//     claim of the caller's token (principal.getTag("role"));
//   - action AgentCore::Action::"<published tool name>", in
//     AgentCore::Action::"CallTool", in AgentCore::Action::"Mcp";
//   - resource AgentCore::Gateway::"<gateway ARN or id>";
//   - context.input, the call's arguments typed from the tool's input
//     schema (context.input.amount < 500).
//
// Decisions are Cedar's (cedar-go): default deny, a matching forbid wins.
// An Engine generates a Cedar schema from the gateway's catalogue and
// validates every policy against it when it is loaded; it runs in ENFORCE
// or LOG_ONLY mode, decides tools/list as AgentCore does, and takes new
// policies and catalogue changes without a restart. docs/policy.md has the
// details.
package policy
