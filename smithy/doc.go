// Package smithy serves the operations of a service described by a Smithy
// model (JSON AST, versions 1.0 and 2.0) as toolgate tools, speaking the
// service's own wire protocol: AWS restJson1 (with every HTTP binding),
// awsJson1_0 and awsJson1_1. AWS services are signed with SigV4 (the
// signing name comes from the model's aws.auth#sigv4 trait); models
// without auth work against any base URL.
//
// Each operation of the service, direct or bound to a resource, becomes a
// tool named after the operation. Its input schema (JSON Schema 2020-12)
// is the operation's input structure, its output schema the output
// structure; @documentation becomes the description as plain text, and
// @readonly and @idempotent become the tool's annotations.
//
//	m, err := smithy.LoadFile("dynamodb-2012-08-10.json")
//	...
//	t, err := smithy.New(ctx, m, &smithy.Options{Region: "eu-west-1", ReadOnly: true})
//	...
//	err = gw.AddTarget(ctx, t)
//
// Protocols toolgate does not speak (restXml, awsQuery, ec2Query) are
// reported by New with ErrUnsupportedProtocol rather than guessed.
package smithy
