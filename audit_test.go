package toolgate

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzAuditJSON: every record encodes as valid JSON that decodes back to
// the record's strings (invalid UTF-8 as U+FFFD).
func FuzzAuditJSON(f *testing.F) {
	f.Add("alice", "math___add", "req-1", "\x00\"\\\u2028<>&", "\xff\xfe")
	f.Add("", "", "", "", "")
	f.Fuzz(func(t *testing.T, subject, tool, reqID, reason, target string) {
		rec := AuditRecord{Time: time.Unix(1700000000, 5), Method: "tools/call", Outcome: OutcomeOK,
			Subject: subject, Tool: tool, RequestID: reqID, Reason: reason, Target: target, Latency: 42}
		b := rec.appendJSON(nil)
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %q", b)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"subject": subject, "tool": tool, "request_id": reqID, "reason": reason, "target": target} {
			got, _ := back[k].(string)
			if got != perByte(want) && !(got == "" && want == "") {
				t.Fatalf("%s: %q, want %q", k, got, want)
			}
			if !utf8.ValidString(got) {
				t.Fatalf("%s: invalid UTF-8", k)
			}
		}
	})
}

// perByte replaces each byte of s that is not UTF-8 with U+FFFD, as
// encoding/json does.
func perByte(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// TestAuditJSONMatchesTags: the hand-written encoding is encoding/json's
// for the same record (for valid UTF-8).
func TestAuditJSONMatchesTags(t *testing.T) {
	rec := AuditRecord{Time: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Method: "tools/call", Outcome: OutcomeFailed,
		Reason: "the target failed", Subject: "s", ClientID: "c", Issuer: "https://i", RemoteAddr: "127.0.0.1:1",
		Tool: "a___b", Target: "a", Via: "search___call", Latency: 1500, TargetTime: 900, RequestID: "r", SessionID: "sess", TraceID: "t",
		PolicyDecision: "DENY", PolicyMode: "ENFORCE", Policies: []string{"p1", "p\"2"}, PolicyErrors: []string{"p3"},
		Arguments: json.RawMessage(`{"x":1}`)}
	type plain AuditRecord // without the MarshalJSON method
	want, err := json.Marshal((*plain)(&rec))
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.appendJSON(nil); !bytes.Equal(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestRedact(t *testing.T) {
	cases := []struct {
		name, in, want string
		schema         map[string]bool
		extra          []string
	}{
		{"names", `{"password":"p","apiKey":"k","X-Api-Key":"h","note":"n","client_secret":"s","pin":"1","mapping":"m"}`,
			`{"X-Api-Key":"[REDACTED]","apiKey":"[REDACTED]","client_secret":"[REDACTED]","mapping":"m","note":"n","password":"[REDACTED]","pin":"[REDACTED]"}`, nil, nil},
		{"nested", `{"auth":{"token":"t","user":"u"},"list":[{"secret":"s"}]}`,
			`{"auth":{"token":"[REDACTED]","user":"u"},"list":[{"secret":"[REDACTED]"}]}`, nil, nil},
		{"schema and extra", `{"ssn":"123","card":"4111","n":1.50}`, `{"card":"[REDACTED]","n":1.50,"ssn":"[REDACTED]"}`,
			map[string]bool{"ssn": true}, []string{"CARD"}},
		{"not json", `{"a":`, ``, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(redact(json.RawMessage(c.in), c.schema, c.extra)); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestSecretProps(t *testing.T) {
	p := &prepared{tool: Tool{InputSchema: json.RawMessage(`{"type":"object","properties":{
		"pw":{"type":"string","format":"password"},"w":{"type":"string","writeOnly":true},"n":{"type":"string"},
		"o":{"type":"object","properties":{"inner":{"type":"string","writeOnly":true}}}}}`)}}
	got := p.secretProps()
	if !got["pw"] || !got["w"] || !got["inner"] || got["n"] || len(got) != 3 {
		t.Fatalf("secret props %v", got)
	}
}
