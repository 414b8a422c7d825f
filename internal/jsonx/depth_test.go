package jsonx

import (
	"strings"
	"testing"
)

func TestTooDeep(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tc := range []struct {
		name string
		in   string
		want bool
	}{
		{"flat", `{"a":1}`, false},
		{"at the limit", nest(MaxDepth), false},
		{"one deeper", nest(MaxDepth + 1), true},
		{"objects count too", strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1), true},
		{"brackets in strings do not", `{"a":"` + nest(MaxDepth+1) + `"}`, false},
		{"escaped quote keeps the string open", `{"a":"\"` + strings.Repeat("[", MaxDepth+1) + `"}`, false},
		{"closers without openers", `]]]]{}`, false},
	} {
		if got := TooDeep([]byte(tc.in)); got != tc.want {
			t.Errorf("%s: TooDeep = %v, want %v", tc.name, got, tc.want)
		}
	}
}
