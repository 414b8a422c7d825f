package toolgate_test

import (
	"fmt"
	"log"
	"log/slog"
	"strconv"
	"sync/atomic"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
)

// An application's own part of the gateway, a cache of answers here,
// shown on the status page after the targets.
func ExampleGateway_AddStatusSection() {
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()

	var entries, evictions atomic.Int64
	remove := gw.AddStatusSection(func() toolgate.StatusSection {
		s := toolgate.StatusSection{Name: "cache", Title: "Answer cache", Items: []toolgate.StatusItem{
			{Name: "entries", Label: "Entries", Value: strconv.FormatInt(entries.Load(), 10)},
			{Name: "evictions", Label: "Evictions", Value: strconv.FormatInt(evictions.Load(), 10)},
		}}
		if evictions.Load() > entries.Load() {
			s.Problems = append(s.Problems, "more evictions than entries: the cache is too small")
		}
		return s
	})
	defer remove()

	entries.Store(120)
	evictions.Store(300)
	for _, s := range gw.StatusSections() { // what StatusHandler shows
		fmt.Println(s.Title)
		for _, it := range s.Items {
			fmt.Printf("  %s: %s\n", it.Label, it.Value)
		}
		for _, p := range s.Problems {
			fmt.Println("  problem:", p)
		}
	}
	// Output:
	// Answer cache
	//   Entries: 120
	//   Evictions: 300
	//   problem: more evictions than entries: the cache is too small
}
