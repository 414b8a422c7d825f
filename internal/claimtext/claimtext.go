// Package claimtext reads a token claim's value as one string, the same
// way wherever the project needs one.
package claimtext

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// String returns the text a claim's value reads as wherever a claim must
// be one string: a Cedar tag of the principal (AgentCore declares
// OAuthUser's tags String), a learning scope. False for a claim that reads
// as none (null):
//
//   - a string is itself;
//   - a number is its JSON text (3, 1.5, 1e+21); a time (exp, iat, nbf as
//     some JWT libraries decode them) its NumericDate, seconds since 1970;
//   - a boolean is "true" or "false";
//   - an array is its elements' values joined with single spaces, as the
//     OAuth scope claim is written, so `like "*admin*"` finds an element;
//   - an object is its compact JSON.
func String(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case float32:
		return String(float64(x))
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case time.Time:
		return strconv.FormatInt(x.Unix(), 10), true
	case []string:
		return strings.Join(x, " "), true
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := String(e); ok {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, " "), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}
