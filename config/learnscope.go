package config

import (
	"fmt"
	"strings"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/claimtext"
)

// toolgate.search.learn.scope names what a caller's learning scope is
// read from (search.Options.LearnScope).

const claimScope = "claim:"

// checkLearnScope says what is wrong with a learn.scope value, if
// anything.
func checkLearnScope(s string) error {
	switch {
	case s == "", s == "issuer", s == "client":
		return nil
	case strings.HasPrefix(s, claimScope) && len(s) > len(claimScope):
		return nil
	}
	return fmt.Errorf("%q is not issuer, client or claim:NAME", s)
}

// learnScope returns the scope function of a checked learn.scope value,
// nil for none.
func learnScope(s string) func(*toolgate.Principal) string {
	switch {
	case s == "issuer":
		return func(p *toolgate.Principal) string { return p.Issuer }
	case s == "client":
		return func(p *toolgate.Principal) string { return p.ClientID }
	case strings.HasPrefix(s, claimScope):
		claim := s[len(claimScope):]
		return func(p *toolgate.Principal) string {
			s, _ := claimtext.String(p.Claims[claim]) // as a policy reads the claim as a tag
			return s
		}
	}
	return nil
}
