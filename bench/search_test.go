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
// each caller searches once, then calls the tool it found, directly
// ("search") or through the call tool ("call_tool", as a client that lists
// only the builtins does: two calls through the gateway for each). Compare
// calls/s across them.
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
		for _, variant := range []string{"off", "search", "call_tool"} {
			b.Run(m.Name+"/"+variant, func(b *testing.B) {
				h, tool := benchkit.GatewayWith(m, toolgate.Options{})
				defer h.(*toolgate.Gateway).Close()
				find, call := "", benchkit.CallBody(tool)
				if variant != "off" {
					svc, err := search.Enable(h.(*toolgate.Gateway), &search.Options{CallTool: variant == "call_tool"})
					if err != nil {
						b.Fatal(err)
					}
					defer svc.Close()
					// each caller searches once, then calls what it found
					find = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + search.DefaultToolName + `","arguments":{"query":"echo text"}}}`
				}
				if variant == "call_tool" {
					call = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + search.DefaultCallToolName +
						`","arguments":{"name":"` + tool + `","arguments":{"text":"hello, gateway"}}}}`
				}
				parallelCalls(b, h, find, call)
			})
		}
	}
}
