package templates

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/testenv"
	"go.yaml.in/yaml/v4"
)

func TestNamesGetLookup(t *testing.T) {
	want := []string{"asana", "github", "jira", "slack", "stripe", "twilio"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	tests := []struct {
		id, want string
		lookup   bool
	}{
		{id: "slack", want: "slack"},
		{id: "jira", want: "jira"},
		{id: "github", want: "github"},
		{id: "Slack", lookup: true, want: "slack"},
		{id: "JIRA", lookup: true, want: "jira"},
		{id: " Asana ", lookup: true, want: "asana"},
		{id: "GitHub", lookup: true, want: "github"},
		{id: "twilio", lookup: true, want: "twilio"},
		{id: "Slack"}, // Get is exact
		{id: "salesforce", lookup: true},
		{id: ""},
	}
	for _, tc := range tests {
		get := Get
		if tc.lookup {
			get = Lookup
		}
		tpl, err := get(tc.id)
		if tc.want == "" {
			if !errors.Is(err, ErrUnknownTemplate) {
				t.Errorf("%q (lookup %v): error %v, want ErrUnknownTemplate", tc.id, tc.lookup, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q (lookup %v): %v", tc.id, tc.lookup, err)
			continue
		}
		if tpl.Name != tc.want {
			t.Errorf("%q (lookup %v) = %s, want %s", tc.id, tc.lookup, tpl.Name, tc.want)
		}
	}
	// AgentCore's provider names are those of its integration templates.
	for name, agentCore := range map[string]string{"slack": "Slack", "jira": "Jira", "asana": "Asana", "github": "", "stripe": "", "twilio": ""} {
		tpl, _ := Get(name)
		if tpl.AgentCore != agentCore {
			t.Errorf("%s: AgentCore %q, want %q", name, tpl.AgentCore, agentCore)
		}
	}
	// A Template is a copy: changing it changes nothing else.
	a, _ := Get("slack")
	a.Operations[0] = "changed"
	a.Name = "changed"
	b, _ := Get("slack")
	if b.Operations[0] != "chat_postMessage" || b.Name != "slack" {
		t.Errorf("Get returned shared state: %s %v", b.Name, b.Operations[:1])
	}
}

// manifestRow is one row of specs/MANIFEST.md.
type manifestRow struct {
	file, template, licence string
	size                    int
	sha256                  string
}

func readManifest(t *testing.T) []manifestRow {
	t.Helper()
	data, err := os.ReadFile("specs/MANIFEST.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []manifestRow
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 11 {
			t.Fatalf("manifest row with %d cells: %s", len(cells), line)
		}
		cell := func(i int) string { return strings.Trim(strings.TrimSpace(cells[i]), "`") }
		size, err := strconv.Atoi(cell(7))
		if err != nil {
			t.Fatalf("manifest size %q: %v", cell(7), err)
		}
		rows = append(rows, manifestRow{file: cell(1), template: cell(2), licence: cell(6), size: size, sha256: cell(9)})
	}
	return rows
}

func TestEmbeddedSpecs(t *testing.T) {
	rows := readManifest(t)
	byFile := map[string]manifestRow{}
	total := 0
	for _, r := range rows {
		byFile[r.file] = r
		f, err := specs.Open("specs/" + r.file)
		if err != nil {
			t.Errorf("%s: not embedded: %v", r.file, err)
			continue
		}
		st, _ := f.Stat()
		total += int(st.Size())
		_ = f.Close()
	}
	// Every embedded file is in the manifest.
	embedded, err := fs.Glob(specs, "specs/*/*.gz")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range embedded {
		if _, ok := byFile[strings.TrimPrefix(e, "specs/")]; !ok {
			t.Errorf("%s is embedded but not in specs/MANIFEST.md", e)
		}
	}
	for _, name := range Names() {
		tpl, _ := Get(name)
		r, ok := byFile[tpl.def.spec]
		if !ok {
			t.Errorf("%s: spec %s not in the manifest", name, tpl.def.spec)
			continue
		}
		if r.template != name {
			t.Errorf("%s: manifest names template %q for %s", name, r.template, r.file)
		}
		if !strings.HasPrefix(r.licence, tpl.Licence) {
			t.Errorf("%s: Licence %q, manifest %q", name, tpl.Licence, r.licence)
		}
		if _, err := os.Stat("specs/LICENSES/" + tpl.Licence + ".txt"); err != nil {
			t.Errorf("%s: no licence text: %v", name, err)
		}
		spec, err := tpl.Spec()
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sum := sha256.Sum256(spec)
		if len(spec) != r.size || hex.EncodeToString(sum[:]) != r.sha256 {
			t.Errorf("%s: %d bytes sha256 %x, manifest %d bytes %s", name, len(spec), sum, r.size, r.sha256)
		}
	}
	t.Logf("embedded: %d specs, %d bytes compressed", len(rows), total)
	if total > 2<<20 {
		t.Errorf("embedded specs take %d bytes; keep them under 2 MiB", total)
	}
}

// specOperations counts the operations in a spec, independently of package
// openapi.
func specOperations(t *testing.T, spec []byte) int {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]any `json:"paths" yaml:"paths"`
	}
	var err error
	if bytes.HasPrefix(bytes.TrimSpace(spec), []byte("{")) {
		err = json.Unmarshal(spec, &doc)
	} else {
		err = yaml.Unmarshal(spec, &doc)
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, item := range doc.Paths {
		for m := range item {
			switch m {
			case "get", "put", "post", "delete", "options", "head", "patch", "trace":
				n++
			}
		}
	}
	return n
}

// rewriter is an HTTP transport that sends every request to a local mock
// server and records the URL it was meant for, so the tests see the real
// base URLs (https://slack.com/api, https://acme.atlassian.net, ...).
type rewriter struct {
	to *url.URL
	mu sync.Mutex
	// urls are the requested URLs, as the target built them.
	urls []string
}

func (rw *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	rw.mu.Lock()
	rw.urls = append(rw.urls, req.URL.String())
	rw.mu.Unlock()
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rw.to.Scheme, rw.to.Host, ""
	return http.DefaultTransport.RoundTrip(r)
}

func (rw *rewriter) last() string {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if len(rw.urls) == 0 {
		return ""
	}
	return rw.urls[len(rw.urls)-1]
}

// seen is one request at the mock service.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
	user, password      string
	basic               bool
}

// mockService answers every request with a small JSON object, or with
// status when it is set.
type mockService struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []seen
	status int
}

