package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
)

// prismSpecs are the APIs called through a validating Prism mock: every
// request the target builds must pass Prism's request validation.
var prismSpecs = []struct{ name, file string }{
	{"petstore", "petstore/swagger-petstore-3.0.yaml"},
	{"slack", "slack/slack_web_openapi_v2.json"},
	{"jira", "jira/jira-platform-swagger.v3.json"},
	{"stripe", "stripe/spec3.2023-09-12.yaml"},
	{"twilio", "twilio/twilio_api_v2010.json"},
}

// minPrismCalls is how many calls each spec gets at least.
const minPrismCalls = 50

// prismPath returns the prism binary installed by scripts/setup/prism.sh.
// Without it the test fails under CI and skips elsewhere.
func prismPath(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TOOLGATE_TOOLS_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "toolgate-tools")
	}
	bin := filepath.Join(dir, "prism", "node_modules", ".bin", "prism")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("prism not installed at %s (run scripts/setup/prism.sh): %v", bin, err)
		}
		t.Skipf("prism not installed at %s (run scripts/setup/prism.sh)", bin)
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
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		if strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
			p.bad = append(p.bad, fmt.Sprintf("%s: prism: %s (no route)", where, resp.Status))
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
			spec := filepath.Join(corpusDir, ps.file)
			if _, err := os.Stat(spec); err != nil {
				if os.Getenv("CI") != "" {
					t.Fatal(err)
				}
				t.Skip(err)
			}
			abs, _ := filepath.Abs(spec)
			base := startPrism(t, bin, abs)
			pt := &prismTransport{schemes: map[string]SecurityScheme{}}
			tg, err := LoadFile(context.Background(), spec, &Options{
				BaseURL: base, Client: &http.Client{Transport: pt, Timeout: 30 * time.Second}, Logger: quietLogger(),
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
