// Package smithy serves the operations of a service described by a Smithy
// model (JSON AST, versions 1.0 and 2.0) as toolgate tools, speaking the
// service's own wire protocol: AWS restJson1 and restXml (with every HTTP
// binding), awsJson1_0, awsJson1_1, awsQuery and ec2Query. AWS services
// are signed with SigV4 (the signing name comes from the model's
// aws.auth#sigv4 trait); models without auth work against any base URL.
//
// Each operation of the service, direct or bound to a resource, becomes a
// tool named after the operation. Its input schema (JSON Schema 2020-12)
// is the operation's input structure, its output schema the output
// structure; @documentation becomes the description as plain text, and
// @readonly, @idempotent and the @http method become the tool's
// annotations.
//
//	m, err := smithy.LoadFile("dynamodb-2012-08-10.json")
//	...
//	t, err := smithy.New(ctx, m, &smithy.Options{Region: "eu-west-1", ReadOnly: true, InferReadOnly: true})
//	...
//	err = gw.AddTarget(ctx, t)
//
// Protocols toolgate does not speak (smithy.protocols#rpcv2Cbor, or none at
// all) are reported by New with ErrUnsupportedProtocol rather than guessed.
package smithy
