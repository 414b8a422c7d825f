package toolgate

import (
	"slices"
	"testing"
)

// TestCallbacks checks the order of registration, removal (twice too),
// and that a list taken before a removal keeps what it held.
func TestCallbacks(t *testing.T) {
	var c callbacks[int]
	removeA := c.add(1)
	c.add(2)
	removeC := c.add(3)
	before := c.list()
	for _, tc := range []struct {
		name string
		do   func()
		want []int
	}{
		{"in the order added", func() {}, []int{1, 2, 3}},
		{"the first removed", removeA, []int{2, 3}},
		{"removed twice", removeA, []int{2, 3}},
		{"added after removals", func() { c.add(4) }, []int{2, 3, 4}},
		{"the last but one removed", removeC, []int{2, 4}},
	} {
		tc.do()
		if got := c.list(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if !slices.Equal(before, []int{1, 2, 3}) {
		t.Errorf("a list taken before the removals changed: %v", before)
	}
}
