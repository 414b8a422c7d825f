package search_test

import (
	"encoding/json"
	"fmt"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/search"
)

func ExampleIndex_Search() {
	ix := search.NewIndex()
	ix.Upsert(
		search.Document{ToolInfo: toolgate.ToolInfo{Name: "weather___get_forecast", Target: "weather", Tool: toolgate.Tool{
			Name:        "get_forecast",
			Description: "Get the weather forecast for a city.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`),
		}}},
		search.Document{ToolInfo: toolgate.ToolInfo{Name: "files___write_file", Target: "files", Tool: toolgate.Tool{
			Name:        "write_file",
			Description: "Create a file or overwrite it with new content.",
		}}},
	)
	for _, q := range []string{"will it rain in Lyon tomorrow? forecast please", "save the notes to /tmp/notes.md"} {
		hits := ix.Search(q, &search.SearchOptions{Limit: 1})
		fmt.Println(hits[0].Name)
	}
	// Output:
	// weather___get_forecast
	// files___write_file
}
