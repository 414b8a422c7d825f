package smithy

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/schema"
	"github.com/toolgate/toolgate/internal/testenv"
)

// corpusModels lists the Smithy JSON AST models of the repository's corpus
// (testdata/corpus/smithy).
func corpusModels(t testing.TB) []string {
	t.Helper()
	corpusDir := testenv.CorpusDir(t, "smithy")
	var files []string
	for _, dir := range []string{"aws", "examples"} {
		m, _ := filepath.Glob(filepath.Join(corpusDir, dir, "*.json"))
		for _, f := range m {
			if !strings.HasSuffix(f, ".openapi.json") {
				files = append(files, f)
			}
		}
	}
	if len(files) == 0 {
		t.Fatalf("no Smithy models under %s", corpusDir)
	}
	return files
}

// schemaProtocol returns the protocol whose conversion rules give a
// service's schemas: its own if supported, else one without HTTP bindings
// (the Weather models have none).
func schemaProtocol(m *Model, svc *shape) string {
	if p, err := chooseProtocol(m, svc, ""); err == nil {
		return p
	}
	return AWSJSON10
}

func TestCorpus(t *testing.T) {
	// Operation counts of the services, from the models' service shapes
	// (operations directly and through resources).
	want := map[string]struct {
		ops         int
		supported   bool
		unsupported string
	}{
		"api-gateway-2015-07-09.json":      {124, true, ""},
		"cloudwatch-2010-08-01.json":       {38, true, ""},
		"dynamodb-2012-08-10.json":         {57, true, ""},
		"lambda-2015-03-31.json":           {68, true, ""},
		"s3-2006-03-01.json":               {98, true, ""},
		"secrets-manager-2017-10-17.json":  {23, true, ""},
		"sns-2010-03-31.json":              {42, true, ""},
		"sqs-2012-11-05.json":              {23, true, ""},
		"sts-2011-06-15.json":              {9, true, ""},
		"smithy-openapi-test-service.json": {4, true, ""},
		"weather-filter-out-internal.json": {4, false, "no protocol"},
		"weather-quickstart.json":          {4, false, "no protocol"},
	}
	for _, f := range corpusModels(t) {
		base := filepath.Base(f)
		t.Run(base, func(t *testing.T) {
			m, err := LoadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := m.service("")
			if err != nil {
				t.Fatal(err)
			}
			w, ok := want[base]
			if !ok {
				t.Fatalf("no expectation for %s", base)
			}
			proto := schemaProtocol(m, svc)
			ops, err := convert(m, svc, proto, &Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != w.ops {
				t.Errorf("%d tools, want %d (the service's operations)", len(ops), w.ops)
			}
			if n := len(m.closure(svc)); n != len(ops) {
				t.Errorf("%d tools for %d operations", len(ops), n)
			}
			for _, op := range ops {
				in, err := schema.NormalizeInput(op.tool.InputSchema)
				if err != nil {
					t.Fatalf("%s: input schema: %v", op.name, err)
				}
				if _, err := schema.Compile(in); err != nil {
					t.Fatalf("%s: input schema does not compile: %v", op.name, err)
				}
				if op.tool.OutputSchema != nil {
					out, err := schema.NormalizeOutput(op.tool.OutputSchema)
					if err != nil {
						t.Fatalf("%s: output schema: %v", op.name, err)
					}
					if _, err := schema.Compile(out); err != nil {
						t.Fatalf("%s: output schema does not compile: %v", op.name, err)
					}
				}
				if op.tool.Description == "" || strings.Contains(op.tool.Description, "<p>") {
					t.Errorf("%s: description %q", op.name, op.tool.Description)
				}
			}
			tg, err := New(context.Background(), m, &Options{Endpoint: "http://127.0.0.1:1", Credentials: credentials.None()})
			switch {
			case w.supported && err != nil:
				t.Errorf("New: %v", err)
			case w.supported:
				// The gateway accepts every tool (names, schemas).
				gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					t.Fatal(err)
				}
				defer gw.Close()
				if err := gw.AddTarget(context.Background(), tg); err != nil {
					t.Errorf("AddTarget: %v", err)
				}
				if n := len(gw.Catalog(context.Background())); n != w.ops {
					t.Errorf("gateway catalogue has %d tools, want %d", n, w.ops)
				}
			case !w.supported && !errors.Is(err, ErrUnsupportedProtocol):
				t.Errorf("New: %v, want ErrUnsupportedProtocol", err)
			case !w.supported && !strings.Contains(err.Error(), w.unsupported):
				t.Errorf("New: %v does not name %s", err, w.unsupported)
			}
		})
	}
}
