// Package credentials gives targets the credentials their backends expect:
// the outbound half of the gateway's security (the inbound half is the
// Authorizer).
//
// A [Provider] decorates one outbound HTTP request. [Transport] and
// [Client] compose a Provider with an http.RoundTripper, the way
// golang.org/x/oauth2's Transport composes a TokenSource:
//
//	key, err := credentials.NewAPIKey(credentials.APIKeyConfig{
//		Key:  credentials.FromEnv("WEATHER_API_KEY"),
//		Name: "X-Api-Key",
//	})
//	...
//	client := credentials.Client(nil, key)
//
// The client follows redirects only within the first request's origin
// ([SameOriginRedirects]), so a backend cannot send its credentials on to
// another one.
//
// The providers are:
//
//   - [NewAPIKey]: an API key in a header or query parameter, with an
//     optional prefix (AgentCore's API key credential provider).
//   - [NewBearer] and [NewBasic]: a static bearer token, HTTP basic auth.
//   - [NewClientCredentials]: OAuth 2.0 client credentials
//     (golang.org/x/oauth2/clientcredentials) from a token URL or OIDC
//     discovery, cached until shortly before expiry; concurrent callers
//     share one token request.
//   - [NewSigV4]: AWS Signature Version 4 (aws-sdk-go-v2) with the default
//     credential chain, static keys or an assumed role; its
//     [SigV4.CredentialsProvider] also serves AWS SDK clients (a lambda
//     target given a *SigV4 lets the SDK sign with it).
//   - [NewTokenExchange]: RFC 8693 token exchange of the inbound
//     principal's token for a token for the backend, cached per subject and
//     audience.
//   - [NewPassthrough]: forwards the inbound principal's token as is. Only
//     this provider ever forwards an inbound credential; [Transport] refuses
//     to send a request that carries the inbound token otherwise.
//   - [None]: no credentials, for a target whose default is to sign its
//     requests.
//
// Any type with an Apply method is a Provider. It may also implement
// [InboundForwarder] (to forward the inbound caller's credential) and
// [Rejecter] (to hear of 401 answers, to drop a cached token).
//
// Secrets come from a literal, an environment variable or a file
// ([Secret]). Neither a Secret nor a provider prints its value: fmt verbs,
// slog and errors show "[REDACTED]" or the secret's source instead.
package credentials
