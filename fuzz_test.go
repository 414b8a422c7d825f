package toolgate

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzJSONRPCBody sends arbitrary bodies through the whole HTTP path: the
// gateway must answer every one without panicking and keep serving.
func FuzzJSONRPCBody(f *testing.F) {
	for _, s := range []string{
		initBody,
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"bWF0aF9fX2FkZA"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"math___add","arguments":{"a":1,"b":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"math___convert","arguments":{"value":"x","unit":[]}}}`,
		`{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"math___echo","arguments":null}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"math___boom"}}`,
		`{"jsonrpc":"2.0","id":null,"method":"tools/call"}`,
		`{}`, `[]`, `null`, `"`, `{"jsonrpc":"1.0"}`,
	} {
		f.Add([]byte(s))
	}
	gw, err := New(&Options{Stateless: true, JSONResponse: true, Logger: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	if err := gw.AddTarget(f.Context(), mathTarget()); err != nil {
		f.Fatal(err)
	}
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/mcp", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		rec := httptest.NewRecorder()
		gw.ServeHTTP(rec, req)
		return rec
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := post(string(body))
		switch rec.Code {
		case http.StatusOK, http.StatusAccepted, http.StatusBadRequest, http.StatusNotFound,
			http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		ok := post(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"math___add","arguments":{"a":1,"b":2}}}`)
		if ok.Code != 200 || !strings.Contains(ok.Body.String(), `\"sum\":3`) {
			t.Fatalf("gateway stopped serving after %q: %d %s", body, ok.Code, ok.Body)
		}
	})
}
