package openapi_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/openapi"
)

// TestCorpusThroughGateway adds every OpenAPI spec of the corpus to one
// gateway: the gateway compiles each tool's schemas with its own compiler
// and leaves out any tool it cannot serve, so every tool must reach its
// catalogue. Skipped with -short (it compiles about 6,700 schemas).
func TestCorpusThroughGateway(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every corpus schema; skipped with -short")
	}
	dir := testenv.CorpusDir(t, "openapi")
	ctx := context.Background()
	gw, err := toolgate.New(&toolgate.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	want := map[string]int{}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		name := strings.NewReplacer("/", "_", ".", "_").Replace(rel)
		tg, err := openapi.LoadFile(ctx, p, &openapi.Options{Name: name, Logger: quiet(), BaseURL: "http://127.0.0.1:1"})
		if err != nil {
			return nil // not an OpenAPI document (AsyncAPI, fixtures); TestCorpus covers loading
		}
		tools, _ := tg.ListTools(ctx)
		if len(tools) == 0 {
			return nil
		}
		if err := gw.AddTarget(ctx, tg); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		want[name] = len(tools)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, ti := range gw.Catalog(ctx) {
		got[ti.Target]++
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s: %d of %d tools in the gateway's catalogue", name, got[name], n)
		}
	}
	if t.Failed() {
		for _, st := range gw.Status() {
			if len(st.Problems) > 0 {
				t.Logf("%s: %v", st.Name, st.Problems)
			}
		}
	}
}
