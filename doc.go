// Package toolgate is an embeddable MCP tool gateway.
//
// A Gateway is an http.Handler that serves the Model Context Protocol over
// streamable HTTP. Behind that one endpoint it composes many targets —
// in-process Go functions, REST APIs, Lambda functions, Smithy-modelled
// services, other MCP servers — into one tool catalogue, with inbound
// authorization, argument validation, interceptors and guards.
package toolgate
