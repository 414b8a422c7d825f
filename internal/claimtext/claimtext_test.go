package claimtext

import (
	"encoding/json"
	"testing"
	"time"
)

func TestString(t *testing.T) {
	cases := []struct {
		in   any
		want string
		ok   bool
	}{
		{"admin", "admin", true},
		{"refund:write admin:read", "refund:write admin:read", true},
		{float64(3), "3", true},
		{1.5, "1.5", true},
		{json.Number("42"), "42", true},
		{true, "true", true},
		{false, "false", true},
		{[]any{"admin", "ops"}, "admin ops", true},
		{[]string{"a", "b"}, "a b", true},
		{[]any{"x", 2.0, nil, true}, "x 2 true", true},
		{map[string]any{"b": 1.0, "a": "x"}, `{"a":"x","b":1}`, true},
		{time.Unix(1700000000, 0), "1700000000", true},
		{nil, "", false},
	}
	for _, c := range cases {
		got, ok := String(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("String(%#v) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
