package search_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/search"
)

// TestFollowupsOverMCP follows two MCP sessions through searches and
// calls, direct and through call_tool, on both call paths, and two callers
// of a stateless gateway (no sessions) alike: the status
// page and the metrics count each tool called after a search at the rank
// the search returned it, the tools called without having been returned,
// a first result passed over for another of the answer, and a search
// followed by another; calls in process, of a tool hidden
// from the caller, and of the search tool itself are not counted.
func TestFollowupsOverMCP(t *testing.T) {
	for _, tc := range []struct {
		name            string
		slow, stateless bool
	}{
		{"fast path", false, false},
		{"go-sdk's call path", true, false},
		{"stateless: followed per caller", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(ctx)
			gw := newGateway(t, toolgate.Options{DisableFastPath: tc.slow, Stateless: tc.stateless})
			svc, err := search.Enable(gw, &search.Options{CallTool: true, MeterProvider: mp})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			url := startGateway(t, gw)
			alice, bob := connectAs(t, url, "alice"), connectAs(t, url, "bob")
			call := func(cs *mcp.ClientSession, name string, args map[string]any) {
				t.Helper()
				if _, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args}); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			city := map[string]any{"city": "Oslo"}

			if st := readSearchStatus(t, gw); st.items["calls_after_search"] != "none yet (followed per MCP session, or per caller where there are none)" {
				t.Errorf("before any call: %q", st.items["calls_after_search"])
			}
			call(alice, "weather___get_forecast", city) // no search before: not counted
			got := toolNames(callSearch(t, alice, map[string]any{"query": "weather forecast for a city", "limit": 2}))
			if len(got) != 2 || got[0] != "weather___get_forecast" {
				t.Fatalf("alice's search: %v", got)
			}
			call(alice, "weather___get_forecast", city) // first
			call(alice, "weather___get_forecast", city) // again: not counted
			call(alice, got[1], city)                   // second
			call(alice, "files___read_file", city)      // not returned
			if _, err := alice.CallTool(ctx, &mcp.CallToolParams{Name: "files___delete_file", Arguments: city}); err == nil {
				t.Fatal("alice called a tool hidden from her") // and it is not counted
			}
			if _, err := gw.Call(ctx, "files___read_file", []byte(`{"city":"x"}`)); err != nil { // in process
				t.Fatal(err)
			}

			got = toolNames(callSearch(t, bob, map[string]any{"query": "read a file"}))
			if len(got) == 0 || got[0] != "files___read_file" {
				t.Fatalf("bob's search: %v", got)
			}
			call(bob, search.DefaultCallToolName, map[string]any{"name": "files___read_file", "arguments": city}) // first
			call(bob, search.DefaultCallToolName, map[string]any{"name": "files___delete_file", "arguments": city})
			callSearch(t, bob, map[string]any{"query": "storm warnings"})
			got = toolNames(callSearch(t, bob, map[string]any{"query": "severe weather alerts"})) // searched again
			if len(got) < 2 || got[0] != "weather___get_alerts" || got[1] != "weather___get_forecast" {
				t.Fatalf("bob's last search: %v", got)
			}
			call(bob, "weather___get_forecast", city) // second: the first passed over
			callSearch(t, bob, map[string]any{"query": "forecast"})

			st := readSearchStatus(t, gw)
			for item, want := range map[string]string{
				"calls_after_search":  "5, 80% of them returned by it (40% first, 80% in its first five)",
				"searched_again":      "1 of 5 searches",
				"called_not_returned": "files___read_file (1)",
				"first_not_called":    "weather___get_alerts (1)",
			} {
				if st.items[item] != want {
					t.Errorf("%s: %q, want %q", item, st.items[item], want)
				}
			}
			checkMetrics := func(when string) {
				m := collect(t, reader)
				for rank, want := range map[string]int64{"1": 2, "2-5": 2, "6+": 0, "none": 1} {
					if got := m["toolgate.search.calls{gen_ai.tool.name=x_amz_bedrock_agentcore_search,rank="+rank+"}"]; got != want {
						t.Errorf("%s: toolgate.search.calls rank %s: %d, want %d", when, rank, got, want)
					}
				}
			}
			checkMetrics("after the calls")

			callSearch(t, alice, map[string]any{"query": "weather forecast for a city"})
			svc.Close() // its audit sink removed: nothing more is followed
			call(alice, "weather___get_forecast", city)
			checkMetrics("after Close")
		})
	}
}

// TestFollowupsNestedCalls: a call a tool makes within its own call (here
// chain___relay's of weather___get_alerts) is the tool's doing, not the
// caller's choice: only the tool the caller called is followed, while
// call_tool's call is followed as the caller's.
func TestFollowupsNestedCalls(t *testing.T) {
	ctx := context.Background()
	gw := newGateway(t, toolgate.Options{})
	relay := toolgate.Funcs("chain",
		toolgate.Func("relay", "Relays a city to another service.", func(ctx context.Context, in cityIn) (out, error) {
			res, err := gw.Call(ctx, "weather___get_alerts", []byte(`{"city":"`+in.City+`"}`))
			if err != nil || res.IsError {
				return out{}, fmt.Errorf("relayed: %v %v", err, res)
			}
			return out{Text: "relayed"}, nil
		}))
	if err := gw.AddTarget(ctx, relay); err != nil {
		t.Fatal(err)
	}
	svc, err := search.Enable(gw, &search.Options{CallTool: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	alice := connectAs(t, startGateway(t, gw), "alice")
	got := toolNames(callSearch(t, alice, map[string]any{"query": "weather forecast for a city", "limit": 1}))
	if len(got) != 1 || got[0] != "weather___get_forecast" {
		t.Fatalf("alice's search: %v", got)
	}
	for _, args := range []map[string]any{
		{"name": "chain___relay", "arguments": map[string]any{"city": "Oslo"}}, // through call_tool
		{"name": "weather___get_forecast", "arguments": map[string]any{"city": "Oslo"}},
	} {
		if res, err := alice.CallTool(ctx, &mcp.CallToolParams{Name: search.DefaultCallToolName, Arguments: args}); err != nil || res.IsError {
			t.Fatalf("call_tool %v: %v %v", args, err, res)
		}
	}
	st := readSearchStatus(t, gw)
	for item, want := range map[string]string{
		"calls_after_search":  "2, 50% of them returned by it (50% first, 50% in its first five)",
		"called_not_returned": "chain___relay (1)",
	} {
		if st.items[item] != want {
			t.Errorf("%s: %q, want %q", item, st.items[item], want)
		}
	}
}
