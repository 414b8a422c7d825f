package mcpserver

import (
	"fmt"
	"testing"

	"github.com/toolgate/toolgate"
)

// TestElicitations: an elicitation's caller is found once by its id; the
// table forgets the oldest beyond maxElicitations.
func TestElicitations(t *testing.T) {
	s1, s2 := &toolgate.Session{}, &toolgate.Session{}
	var e elicitations
	e.put("a", s1)
	e.put("b", s2)
	e.put("a", s2) // the same id again: the newer caller
	for _, tc := range []struct {
		id   string
		want *toolgate.Session
	}{
		{"a", s2}, {"a", nil}, {"b", s2}, {"c", nil}, {"", nil},
	} {
		if got := e.take(tc.id); got != tc.want {
			t.Errorf("take(%q) = %p, want %p", tc.id, got, tc.want)
		}
	}
	for i := range maxElicitations + 10 {
		e.put(fmt.Sprint(i), s1)
	}
	if len(e.by) != maxElicitations || len(e.order) != maxElicitations {
		t.Fatalf("%d ids, %d in order; want %d", len(e.by), len(e.order), maxElicitations)
	}
	if e.take("9") != nil || e.take("10") != s1 || e.take(fmt.Sprint(maxElicitations+9)) != s1 {
		t.Error("the oldest ids were not the ones forgotten")
	}
}
