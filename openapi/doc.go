// Package openapi turns a REST API described by OpenAPI 3.0, 3.1 or
// Swagger 2.0 into a toolgate.Target: one MCP tool per operation.
//
// Load a spec with LoadFile, LoadURL or New (bytes, JSON or YAML). Loading
// is lenient: a flaw in one example, parameter or reference becomes a
// Warning, not a failure of the whole spec; an operation that cannot be
// converted is reported by Skipped with its reason.
//
// Every tool's input schema (JSON Schema 2020-12) is one object combining
// the operation's parameters and its request body:
//
//	{
//	  "petId":  <path parameter>,
//	  "status": <query parameter>,
//	  "X-Trace": <header parameter>,
//	  "body":   <request body, in its own schema>
//	}
//
// Parameters keep their names; the request body is the property "body".
// When a name is taken — by a parameter of an earlier location (path, then
// query, header, cookie) or, for a parameter named "body", by the request
// body — the parameter is published as "<in>_<name>" ("query_id",
// "header_body"). Schemas reached through $ref are kept as "$defs" and
// "$ref" (so recursive schemas stay finite); oneOf, anyOf, allOf and
// discriminator are preserved; OpenAPI 3.0 nullable and 3.1 type arrays
// both become JSON Schema type arrays with "null".
//
// The output schema comes from the first 2xx JSON response. An object
// schema is used as is; any other (an array, a oneOf) is wrapped as
// {"result": ...}, and the structured content of results is wrapped the
// same way.
//
// Calls build the HTTP request from the arguments, honouring each
// parameter's style and explode (form, simple, label, matrix,
// spaceDelimited, pipeDelimited, deepObject) and the body's media type
// (JSON, form-urlencoded, multipart/form-data with file parts, text/*,
// binary as base64). Path values are percent-encoded as single segments,
// header values with control characters are refused, and requests go only
// to the configured server: no redirect to another origin is followed.
// Outbound credentials plug in through Options.Credentials (a
// credentials.Provider) or Options.Header.
package openapi
