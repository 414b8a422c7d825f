package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cedar-policy/cedar-go/types"
	segjson "github.com/segmentio/encoding/json"

	"github.com/toolgate/toolgate/internal/claimtext"
)

// The Cedar types tool arguments take, after AgentCore's mapping from JSON
// Schema: string → String, integer → Long, boolean → Bool, number →
// decimal, object → Record, array → Set.
type kind uint8

const (
	kString kind = iota + 1
	kLong
	kBool
	kDecimal
	kRecord
	kSet
)

// ctype is the Cedar type of a value in context.input.
type ctype struct {
	kind  kind
	attrs map[string]attr // kRecord: the properties the schema declares
	elem  *ctype          // kSet
}

type attr struct {
	t        *ctype
	required bool
}

// errNotFit is wrapped by the errors of values that have no Cedar value of
// their schema type: an integer outside Long, a number outside decimal.
var errNotFit = errors.New("does not fit its Cedar type")

// inputValue decodes args, a JSON object valid for the tool's input schema,
// into the Record that context.input holds.
func inputValue(t *ctype, args []byte) (types.Value, error) {
	var v any
	if _, err := segjson.Parse(args, &v, segjson.UseNumber); err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	if v == nil {
		v = map[string]any{}
	}
	val, err := t.value(v)
	if err != nil {
		return nil, fmt.Errorf("input%w", err)
	}
	return val, nil
}

// value converts v, decoded with UseNumber, to t. Errors start with the
// path below the value: ".amount: ...".
func (t *ctype) value(v any) (types.Value, error) {
	switch t.kind {
	case kString:
		if s, ok := v.(string); ok {
			return types.String(s), nil
		}
	case kBool:
		if b, ok := v.(bool); ok {
			return types.Boolean(b), nil
		}
	case kLong:
		if n, ok := v.(json.Number); ok {
			i, err := parseLong(string(n))
			if err != nil {
				return nil, fmt.Errorf(": %w", err)
			}
			return types.Long(i), nil
		}
	case kDecimal:
		if n, ok := v.(json.Number); ok {
			i, err := parseDecimal(string(n))
			if err != nil {
				return nil, fmt.Errorf(": %w", err)
			}
			d, err := types.NewDecimal(i, -4)
			if err != nil {
				return nil, fmt.Errorf(": %w", err)
			}
			return d, nil
		}
	case kSet:
		if a, ok := v.([]any); ok {
			vals := make([]types.Value, 0, len(a))
			for i, x := range a {
				val, err := t.elem.value(x)
				if err != nil {
					return nil, fmt.Errorf("[%d]%w", i, err)
				}
				vals = append(vals, val)
			}
			return types.NewSet(vals...), nil
		}
	case kRecord:
		if m, ok := v.(map[string]any); ok {
			rm := make(types.RecordMap, len(t.attrs))
			for name, a := range t.attrs {
				x, ok := m[name]
				if !ok || x == nil { // absent, or null for a nullable property
					if a.required {
						return nil, fmt.Errorf(".%s: missing", name)
					}
					continue
				}
				val, err := a.t.value(x)
				if err != nil {
					return nil, fmt.Errorf(".%s%w", name, err)
				}
				rm[types.String(name)] = val
			}
			return types.NewRecord(rm), nil
		}
	}
	return nil, fmt.Errorf(": a %s is not a %s", jsonKind(v), t.kind)
}

