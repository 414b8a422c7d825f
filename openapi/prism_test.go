package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/testenv"
	"go.yaml.in/yaml/v4"
)

// prismSpecs are the APIs called through a validating Prism mock: every
// request the target builds must pass Prism's request validation.
//
// requestsOnly gives Prism a copy of the spec whose responses are reduced
// to an open JSON object and whose component schemas (then unreferenced)
// are dropped: Prism 5 does not finish dereferencing Stripe's responses
// (every object links to every other) within minutes. Request validation,
// which is what the test checks, uses the unchanged paths, parameters and
// request bodies. The target itself always loads the original spec.
var prismSpecs = []struct {
	name, file   string
	requestsOnly bool
}{
	{"petstore", "petstore/swagger-petstore-3.0.yaml", false},
	{"slack", "slack/slack_web_openapi_v2.json", false},
	{"jira", "jira/jira-platform-swagger.v3.json", false},
	{"stripe", "stripe/spec3.2023-09-12.yaml", true},
	{"twilio", "twilio/twilio_api_v2010.json", false},
}

// requestsOnlySpec writes the request-only copy of spec described above
// and returns its path.
func requestsOnlySpec(t *testing.T, spec string) string {
	t.Helper()
	data, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc = normalize(doc).(map[string]any)
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			if o, ok := op.(map[string]any); ok && o["responses"] != nil {
				o["responses"] = map[string]any{"200": map[string]any{
					"description": "ok",
					"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}},
				}}
			}
		}
	}
	raw, _ := json.Marshal(paths)
	if bytes.Contains(raw, []byte(`"$ref"`)) {
		t.Fatalf("%s: request parts use $ref; cannot drop component schemas", spec)
	}
	if c, ok := doc["components"].(map[string]any); ok {
		delete(c, "schemas")
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "requests-only.json")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// minPrismCalls is how many calls each spec gets at least.
const minPrismCalls = 50

// prismPath returns the prism binary installed by scripts/setup/prism.sh.
// Without it the test fails under CI and skips elsewhere.
func prismPath(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(testenv.ToolsDir("prism"), "node_modules", ".bin", "prism")
	if _, err := os.Stat(bin); err != nil {
		testenv.Unavailable(t, "scripts/setup/prism.sh", "prism not installed at %s", bin)
	}
	return bin
}

// syncBuffer is a bounded, concurrency-safe log sink (keeps the tail).
type syncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > 1<<20 {
		b.buf = append([]byte(nil), b.buf[len(b.buf)-(512<<10):]...)
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// startPrism runs `prism mock` for spec on a free 127.0.0.1 port and
// returns its base URL once it answers.
func startPrism(t *testing.T, bin, spec string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "mock", "-h", "127.0.0.1", "-p", fmt.Sprint(port), spec)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prism: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// prism is a node process that may have children: end its group.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			log := logs.String()
			if len(log) > 8000 {
				log = log[len(log)-8000:]
			}
			t.Logf("prism log tail:\n%s", log)
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-exited:
			t.Fatalf("prism exited: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(url + "/__toolgate_ready")
		if err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("prism did not start within 3 minutes:\n%s", logs.String())
		}
		time.Sleep(300 * time.Millisecond)
	}
}

type securityKey struct{}

// prismTransport adds test credentials for the called tool's security
// schemes (as a credentials RoundTripper would) and records every request
// validation violation Prism reports in its sl-violations header.
type prismTransport struct {
	schemes map[string]SecurityScheme
	mu      sync.Mutex
	calls   int
	bad     []string
}