func newMock(t *testing.T) *mockService {
	m := &mockService{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.RawQuery, header: r.Header.Clone(), body: string(body)}
		s.user, s.password, s.basic = r.BasicAuth()
		m.mu.Lock()
		m.reqs = append(m.reqs, s)
		status := m.status
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if status != 0 {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
			return
		}
		_, _ = io.WriteString(w, `{"ok":true,"id":"1"}`)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *mockService) last(t *testing.T) seen {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.reqs) == 0 {
		t.Fatal("no request reached the mock service")
	}
	return m.reqs[len(m.reqs)-1]
}

func (m *mockService) fail(status int) {
	m.mu.Lock()
	m.status = status
	m.mu.Unlock()
}

// toolFor returns the published tool of an operationId.
func toolFor(tools []toolgate.Tool, opID string) (toolgate.Tool, bool) {
	for _, tl := range tools {
		if meta, ok := tl.Meta["openapi"].(map[string]any); ok && meta["operationId"] == opID {
			return tl, true
		}
	}
	return toolgate.Tool{}, false
}

func resultText(res *toolgate.Result) string {
	var sb strings.Builder
	for _, c := range res.Content {
		b, _ := json.Marshal(c)
		sb.Write(b)
	}
	return sb.String()
}

// secrets used by the tests; each is distinctive so a leak is easy to find.
const (
	slackToken    = "xoxb-1111-2222-slacksecretvalue"
	jiraEmail     = "ops@example.com"
	jiraToken     = "ATATTjirasecretvalue0123"
	jiraOAuth     = "eyJjiraoauthsecretvalue"
	asanaToken    = "2/1204/asanasecretvalue"
	githubToken   = "github_pat_11githubsecretvalue"
	stripeKey     = "sk_test_51stripesecretvalue"
	testTwilioSID = "AC0123456789abcdef0123456789abcdef"
	twilioToken   = "twilioauthtokensecretvalue"
)

