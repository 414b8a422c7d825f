package openapi

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
)

// valuesSpec has a path identifier repeated in every path (as Twilio's
// AccountSid is), a query and a header parameter.
const valuesSpec = `
openapi: 3.0.3
info: {title: Values, version: "1"}
paths:
  /Accounts/{AccountSid}/Messages/{Sid}.json:
    get:
      operationId: FetchMessage
      parameters:
        - {name: AccountSid, in: path, required: true, schema: {type: string}}
        - {name: Sid, in: path, required: true, schema: {type: string}}
        - {name: region, in: query, schema: {type: string}}
        - {name: X-Tenant, in: header, schema: {type: string}}
      responses: {"200": {description: ok}}
  /Accounts/{AccountSid}/Messages.json:
    post:
      operationId: CreateMessage
      parameters:
        - {name: AccountSid, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {To: {type: string}, Body: {type: string}}}
      responses: {"201": {description: created}}
`

func TestParameterValues(t *testing.T) {
	rec := newRecorder(t)
	tests := []struct {
		name      string
		values    map[string]string
		tool      string
		args      string
		uri       string
		header    map[string]string
		hidden    []string // properties absent from the tool's input schema
		warnings  int
		wantError string
	}{
		{name: "path value by name", values: map[string]string{"AccountSid": "AC123"},
			tool: "FetchMessage", args: `{"Sid":"SM1"}`, uri: "/base/Accounts/AC123/Messages/SM1.json", hidden: []string{"AccountSid"}},
		{name: "path value with location", values: map[string]string{"path:AccountSid": "AC123"},
			tool: "CreateMessage", args: `{"body":{"To":"+1","Body":"hi"}}`, uri: "/base/Accounts/AC123/Messages.json", hidden: []string{"AccountSid"}},
		{name: "path value is one encoded segment", values: map[string]string{"AccountSid": "../admin?x=1#f"},
			tool: "FetchMessage", args: `{"Sid":"SM1"}`, uri: "/base/Accounts/..%2Fadmin%3Fx%3D1%23f/Messages/SM1.json"},
		{name: "dot segment escaped", values: map[string]string{"AccountSid": ".."},
			tool: "FetchMessage", args: `{"Sid":"SM1"}`, uri: "/base/Accounts/%2E%2E/Messages/SM1.json"},
		{name: "query and header (header name case-insensitive)", values: map[string]string{"query:region": "eu 1", "header:x-tenant": "acme", "AccountSid": "AC1"},
			tool: "FetchMessage", args: `{"Sid":"SM1","region":"ignored","X-Tenant":"ignored"}`, uri: "/base/Accounts/AC1/Messages/SM1.json?region=eu%201",
			header: map[string]string{"X-Tenant": "acme"}, hidden: []string{"AccountSid", "region", "X-Tenant"}},
		{name: "location entry wins over name entry", values: map[string]string{"region": "any", "query:region": "q", "AccountSid": "AC1"},
			tool: "FetchMessage", args: `{"Sid":"SM1"}`, uri: "/base/Accounts/AC1/Messages/SM1.json?region=q"},
		{name: "other location does not match", values: map[string]string{"header:AccountSid": "AC1"},
			tool: "FetchMessage", args: `{"AccountSid":"AC9","Sid":"SM1"}`, uri: "/base/Accounts/AC9/Messages/SM1.json", warnings: 1},
		{name: "unused key warns", values: map[string]string{"AccountSid": "AC1", "nothing": "x"},
			tool: "FetchMessage", args: `{"Sid":"SM1"}`, uri: "/base/Accounts/AC1/Messages/SM1.json", warnings: 1},
		{name: "CR LF refused", values: map[string]string{"X-Tenant": "a\r\nX-Evil: 1"}, wantError: `parameter value "X-Tenant": contains CR, LF or NUL`},
		{name: "unknown location", values: map[string]string{"body:x": "1"}, wantError: `unknown location "body"`},
		{name: "empty name", values: map[string]string{"query:": "1"}, wantError: "no parameter name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg, err := New(context.Background(), []byte(valuesSpec), &Options{
				BaseURL: rec.srv.URL + "/base", ParameterValues: tc.values, Logger: quietLogger(),
			})
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("error %v, want %q", err, tc.wantError)
				}
				for _, v := range tc.values {
					if strings.Contains(err.Error(), v) {
						t.Errorf("error %q shows the value", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(tg.Warnings()); got != tc.warnings {
				t.Errorf("warnings %v, want %d", tg.Warnings(), tc.warnings)
			}
			tools, _ := tg.ListTools(context.Background())
			i := slices.IndexFunc(tools, func(tl toolgate.Tool) bool { return tl.Name == tc.tool })
			if i < 0 {
				t.Fatalf("no tool %s", tc.tool)
			}
			var schema struct {
				Properties map[string]any `json:"properties"`
				Required   []string       `json:"required"`
			}
			if err := json.Unmarshal(tools[i].InputSchema, &schema); err != nil {
				t.Fatal(err)
			}
			for _, h := range tc.hidden {
				if _, ok := schema.Properties[h]; ok || slices.Contains(schema.Required, h) {
					t.Errorf("%s is still in the input schema: %s", h, tools[i].InputSchema)
				}
			}
			res := call(t, tg, tc.tool, tc.args)
			if res.IsError {
				t.Fatalf("isError: %s", resultText(res))
			}
			got := rec.last(t)
			if got.uri != tc.uri {
				t.Errorf("request URI %q, want %q", got.uri, tc.uri)
			}
			for k, v := range tc.header {
				if got.header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, got.header.Get(k), v)
				}
			}
		})
	}
}
