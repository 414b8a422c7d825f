package lambda

import (
	"encoding/json"
	"testing"

	"github.com/toolgate/toolgate/internal/testenv"
)

func TestMapPayload(t *testing.T) {
	tg := &Target{name: "fn", function: "weather"}
	for _, tc := range []struct {
		name, payload, fnErr string
		isErr                bool
		text, structured     string
	}{
		{"object", `{"temp":21}`, "", false, `{"temp":21}`, `{"temp":21}`},
		{"object with spaces", " {\"a\": [1, 2]}\n", "", false, `{"a": [1, 2]}`, `{"a": [1, 2]}`},
		{"string", `"sunny"`, "", false, "sunny", ""},
		{"string with escapes", `"a\"b\u00e9"`, "", false, `a"bé`, ""},
		{"number", `42`, "", false, "42", ""},
		{"array", `[1,2]`, "", false, "[1,2]", ""},
		{"null", `null`, "", false, "null", ""},
		{"empty", ``, "", false, "", ""},
		{"MCP result", `{"content":[{"type":"text","text":"hi"}],"isError":true}`, "", true, "hi", ""},
		{"MCP result with structured content", `{"content":[{"type":"text","text":"{}"}],"structuredContent":{"x":1}}`, "", false, "{}", `{"x":1}`},
		{"content that is not MCP content", `{"content":"plain"}`, "", false, `{"content":"plain"}`, `{"content":"plain"}`},
		{"content with other members", `{"content":[{"type":"text","text":"hi"}],"other":1}`, "", false, `{"content":[{"type":"text","text":"hi"}],"other":1}`, `{"content":[{"type":"text","text":"hi"}],"other":1}`},
		{"runtime error shape", `{"errorMessage":"boom","errorType":"errorString"}`, "", true, "Lambda function error (errorString): boom", ""},
		{"runtime error with stack", `{"errorMessage":"boom","errorType":"string","stackTrace":[]}`, "", true, "Lambda function error (string): boom", ""},
		{"error-like object with more members", `{"errorMessage":"boom","errorType":"x","data":1}`, "", false, `{"errorMessage":"boom","errorType":"x","data":1}`, `{"errorMessage":"boom","errorType":"x","data":1}`},
		{"FunctionError", `{"errorMessage":"boom","errorType":"KeyError"}`, "Unhandled", true, "Lambda function error (KeyError): boom", ""},
		{"FunctionError without type", `{"errorMessage":"boom"}`, "Handled", true, "Lambda function error (Handled): boom", ""},
		{"FunctionError with text body", `not json`, "Unhandled", true, "Lambda function error (Unhandled): not json", ""},
		{"emulator timeout", `Task timed out after 2.00 seconds`, "", true, "Lambda function weather timed out: Task timed out after 2.00 seconds", ""},
		{"Lambda timeout", `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: 1 Error: Task timed out after 3.00 seconds"}`, "Unhandled", true, "Lambda function weather timed out: RequestId: 1 Error: Task timed out after 3.00 seconds", ""},
		{"invalid JSON", `{"a":`, "", false, `{"a":`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tg.mapPayload([]byte(tc.payload), tc.fnErr)
			if r.IsError != tc.isErr || testenv.Text(r) != tc.text {
				t.Errorf("got %v %q, want %v %q", r.IsError, testenv.Text(r), tc.isErr, tc.text)
			}
			var sc string
			if r.StructuredContent != nil {
				b, _ := json.Marshal(r.StructuredContent)
				sc = string(b)
				if raw, ok := r.StructuredContent.(json.RawMessage); ok {
					sc = string(raw)
				}
			}
			if sc != tc.structured {
				t.Errorf("structuredContent %s, want %s", sc, tc.structured)
			}
		})
	}
}

