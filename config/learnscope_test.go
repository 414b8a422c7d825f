package config

import (
	"testing"

	"github.com/toolgate/toolgate"
)

// TestLearnScope: each learn.scope value reads its scope from the
// principal; a bad value is refused.
func TestLearnScope(t *testing.T) {
	p := &toolgate.Principal{Issuer: "https://idp.example", ClientID: "agent-7",
		Claims: map[string]any{"tenant": "acme", "org": float64(42), "groups": []any{"eu", "ops"}}}
	for _, tc := range []struct {
		value, want string
		bad         bool
	}{
		{"", "", false},
		{"issuer", "https://idp.example", false},
		{"client", "agent-7", false},
		{"claim:tenant", "acme", false},
		{"claim:org", "42", false},
		{"claim:groups", "eu ops", false}, // as a policy reads it as a tag
		{"claim:missing", "", false},
		{"claim:", "", true},
		{"tenant", "", true},
	} {
		if err := checkLearnScope(tc.value); (err != nil) != tc.bad {
			t.Errorf("%q: %v", tc.value, err)
		}
		if tc.bad {
			continue
		}
		got := ""
		if f := learnScope(tc.value); f != nil {
			got = f(p)
		}
		if got != tc.want {
			t.Errorf("%q: scope %q, want %q", tc.value, got, tc.want)
		}
	}
}
