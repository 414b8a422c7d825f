package openapi

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func toolNames(t *testing.T, tg *Target) []string {
	t.Helper()
	tools, err := tg.ListTools(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, tl := range tools {
		out = append(out, tl.Name)
	}
	slices.Sort(out)
	return out
}

func TestFiltersAndOverrides(t *testing.T) {
	spec := corpusFile(t, "petstore/swagger-petstore-3.0.yaml")
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"tag", Options{Include: []Filter{{Tags: []string{"store"}}}}, []string{"deleteOrder", "getInventory", "getOrderById", "placeOrder"}},
		{"method and path glob", Options{Include: []Filter{{Methods: []string{"get"}, Paths: []string{"/pet/*"}}}}, []string{"findPetsByStatus", "findPetsByTags", "getPetById"}},
		{"deep glob", Options{Include: []Filter{{Paths: []string{"/pet/**"}, Methods: []string{"POST"}}}}, []string{"updatePetWithForm", "uploadFile"}},
		{"operationId", Options{Include: []Filter{{OperationIDs: []string{"getPetById", "loginUser"}}}}, []string{"getPetById", "loginUser"}},
		{"exclude", Options{Include: []Filter{{Tags: []string{"user"}}}, Exclude: []Filter{{Methods: []string{"DELETE", "PUT"}}, {OperationIDs: []string{"logoutUser"}}}},
			[]string{"createUser", "createUsersWithListInput", "getUserByName", "loginUser"}},
		{"rename", Options{Include: []Filter{{Tags: []string{"store"}}}, Overrides: map[string]Override{
			"getInventory":                  {Name: "inventory", Description: "Stock by status."},
			"DELETE /store/order/{orderId}": {Name: "cancel_order"},
		}}, []string{"cancel_order", "getOrderById", "inventory", "placeOrder"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Logger = quietLogger()
			tg, err := LoadFile(context.Background(), spec, &tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := toolNames(t, tg); !slices.Equal(got, tc.want) {
				t.Errorf("tools %v, want %v", got, tc.want)
			}
			if len(tg.Skipped())+len(tc.want) != tg.Operations() {
				t.Errorf("skipped %d + tools %d != operations %d", len(tg.Skipped()), len(tc.want), tg.Operations())
			}
		})
	}
	tg, err := LoadFile(context.Background(), spec, &Options{Logger: quietLogger(), Overrides: map[string]Override{"getInventory": {Description: "Stock by status.", Title: "Inventory"}}})
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := tg.ListTools(context.Background())
	for _, tl := range tools {
		if tl.Name == "getInventory" && (tl.Description != "Stock by status." || tl.Title != "Inventory") {
			t.Errorf("override not applied: %q %q", tl.Title, tl.Description)
		}
	}
	ss := tg.SecuritySchemes()
	if len(ss) != 2 || ss[0].Name != "api_key" || ss[0].In != "header" || ss[0].ParamName != "api_key" || ss[1].Type != "oauth2" {
		t.Errorf("security schemes %+v", ss)
	}
	// A clashing rename is a configuration error.
	if _, err := LoadFile(context.Background(), spec, &Options{Logger: quietLogger(), Overrides: map[string]Override{"getInventory": {Name: "getPetById"}}}); err == nil {
		// getPetById comes first in path order, so the rename clashes.
		t.Log("clashing rename accepted: the renamed operation is listed in Skipped")
		if !slices.ContainsFunc(tgSkipped(t, spec, "getPetById"), func(s Skipped) bool { return strings.Contains(s.Reason, "already used") }) {
			t.Error("clashing rename neither failed nor was skipped with a reason")
		}
	}
}

func tgSkipped(t *testing.T, spec, name string) []Skipped {
	tg, err := LoadFile(context.Background(), spec, &Options{Logger: quietLogger(), Overrides: map[string]Override{"getInventory": {Name: name}}})
	if err != nil {
		t.Fatal(err)
	}
	return tg.Skipped()
}

