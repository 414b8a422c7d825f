package config

import (
	"fmt"
	"strings"
)

// Error is one problem of a configuration, at a field path such as
// "targets[1].targetConfiguration.mcp.lambda.toolSchema". Its text never
// holds a secret's value.
type Error struct {
	// Path is the field the problem is at, in the file's own names;
	// empty for a problem of the whole document (a YAML syntax error).
	Path string
	// Target is the name of the target the problem belongs to, if any.
	Target string
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error, if any (its text is part of Msg).
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
	}
	if e.Target != "" {
		fmt.Fprintf(&b, " (target %q)", e.Target)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem found in a configuration. Load and Validate
// return all of them at once, not only the first.
type Errors []*Error

func (es Errors) Error() string {
	switch len(es) {
	case 0:
		return "no errors"
	case 1:
		return es[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors:", len(es))
	for _, e := range es {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// err returns es as an error: nil when empty.
func (es Errors) err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Warning is a field that toolgate accepts but does not act on (an
// AgentCore field with no local meaning, such as roleArn), or a setting it
// applies differently; the configuration still works.
type Warning struct {
	Path string
	Msg  string
}

func (w Warning) String() string { return w.Path + ": " + w.Msg }

// problems collects errors and warnings while a file is read and checked.
type problems struct {
	errs  Errors
	warns []Warning
}

func (p *problems) errorf(path, format string, args ...any) {
	p.errs = append(p.errs, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) warnf(path, format string, args ...any) {
	p.warns = append(p.warns, Warning{Path: path, Msg: fmt.Sprintf(format, args...)})
}
