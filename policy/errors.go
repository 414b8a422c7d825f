package policy

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// PolicyError is a policy that does not parse, or does not validate against
// the catalogue's Cedar schema. SetPolicies and SetTools return one per
// problem, joined with errors.Join; errors.As finds the first.
type PolicyError struct {
	// Policy is the policy's name.
	Policy string
	// Line and Column locate the problem in the policy's statement (1-based):
	// where the parser stopped, or the name a validation error is about
	// when it is found in the statement, else the start of the policy.
	Line, Column int
	Err          error
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("policy %q at %d:%d: %v", e.Policy, e.Line, e.Column, e.Err)
}

func (e *PolicyError) Unwrap() error { return e.Err }

// parsePos finds "<file>:line:column" in a Cedar parse error.
var parsePos = regexp.MustCompile(`at [^ ]*?:(\d+):(\d+)`)

// parseError is the PolicyError of a statement that does not parse.
func parseError(name string, err error) *PolicyError {
	pe := &PolicyError{Policy: name, Line: 1, Column: 1, Err: err}
	if m := parsePos.FindStringSubmatch(err.Error()); m != nil {
		pe.Line, _ = strconv.Atoi(m[1])
		pe.Column, _ = strconv.Atoi(m[2])
	}
	return pe
}

// validationErrors returns a PolicyError for each of the validator's
// errors in err (joined), located in stmt; start is the offset, line and
// column at which the policy begins.
func validationErrors(name, stmt string, start, line, col int, err error) []error {
	var out []error
	// An error about no name in particular (a type error) is about a
	// condition when the policy has one: it points at the first.
	if m := condition.FindStringSubmatchIndex(stmt[start:]); m != nil {
		line, col = lineCol(stmt, start+m[2])
	}
	for _, e := range flatten(err) {
		pe := &PolicyError{Policy: name, Line: line, Column: col, Err: e}
		if off, ok := locate(stmt, start, e.Error()); ok {
			pe.Line, pe.Column = lineCol(stmt, off)
		}
		out = append(out, pe)
	}
	return out
}

// condition finds the first condition of a policy: its when or unless
// keyword after the scope.
var condition = regexp.MustCompile(`\)\s*(when|unless)`)

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// quoted finds the names a validation error is about: Cedar's validator
// quotes them in backticks ("attribute `amout` ... not found").
var quoted = regexp.MustCompile("`([^`]+)`")

// locate returns the offset in stmt, at or after start, of the first name
// that msg quotes and stmt holds: an attribute path by its last step
// (".orderId" for `input.orderId`), anything else as written.
func locate(stmt string, start int, msg string) (int, bool) {
	for _, m := range quoted.FindAllStringSubmatch(msg, -1) {
		name := m[1]
		var candidates []string
		if i := strings.LastIndexByte(name, '.'); i >= 0 && !strings.ContainsAny(name, `":`) {
			candidates = append(candidates, name[i:])
		}
		if isIdent(name) {
			candidates = append(candidates, "."+name)
		}
		candidates = append(candidates, name)
		for _, c := range candidates {
			if i := strings.Index(stmt[start:], c); i >= 0 {
				if c[0] == '.' {
					i++ // the name, not the dot
				}
				return start + i, true
			}
		}
	}
	return 0, false
}

func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// lineCol returns the 1-based line and column (in characters) of offset
// off in s.
func lineCol(s string, off int) (int, int) {
	line := 1 + strings.Count(s[:off], "\n")
	lineStart := strings.LastIndexByte(s[:off], '\n') + 1
	return line, 1 + len([]rune(s[lineStart:off]))
}

// errNoName refuses a policy without a name.
var errNoName = errors.New("a policy needs a name")