// leaks lists the forms in which the test secrets could leak.
func leaks() []string {
	out := []string{slackToken, jiraToken, jiraOAuth, asanaToken, githubToken, stripeKey, twilioToken}
	for _, up := range [][2]string{{jiraEmail, jiraToken}, {testTwilioSID, twilioToken}} {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(up[0]+":"+up[1])))
	}
	return out
}

func checkNoLeak(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range leaks() {
		if strings.Contains(text, s) {
			t.Errorf("%s shows a secret (%.6s...): %s", where, s, text)
		}
	}
}

// call is one tool call through a template's target and what the service
// must receive.
type call struct {
	op     string // operationId
	args   string
	method string
	url    string // the URL the target sent the request to, query included
	body   []string
	check  func(t *testing.T, s seen)
}

func bearerIs(token string) func(t *testing.T, s seen) {
	return func(t *testing.T, s seen) {
		t.Helper()
		if got := s.header.Get("Authorization"); got != "Bearer "+token {
			t.Errorf("Authorization %q, want the bearer token", got)
		}
	}
}

func basicIs(user, password string) func(t *testing.T, s seen) {
	return func(t *testing.T, s seen) {
		t.Helper()
		if !s.basic || s.user != user || s.password != password {
			t.Errorf("basic auth %v %q, want user %q and the password", s.basic, s.user, user)
		}
	}
}

func headerIs(name, value string) func(t *testing.T, s seen) {
	return func(t *testing.T, s seen) {
		t.Helper()
		if got := s.header.Get(name); got != value {
			t.Errorf("%s: %q, want %q", name, got, value)
		}
	}
}

func all(checks ...func(t *testing.T, s seen)) func(t *testing.T, s seen) {
	return func(t *testing.T, s seen) {
		t.Helper()
		for _, c := range checks {
			c(t, s)
		}
	}
}

