package policy_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/internal/testenv/oidc"
	"github.com/toolgate/toolgate/policy"
)

// TestDecisionMatrixRealTokens runs the matrix with the callers' claims in
// access tokens a real OpenID Connect provider signed, verified by
// auth.JWT: the principal's tags are the claims as the JWT library decodes
// them (numbers, arrays, booleans, exp and iat as times).
func TestDecisionMatrixRealTokens(t *testing.T) {
	p := oidc.Start(t)
	const audience = "https://gw.test/mcp"
	j, err := auth.NewJWT(context.Background(), auth.JWTConfig{DiscoveryURL: p.DiscoveryURL(), AllowedAudience: []string{audience}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(j.Close)
	f := newFixture(t, j, policy.Enforce)
	f.tokens = map[string]string{}
	for user, claims := range users {
		c := maps.Clone(claims)
		c["aud"] = audience
		f.tokens[user] = p.Mint(t, c, "RS256", time.Hour)
	}
	runMatrix(t, f, false, matrix)
}
