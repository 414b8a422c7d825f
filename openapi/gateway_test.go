package openapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
	})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := toolgate.New(nil)
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
