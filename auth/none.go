package auth

import (
	"net/http"

	"github.com/toolgate/toolgate"
)

// None returns an Authorizer that lets every request in as an anonymous
// principal. A gateway that anyone may call should say so with None
// rather than leave Options.Authorizer unset.
func None() toolgate.Authorizer {
	return toolgate.AuthorizerFunc(func(*http.Request) (*toolgate.Principal, error) {
		return &toolgate.Principal{}, nil
	})
}
