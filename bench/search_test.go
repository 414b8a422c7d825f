package bench

import (
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/benchkit"
	"github.com/toolgate/toolgate/search"
)

// BenchmarkCallWithSearch measures tools/call throughput, parallel callers
// in-process, on a gateway without and with the search tool, which follows
// what each session calls after a search (an audit sink on every call):
// each caller searches once, then calls the tool it found. Compare calls/s
// across the two.
//
// The first search of a process loads the WordNet table (a few MB that stay
// live), after which the garbage collector runs less often and every call
// is faster: a search is made before either variant, so that both run with
// the table loaded.
func BenchmarkCallWithSearch(b *testing.B) {
	ix := search.NewIndex()
	ix.Upsert(search.Document{ToolInfo: toolgate.ToolInfo{Name: "t", Tool: toolgate.Tool{Name: "t", Description: "a tool"}}})
	ix.Search("load the word table", nil)
	for _, m := range benchkit.Modes {
		for _, withSearch := range []bool{false, true} {
			name := m.Name + "/off"
			if withSearch {
				name = m.Name + "/search"
			}
			b.Run(name, func(b *testing.B) {
				h, tool := benchkit.GatewayWith(m, toolgate.Options{})
				defer h.(*toolgate.Gateway).Close()
				if withSearch {
					svc, err := search.Enable(h.(*toolgate.Gateway), nil)
					if err != nil {
						b.Fatal(err)
					}
					defer svc.Close()
				}
				find := ""
				if withSearch { // each caller searches once, then calls what it found
					find = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + search.DefaultToolName + `","arguments":{"query":"echo text"}}}`
				}
				parallelCalls(b, h, find, benchkit.CallBody(tool))
			})
		}
	}
}