func (p *prismTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	names, _ := req.Context().Value(securityKey{}).([]string)
	auth := ""
	for _, n := range names {
		s, ok := p.schemes[n]
		if !ok {
			continue
		}
		switch {
		case s.Type == "apiKey" && s.In == "header":
			req.Header.Set(s.ParamName, "test-key")
		case s.Type == "apiKey" && s.In == "query":
			q := req.URL.Query()
			q.Set(s.ParamName, "test-key")
			req.URL.RawQuery = q.Encode()
		case s.Type == "apiKey" && s.In == "cookie":
			req.AddCookie(&http.Cookie{Name: s.ParamName, Value: "test-key"})
		case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
			if auth == "" {
				auth = "basic"
			}
		case s.Type == "http" || s.Type == "oauth2" || s.Type == "openIdConnect":
			auth = "bearer"
		}
	}
	switch auth {
	case "basic":
		req.SetBasicAuth("user", "password")
	case "bearer":
		req.Header.Set("Authorization", "Bearer test-token")
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	where := req.Method + " " + req.URL.Path
	if v := resp.Header.Get("sl-violations"); v != "" {
		var vs []struct {
			Location []any  `json:"location"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
		}
		if err := json.Unmarshal([]byte(v), &vs); err != nil {
			p.bad = append(p.bad, where+": unreadable sl-violations: "+v)
		}
		for _, x := range vs {
			if len(x.Location) > 0 && x.Location[0] == "request" && x.Severity == "Error" {
				p.bad = append(p.bad, fmt.Sprintf("%s: %v: %s", where, x.Location, x.Message))
			}
		}
	}
	// Prism answers a request it rejects, when the spec has no response
	// for that, with its own problem+json error (no route, invalid
	// content type, 422 with the validation errors in the body).
	if strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var problem struct {
			Type       string `json:"type"`
			Title      string `json:"title"`
			Detail     string `json:"detail"`
			Validation []struct {
				Location []any  `json:"location"`
				Message  string `json:"message"`
			} `json:"validation"`
		}
		if json.Unmarshal(body, &problem) == nil && strings.Contains(problem.Type, "stoplight.io/prism/errors#") {
			if len(problem.Validation) == 0 {
				p.bad = append(p.bad, fmt.Sprintf("%s: prism %s: %s", where, problem.Title, problem.Detail))
			}
			for _, v := range problem.Validation {
				p.bad = append(p.bad, fmt.Sprintf("%s: %v: %s", where, v.Location, v.Message))
			}
		}
	}
	return resp, nil
}

// TestPrism calls at least 50 operations of each API through a Prism
// validating mock with arguments generated from each tool's input schema,
// and requires zero request-validation violations.
func TestPrism(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prism; skipped with -short")
	}
	bin := prismPath(t)
	only := os.Getenv("TOOLGATE_PRISM_SPECS") // optional comma-separated subset
	var summary []string
	for _, ps := range prismSpecs {
		if only != "" && !strings.Contains(","+only+",", ","+ps.name+",") {
			continue
		}
		t.Run(ps.name, func(t *testing.T) {
			spec := corpusFile(t, ps.file)
			abs, _ := filepath.Abs(spec)
			if ps.requestsOnly {
				abs = requestsOnlySpec(t, abs)
			}
			base := startPrism(t, bin, abs)
			pt := &prismTransport{schemes: map[string]SecurityScheme{}}
			tg, err := LoadFile(context.Background(), spec, &Options{
				BaseURL: base, HTTPClient: &http.Client{Transport: pt, Timeout: 30 * time.Second}, Logger: quietLogger(),
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tg.SecuritySchemes() {
				pt.schemes[s.Name] = s
			}
			// The check must be able to fail: a request Prism cannot route
			// is recorded as a violation.
			probe, err := pt.RoundTrip(mustRequest(t, base+"/__toolgate_no_such_path__"))
			if err != nil {
				t.Fatal(err)
			}
			probe.Body.Close()
			pt.mu.Lock()
			if len(pt.bad) != 1 {
				t.Fatalf("violation detection does not work: %v", pt.bad)
			}
			pt.bad, pt.calls = nil, 0
			pt.mu.Unlock()

			tools, _ := tg.ListTools(context.Background())
			calls, ok2xx, kinds := runPrismCalls(t, tg, tools, pt)
			pt.mu.Lock()
			bad := append([]string(nil), pt.bad...)
			pt.mu.Unlock()
			line := fmt.Sprintf("%-9s tools %4d  calls %3d  2xx %3d  violations %d  bodies %v", ps.name, len(tools), calls, ok2xx, len(bad), kinds)
			summary = append(summary, line)
			t.Log(line)
			for _, b := range bad {
				t.Errorf("violation: %s", b)
			}
			if calls < minPrismCalls {
				t.Errorf("%d calls, want at least %d", calls, minPrismCalls)
			}
		})
	}
	t.Logf("prism summary:\n%s", strings.Join(summary, "\n"))
}

// runPrismCalls picks tools spread over the API (every multipart and form
// tool included) and calls them with three argument variants in turn:
// required only, required plus optional properties with examples, and a
// deeper one. Small APIs get every tool in every variant.
func runPrismCalls(t *testing.T, tg *Target, tools []toolgate.Tool, pt *prismTransport) (calls, ok2xx int, kinds map[string]int) {
	kinds = map[string]int{}
	type job struct {
		tool    toolgate.Tool
		variant int
	}
	var jobs []job
	if len(tools)*3 <= 2*minPrismCalls {
		for v := 0; v < 3; v++ {
			for _, tl := range tools {
				jobs = append(jobs, job{tl, v})
			}
		}
	} else {
		step := max(1, len(tools)/(minPrismCalls+10))
		for i, tl := range tools {
			op := tg.ops[tl.Name]
			special := op.body != nil && (op.body.kind == bodyMultipart || op.body.kind == bodyBinary)
			if i%step == 0 || special {
				jobs = append(jobs, job{tl, len(jobs) % 3})
			}
		}
	}
	for _, j := range jobs {
		op := tg.ops[j.tool.Name]
		optional := []int{0, 1, 2}[j.variant]
		args, err := generateArgs(j.tool.InputSchema, optional, j.variant > 0)
		if err != nil {
			t.Fatal(err)
		}
		if reason := prismDeepObject(j.tool, op, args, optional, j.variant > 0); reason != "" {
			if testing.Verbose() {
				t.Logf("not called: %s %s: %s", op.method, op.path, reason)
			}
			continue
		}
		raw, _ := json.Marshal(args)
		var sec []string
		if m, ok := j.tool.Meta["openapi"].(map[string]any); ok {
			sec, _ = m["security"].([]string)
		}
		ctx := context.WithValue(context.Background(), securityKey{}, sec)
		res, err := tg.CallTool(ctx, &toolgate.CallRequest{Tool: j.tool.Name, Arguments: raw})
		if err != nil {
			t.Errorf("%s: %v", j.tool.Name, err)
			continue
		}
		calls++
		if !res.IsError {
			ok2xx++
		}
		if op.body != nil {
			if _, has := args[BodyProperty]; has {
				kinds[[]string{"json", "form", "multipart", "text", "binary"}[op.body.kind]]++
			}
		}
		if testing.Verbose() && res.IsError {
			t.Logf("%s %s (%s): %.300s", op.method, op.path, raw, bytes.TrimSpace([]byte(resultText(res))))
		}
	}
	return calls, ok2xx, kinds
}

func mustRequest(t *testing.T, url string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// prismDeepObject adapts the arguments of deepObject-encoded values (form
// body properties and query parameters) to two limits of Prism 5.16's
// validator, so that they do not show up as violations of requests that
// are correct:
//
//   - its deepObject deserializer (prism-http validator/deserializers/
//     style/deepObject.js) builds every object-typed property of the
//     schema, present or not, so an absent optional object with required
//     fields is reported missing them: such values are generated with all
//     their object-typed properties;
//   - its form-body deserializer (validator/validators/body.js,
//     deserializeFormBody) rejects every array of objects with 415 "Make
//     sure the array is in JSON", however it is encoded: optional ones are
//     left out, and an operation that requires one is not called (the
//     returned reason says so);
//   - the same function passes a form property without an encoding entry
//     through as the raw string, so every array in such a property is
//     reported as "must be array": optional ones are left out, and an
//     operation that requires one is not called;
//   - a multipart body is validated as an object of parts, so a spec
//     declaring the multipart body a binary string (Jira's attachments)
//     can never validate: such operations are not called.
func prismDeepObject(tool toolgate.Tool, op *operation, args map[string]any, optional int, examples bool) string {
	var schema map[string]any
	if err := json.Unmarshal(tool.InputSchema, &schema); err != nil {
		return "bad schema"
	}
	g := &argGen{optional: optional, examples: examples, fullObjects: true}
	if d, ok := schema["$defs"].(map[string]any); ok {
		g.defs = d
	}
	props, _ := schema["properties"].(map[string]any)
	for _, p := range op.params {
		if p.in == "query" && p.style == "deepObject" {
			if ps, ok := props[p.prop].(map[string]any); ok && typeOf(g.resolve(ps, 0)) == "object" {
				args[p.prop] = g.gen(ps, 0, 0)
			}
		}
	}
	if op.body == nil || (op.body.kind != bodyForm && op.body.kind != bodyMultipart) {
		return ""
	}
	bs, ok := props[BodyProperty].(map[string]any)
	if !ok {
		return ""
	}
	bs = g.resolve(bs, 0)
	if op.body.kind == bodyMultipart && len(op.body.files) == 1 && op.body.files["file"] && bs["required"] != nil {
		if _, declared := bs["properties"].(map[string]any)["file"]; declared && len(bs["properties"].(map[string]any)) == 1 {
			// our own single "file" part for a binary-string multipart body
			return "declares its multipart body a binary string, which Prism 5.16 validates as an object of parts"
		}
	}
	if g.hasRequiredObjectArray(bs, 0) {
		return "requires an array of objects in a form body, which Prism 5.16 cannot deserialize"
	}
	if op.body.kind == bodyForm {
		bprops, _ := bs["properties"].(map[string]any)
		req, _ := bs["required"].([]any)
		for name, ps := range bprops {
			psm, _ := ps.(map[string]any)
			if typeOf(g.resolve(psm, 0)) != "array" || op.body.encoding[name] != nil {
				continue
			}
			for _, r := range req {
				if r == name {
					return "requires an array in a form body without an encoding, which Prism 5.16 reads as a string"
				}
			}
			if body, ok := args[BodyProperty].(map[string]any); ok {
				delete(body, name)
			}
		}
	}
	body, ok := args[BodyProperty].(map[string]any)
	if !ok {
		return ""
	}
	bprops, _ := bs["properties"].(map[string]any)
	for name, v := range body {
		ps, _ := bprops[name].(map[string]any)
		rs := g.resolve(ps, 0)
		switch typeOf(rs) {
		case "object":
			if enc := op.body.encoding[name]; enc != nil && enc.Style == "deepObject" {
				body[name] = g.gen(ps, 0, 0)
			}
		case "array":
			if items, _ := rs["items"].(map[string]any); items != nil && typeOf(g.resolve(items, 0)) == "object" {
				delete(body, name)
			}
		}
		_ = v
	}
	// Object-typed deepObject properties that were not generated at all
	// are built by Prism anyway: send them complete.
	for name, ps := range bprops {
		if _, set := body[name]; set {
			continue
		}
		if enc := op.body.encoding[name]; enc != nil && enc.Style == "deepObject" {
			if psm, ok := ps.(map[string]any); ok && typeOf(g.resolve(psm, 0)) == "object" {
				body[name] = g.gen(psm, 0, 0)
			}
		}
	}
	return ""
}
