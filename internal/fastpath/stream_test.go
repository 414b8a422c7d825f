package fastpath

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

func TestParseAnswer(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
		id   string
		err  string
	}{
		{`{"jsonrpc":"2.0","id":"toolgate-ask-3","result":{"action":"accept"}}`, true, `"toolgate-ask-3"`, ""},
		{` {"result":{},"id":"toolgate-ask-4","jsonrpc":"2.0"} `, true, `"toolgate-ask-4"`, ""},
		{`{"jsonrpc":"2.0","id":"toolgate-ask-5","error":{"code":-1,"message":"no model"}}`, true, `"toolgate-ask-5"`, "no model"},
		{`{"jsonrpc":"2.0","id":"toolgate-ask-5","result":{},"error":{"code":-1,"message":"x"}}`, false, "", ""}, // both
		{`{"jsonrpc":"2.0","id":"toolgate-ask-5"}`, false, "", ""},                                               // neither
		{`{"jsonrpc":"2.0","id":"toolgate-ask-6","method":"ping","result":{}}`, false, "", ""},                   // a request
		{`{"jsonrpc":"2.0","id":7,"result":{}}`, false, "", ""},                                                  // go-sdk's own id
		{`{"jsonrpc":"2.0","id":"other-toolgate-ask-8","result":{}}`, false, "", ""},                             // not our prefix
		{`{"jsonrpc":"1.0","id":"toolgate-ask-9","result":{}}`, false, "", ""},
		{`[{"jsonrpc":"2.0","id":"toolgate-ask-10","result":{}}]`, false, "", ""}, // a batch: go-sdk's
		{`{"jsonrpc":"2.0","id":"toolgate-ask-11","Result":{}}`, false, "", ""},   // names match exactly, as go-sdk
		{`{"jsonrpc":"2.0","id":"toolgate-ask-12","result":{}`, false, "", ""},
		{`{"jsonrpc":"2.0","id":"toolgate-ask-13","result":{}} x`, false, "", ""}, // something after the value
		{`{"jsonrpc":"2.0","id":"toolgate-ask-14","result":{}}{}`, false, "", ""},
	} {
		id, a, ok := parseAnswer([]byte(tc.body))
		if ok != tc.ok || id != tc.id {
			t.Errorf("%s: ok=%v id=%s, want ok=%v id=%s", tc.body, ok, id, tc.ok, tc.id)
			continue
		}
		var we *jsonrpc.Error
		if tc.err != "" && (!errors.As(a.err, &we) || we.Message != tc.err) {
			t.Errorf("%s: error %v, want %q", tc.body, a.err, tc.err)
		}
	}
}

// FuzzParseAnswer: what parseAnswer takes for an answer is valid JSON,
// with its id and one of result and error, as encoding/json reads it.
func FuzzParseAnswer(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":"toolgate-ask-3","result":{"action":"accept"}}`,
		`{"jsonrpc":"2.0","id":"toolgate-ask-5","error":{"code":-1,"message":"no model"}}`,
		`{"jsonrpc":"2.0","id":"toolgate-ask-\u0031","result":null}`,
		`{"jsonrpc":"2.0","id":"toolgate-ask-6","method":"ping"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		id, a, ok := parseAnswer(body)
		if !ok {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("took invalid JSON %q", body)
		}
		var m struct {
			ID     string          `json:"id"`
			Result json.RawMessage `json:"result"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		want, _ := Encode(m.ID)
		if id != string(want) || !strings.HasPrefix(m.ID, askPrefix) {
			t.Fatalf("%q: id %s, encoding/json reads %q", body, id, m.ID)
		}
		if (a.err == nil) != (m.Error == nil) {
			t.Fatalf("%q: error %v, encoding/json reads %s", body, a.err, m.Error)
		}
	})
}

// TestStreamFinish: a stream that sent nothing is the one-event answer
// with its length; one that sent events ends with the cancellation of its
// waiting requests, then the answer; nothing is written after it.
func TestStreamFinish(t *testing.T) {
	rec := httptest.NewRecorder()
	st := &Stream{fs: &fastSession{}, w: rec, asked: map[string]struct{}{}}
	st.finish([]byte(`{"a":1}`), false)
	if rec.Header().Get("Content-Length") != "30" || rec.Body.String() != "event: message\ndata: {\"a\":1}\n\n" {
		t.Errorf("quiet answer: %q %q", rec.Header().Get("Content-Length"), rec.Body.String())
	}
	if err := st.Notify("notifications/progress", map[string]any{"progress": 1}); !errors.Is(err, ErrStreamOver) {
		t.Errorf("after the answer: %v", err)
	}

	rec = httptest.NewRecorder()
	fs := &fastSession{}
	st = &Stream{fs: fs, w: rec, asked: map[string]struct{}{}}
	if err := st.Notify("notifications/progress", map[string]any{"progress": 1}); err != nil {
		t.Fatal(err)
	}
	ch := make(chan askAnswer, 1)
	fs.await(`"toolgate-ask-1"`, ch)
	st.asked[`"toolgate-ask-1"`] = struct{}{}
	st.finish([]byte(`{"a":1}`), false)
	want := "event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":1}}\n\n" +
		"event: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":\"toolgate-ask-1\",\"reason\":\"" + ErrStreamOver.Error() + "\"}}\n\n" +
		"event: message\ndata: {\"a\":1}\n\n"
	if rec.Header().Get("Content-Length") != "" || rec.Body.String() != want {
		t.Errorf("streamed answer:\n%q\nwant\n%q", rec.Body.String(), want)
	}
	if a := <-ch; !errors.Is(a.err, ErrStreamOver) {
		t.Errorf("the waiting request got %v", a.err)
	}
}
