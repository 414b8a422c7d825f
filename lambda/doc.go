// Package lambda serves AWS Lambda functions as toolgate tools, with the
// invocation contract of Amazon Bedrock AgentCore Gateway, so a function
// written for AgentCore works behind toolgate unchanged.
//
// A [Target] either invokes a deployed function through the Lambda Invoke
// API ([New]: function name or ARN, qualifier, region, endpoint, SigV4
// credentials) or runs an aws-lambda-go handler in the gateway's own
// process ([NewInProcess]: any handler signature lambda.Start accepts). Both
// modes send the same event and client context and map results the same
// way, so the same function code serves locally and in AWS.
//
// # Invocation contract
//
// The event is the tool's arguments object, bare. The client context
// (lambdacontext.ClientContext in the function) carries, in Custom:
//
//   - bedrockAgentCoreToolName: the published tool name, "<target>___<tool>"
//   - bedrockAgentCoreMessageVersion: "1.0"
//   - bedrockAgentCoreAwsRequestId: a fresh UUID per call
//   - bedrockAgentCoreMcpMessageId: the client's _meta value of that key
//     when it sends one, otherwise a fresh UUID per call (the MCP
//     JSON-RPC id is not visible to a gateway built on go-sdk)
//   - bedrockAgentCoreGatewayId and bedrockAgentCoreTargetId: from
//     [Options], by default "toolgate" and the target's name
//   - one entry per header named in Options.PropagateHeaders that the
//     inbound request carries, under the header's lower-case name
//   - traceparent and tracestate: the W3C trace context of the call's
//     span, when the call's context has one (the gateway's span per target
//     call), in place of any propagated inbound header of those names;
//     tracestate only when the span has one. Without a span, neither key
//     is added.
//
// Lambda limits the base64-encoded client context (trace context included)
// to 3,583 bytes and a synchronous request payload to 6 MB; a call over
// either limit gets an error result saying so, without invoking the
// function.
//
// # Results
//
//   - A function error (the Invoke API's FunctionError, or the runtime's
//     {"errorType","errorMessage"} payload) is an IsError result with the
//     error type and message; a timeout says that the function timed out.
//   - A payload that is already an MCP tool result (a "content" array,
//     optionally "isError" and "structuredContent") passes through.
//   - A JSON object becomes structuredContent and the same JSON as text.
//   - A JSON string becomes its text; any other JSON value its JSON text.
//   - Throttling (HTTP 429) is retried with exponential backoff and jitter
//     (Options.MaxThrottleRetries), then reported as an IsError result.
//     Other Invoke failures are not retried: an invocation is not
//     idempotent.
//
// Tool definitions use AgentCore's inline-payload shape (name,
// description, inputSchema, optional outputSchema) and may be given in Go
// (Options.Tools, [ToolFor]) or read from JSON ([ParseTools],
// [LoadTools]). Unlike AgentCore, which accepts a subset of JSON Schema,
// any JSON Schema (draft 2020-12) is allowed.
package lambda
