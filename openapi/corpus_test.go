package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
)

// corpusFile returns the path of a spec of the repository's corpus of real
// specs, by its path under testdata/corpus/openapi.
func corpusFile(t testing.TB, rel string) string {
	t.Helper()
	return testenv.CorpusFile(t, "openapi/"+rel)
}

// corpusSpecs returns the folder holding the corpus of real specs and the
// paths of its JSON and YAML files.
func corpusSpecs(t testing.TB) (dir string, files []string) {
	t.Helper()
	dir = testenv.CorpusDir(t, "openapi")
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".yaml", ".yml":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return dir, files
}

// isOpenAPI reports whether the file is an OpenAPI or Swagger document (the
// corpus also holds an AsyncAPI file and Stripe's fixtures).
func isOpenAPI(t testing.TB, path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := probeVersion(data)
	return v.AsyncAPI == "" && (v.OpenAPI != "" || v.Swagger != "")
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var defRef = regexp.MustCompile(`"#/\$defs/([^"]*)"`)

// checkSchemas checks that every input and output schema of the tools is a
// valid JSON Schema 2020-12 document and returns how many it checked.
//
// A tool schema is a root object plus the $defs it uses; the same def has
// the same text in every tool of a spec. Compiling thousands of tool
// schemas that share large $defs one by one takes minutes, so the check
// is done as two equivalent steps: every tool's $defs holds every def its
// schema refers to (no dangling $ref), and one document per spec and
// direction, holding the union of all $defs and every tool's root schema,
// compiles, each root included.
func checkSchemas(spec string, tools []toolgate.Tool) (int, []error) {
	var errs []error
	n := 0
	for _, kind := range []string{"input", "output"} {
		union := map[string]json.RawMessage{}
		roots := map[string]any{}
		for _, tool := range tools {
			raw := tool.InputSchema
			if kind == "output" {
				raw = tool.OutputSchema
			}
			if raw == nil {
				continue
			}
			n++
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				errs = append(errs, fmt.Errorf("%s: tool %s: %s schema: %v", spec, tool.Name, kind, err))
				continue
			}
			defs := map[string]json.RawMessage{}
			if d, ok := m["$defs"]; ok {
				if err := json.Unmarshal(d, &defs); err != nil {
					errs = append(errs, fmt.Errorf("%s: tool %s: %s $defs: %v", spec, tool.Name, kind, err))
				}
			}
			for _, ref := range defRef.FindAllSubmatch(raw, -1) {
				if _, ok := defs[string(ref[1])]; !ok {
					errs = append(errs, fmt.Errorf("%s: tool %s: %s schema refers to missing $defs/%s", spec, tool.Name, kind, ref[1]))
				}
			}
			for name, d := range defs {
				if prev, ok := union[name]; ok && !bytes.Equal(prev, d) {
					errs = append(errs, fmt.Errorf("%s: tool %s: %s $defs/%s differs from another tool's", spec, tool.Name, kind, name))
				}
				union[name] = d
			}
			delete(m, "$defs")
			roots[tool.Name] = m
		}
		if len(roots) == 0 {
			continue
		}
		all := map[string]any{}
		for name, d := range union {
			all[name] = d
		}
		for name, r := range roots {
			all["tool:"+name] = r
		}
		raw, err := json.Marshal(map[string]any{"$defs": all})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		url := "mem:///" + spec + "/" + kind + ".json"
		if err := c.AddResource(url, doc); err != nil {
			errs = append(errs, fmt.Errorf("%s: %s schemas: %v", spec, kind, err))
			continue
		}
		for name := range roots {
			if _, err := c.Compile(url + "#/$defs/tool:" + name); err != nil {
				errs = append(errs, fmt.Errorf("%s: tool %s: %s schema does not compile: %v", spec, name, kind, err))
			}
		}
	}
	return n, errs
}

// TestCorpus loads every OpenAPI document of the corpus, checks that
// at least 99% of all operations become tools (the rest listed with a
// reason), and that every input and output schema compiles as JSON Schema
// 2020-12. Run with -v to see the per-spec table.
func TestCorpus(t *testing.T) {
	ctx := context.Background()
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "spec\tversion\toperations\ttools\tskipped\twarnings\tschemas\t")
	var totalOps, totalTools, totalSchemas int
	var reasons []string
	corpusDir, specs := corpusSpecs(t)
	for _, path := range specs {
		rel, _ := filepath.Rel(corpusDir, path)
		if !isOpenAPI(t, path) {
			t.Logf("%s: not an OpenAPI document, skipped", rel)
			continue
		}
		tg, err := LoadFile(ctx, path, &Options{Logger: quietLogger()})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		tools, err := tg.ListTools(ctx)
		if err != nil {
			t.Fatal(err)
		}
		schemas, errs := checkSchemas(rel, tools)
		for _, err := range errs {
			t.Error(err)
		}
		for _, s := range tg.Skipped() {
			reasons = append(reasons, fmt.Sprintf("%s: %s %s: %s", rel, s.Method, s.Path, s.Reason))
		}
		if got := len(tools) + len(tg.Skipped()); got != tg.Operations() {
			t.Errorf("%s: %d tools + %d skipped != %d operations", rel, len(tools), len(tg.Skipped()), tg.Operations())
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", rel, tg.SpecVersion(), tg.Operations(), len(tools), len(tg.Skipped()), len(tg.Warnings()), schemas)
		totalOps += tg.Operations()
		totalTools += len(tools)
		totalSchemas += schemas
	}
	fmt.Fprintf(tw, "total\t\t%d\t%d\t%d\t\t%d\t\n", totalOps, totalTools, totalOps-totalTools, totalSchemas)
	tw.Flush()
	t.Logf("corpus:\n%s", table.String())
	for _, r := range reasons {
		t.Logf("skipped: %s", r)
	}
	if totalOps == 0 {
		t.Fatal("no operations in the corpus")
	}
	if ratio := float64(totalTools) / float64(totalOps); ratio < 0.99 {
		t.Errorf("only %.2f%% of operations became tools; want >= 99%%", 100*ratio)
	}
}