// templateCases builds each template against the mock service through
// the rewriting transport and calls the listed tools.
var templateCases = []struct {
	name    string
	opts    Options
	calls   []call
	baseURL bool // opts.BaseURL points at the mock; otherwise the preset base URL is checked through the rewriter
	allOps  bool // also load every operation (once per template)
}{
	{name: "slack", allOps: true, opts: Options{Token: credentials.Literal(slackToken)}, calls: []call{
		{op: "chat_postMessage", args: `{"body":{"channel":"C0123","text":"deploy done","thread_ts":"1700000000.000100"}}`,
			method: "POST", url: "https://slack.com/api/chat.postMessage",
			body: []string{"channel=C0123", "text=deploy%20done", "thread_ts=1700000000.000100"}, check: all(bearerIs(slackToken), func(t *testing.T, s seen) {
				if strings.Contains(s.body, "token") || strings.Contains(s.query, "token") {
					t.Errorf("token sent as a parameter: %q %q", s.query, s.body)
				}
			})},
		{op: "conversations_history", args: `{"channel":"C0123","limit":2}`,
			method: "GET", url: "https://slack.com/api/conversations.history?channel=C0123&limit=2", check: bearerIs(slackToken)},
	}},
	{name: "jira", allOps: true, opts: Options{Username: jiraEmail, Password: credentials.Literal(jiraToken), Site: "acme"}, calls: []call{
		{op: "getIssue", args: `{"issueIdOrKey":"OPS-123","fields":["summary","status"]}`,
			method: "GET", url: "https://acme.atlassian.net/rest/api/3/issue/OPS-123?fields=summary&fields=status", check: basicIs(jiraEmail, jiraToken)},
		{op: "addComment", args: `{"issueIdOrKey":"OPS-123","body":{"body":{"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"on it"}]}]}}}`,
			method: "POST", url: "https://acme.atlassian.net/rest/api/3/issue/OPS-123/comment", body: []string{`"text":"on it"`}, check: basicIs(jiraEmail, jiraToken)},
	}},
	{name: "jira", opts: Options{Token: credentials.Literal(jiraOAuth), CloudID: "11223344-aaaa-bbbb-cccc-ddddeeeeffff"}, calls: []call{
		{op: "searchAndReconsileIssuesUsingJql", args: `{"jql":"project = OPS","maxResults":5,"fields":["summary","status"],"nextPageToken":"tok1"}`,
			method: "GET", url: "https://api.atlassian.com/ex/jira/11223344-aaaa-bbbb-cccc-ddddeeeeffff/rest/api/3/search/jql?jql=project%20%3D%20OPS&nextPageToken=tok1&maxResults=5&fields=summary&fields=status",
			check: bearerIs(jiraOAuth)},
	}},
	{name: "asana", allOps: true, opts: Options{Token: credentials.Literal(asanaToken)}, calls: []call{
		{op: "createTask", args: `{"body":{"data":{"name":"Write docs","workspace":"12345"}}}`,
			method: "POST", url: "https://app.asana.com/api/1.0/tasks", body: []string{`"name":"Write docs"`}, check: bearerIs(asanaToken)},
	}},
	{name: "github", allOps: true, opts: Options{Token: credentials.Literal(githubToken)}, calls: []call{
		{op: "issues/create", args: `{"owner":"octo","repo":"hello","body":{"title":"Crash on start","labels":["bug"]}}`,
			method: "POST", url: "https://api.github.com/repos/octo/hello/issues", body: []string{`"title":"Crash on start"`},
			check: all(bearerIs(githubToken), headerIs("X-GitHub-Api-Version", "2022-11-28"))},
		{op: "repos/get-content", args: `{"owner":"octo","repo":"hello","path":"docs/README.md","ref":"main"}`,
			method: "GET", url: "https://api.github.com/repos/octo/hello/contents/docs%2FREADME.md?ref=main", check: bearerIs(githubToken)},
	}},
	{name: "github", baseURL: true, opts: Options{Token: credentials.Literal(githubToken), Header: http.Header{"X-GitHub-Api-Version": {"2026-03-10"}}}, calls: []call{
		{op: "pulls/list", args: `{"owner":"octo","repo":"hello","state":"open"}`,
			method: "GET", url: "/api/v3/repos/octo/hello/pulls?state=open", check: all(bearerIs(githubToken), headerIs("X-GitHub-Api-Version", "2026-03-10"))},
	}},
	{name: "stripe", allOps: true, opts: Options{Token: credentials.Literal(stripeKey)}, calls: []call{
		{op: "PostCustomers", args: `{"body":{"email":"jane@example.com","name":"Jane","metadata":{"plan":"pro"}}}`,
			method: "POST", url: "https://api.stripe.com/v1/customers", body: []string{"email=jane%40example.com", "metadata[plan]=pro"},
			check: all(bearerIs(stripeKey), headerIs("Stripe-Version", "2023-08-16"))},
		{op: "GetCustomersCustomer", args: `{"customer":"cus_123"}`,
			method: "GET", url: "https://api.stripe.com/v1/customers/cus_123", check: bearerIs(stripeKey)},
	}},
	{name: "twilio", allOps: true, opts: Options{Username: testTwilioSID, Password: credentials.Literal(twilioToken)}, calls: []call{
		{op: "CreateMessage", args: `{"body":{"To":"+14155550100","From":"+14155550199","Body":"Your code is 1234"}}`,
			method: "POST", url: "https://api.twilio.com/2010-04-01/Accounts/" + testTwilioSID + "/Messages.json",
			body: []string{"To=%2B14155550100", "Body=Your%20code%20is%201234"}, check: basicIs(testTwilioSID, twilioToken)},
		{op: "FetchCall", args: `{"Sid":"CA0001","AccountSid":"ACother"}`,
			method: "GET", url: "https://api.twilio.com/2010-04-01/Accounts/" + testTwilioSID + "/Calls/CA0001.json", check: basicIs(testTwilioSID, twilioToken)},
	}},
	{name: "twilio", opts: Options{AccountSID: testTwilioSID, Username: "SK0123456789abcdef", Password: credentials.Literal(twilioToken)}, calls: []call{
		{op: "FetchBalance", args: `{}`,
			method: "GET", url: "https://api.twilio.com/2010-04-01/Accounts/" + testTwilioSID + "/Balance.json", check: basicIs("SK0123456789abcdef", twilioToken)},
	}},
}

