package mcpserver_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/mcpserver"
)

// TestRelayedOnCallStream: the server's sampling and elicitation reach the
// caller on the call's own event stream, by both paths to the server and
// whether the gateway or go-sdk's server answers the caller, so that a
// client that opened no other stream (no GET) is asked and can answer.
func TestRelayedOnCallStream(t *testing.T) {
	_, url := backend(t, nil)
	for _, tc := range []struct{ lean, noFast bool }{{true, false}, {false, false}, {true, true}} {
		lean := tc.lean
		name := map[bool]string{true: "lean path", false: "go-sdk's client"}[lean] + map[bool]string{true: ", go-sdk's server", false: ""}[tc.noFast]
		t.Run(name, func(t *testing.T) {
			tg := newTarget(t, mcpserver.Options{Name: "up", URL: url})
			if !lean {
				mcpserver.NoLean(tg)
			}
			_, gwURL := gatewayWith(t, &toolgate.Options{Authorizer: auth.None(), DisableFastPath: tc.noFast}, tg)
			ctx := callCtx(t)
			post := func(sid, body string) *http.Response {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, gwURL, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json, text/event-stream")
				req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
				if sid != "" {
					req.Header.Set("Mcp-Session-Id", sid)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return resp
			}
			resp := post("", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",`+
				`"capabilities":{"sampling":{},"elicitation":{}},"clientInfo":{"name":"raw","version":"0"}}}`)
			sid := resp.Header.Get("Mcp-Session-Id")
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			resp = post(sid, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			_ = resp.Body.Close()

			call := post(sid, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"up___ask","arguments":{}}}`)
			defer call.Body.Close()
			var asked []string
			sc := bufio.NewScanner(call.Body)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				data, ok := strings.CutPrefix(sc.Text(), "data: ")
				if !ok {
					continue
				}
				var m struct {
					ID     json.RawMessage `json:"id"`
					Method string          `json:"method"`
					Result json.RawMessage `json:"result"`
				}
				if err := json.Unmarshal([]byte(data), &m); err != nil {
					t.Fatal(err)
				}
				switch m.Method {
				case "sampling/createMessage":
					asked = append(asked, m.Method)
					r := post(sid, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"role":"assistant","model":"m","content":{"type":"text","text":"blue"}}}`)
					_ = r.Body.Close()
				case "elicitation/create":
					asked = append(asked, m.Method)
					r := post(sid, `{"jsonrpc":"2.0","id":`+string(m.ID)+`,"result":{"action":"accept","content":{"name":"Ada"}}}`)
					_ = r.Body.Close()
				}
				if string(bytes.TrimSpace(m.ID)) == "2" && m.Method == "" {
					if !strings.Contains(string(m.Result), "model=blue user=accept/Ada") {
						t.Errorf("result %s", m.Result)
					}
					break
				}
			}
			if strings.Join(asked, " ") != "sampling/createMessage elicitation/create" {
				t.Errorf("asked on the call's stream: %q (err %v)", asked, sc.Err())
			}
		})
	}
}
