package toolgate_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/openapi"
)

const secretSpec = `{"openapi":"3.0.3","info":{"title":"acct","version":"1"},"paths":{
"/ok":{"get":{"operationId":"ok","responses":{"200":{"description":"ok"}}}},
"/fail":{"get":{"operationId":"fail","responses":{"200":{"description":"ok"}}}},
"/login":{"post":{"operationId":"login","requestBody":{"required":true,"content":{"application/json":{"schema":{"type":"object",
  "properties":{"username":{"type":"string"},"password":{"type":"string"},"pin_code":{"type":"string","format":"password"}}}}}},
  "responses":{"200":{"description":"ok"}}}}}}`

// TestAuditNeverHoldsSecrets puts secrets in the caller's token and
// headers, in arguments, and in a target's credentials (an API key sent in
// the query string, so that a transport error would show it), makes calls
// that succeed, fail at the backend, fail to reach it and are refused, and
// greps every audit record and every span for each secret.
func TestAuditNeverHoldsSecrets(t *testing.T) {
	secrets := map[string]string{
		"token":       "tok-5ecret-0001",
		"wrong token": "tok-5ecret-0002",
		"header":      "hdr-5ecret-0003",
		"cookie":      "cky-5ecret-0004",
		"password":    "arg-5ecret-0005",
		"pin":         "arg-5ecret-0006",
		"api key":     "key-5ecret-0007",
	}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fail" { // a backend that echoes what it got
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "failed for %s", r.URL.RawQuery)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer backend.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more

	key, err := credentials.NewAPIKey(credentials.APIKeyConfig{Key: credentials.Literal(secrets["api key"]), In: credentials.Query, Name: "api_key"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	live, err := openapi.New(ctx, []byte(secretSpec), &openapi.Options{Name: "acct", BaseURL: backend.URL, Credentials: key})
	if err != nil {
		t.Fatal(err)
	}
	dead, err := openapi.New(ctx, []byte(secretSpec), &openapi.Options{Name: "dead", BaseURL: gone.URL, Credentials: key})
	if err != nil {
		t.Fatal(err)
	}

	var audit testenv.LockedBuffer
	spans := tracetest.NewSpanRecorder()
	gw, err := toolgate.New(&toolgate.Options{
		Stateless: true, JSONResponse: true,
		Authorizer: toolgate.AuthorizerFunc(func(r *http.Request) (*toolgate.Principal, error) {
			if r.Header.Get("Authorization") != "Bearer "+secrets["token"] {
				return nil, fmt.Errorf("bad token")
			}
			return &toolgate.Principal{Subject: "alice", Token: secrets["token"]}, nil
		}),
		Audit:          toolgate.AuditJSON(&audit),
		AuditArguments: true,
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)),
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	for _, tg := range []toolgate.Target{live, dead} {
		if err := gw.AddTarget(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	post := func(token, tool, args string) string {
		body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":%q,"arguments":%s}}`, tool, args)
		req, _ := http.NewRequest("POST", srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Api-Key", secrets["header"])
		req.Header.Set("Cookie", "session="+secrets["cookie"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	login := fmt.Sprintf(`{"body":{"username":"bob","password":%q,"pin_code":%q}}`, secrets["password"], secrets["pin"])
	answers := []string{
		post(secrets["token"], "acct___ok", `{}`),
		post(secrets["token"], "acct___login", login),
		post(secrets["token"], "acct___fail", `{}`),
		post(secrets["token"], "dead___ok", `{}`),
		post(secrets["token"], "dead___login", login),
		post(secrets["wrong token"], "acct___ok", `{}`),
	}
	// The backend's echo reaches the caller (it is the tool's answer);
	// the point is that it never reaches the audit trail.
	if !strings.Contains(answers[2], "500") {
		t.Fatalf("the failing call answered %s", answers[2])
	}

	records := audit.String()
	if n := strings.Count(records, "\n"); n != len(answers) {
		t.Fatalf("%d audit records for %d requests:\n%s", n, len(answers), records)
	}
	for _, want := range []string{`"outcome":"ok"`, `"outcome":"tool_error"`, `"outcome":"refused_auth"`, `"username":"bob"`, `"password":"[REDACTED]"`, `"pin_code":"[REDACTED]"`} {
		if !strings.Contains(records, want) {
			t.Errorf("no %s in the records:\n%s", want, records)
		}
	}
	var spanText strings.Builder
	for _, s := range spans.Ended() {
		fmt.Fprintf(&spanText, "%s %v %v %v\n", s.Name(), s.Attributes(), s.Status(), s.Events())
	}
	for what, secret := range secrets {
		if strings.Contains(records, secret) {
			t.Errorf("the %s is in the audit records:\n%s", what, records)
		}
		if strings.Contains(spanText.String(), secret) {
			t.Errorf("the %s is in a span:\n%s", what, spanText.String())
		}
	}
}
