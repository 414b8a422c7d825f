package search

import (
	"testing"

	"github.com/toolgate/toolgate"
)

// TestExpansionsKeptUntilChange: cached query term expansions survive
// updates that change nothing (a Sync, Upsert or Remove of the same
// catalogue) and are dropped by any that changes it.
func TestExpansionsKeptUntilChange(t *testing.T) {
	docs := []Document{
		{ToolInfo: toolgate.ToolInfo{Name: "weather___forecast", Target: "weather", Tool: toolgate.Tool{Name: "forecast", Description: "Weather forecast for a city."}}},
		{ToolInfo: toolgate.ToolInfo{Name: "files___write", Target: "files", Tool: toolgate.Tool{Name: "write", Description: "Write a file."}}},
	}
	cached := func(ix *Index) int {
		ix.expansions.mu.RLock()
		defer ix.expansions.mu.RUnlock()
		return len(ix.expansions.m)
	}
	ix := NewIndex()
	ix.Sync(docs)
	for _, tc := range []struct {
		name   string
		update func()
		kept   bool
	}{
		{"same Sync", func() { ix.Sync(docs) }, true},
		{"same Upsert", func() { ix.Upsert(docs...) }, true},
		{"Remove of an unknown tool", func() { ix.Remove("nope___nope") }, true},
		{"changed Sync", func() { ix.Sync(docs[:1]) }, false},
		{"Upsert of a new tool", func() { ix.Upsert(docs[1]) }, false},
		{"Remove", func() { ix.Remove(docs[1].Name) }, false},
	} {
		ix.Search("weather forecast", nil)
		if cached(ix) == 0 {
			t.Fatalf("%s: nothing cached by a search", tc.name)
		}
		tc.update()
		if got := cached(ix) > 0; got != tc.kept {
			t.Errorf("%s: expansions kept = %v, want %v", tc.name, got, tc.kept)
		}
	}
}
