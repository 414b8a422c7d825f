// Package config reads a gateway described the way Amazon Bedrock
// AgentCore's control plane describes one — CreateGateway,
// CreateGatewayTarget, CreateApiKeyCredentialProvider,
// CreateOauth2CredentialProvider and CreatePolicy request bodies, in one
// YAML or JSON file —
// and turns it into the toolgate.Options and AddTarget calls a Go program
// would write. It is a loader, not a second gateway: everything it builds
// is the public API of toolgate and its packages (auth, credentials,
// openapi, smithy, lambda, mcpserver, search, policy).
//
//	f, err := config.Load("gateway.yaml")  // every problem at once, as Errors
//	err = f.Validate(ctx)                  // converts specs, models, schemas; checks policies
//	b, err := f.Build(ctx, logger)         // Options and targets, checked as Validate does
//	gw, err := b.Gateway(ctx)              // toolgate.New + AddTarget + the policies
//
// AgentCore's field names, nesting and enum values are kept exactly, so a
// request body written from AgentCore's API reference works unchanged.
// Local rules fill what a local process needs:
//
//   - ${VAR} in any string is the environment variable VAR (an unset
//     variable is an error naming the field); $${ is a literal ${.
//   - An s3.uri is a file:// URL or a path, relative to the configuration
//     file; s3:// objects are not fetched.
//   - An inlinePayload may be a string or YAML/JSON written in place.
//   - A providerArn names a credential provider of the same file by its
//     last path segment (".../apikeycredentialprovider/notion-key" is the
//     provider named notion-key).
//   - AWS endpoints follow the AWS SDK's configuration
//     (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the shared config).
//   - A top-level toolgate section holds local settings AgentCore has no
//     field for (listen addresses, sessions, limits, telemetry).
//
// Unknown fields are errors naming their path; AgentCore fields without a
// local meaning (roleArn, kmsKeyArn, tags, ...) are Warnings. Secrets (API
// keys, client secrets) are credentials.Secret values and never appear in
// errors, warnings or logs. docs/config.md lists every field.
package config
