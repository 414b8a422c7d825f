package openapi

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// FuzzSpec feeds arbitrary bytes to New: it must return tools or an error,
// never panic, and never hide a conversion panic in Skipped.
//
//	go test -run '^$' -fuzz FuzzSpec -fuzztime 60s -fuzzminimizetime 20x ./openapi/
//
// (-fuzzminimizetime keeps the minimisation of large seed specs short.)
func FuzzSpec(f *testing.F) {
	for _, file := range []string{"testdata/styles.yaml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, file := range []string{
		"oai-examples/v2.0_petstore.json", "oai-examples/v3.0_petstore.yaml",
		"oai-examples/v3.0_link-example.yaml", "oai-examples/v3.1_webhook-example.yaml",
		"petstore/swagger-petstore-3.1.yaml", "oai-examples/v2.0_uber.json",
	} {
		data, err := os.ReadFile(corpusFile(f, file))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a/{b}":{"post":{"consumes":["multipart/form-data"],"parameters":[{"name":"f","in":"formData","type":"file"},{"name":"b","in":"path"}],"responses":{}}}}}`))
	f.Add([]byte(`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"parameters":[{"name":"q","in":"query","schema":{"$ref":"#/components/schemas/R"}}]}}},"components":{"schemas":{"R":{"type":["object","null"],"properties":{"r":{"$ref":"#/components/schemas/R"}}}}}}`))
	f.Add([]byte("openapi: 3.0.0\npaths:\n  /x:\n    get: {}\n"))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		tg, err := New(ctx, data, &Options{Logger: quietLogger(), BaseURL: "http://127.0.0.1:1"})
		if err != nil {
			return
		}
		tools, err := tg.ListTools(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tg.Skipped() {
			if strings.HasPrefix(s.Reason, "internal error") {
				t.Fatalf("%s %s: %s", s.Method, s.Path, s.Reason)
			}
		}
		for _, tl := range tools {
			if !json.Valid(tl.InputSchema) || (tl.OutputSchema != nil && !json.Valid(tl.OutputSchema)) {
				t.Fatalf("tool %s: invalid schema JSON", tl.Name)
			}
		}
	})
}
