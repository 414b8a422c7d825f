// Package templates gives ready targets for popular services, built from
// their official OpenAPI descriptions: Slack, Jira, Asana, GitHub, Stripe
// and Twilio.
//
// Each Template embeds its service's spec (gzip-compressed; sources,
// commits and licences in specs/MANIFEST.md), presets how the service
// authenticates and where its API lives, and publishes a curated set of at
// most 40 of the most useful operations with descriptions written for a
// model (Options.AllOperations publishes every operation instead):
//
//	tpl, err := templates.Get("slack")
//	...
//	slack, err := tpl.Target(ctx, &templates.Options{Token: credentials.FromEnv("SLACK_BOT_TOKEN")})
//	...
//	gw.AddTarget(ctx, slack) // tools "slack___chat_postMessage", "slack___conversations_history", ...
//
// The caller supplies the secrets as credentials.Secret values (a literal,
// an environment variable or a file), resolved when Target is called;
// the template sets where and how they are sent:
//
//	slack   Token: bot (xoxb-) or user (xoxp-) token, Authorization: Bearer
//	jira    Username + Password: account email + API token, basic auth, to https://{Site}.atlassian.net;
//	        or Token: OAuth 2.0 access token, Bearer, to https://api.atlassian.com/ex/jira/{CloudID}
//	asana   Token: personal access token, Bearer
//	github  Token: personal access, App installation or OAuth token, Bearer
//	stripe  Token: secret key (sk_...), Bearer
//	twilio  Username + Password: Account SID + auth token, basic auth; the SID fills {AccountSid} in the paths
//
// Options.Credentials replaces the preset with any credentials.Provider
// (OAuth 2.0 client credentials, token exchange, ...).
//
// The specs are published snapshots. The Jira template adds the one
// operation its July 2022 snapshot predates and its curated set needs:
// Atlassian's enhanced JQL search, GET /rest/api/3/search/jql, which
// replaces the removed /rest/api/3/search.
//
// # Naming, and Amazon Bedrock AgentCore Gateway
//
// AgentCore Gateway offers "built-in templates from integration providers"
// as gateway targets
// (https://docs.aws.amazon.com/bedrock-agentcore/latest/devguide/gateway-target-integrations.html):
// Amazon, Asana, BambooHR, Brave, Confluence, Jira, Microsoft, PagerDuty,
// Salesforce, ServiceNow, Slack, Smartsheet, Tavily, Zendesk and Zoom, each
// named by its provider. For each template that page lists the outbound
// authentication types, the server URL and the supported subset of the
// provider's API with its paths. It also states that an integration
// provider template can be added as a target only in the AWS Management
// Console, not through the API: CreateGatewayTarget has no field naming a
// template, so there is no template ID to follow, and a target made from
// one is addressed like any other target, by its name, its tools published
// as "<target name>___<tool name>". Separately, AgentCore Identity's
// CreateOauth2CredentialProvider names OAuth vendors such as SlackOauth2,
// AtlassianOauth2 and GithubOauth2
// (https://docs.aws.amazon.com/bedrock-agentcore-control/latest/APIReference/API_CreateOauth2CredentialProvider.html).
//
// This package follows that naming: a template's Name is the provider's
// name in lower case ("slack", "jira", "asana"), Template.AgentCore holds
// AgentCore's provider name where AgentCore has the service, and Lookup
// accepts the Name, the Title or the AgentCore provider name in any case.
// GitHub, Stripe and Twilio have no AgentCore integration template; their
// names follow the same rule. docs/templates.md says how a configuration
// refers to a template.
//
// # Loading cost
//
// Target parses the embedded spec each time it is called: 0.3–1.7 s per
// template on a 2-core machine (GitHub and Stripe are the largest), with
// or without AllOperations, since parsing dominates. Build a target once
// and keep it. Nothing is cached at package level: a Template is plain
// data, and a process that builds each target once would gain nothing from
// a cache but its memory held for good.
package templates