// TestTemplates loads every template, curated and with all operations,
// checks tool counts and that every curated operation is served with its
// description, and calls tools through each target against a mock of the
// service: base URL, path, body and credentials as the service expects,
// and no secret in logs, results or errors.
func TestTemplates(t *testing.T) {
	for i, tc := range templateCases {
		t.Run(tc.name+"/"+strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			tpl, err := Get(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			mock := newMock(t)
			to, _ := url.Parse(mock.srv.URL)
			rw := &rewriter{to: to}
			var logs testenv.LockedBuffer
			opts := tc.opts
			opts.HTTPClient = &http.Client{Transport: rw}
			opts.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			if tc.baseURL {
				opts.BaseURL = mock.srv.URL + "/api/v3"
			}
			ctx := context.Background()
			start := time.Now()
			tg, err := tpl.Target(ctx, &opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s curated: %d tools, loaded in %v", tc.name, len(tpl.Operations), time.Since(start).Round(time.Millisecond))
			tools, _ := tg.ListTools(ctx)
			if len(tools) != len(tpl.Operations) || len(tools) > 40 {
				t.Errorf("%d curated tools for %d operations (at most 40)", len(tools), len(tpl.Operations))
			}
			for _, op := range tpl.def.ops {
				tl, ok := toolFor(tools, op.id)
				switch {
				case !ok:
					t.Errorf("curated operation %s is not served", op.id)
				case tl.Description != op.description:
					t.Errorf("%s: description %q, want the template's", op.id, tl.Description)
				}
			}
			for _, s := range tg.Skipped() {
				if s.Reason != "excluded by filter" {
					t.Errorf("skipped %s %s: %s", s.Method, s.Path, s.Reason)
				}
			}
			for _, w := range tg.Warnings() {
				if w.Where == "overrides" || w.Where == "parameterValues" {
					t.Errorf("warning: %s", w)
				}
			}
			if tg.Name() != tc.name {
				t.Errorf("target name %q", tg.Name())
			}
			for _, c := range tc.calls {
				tl, ok := toolFor(tools, c.op)
				if !ok {
					t.Errorf("%s: no tool", c.op)
					continue
				}
				if tc.name == "twilio" && strings.Contains(string(tl.InputSchema), `"AccountSid"`) && c.op != "UpdateIncomingPhoneNumber" {
					t.Errorf("%s: AccountSid is a tool argument: %s", c.op, tl.InputSchema)
				}
				res, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: tl.Name, Arguments: json.RawMessage(c.args)})
				if err != nil {
					t.Errorf("%s: %v", c.op, err)
					continue
				}
				if res.IsError {
					t.Errorf("%s: isError: %s", c.op, resultText(res))
					continue
				}
				s := mock.last(t)
				if s.method != c.method {
					t.Errorf("%s: method %s, want %s", c.op, s.method, c.method)
				}
				got := rw.last()
				if tc.baseURL {
					got = s.path
					if s.query != "" {
						got += "?" + s.query
					}
				}
				if got != c.url {
					t.Errorf("%s: request to %s, want %s", c.op, got, c.url)
				}
				for _, b := range c.body {
					if !strings.Contains(s.body, b) {
						t.Errorf("%s: body %q lacks %q", c.op, s.body, b)
					}
				}
				c.check(t, s)
			}
			// A refused call: an isError result that shows no secret.
			mock.fail(http.StatusUnauthorized)
			c := tc.calls[0]
			tl, _ := toolFor(tools, c.op)
			res, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: tl.Name, Arguments: json.RawMessage(c.args)})
			if err != nil || !res.IsError {
				t.Errorf("401: err %v, result %+v", err, res)
			} else {
				checkNoLeak(t, "401 result", resultText(res))
			}

			checkNoLeak(t, "logs", logs.String())
			if !tc.allOps {
				return
			}
			// Every operation.
			opts.AllOperations = true
			start = time.Now()
			full, err := tpl.Target(ctx, &opts)
			if err != nil {
				t.Fatal(err)
			}
			elapsed := time.Since(start)
			spec, _ := tpl.Spec()
			want := specOperations(t, spec)
			if extra := tpl.def.extraPaths; extra != "" {
				want += specOperations(t, []byte(`{"paths":{`+strings.TrimSuffix(extra, ",")+`}}`))
			}
			fullTools, _ := full.ListTools(ctx)
			t.Logf("%s all operations: %d tools, loaded in %v", tc.name, len(fullTools), elapsed.Round(time.Millisecond))
			if len(fullTools) != want || full.Operations() != want {
				t.Errorf("all operations: %d tools, %d operations; the spec has %d", len(fullTools), full.Operations(), want)
			}
			if tc.name == "twilio" {
				checkAccountSid(t, fullTools)
			}
			for _, op := range tpl.def.ops {
				if tl, ok := toolFor(fullTools, op.id); !ok || tl.Description != op.description {
					t.Errorf("all operations: %s missing or without its description", op.id)
				}
			}
			checkNoLeak(t, "logs", logs.String())
		})
	}
}