func TestNames(t *testing.T) {
	tests := []struct{ in, want string }{
		{"getPetById", "getPetById"},
		{"repos/get-content", "repos_get-content"},
		{"Übersicht anzeigen", "bersicht_anzeigen"},
		{strings.Repeat("a", 80), strings.Repeat("a", 55) + "_"},
	}
	for _, tc := range tests {
		got := sanitizeName(tc.in, 64)
		if !strings.HasPrefix(got, tc.want) || len(got) > 64 {
			t.Errorf("sanitizeName(%q) = %q, want prefix %q, at most 64", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/pets/{petId}/photos", "get_pets_petId_photos"},
		{"POST", "/", "post"},
		{"DELETE", "/a.b/{c-d}", "delete_a_b_c-d"},
	} {
		if got := fallbackName(tc.method, tc.path); got != tc.want {
			t.Errorf("fallbackName(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestDefaultTargetName(t *testing.T) {
	for _, tc := range []struct{ title, want string }{
		{"Swagger Petstore - OpenAPI 3.0", "swagger_petstore_openapi_3_0"},
		{"Jira Cloud platform REST API", "jira_cloud_platform_rest_api"},
		{"", "api"},
	} {
		spec := `{"openapi":"3.0.0","info":{"title":` + strconv.Quote(tc.title) + `,"version":"1"},"paths":{}}`
		tg, err := New(context.Background(), []byte(spec), &Options{Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		if tg.Name() != tc.want {
			t.Errorf("title %q: name %q, want %q", tc.title, tg.Name(), tc.want)
		}
	}
}

func TestDescription(t *testing.T) {
	spec := []byte(`{"openapi":"3.0.0","info":{"title":"Pets","description":"All the pets.\n\nMore.","version":"1"},"paths":{}}`)
	for _, tc := range []struct{ option, want string }{
		{"", "Pets: All the pets."},
		{"The shop's pets", "The shop's pets"},
	} {
		tg, err := New(context.Background(), spec, &Options{Description: tc.option, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.Description(); got != tc.want {
			t.Errorf("Options.Description %q: Description() %q, want %q", tc.option, got, tc.want)
		}
	}
}

func TestLenientLoading(t *testing.T) {
	tests := []struct {
		name     string
		spec     string
		tools    int
		warnings string // substring of some warning
	}{
		{"tuple items", `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"operationId":"a","responses":{"200":{"description":"ok","schema":{"type":"array","items":[{"type":"string"},{"type":"null"}]}}}}}}}`, 1, "tuple"},
		{"missing ref", `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"operationId":"a","requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}},"responses":{"200":{"description":"ok"}}}}}}`, 1, "unresolvable"},
		{"id ref", `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"operationId":"a","requestBody":{"content":{"application/json":{"schema":{"$ref":"/schemas/thing"}}}},"responses":{"200":{"description":"ok"}}}}},"components":{"schemas":{"Thing":{"$id":"/schemas/thing","type":"object"}}}}`, 1, "repairs"},
		{"bad example", `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"operationId":"a","parameters":[{"name":"n","in":"query","schema":{"type":"integer","example":"not a number"}}],"responses":{"200":{"description":"ok"}}}}}}`, 1, ""},
		{"3.1 null type", `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"operationId":"a","parameters":[{"name":"n","in":"query","schema":{"type":["integer","null"]}}],"responses":{"200":{"description":"ok"}}}}}}`, 1, ""},
		{"undeclared path param", `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{"/a/{x}":{"get":{"responses":{"200":{"description":"ok"}}}}}}`, 1, "not declared"},
		{"no paths", `{"openapi":"3.0.0","info":{"title":"t","version":"1"}}`, 0, "no paths"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := New(context.Background(), []byte(tc.spec), &Options{Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(toolNames(t, tg)); n != tc.tools {
				t.Errorf("%d tools, want %d", n, tc.tools)
			}
			if tc.warnings != "" && !slices.ContainsFunc(tg.Warnings(), func(w Warning) bool { return strings.Contains(w.String(), tc.warnings) }) {
				t.Errorf("no warning containing %q in %v", tc.warnings, tg.Warnings())
			}
		})
	}
	for _, bad := range []string{"", "not a spec", `{"asyncapi":"2.0.0"}`, `{"openapi":"4.0"}`, `{"swagger":"1.2"}`} {
		if _, err := New(context.Background(), []byte(bad), &Options{Logger: quietLogger()}); err == nil {
			t.Errorf("New(%q) succeeded", bad)
		}
	}
}

func TestExternalRefs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("schemas.yaml", "Thing:\n  type: object\n  properties:\n    name: {type: string}\n")
	spec := `openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /a:
    post:
      operationId: a
      requestBody:
        content:
          application/json:
            schema: {$ref: "schemas.yaml#/Thing"}
      responses: {"200": {description: ok}}
`
	write("api.yaml", spec)
	tg, err := LoadFile(context.Background(), filepath.Join(dir, "api.yaml"), &Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	tools, _ := tg.ListTools(context.Background())
	if len(tools) != 1 || !strings.Contains(string(tools[0].InputSchema), `"name":{"type":"string"}`) {
		t.Fatalf("file-relative ref not resolved: %s", tools[0].InputSchema)
	}
	// The same spec as bytes must not read local files...
	tg, err = New(context.Background(), []byte(spec), &Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	tools, _ = tg.ListTools(context.Background())
	if strings.Contains(string(tools[0].InputSchema), `"name"`) {
		t.Error("a spec given as bytes read a local file")
	}
	// ...nor fetch remote refs unless allowed.
	rec := newRecorder(t)
	rec.respond = func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("Thing:\n  type: object\n  properties:\n    remote: {type: string}\n"))
	}
	remote := strings.ReplaceAll(spec, "schemas.yaml", rec.srv.URL+"/schemas.yaml")
	for _, allow := range []bool{false, true} {
		tg, err = New(context.Background(), []byte(remote), &Options{Logger: quietLogger(), AllowRemoteRefs: allow})
		if err != nil {
			t.Fatal(err)
		}
		tools, _ = tg.ListTools(context.Background())
		if got := strings.Contains(string(tools[0].InputSchema), `"remote"`); got != allow {
			t.Errorf("AllowRemoteRefs=%v: remote schema used = %v", allow, got)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(tools[0].InputSchema, &m); err != nil {
		t.Fatal(err)
	}
}

func TestHideParameters(t *testing.T) {
	spec := []byte(`openapi: 3.0.0
info: {title: t, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: query, name: api_key}
paths:
  /a:
    get:
      operationId: a
      parameters:
        - {name: token, in: header, required: true, schema: {type: string}}
        - {name: api_key, in: query, required: true, schema: {type: string}}
        - {name: token, in: query, schema: {type: string}}
        - {name: q, in: query, schema: {type: string}}
      responses: {"200": {description: ok}}
`)
	tests := []struct {
		hide []string
		want []string
	}{
		{nil, []string{"header_token", "q", "token"}},
		{[]string{"header:Token"}, []string{"q", "token"}},
		{[]string{"token"}, []string{"q"}},
	}
	for _, tc := range tests {
		tg, err := New(context.Background(), spec, &Options{Logger: quietLogger(), HideParameters: tc.hide, BaseURL: "http://127.0.0.1:1"})
		if err != nil {
			t.Fatal(err)
		}
		tools, _ := tg.ListTools(context.Background())
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(tools[0].InputSchema, &s); err != nil {
			t.Fatal(err)
		}
		got := keys(s.Properties)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("HideParameters %v: properties %v, want %v", tc.hide, got, tc.want)
		}
	}
}
