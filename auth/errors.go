package auth

import (
	"net/http"
	"strconv"
	"strings"
)

// Error codes of RFC 6750 section 3.1.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
)

// Error is a rejected request. It implements toolgate.HTTPError, so the
// gateway answers with Status and a WWW-Authenticate challenge. Its text
// never contains the token.
type Error struct {
	// Status is 400, 401 or 403.
	Status int
	// Code is an RFC 6750 error code, empty when no credentials were sent.
	Code string
	// Description says what is wrong, for humans.
	Description string
	// Scope lists the scopes that would be enough (403 only).
	Scope []string
	// ResourceMetadata is the URL of the protected-resource metadata.
	ResourceMetadata string
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Description
}

// HTTPStatus implements toolgate.HTTPError.
func (e *Error) HTTPStatus() int { return e.Status }

// HTTPHeader implements toolgate.HTTPError: the Bearer challenge.
func (e *Error) HTTPHeader() http.Header {
	var params []string
	if e.ResourceMetadata != "" {
		params = append(params, `resource_metadata=`+quote(e.ResourceMetadata))
	}
	if e.Code != "" {
		params = append(params, `error=`+quote(e.Code))
		if e.Description != "" {
			params = append(params, `error_description=`+quote(e.Description))
		}
	}
	if len(e.Scope) > 0 {
		params = append(params, `scope=`+quote(strings.Join(e.Scope, " ")))
	}
	v := "Bearer"
	if len(params) > 0 {
		v += " " + strings.Join(params, ", ")
	}
	return http.Header{"Www-Authenticate": {v}}
}

// quote makes a quoted-string; descriptions are ASCII by construction.
func quote(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '\''
		}
		return r
	}, s)
	return strconv.Quote(s)
}

func unauthorized(code, desc string) *Error {
	return &Error{Status: http.StatusUnauthorized, Code: code, Description: desc}
}
