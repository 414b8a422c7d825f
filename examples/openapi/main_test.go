package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A spec that is not in the corpus: Swagger 2.0, YAML, a path parameter,
// a form body.
const notes = `swagger: "2.0"
info: {title: Notes, version: "1"}
host: notes.invalid
paths:
  /notes/{id}:
    get:
      operationId: getNote
      produces: [application/json]
      parameters:
        - {name: id, in: path, required: true, type: string}
      responses:
        "200":
          description: ok
          schema: {type: object, properties: {id: {type: string}, text: {type: string}}}
  /notes:
    post:
      operationId: addNote
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {name: text, in: formData, required: true, type: string}
      responses: {"201": {description: created}}
`

// TestExample configures the example only through its environment and
// calls the served tools with the go-sdk client.
func TestExample(t *testing.T) {
	var seen []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" key="+r.Header.Get("X-Notes-Key")+" text="+r.PostForm.Get("text"))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"n1","text":"hello"}`))
	}))
	defer backend.Close()
	spec := filepath.Join(t.TempDir(), "notes.yaml")
	if err := os.WriteFile(spec, []byte(notes), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOOLGATE_OPENAPI_SPEC", spec)
	t.Setenv("TOOLGATE_OPENAPI_BASE_URL", backend.URL+"/v1")
	t.Setenv("TOOLGATE_TARGET_NAME", "notes")
	t.Setenv("TOOLGATE_API_KEY", "s3cret")
	t.Setenv("TOOLGATE_API_KEY_HEADER", "X-Notes-Key")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	gw, _, err := setup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	srv := httptest.NewServer(gw)
	defer srv.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "notes___getNote", Arguments: map[string]any{"id": "n/1"}})
	if err != nil || res.IsError {
		t.Fatalf("getNote: %v %+v", err, res)
	}
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "notes___addNote", Arguments: map[string]any{"body": map[string]any{"text": "hi there"}}})
	if err != nil || res.IsError {
		t.Fatalf("addNote: %v %+v", err, res)
	}
	want := []string{"GET /v1/notes/n%2F1 key=s3cret text=", "POST /v1/notes key=s3cret text=hi there"}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("backend saw\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}
