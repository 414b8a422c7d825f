package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/openapi"
)

// TestThroughGateway serves an OpenAPI target through a toolgate Gateway
// over streamable HTTP and calls it with the go-sdk client: tools/list
// shows the operations, a call reaches the backend with the right
// request, and the JSON response comes back as structured content.
func TestThroughGateway(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var gotURI, gotKey string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotURI, gotKey = r.RequestURI, r.Header.Get("X-Api-Key")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"42","name":"widget","children":[]}`)
	}))
	defer backend.Close()

	tg, err := openapi.LoadFile(ctx, "testdata/styles.yaml", &openapi.Options{
		Name:    "styles",
		BaseURL: backend.URL,
		Header:  http.Header{"X-Api-Key": {"k1"}},
		Logger:  quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := toolgate.New(&toolgate.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	if err := gw.AddTarget(ctx, tg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	client := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	want, _ := tg.ListTools(ctx)
	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	if len(names) != len(want) {
		t.Fatalf("tools/list has %d tools, want %d: %v", len(names), len(want), names)
	}
	var getItem string
	for _, n := range names {
		if strings.HasSuffix(n, "getItem") {
			getItem = n
		}
	}
	if getItem == "" {
		t.Fatalf("no getItem tool in %v", names)
	}

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: getItem, Arguments: map[string]any{"id": "a/b", "query_id": "q"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("IsError: %+v", res.Content)
	}
	if gotURI != "/items/a%2Fb?id=q" || gotKey != "k1" {
		t.Errorf("backend saw %q with key %q", gotURI, gotKey)
	}
	sc, _ := json.Marshal(res.StructuredContent)
	if !strings.Contains(string(sc), `"name":"widget"`) {
		t.Errorf("structuredContent %s", sc)
	}

	// The gateway validates arguments against the generated schema: a
	// missing path parameter never reaches the backend.
	gotURI = ""
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: getItem, Arguments: map[string]any{}})
	if err == nil && !res.IsError {
		t.Errorf("call without the required path parameter succeeded")
	}
	if gotURI != "" {
		t.Errorf("invalid call reached the backend: %s", gotURI)
	}
}

// BenchmarkCallOverhead compares one GET on a loopback backend made
// directly, through Target.CallTool, and through a toolgate Gateway over
// streamable HTTP with the go-sdk client. It reports the median (p50) per
// call as "p50-µs".
//
//	go test -run '^$' -bench CallOverhead -benchtime 2000x ./openapi/
func BenchmarkCallOverhead(b *testing.B) {
	ctx := context.Background()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"42","name":"widget","children":[]}`)
	}))
	defer backend.Close()
	tg, err := openapi.LoadFile(ctx, "testdata/styles.yaml", &openapi.Options{Name: "styles", BaseURL: backend.URL, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	measure := func(b *testing.B, call func() error) {
		var ds []time.Duration
		for b.Loop() {
			start := time.Now()
			if err := call(); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(start))
		}
		slices.Sort(ds)
		b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds())/1e3, "p50-µs")
	}
	b.Run("direct", func(b *testing.B) {
		client := &http.Client{}
		measure(b, func() error {
			resp, err := client.Get(backend.URL + "/items/1?id=q")
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return err
		})
	})
	b.Run("target", func(b *testing.B) {
		args := json.RawMessage(`{"id":"1","query_id":"q"}`)
		measure(b, func() error {
			_, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: "getItem", Arguments: args})
			return err
		})
	})
	b.Run("gateway", func(b *testing.B) {
		gw, err := toolgate.New(&toolgate.Options{JSONResponse: true, Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		defer gw.Close()
		if err := gw.AddTarget(ctx, tg); err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(gw)
		defer srv.Close()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "0"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer cs.Close()
		params := &mcp.CallToolParams{Name: "styles___getItem", Arguments: map[string]any{"id": "1", "query_id": "q"}}
		measure(b, func() error {
			res, err := cs.CallTool(ctx, params)
			if err == nil && res.IsError {
				err = fmt.Errorf("IsError")
			}
			return err
		})
	})
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