func TestAddPaths(t *testing.T) {
	got, err := addPaths([]byte(`{"openapi":"3.0.1","paths":{"/a":{}}}`), `"/b":{},`)
	if err != nil || string(got) != `{"openapi":"3.0.1","paths":{"/b":{},"/a":{}}}` {
		t.Errorf("addPaths = %s, %v", got, err)
	}
	for _, spec := range []string{`openapi: 3.0.1\npaths:\n  /a: {}`, `{"paths":{"/a":{"description":"\"paths\":{"}},"x":{"paths":{}}}`} {
		if _, err := addPaths([]byte(spec), `"/b":{},`); err == nil {
			t.Errorf("addPaths accepted %s", spec)
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	t.Setenv("TEMPLATES_TEST_UNSET", "")
	_ = os.Unsetenv("TEMPLATES_TEST_UNSET")
	tests := []struct {
		template string
		opts     *Options
		want     string
	}{
		{"slack", nil, "needs Token"},
		{"slack", &Options{}, "needs Token"},
		{"slack", &Options{Username: "u", Password: credentials.Literal(twilioToken)}, "not Username or Password"},
		{"slack", &Options{Token: credentials.Literal(slackToken), Site: "acme"}, "takes no Site"},
		{"slack", &Options{Token: credentials.FromEnv("TEMPLATES_TEST_UNSET")}, "env TEMPLATES_TEST_UNSET: variable not set"},
		{"slack", &Options{Token: credentials.FromFile("/nonexistent/slack-token")}, "file /nonexistent/slack-token"},
		{"github", &Options{Token: credentials.Literal(githubToken), Credentials: credentials.None()}, "not both"},
		{"stripe", &Options{Token: credentials.Literal(stripeKey), AccountSID: testTwilioSID}, "takes no AccountSID"},
		{"asana", &Options{Password: credentials.Literal(asanaToken)}, "not Username or Password"},
		{"jira", &Options{}, "needs Username and Password"},
		{"jira", &Options{Username: jiraEmail, Password: credentials.Literal(jiraToken)}, "needs Site"},
		{"jira", &Options{Username: jiraEmail}, "needs Username (the account email) and Password"},
		{"jira", &Options{Username: jiraEmail, Password: credentials.Literal(jiraToken), Token: credentials.Literal(jiraOAuth)}, "not both"},
		{"jira", &Options{Token: credentials.Literal(jiraOAuth), Site: "acme"}, "set CloudID"},
		{"jira", &Options{Username: jiraEmail, Password: credentials.Literal(jiraToken), Site: "evil.example/x"}, "want your-domain"},
		{"jira", &Options{Username: jiraEmail, Password: credentials.Literal(jiraToken), Site: "acme@evil.example"}, "want your-domain"},
		{"jira", &Options{Token: credentials.Literal(jiraOAuth), CloudID: "../../admin"}, "want the site's cloud ID"},
		{"jira", &Options{Username: "a:b", Password: credentials.Literal(jiraToken), Site: "acme"}, "must not contain ':'"},
		{"jira", &Options{Credentials: credentials.None(), Token: credentials.Literal(jiraOAuth)}, "Credentials alone"},
		{"jira", &Options{Username: jiraEmail, Password: credentials.Literal(jiraToken), Site: "acme", AccountSID: testTwilioSID}, "takes no AccountSID"},
		{"twilio", &Options{}, "needs AccountSID or Username"},
		{"twilio", &Options{Username: testTwilioSID}, "needs Password"},
		{"twilio", &Options{Username: testTwilioSID, Token: credentials.Literal(twilioToken)}, "not Token"},
		{"twilio", &Options{AccountSID: "AC1/../x", Password: credentials.Literal(twilioToken)}, "want letters and digits"},
		{"twilio", &Options{Username: testTwilioSID, Password: credentials.Literal(twilioToken), Site: "acme"}, "takes no Site"},
	}
	for _, tc := range tests {
		tpl, err := Get(tc.template)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tpl.Target(context.Background(), tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "templates: "+tc.template+": ") {
			t.Errorf("%s %+v: error %v, want %q", tc.template, tc.opts, err, tc.want)
			continue
		}
		checkNoLeak(t, "error", err.Error())
		if tc.opts != nil {
			checkNoLeak(t, "options printed", fmtAll(tc.opts))
		}
	}
	var zero Template
	if _, err := zero.Target(context.Background(), nil); err == nil {
		t.Error("a zero Template built a target")
	}
	if _, err := zero.Spec(); err == nil {
		t.Error("a zero Template returned a spec")
	}
}

// fmtAll prints opts the ways a careless caller might log them.
func fmtAll(o *Options) string {
	var b bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		b.WriteString(fmt.Sprintf(verb, *o))
	}
	l := slog.New(slog.NewJSONHandler(&b, nil))
	l.Info("opts", "opts", *o, "token", o.Token, "password", o.Password)
	return b.String()
}

// checkAccountSid checks that no Twilio tool takes {AccountSid} as an
// argument: the configured SID fills it.
func checkAccountSid(t *testing.T, tools []toolgate.Tool) {
	t.Helper()
	n := 0
	for _, tl := range tools {
		path, _ := tl.Meta["openapi"].(map[string]any)["path"].(string)
		if !strings.Contains(path, "{AccountSid}") {
			continue
		}
		n++
		var s struct {
			Properties map[string]any `json:"properties"`
		}
		_ = json.Unmarshal(tl.InputSchema, &s)
		if _, ok := s.Properties["AccountSid"]; ok {
			t.Errorf("%s: AccountSid is an argument", tl.Name)
		}
	}
	if n < 150 {
		t.Errorf("only %d tools with {AccountSid} in their path", n)
	}
	t.Logf("%d of %d Twilio tools have {AccountSid} filled from the configured SID", n, len(tools))
}

func BenchmarkTemplateLoad(b *testing.B) {
	opts := map[string]Options{
		"slack":  {Token: credentials.Literal(slackToken)},
		"jira":   {Username: jiraEmail, Password: credentials.Literal(jiraToken), Site: "acme"},
		"asana":  {Token: credentials.Literal(asanaToken)},
		"github": {Token: credentials.Literal(githubToken)},
		"stripe": {Token: credentials.Literal(stripeKey)},
		"twilio": {Username: testTwilioSID, Password: credentials.Literal(twilioToken)},
	}
	for _, name := range Names() {
		for _, allOps := range []bool{false, true} {
			mode := "curated"
			if allOps {
				mode = "all"
			}
			b.Run(name+"/"+mode, func(b *testing.B) {
				tpl, _ := Get(name)
				o := opts[name]
				o.AllOperations = allOps
				o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
				for b.Loop() {
					if _, err := tpl.Target(context.Background(), &o); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