func (k kind) String() string {
	switch k {
	case kString:
		return "String"
	case kLong:
		return "Long"
	case kBool:
		return "Bool"
	case kDecimal:
		return "decimal"
	case kRecord:
		return "Record"
	case kSet:
		return "Set"
	}
	return "?"
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// number is a JSON number literal taken apart: its value is
// (-1)^neg × digits × 10^exp, digits without leading zeros.
type number struct {
	neg    bool
	digits string
	exp    int
	big    bool // the exponent is beyond any int64 value's reach
}

// parseNumber takes apart a JSON number literal.
func parseNumber(s string) (number, error) {
	var n number
	bad := fmt.Errorf("%q is not a JSON number", s)
	i := 0
	if i < len(s) && s[i] == '-' {
		n.neg = true
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intPart := s[start:i]
	if intPart == "" || len(intPart) > 1 && intPart[0] == '0' {
		return n, bad
	}
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		frac = s[start:i]
		if frac == "" {
			return n, bad
		}
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start = i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		es := strings.TrimLeft(s[start:i], "0")
		if start == i {
			return n, bad
		}
		if len(es) > 9 { // far beyond int64's 19 digits either way
			n.big = true
			exp = math.MaxInt32
		} else if es != "" {
			exp, _ = strconv.Atoi(es)
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return n, bad
	}
	n.digits = strings.TrimLeft(intPart+frac, "0")
	n.exp = exp - len(frac)
	return n, nil
}

// scaled returns the number times 10^shift, truncated toward zero, and
// whether digits were dropped. It fails when the result is outside int64.
func (n number) scaled(shift int) (int64, bool, error) {
	if n.digits == "" {
		return 0, false, nil
	}
	e := n.exp + shift
	if n.big {
		if e > 0 {
			return 0, false, errNotFit
		}
		return 0, true, nil
	}
	digits := n.digits
	dropped := false
	switch {
	case e < 0 && -e >= len(digits):
		return 0, true, nil
	case e < 0:
		dropped = strings.Trim(digits[len(digits)+e:], "0") != ""
		digits = digits[:len(digits)+e]
	case e > 19:
		return 0, false, errNotFit
	case e > 0:
		digits += strings.Repeat("0", e)
	}
	if len(digits) > 19 {
		return 0, false, errNotFit
	}
	u, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, false, errNotFit
	}
	switch {
	case !n.neg && u <= math.MaxInt64:
		return int64(u), dropped, nil
	case n.neg && u <= math.MaxInt64+1:
		return int64(-u), dropped, nil // -u wraps to MinInt64 exactly when u is 2^63
	}
	return 0, false, errNotFit
}

// parseLong returns the JSON number s as a Long: an integer within int64,
// in any JSON spelling (1, 1.0, 1e3).
func parseLong(s string) (int64, error) {
	n, err := parseNumber(s)
	if err != nil {
		return 0, err
	}
	i, dropped, err := n.scaled(0)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s %w (Long)", s, err)
	case dropped:
		return 0, fmt.Errorf("%s is not an integer", s)
	}
	return i, nil
}

// parseDecimal returns the JSON number s as a Cedar decimal, in
// ten-thousandths: digits past the fourth decimal place are cut off, as
// AgentCore truncates numbers to Cedar's representation.
func parseDecimal(s string) (int64, error) {
	n, err := parseNumber(s)
	if err != nil {
		return 0, err
	}
	i, _, err := n.scaled(4)
	if err != nil {
		return 0, fmt.Errorf("%s %w (decimal)", s, err)
	}
	return i, nil
}

// claimTags returns the tags of a principal with claims: those that the
// policies read (ts), as no other can change a decision.
func claimTags(claims map[string]any, ts *tagSet) types.Record {
	if len(claims) == 0 || !ts.all && len(ts.names) == 0 {
		return types.Record{}
	}
	rm := make(types.RecordMap, min(len(claims), len(ts.names)))
	add := func(k string, v any) {
		if s, ok := claimtext.String(v); ok {
			rm[types.String(k)] = types.String(s)
		}
	}
	if ts.all || len(ts.names) > len(claims) {
		for k, v := range claims {
			if ts.all || ts.names[k] {
				add(k, v)
			}
		}
	} else {
		for k := range ts.names {
			if v, ok := claims[k]; ok {
				add(k, v)
			}
		}
	}
	return types.NewRecord(rm)
}

// principalClaims returns the claims that become tags of a principal
// without any (an Authorizer other than auth.JWT): its subject, client,
// issuer and scopes under their JWT names.
func principalClaims(sub, clientID, iss string, scopes []string) map[string]any {
	m := map[string]any{}
	for k, v := range map[string]string{"sub": sub, "client_id": clientID, "iss": iss} {
		if v != "" {
			m[k] = v
		}
	}
	if len(scopes) > 0 {
		m["scope"] = strings.Join(scopes, " ")
	}
	return m
}
