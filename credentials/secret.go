package credentials

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
)

// redacted replaces a secret wherever it would be printed.
const redacted = "[REDACTED]"

// A Secret is a credential value and where it comes from: a literal, an
// environment variable or a file. The zero Secret is empty.
//
// A Secret never prints its value: String, GoString, every fmt verb,
// slog and JSON show "[REDACTED]" for a literal and the variable name or
// file path otherwise. Only Resolve returns the value.
type Secret struct {
	kind secretKind
	// ref holds the literal, the variable name or the file path behind a
	// pointer: when fmt prints a struct holding a Secret with a verb the
	// struct does not support ("%d", or "%s" without a String method), it
	// ignores Format and prints fields raw, but a nested pointer only as
	// its address.
	ref *secretRef
}

type secretRef struct{ s string }

// value returns the literal, the variable name or the file path.
func (s Secret) value() string {
	if s.ref == nil {
		return ""
	}
	return s.ref.s
}

type secretKind uint8

const (
	secretNone secretKind = iota
	secretLiteral
	secretEnv
	secretFile
)

// Literal returns a Secret holding v itself.
func Literal(v string) Secret { return Secret{kind: secretLiteral, ref: &secretRef{v}} }

// FromEnv returns a Secret read from the environment variable name.
func FromEnv(name string) Secret { return Secret{kind: secretEnv, ref: &secretRef{name}} }

// FromFile returns a Secret read from the file at path (for example a
// mounted Kubernetes or Docker secret). One trailing newline is removed.
func FromFile(path string) Secret { return Secret{kind: secretFile, ref: &secretRef{path}} }

// IsZero reports whether s was never set.
func (s Secret) IsZero() bool { return s.kind == secretNone }

// Resolve returns the secret's value, reading the environment variable or
// the file now. An unset variable, an unreadable file and an empty value
// are errors; the errors name the source, never the value.
func (s Secret) Resolve() (string, error) {
	var v string
	switch s.kind {
	case secretNone:
		return "", errors.New("secret not set")
	case secretLiteral:
		v = s.value()
	case secretEnv:
		var ok bool
		if v, ok = os.LookupEnv(s.value()); !ok {
			return "", fmt.Errorf("secret from env %s: variable not set", s.value())
		}
	case secretFile:
		b, err := os.ReadFile(s.value())
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is already in the message
			}
			return "", fmt.Errorf("secret from file %s: %w", s.value(), err)
		}
		v = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	if v == "" {
		return "", fmt.Errorf("secret %s is empty", s.source())
	}
	return v, nil
}

// source describes where the secret comes from, without its value.
func (s Secret) source() string {
	switch s.kind {
	case secretLiteral:
		return redacted
	case secretEnv:
		return "env:" + s.value()
	case secretFile:
		return "file:" + s.value()
	}
	return "unset"
}

// String returns "[REDACTED]", "env:NAME" or "file:PATH".
func (s Secret) String() string { return s.source() }

// GoString keeps the value out of %#v.
func (s Secret) GoString() string { return "credentials.Secret(" + s.source() + ")" }

// Format keeps the value out of every fmt verb.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.source()))
}

// LogValue keeps the value out of structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.source()) }

// MarshalText keeps the value out of JSON, YAML and other encodings.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.source()), nil }

// resolve resolves s, naming what it is for in the error.
func resolve(what string, s Secret) (string, error) {
	v, err := s.Resolve()
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// scrub replaces every non-empty secret in msg with "[REDACTED]".
func scrub(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 4 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, redacted)
		}
	}
	return msg
}

// scrubbedError is an error whose text has had secrets removed. It does
// not unwrap (the wrapped error's text holds the secret) but answers
// errors.Is for it, so context.DeadlineExceeded and the like still match.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.err, target) }

// scrubErr returns err with every secret removed from its text.
func scrubErr(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := scrub(msg, secrets...); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

// basicForms returns the encodings of client credentials in an HTTP basic
// Authorization header (plain and RFC 6749 form-encoded), which a server
// may echo back in an error.
func basicForms(id, secret string) []string {
	return []string{
		base64.StdEncoding.EncodeToString([]byte(id + ":" + secret)),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret))),
		url.QueryEscape(secret),
	}
}
