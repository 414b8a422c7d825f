// Package mcpserver federates another MCP server as a toolgate Target: its
// tools are published by the gateway under the target's prefix, and each
// call is forwarded to the server, whose answer comes back unchanged.
//
// The server is reached over streamable HTTP (Options.URL) or over stdio,
// as a command the target starts and supervises (Options.Command; one
// process for all callers, or with Options.ProcessPerSession one per
// caller's session). A
// server that goes away is reconnected (restarted) by the target itself,
// with exponential backoff; calls meanwhile get an isError result naming
// the target.
//
// While a call runs, what the server sends for it reaches the caller
// through the caller's session (toolgate.CallRequest.Session): progress for
// the caller's progress token, log messages, and the server's sampling and
// elicitation requests, whose answers go back to the server. Cancelling
// the call cancels it on the server. The server's
// notifications/tools/list_changed makes the gateway list the target
// again (toolgate.ChangeNotifier).
//
// See docs/mcpserver.md for the session mapping and what is not done yet.
package mcpserver