func TestParseTools(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
		wantErr  bool
	}{
		{"array", `[{"name":"a","description":"A","inputSchema":{"type":"object"}},{"name":"b","description":"B","inputSchema":{"type":"object"},"outputSchema":{"type":"object"}}]`, []string{"a", "b"}, false},
		{"inlinePayload", `{"inlinePayload":[{"name":"a","description":"A","inputSchema":{"type":"object"}}]}`, []string{"a"}, false},
		{"tools", ` {"tools":[{"name":"a","inputSchema":{"type":"object","$defs":{"x":{"type":"string"}},"properties":{"y":{"$ref":"#/$defs/x"}}}}]}`, []string{"a"}, false},
		{"no schema", `[{"name":"a"}]`, []string{"a"}, false},
		{"empty array", `[]`, []string{}, false},
		{"object without array", `{"x":[]}`, nil, true},
		{"no name", `[{"description":"A"}]`, nil, true},
		{"duplicate", `[{"name":"a"},{"name":"a"}]`, nil, true},
		{"schema not an object", `[{"name":"a","inputSchema":true}]`, nil, true},
		{"output schema not an object", `[{"name":"a","outputSchema":[1]}]`, nil, true},
		{"not JSON", `name: a`, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tools, err := ParseTools([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			names := []string{}
			for _, tl := range tools {
				names = append(names, tl.Name)
			}
			if len(names) != len(tc.want) {
				t.Fatalf("tools %v, want %v", names, tc.want)
			}
			for i := range names {
				if names[i] != tc.want[i] {
					t.Fatalf("tools %v, want %v", names, tc.want)
				}
			}
		})
	}
	if _, err := LoadTools("testdata/missing.json"); err == nil {
		t.Error("LoadTools of a missing file succeeded")
	}
}

func TestToolFor(t *testing.T) {
	type forecast struct {
		City string `json:"city" jsonschema:"the city"`
		Days int    `json:"days,omitempty"`
	}
	tl, err := ToolFor[forecast]("forecast", "Forecast for a city.")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Type       string
		Required   []string
		Properties map[string]struct{ Description string }
	}
	if err := json.Unmarshal(tl.InputSchema, &s); err != nil || s.Type != "object" || len(s.Required) != 1 || s.Required[0] != "city" || s.Properties["city"].Description != "the city" {
		t.Errorf("schema %s: %v", tl.InputSchema, err)
	}
	if _, err := ToolFor[string]("bad", ""); err == nil {
		t.Error("a string input type was accepted")
	}
}

// FuzzParseTools: tool-definition files are outside input; ParseTools must
// not panic, and what it accepts has named tools with object schemas.
func FuzzParseTools(f *testing.F) {
	f.Add([]byte(`[{"name":"a","description":"A","inputSchema":{"type":"object"}}]`))
	f.Add([]byte(`{"inlinePayload":[{"name":"a","inputSchema":{},"outputSchema":{"type":"object"}}]}`))
	f.Add([]byte(`{"tools":null}`))
	f.Add([]byte(`[{"name":""}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tools, err := ParseTools(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, tl := range tools {
			if tl.Name == "" || seen[tl.Name] {
				t.Fatalf("accepted tool name %q", tl.Name)
			}
			seen[tl.Name] = true
			for _, s := range []json.RawMessage{tl.InputSchema, tl.OutputSchema} {
				if len(s) > 0 && !isJSONObject(s) {
					t.Fatalf("accepted schema %s", s)
				}
			}
		}
	})
}

// FuzzMapPayload: any function response maps to a result without panicking.
func FuzzMapPayload(f *testing.F) {
	f.Add([]byte(`{"content":[{"type":"text","text":"hi"}]}`), "")
	f.Add([]byte(`{"errorMessage":"x","errorType":"y"}`), "Unhandled")
	f.Add([]byte(`"s"`), "")
	tg := &Target{name: "fn", function: "f"}
	f.Fuzz(func(t *testing.T, payload []byte, fnErr string) {
		if r := tg.mapPayload(payload, fnErr); r == nil {
			t.Fatal("nil result")
		}
	})
}

// FuzzClientContextJSON: the hand-written client context encoding is
// byte-for-byte what encoding/json writes, header values being outside
// input.
func FuzzClientContextJSON(f *testing.F) {
	f.Add("x-tenant", "acme")
	f.Add("k\"\\", "\x00\x1f<>&\u2028\u2029é\xff")
	f.Fuzz(func(t *testing.T, k, v string) {
		custom := map[string]string{KeyToolName: "fn___a", k: v}
		got, err := clientContextJSON(custom)
		if err != nil {
			return
		}
		want, _ := json.Marshal(struct {
			Custom map[string]string `json:"custom"`
		}{custom})
		if string(got) != string(want) {
			t.Fatalf("got  %s\nwant %s", got, want)
		}
	})
}
