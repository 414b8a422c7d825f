package mcpserver

import (
	"strings"
	"testing"
)

// TestListAll: every page is read, and a cursor handed back twice is
// refused instead of followed forever.
func TestListAll(t *testing.T) {
	tg := &Target{opts: Options{Name: "up"}}
	tests := []struct {
		name  string
		pages map[string][]string // cursor -> items, then the next cursor last
		want  string
	}{
		{"one page", map[string][]string{"": {"a", ""}}, "a"},
		{"three pages", map[string][]string{"": {"a", "c1"}, "c1": {"b", "c2"}, "c2": {"c", ""}}, "a b c"},
		{"a cursor that comes back", map[string][]string{"": {"a", "c1"}, "c1": {"b", "c1"}}, `error: mcp server "up": tools/list: cursor "c1" came back`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := listAll(tg, nil, "tools/list", func(cursor string) ([]string, string, error) {
				p := tc.pages[cursor]
				return p[:len(p)-1], p[len(p)-1], nil
			})
			s := strings.Join(got, " ")
			if err != nil {
				s = "error: " + err.Error()
			}
			if s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}
}
