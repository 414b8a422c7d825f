package smithy

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/toolgate/toolgate/internal/testenv"
)

// TestBindingsMatchSmithyOpenAPI compares the HTTP bindings toolgate reads
// from smithy-openapi's test model with the OpenAPI that smithy-openapi
// generates from it: same method and path per operation, and the same
// parameters in path, query and header.
func TestBindingsMatchSmithyOpenAPI(t *testing.T) {
	data, err := os.ReadFile(testenv.CorpusFile(t, "smithy/examples/smithy-openapi-test-service.openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Parameters  []struct{ Name, In string }
		}
	}
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	m, err := LoadFile(testenv.CorpusFile(t, "smithy/examples/smithy-openapi-test-service.json"))
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := m.service("")
	ops := map[string]*shape{}
	for _, op := range m.closure(svc) {
		ops[shapeName(op.id)] = op
	}
	n := 0
	for p, methods := range spec.Paths {
		for method, o := range methods {
			n++
			op := ops[o.OperationID]
			if op == nil {
				t.Errorf("%s: not in the model", o.OperationID)
				continue
			}
			hb, err := parseHTTP(op)
			if err != nil {
				t.Fatal(err)
			}
			var segs []string
			for _, s := range hb.segments {
				if s.label != "" {
					segs = append(segs, "{"+s.label+"}")
				} else {
					segs = append(segs, s.literal)
				}
			}
			if got := hb.method + " /" + strings.Join(segs, "/"); got != strings.ToUpper(method)+" "+p {
				t.Errorf("%s: %s, want %s %s", o.OperationID, got, strings.ToUpper(method), p)
			}
			var want, got []string
			for _, prm := range o.Parameters {
				want = append(want, prm.In+":"+prm.Name)
			}
			for _, mm := range m.shapes[op.input].members {
				switch {
				case has(mm.traits, trHTTPLabel):
					got = append(got, "path:"+mm.name)
				case has(mm.traits, trHTTPQuery):
					got = append(got, "query:"+traitString(mm.traits, trHTTPQuery))
				case has(mm.traits, trHTTPQueryParams):
					got = append(got, "query:"+mm.name) // smithy-openapi names the map parameter after the member
				case has(mm.traits, trHTTPHeader):
					got = append(got, "header:"+traitString(mm.traits, trHTTPHeader))
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%s: parameters %v, want %v", o.OperationID, got, want)
			}
		}
	}
	if n != len(ops) {
		t.Errorf("%d operations in the OpenAPI, %d in the model", n, len(ops))
	}
}
