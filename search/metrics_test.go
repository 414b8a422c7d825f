package search_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/search"
)

// collect reads every data point of reader as "name{k=v,...} value",
// attributes sorted; histograms as their count.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	key := func(name string, set attribute.Set) string {
		var kv []string
		for _, a := range set.ToSlice() {
			kv = append(kv, string(a.Key)+"="+a.Value.Emit())
		}
		slices.Sort(kv)
		return name + "{" + strings.Join(kv, ",") + "}"
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != "github.com/toolgate/toolgate/search" {
			continue
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = p.Value
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = int64(p.Count)
				}
			}
		}
	}
	return out
}

// The search tool's metrics count searches by how they were ranked and
// why a hybrid searcher answered lexically, time the embedder's calls by
// purpose and outcome, and gauge the tools indexed and embedded.
func TestSearchMetrics(t *testing.T) {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)

	// Lexical only.
	lex, err := search.Enable(newGateway(t, toolgate.Options{}), &search.Options{ToolName: "lexical_search", MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	defer lex.Close()
	if _, _, err := lex.Search(ctx, "weather", 0); err != nil {
		t.Fatal(err)
	}

	// Hybrid, started before its targets are added, as a gateway is: the
	// catalogue's first embedding held, then working, then the embedder
	// failing.
	gw, err := toolgate.New(&toolgate.Options{Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	emb, sw := switchedEmbedder()
	svc, err := search.Enable(gw, &search.Options{Embedder: emb, MeterProvider: mp, Logger: discard(),
		Hybrid: &search.HybridOptions{RetryAfter: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	search := func() string {
		_, res, err := svc.Search(ctx, "weather forecast", 0)
		if err != nil {
			t.Fatal(err)
		}
		return res.Mode
	}
	search() // no tools: the first refresh
	for _, tg := range []toolgate.Target{weatherTarget(), filesTarget()} {
		if err := gw.AddTarget(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	tools := len(gw.Tools()) - 1 // the search tool is not indexed
	testenv.WaitFor(t, "a search while the catalogue is embedded", func() bool { return search() == "lexical" })
	sw.release()
	testenv.WaitFor(t, "every tool embedded", func() bool {
		return collect(t, reader)["toolgate.search.tools.embedded{gen_ai.tool.name=x_amz_bedrock_agentcore_search}"] == int64(tools) &&
			search() == "hybrid"
	})
	if search() != "hybrid" { // asked again: its vector from the cache
		t.Fatal("a request asked again not ranked hybrid")
	}
	sw.down.Store(true)
	// A request the embedder has not seen fails it; the next waits.
	for _, q := range []string{"tides at the harbour", "sea conditions"} {
		if _, res, err := svc.Search(ctx, q, 0); err != nil || res.Mode != "lexical" {
			t.Fatalf("%q with the embedder down: %v %+v", q, err, res)
		}
	}

	got := collect(t, reader)
	for _, tt := range []struct {
		key   string
		min   int64 // at least; exactly when exact
		exact bool
	}{
		{"toolgate.search.requests{gen_ai.tool.name=lexical_search,ranking=lexical}", 1, true},
		{"toolgate.search.requests{gen_ai.tool.name=x_amz_bedrock_agentcore_search,ranking=lexical,reason=warming}", 1, false},
		{"toolgate.search.requests{gen_ai.tool.name=x_amz_bedrock_agentcore_search,ranking=hybrid}", 1, false},
		{"toolgate.search.requests{gen_ai.tool.name=x_amz_bedrock_agentcore_search,ranking=lexical,reason=embedder_error}", 1, true},
		{"toolgate.search.requests{gen_ai.tool.name=x_amz_bedrock_agentcore_search,ranking=lexical,reason=backing_off}", 1, true},
		{"toolgate.search.embedder.duration{gen_ai.tool.name=x_amz_bedrock_agentcore_search,purpose=catalogue}", 1, false},
		{"toolgate.search.embedder.duration{gen_ai.tool.name=x_amz_bedrock_agentcore_search,purpose=request}", 1, false},
		{"toolgate.search.embedder.duration{error.type=embedder_error,gen_ai.tool.name=x_amz_bedrock_agentcore_search,purpose=request}", 1, true},
		{"toolgate.search.tools.embedded{gen_ai.tool.name=x_amz_bedrock_agentcore_search}", int64(tools), true},
		{"toolgate.search.request.texts{gen_ai.tool.name=x_amz_bedrock_agentcore_search,source=cache}", 1, false},
		{"toolgate.search.request.texts{gen_ai.tool.name=x_amz_bedrock_agentcore_search,source=embedder}", 2, false},
	} {
		v, ok := got[tt.key]
		if !ok || v < tt.min || tt.exact && v != tt.min {
			t.Errorf("%s = %d (present %v), want %s%d", tt.key, v, ok, map[bool]string{true: "", false: "at least "}[tt.exact], tt.min)
		}
	}
	for _, name := range []string{"lexical_search", "x_amz_bedrock_agentcore_search"} {
		if n := got["toolgate.search.tools{gen_ai.tool.name="+name+"}"]; n != int64(tools) {
			t.Errorf("toolgate.search.tools of %s = %d, want %d", name, n, tools)
		}
	}
	if t.Failed() {
		t.Log(fmt.Sprint(got))
	}
}
