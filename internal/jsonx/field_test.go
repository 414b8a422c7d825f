package jsonx

import (
	"encoding/json"
	"testing"
)

// viaMap is what StringField must answer: the property decoded as
// encoding/json decodes it into a map, then into a string.
func viaMap(data []byte, key string) (string, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return "", false
	}
	var s string
	if json.Unmarshal(obj[key], &s) != nil || obj[key] == nil || string(obj[key]) == "null" {
		return "", false
	}
	return s, true
}

func TestStringField(t *testing.T) {
	for _, tc := range []struct {
		data, key, want string
		ok              bool
	}{
		{`{"name":"up___ask"}`, "name", "up___ask", true},
		{` { "arguments" : {"name":"inner","x":[1,"}",{"y":"]"}]} , "name" : "outer" } `, "name", "outer", true},
		{`{"name":"first","name":"last"}`, "name", "last", true},
		{`{"n\u0061me":"escaped key"}`, "name", "escaped key", true},
		{`{"name":"a\"b\u00e9"}`, "name", "a\"bé", true},
		{`{"name":""}`, "name", "", true},
		{`{"name":12,"other":"x"}`, "name", "", false},
		{`{"name":null}`, "name", "", false},
		{`{"Name":"case matters"}`, "name", "", false},
		{`{"a":true,"b":-1.5e3,"name":"after scalars"}`, "name", "after scalars", true},
		{`{}`, "name", "", false},
		{`["name","x"]`, "name", "", false},
		{`"name"`, "name", "", false},
		{``, "name", "", false},
	} {
		got, ok := StringField([]byte(tc.data), tc.key)
		if string(got) != tc.want || ok != tc.ok {
			t.Errorf("StringField(%s, %q) = %q %v, want %q %v", tc.data, tc.key, got, ok, tc.want, tc.ok)
		}
		if want, wantOK := viaMap([]byte(tc.data), tc.key); string(got) != want || ok != wantOK {
			t.Errorf("StringField(%s, %q) = %q %v, encoding/json says %q %v", tc.data, tc.key, got, ok, want, wantOK)
		}
	}
}

func TestStringFieldAllocs(t *testing.T) {
	data := []byte(`{"name":"up___ask","arguments":{"text":"hello, gateway","n":[1,2,{"a":"b"}]}}`)
	if n := testing.AllocsPerRun(100, func() { StringField(data, "name") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// FuzzStringField: on valid JSON, StringField answers as encoding/json
// does; on anything, it does not panic.
func FuzzStringField(f *testing.F) {
	for _, s := range []string{`{"name":"x"}`, `{"n\u0061me":"a\"b","name":1}`, `{"a":{"name":"in"},"name":"out"}`, `[]`, `{"name":"x",}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := StringField(data, "name")
		if !json.Valid(data) {
			return
		}
		if want, wantOK := viaMap(data, "name"); string(got) != want || ok != wantOK {
			t.Fatalf("StringField(%q) = %q %v, encoding/json says %q %v", data, got, ok, want, wantOK)
		}
	})
}
