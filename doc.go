// Package toolgate is an embeddable MCP tool gateway.
//
// A Gateway is an http.Handler that serves the Model Context Protocol over
// streamable HTTP. Behind that one endpoint it composes many targets —
// in-process Go functions (Func, RawFunc), REST APIs described by OpenAPI
// (package openapi), AWS Lambda functions (package lambda), Smithy-modelled
// services (package smithy), other MCP servers (package mcpserver), or any
// implementation of Target — into one
// tool catalogue, with inbound authorization (package auth), outbound
// credentials (package credentials), argument validation, interceptors,
// guards and tool search (package search).
//
// go-sdk (github.com/modelcontextprotocol/go-sdk) speaks the protocol:
// sessions, negotiation, every method. The gateway answers the two hot
// methods itself where it can do so exactly as go-sdk would: a plain
// tools/call is answered without go-sdk's dispatch, and tools/list pages
// are written from each tool's JSON encoded once.
package toolgate
