// Package auth authenticates the callers of a toolgate gateway.
//
// JWT validates OAuth 2.0 access tokens (JWTs) the way AgentCore Gateway's
// CUSTOM_JWT authorizer does — OIDC discovery, allowed audiences, clients,
// scopes and custom-claim matchers — and answers failures as the MCP
// authorization specification asks: 401 with a WWW-Authenticate challenge
// that points at the RFC 9728 protected-resource metadata (served by
// MetadataHandler), 403 for insufficient scope. Signing keys are cached and
// refreshed in the background; a token signed with a key the cache does not
// know triggers an immediate refetch, so key rotation at the provider needs
// no restart, while a per-kid memory of unknown kids and a global refetch
// rate keep forged kids from hammering the provider.
//
// None is the explicit opt-in for an unauthenticated gateway, and
// ToolScopes turns a map of tool-name patterns to scopes into a
// toolgate.Options.ToolFilter, so a principal never sees a tool it may not
// call.
package auth
