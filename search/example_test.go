package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

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

// toyModel stands in for an embedding model here: it knows that "moana"
// is the sea. A real one is an [search.OpenAIEmbedder] pointed at an
// embeddings server, such as the local one scripts/embeddings/serve.sh
// runs.
type toyModel struct{}

func (toyModel) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := []float32{0, 0, 0.1} // sea, weather, the rest
		for _, w := range strings.Fields(strings.ToLower(t)) {
			switch strings.Trim(w, ".,?!") {
			case "sea", "moana", "tides":
				v[0]++
			case "weather", "forecast", "rain":
				v[1]++
			}
		}
		out[i] = v
	}
	return out, nil
}

func ExampleNewHybrid() {
	ix := search.NewIndex()
	ix.Upsert(
		search.Document{ToolInfo: toolgate.ToolInfo{Name: "weather___get_forecast", Target: "weather", Tool: toolgate.Tool{
			Name: "get_forecast", Description: "Get the weather forecast for a city.",
		}}},
		search.Document{ToolInfo: toolgate.ToolInfo{Name: "marine___get_tides", Target: "marine", Tool: toolgate.Tool{
			Name: "get_tides", Description: "Tides and sea conditions at a harbour.",
		}}},
	)
	h := search.NewHybrid(ix, toyModel{}, nil)
	// Embed the catalogue now rather than on the first search (optional).
	if err := h.Refresh(context.Background()); err != nil {
		panic(err)
	}
	// "moana" is in no tool: the vector ranking decides. "forecast" is:
	// the request is ranked as the lexical index ranks it.
	for _, q := range []string{"is the moana calm today?", "forecast for Lyon"} {
		res, err := h.Search(context.Background(), q, &search.SearchOptions{Limit: 1})
		if err != nil {
			panic(err)
		}
		fmt.Println(res.Mode, res.Hits[0].Name)
	}
	// Output:
	// hybrid marine___get_tides
	// hybrid weather___get_forecast
}

// countingModel is toyModel, counting the texts it embeds.
type countingModel struct{ texts *int }

func (m countingModel) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	*m.texts += len(texts)
	return toyModel{}.Embed(ctx, texts)
}

// A searcher's vectors kept across a restart (in a file, in practice; the
// search tool does it with Options.VectorFile): the new searcher embeds
// only the requests.
func ExampleHybrid_WriteVectors() {
	ctx := context.Background()
	catalogue := func() *search.Index {
		ix := search.NewIndex()
		ix.Upsert(search.Document{ToolInfo: toolgate.ToolInfo{Name: "marine___get_tides", Target: "marine",
			Tool: toolgate.Tool{Name: "get_tides", Description: "Tides and sea conditions at a harbour."}}})
		return ix
	}
	const model = "toy-model v1" // the embedder's model: vectors of another are not read
	var file strings.Builder
	var embedded int
	h := search.NewHybrid(catalogue(), countingModel{&embedded}, nil)
	if err := h.Refresh(ctx); err != nil {
		panic(err)
	}
	if _, err := h.WriteVectors(ctx, &file, model); err != nil {
		panic(err)
	}
	fmt.Println("texts embedded before the restart:", embedded)

	embedded = 0
	restarted := search.NewHybrid(catalogue(), countingModel{&embedded}, nil)
	n, err := restarted.ReadVectors(ctx, strings.NewReader(file.String()), model)
	if err != nil {
		panic(err)
	}
	res, err := restarted.Search(ctx, "is the moana calm today?", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("vectors read:", n)
	fmt.Println(res.Mode, res.Hits[0].Name, "- texts embedded:", embedded)
	// Output:
	// texts embedded before the restart: 1
	// vectors read: 1
	// hybrid marine___get_tides - texts embedded: 1
}

// Learning from callers: two callers asked for "a flat to let" and then
// called the renting tool, which the search had not returned first; the
// next caller who asks in those words finds it.
func ExampleIndex_Learn() {
	ix := search.NewIndex()
	for _, t := range []struct{ name, desc string }{
		{"homes___rent", "Find houses for rent in a city."},
		{"homes___buy", "Find houses for sale in a city."},
	} {
		ix.Upsert(search.Document{ToolInfo: toolgate.ToolInfo{Name: t.name, Tool: toolgate.Tool{Name: t.name, Description: t.desc}}})
	}
	ix.EnableLearning(search.LearnOptions{}) // two distinct callers teach a word
	ix.Learn("a flat to let in Leeds", "homes___rent", "alice")
	fmt.Println(ix.Learn("a flat to let near the station", "homes___rent", "bob"))
	fmt.Println(ix.Search("any flat to let in York?", &search.SearchOptions{Limit: 1})[0].Name)
	// Output:
	// true
	// homes___rent
}

// Learning within a scope: what two callers of one tenant taught, that
// tenant's searches find; another tenant's do not.
func ExampleIndex_LearnScoped() {
	ix := search.NewIndex()
	doc := func(name, desc string) search.Document {
		return search.Document{ToolInfo: toolgate.ToolInfo{Name: name, Tool: toolgate.Tool{Name: name, Description: desc}}}
	}
	ix.Upsert(doc("homes___rent", "Find houses for rent in a city."), doc("weather___forecast", "The forecast for a city."))
	ix.EnableLearning(search.LearnOptions{})
	for _, caller := range []string{"alice", "bob"} {
		ix.LearnScoped("acme", "a flat to let", "homes___rent", caller)
	}
	for _, tenant := range []string{"acme", "globex"} {
		hits := ix.Search("a flat to let", &search.SearchOptions{Scope: tenant})
		fmt.Println(tenant, len(hits) > 0 && hits[0].Name == "homes___rent")
	}
	// Output:
	// acme true
	// globex false
}

// What callers taught can be listed and forgotten: here a word two callers
// taught for the wrong tool.
func ExampleIndex_Forget() {
	ix := search.NewIndex()
	for _, t := range []struct{ name, desc string }{
		{"homes___rent", "Find houses for rent in a city."},
		{"homes___buy", "Find houses for sale in a city."},
	} {
		ix.Upsert(search.Document{ToolInfo: toolgate.ToolInfo{Name: t.name, Tool: toolgate.Tool{Name: t.name, Description: t.desc}}})
	}
	ix.EnableLearning(search.LearnOptions{})
	ix.Learn("cheap mortgage", "homes___rent", "mallory")
	ix.Learn("cheap mortgage", "homes___rent", "trudy")
	learned := func() {
		for _, w := range ix.Learned()["homes___rent"] {
			fmt.Printf("%s, taught by %d callers\n", w.Word, w.Callers)
		}
	}
	learned()
	fmt.Println("forgotten:", ix.Forget("homes___rent", "mortgages"))
	learned()
	// Output:
	// cheap, taught by 2 callers
	// mortgag, taught by 2 callers
	// forgotten: [mortgag]
	// cheap, taught by 2 callers
}
