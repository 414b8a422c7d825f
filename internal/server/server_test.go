package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/server"
	"github.com/toolgate/toolgate/internal/testenv"
)

// spec is an OpenAPI document with two operations; {{URL}} is the server.
const spec = `
openapi: 3.0.3
info: {title: Notes, version: "1"}
servers: [{url: "{{URL}}"}]
paths:
  /slow:
    get:
      operationId: slow
      summary: Answers when the test lets it
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
  /fast:
    get:
      operationId: fast
      summary: Answers at once
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
`

// backend answers /fast at once and /slow when release is closed; arrived
// receives each /slow request.
type backend struct {
	*httptest.Server
	arrived chan struct{}
	release chan struct{}
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{arrived: make(chan struct{}, 10), release: make(chan struct{})}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			b.arrived <- struct{}{}
			<-b.release
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"path":"`+r.URL.Path+`"}`)
	}))
	t.Cleanup(func() {
		select {
		case <-b.release:
		default:
			close(b.release)
		}
		b.Close()
	})
	return b
}

// running is a server running in the test.
type running struct {
	*server.Server
	url    string
	logs   *testenv.LockedBuffer
	cancel context.CancelFunc
	done   chan error
}

// start writes the configuration and runs a server on it.
func start(t *testing.T, path string, mod func(*server.Options)) *running {
	t.Helper()
	logs := &testenv.LockedBuffer{}
	opts := server.Options{Config: path, Addr: "127.0.0.1:0", Poll: -1, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if mod != nil {
		mod(&opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, opts)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &running{Server: s, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		r.stop(t)
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if ok, _ := s.Ready(); ok {
			break
		}
		select {
		case err := <-r.done:
			t.Fatalf("the server stopped: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server is not ready:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.url = "http://" + s.MCPAddr().String() + server.MCPPath
	return r
}

func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(40 * time.Second):
		t.Fatal("the server did not stop")
	}
	return nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// gatewayYAML is a configuration with the notes target and any more
// targets given.
func gatewayYAML(instructions, notesDescription, more string) string {
	return `
gateway:
  name: gw
  authorizerType: NONE
  protocolConfiguration: {mcp: {instructions: "` + instructions + `"}}
targets:
  - name: notes
    description: ` + notesDescription + `
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: notes.yaml}}}}
` + more
}

const otherTarget = `
  - name: other
    targetConfiguration: {mcp: {openApiSchema: {s3: {uri: notes.yaml}}}}
`

// TestReloadKeepsCallsInFlight: a call running on a target that a reload
// changes, removes, or moves into a rebuilt gateway finishes with its
// answer; the reload's changes are visible at once.
func TestReloadKeepsCallsInFlight(t *testing.T) {
	for _, tc := range []struct {
		name      string
		next      string
		wantTools []string
		wantInstr string
	}{
		{"target changed, one added", gatewayYAML("v1", "changed", otherTarget),
			[]string{"notes___fast", "notes___slow", "other___fast", "other___slow"}, "v1"},
		{"target removed", gatewayYAML("v1", "first", "")[:strings.Index(gatewayYAML("v1", "first", ""), "  - name: notes")] + otherTarget,
			[]string{"other___fast", "other___slow"}, "v1"},
		{"gateway rebuilt", gatewayYAML("v2", "first", ""),
			[]string{"notes___fast", "notes___slow"}, "v2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t)
			dir := t.TempDir()
			path := filepath.Join(dir, "gateway.yaml")
			writeFile(t, filepath.Join(dir, "notes.yaml"), strings.ReplaceAll(spec, "{{URL}}", b.URL))
			writeFile(t, path, gatewayYAML("v1", "first", ""))
			r := start(t, path, nil)
			cs := testenv.Connect(t, r.url)

			type result struct {
				res *mcp.CallToolResult
				err error
			}
			got := make(chan result, 1)
			go func() {
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "notes___slow", Arguments: map[string]any{}})
				got <- result{res, err}
			}()
			select {
			case <-b.arrived:
			case <-time.After(20 * time.Second):
				t.Fatal("the call did not reach the backend")
			}

			writeFile(t, path, tc.next)
			if err := r.Reload(context.Background()); err != nil {
				t.Fatal(err)
			}
			fresh := testenv.Connect(t, r.url)
			if names := testenv.ToolNames(t, fresh); !slices.Equal(names, tc.wantTools) {
				t.Errorf("after the reload: tools %v, want %v", names, tc.wantTools)
			}
			if instr := fresh.InitializeResult().Instructions; instr != tc.wantInstr {
				t.Errorf("after the reload: instructions %q, want %q", instr, tc.wantInstr)
			}

			close(b.release)
			select {
			case g := <-got:
				if g.err != nil {
					t.Fatalf("the call in flight: %v", g.err)
				}
				if g.res.IsError || !strings.Contains(testenv.Text(g.res), `"/slow"`) {
					t.Fatalf("the call in flight: %s", testenv.Text(g.res))
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the call in flight did not finish")
			}
		})
	}
}

// TestReloadRejected: a file that does not load or validate changes
// nothing; the error is logged and returned, and the running
// configuration keeps serving.
func TestReloadRejected(t *testing.T) {
	b := newBackend(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "gateway.yaml")
	writeFile(t, filepath.Join(dir, "notes.yaml"), strings.ReplaceAll(spec, "{{URL}}", b.URL))
	writeFile(t, path, gatewayYAML("v1", "first", ""))
	r := start(t, path, nil)
	for _, tc := range []struct {
		name, content, wantErr string
	}{
		{"unknown field", gatewayYAML("v1", "first", otherTarget) + "  - nmae: x\n", "targets[2].nmae: unknown field"},
		{"broken tool schema", gatewayYAML("v1", "first", `
  - name: fn
    targetConfiguration:
      mcp:
        lambda:
          lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:fn
          toolSchema: {inlinePayload: [{name: t, description: T, inputSchema: {type: object, properties: {a: {type: 5}}}}]}
`), `targets[1].targetConfiguration.mcp.lambda.toolSchema.inlinePayload[0].inputSchema (target "fn")`},
		{"not YAML", "gateway: [", "not valid YAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, path, tc.content)
			err := r.Reload(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Reload: %v, want an error containing %q", err, tc.wantErr)
			}
			if !strings.Contains(r.logs.String(), "reload rejected: the running configuration is kept") {
				t.Error("the rejection was not logged")
			}
			cs := testenv.Connect(t, r.url)
			if names := testenv.ToolNames(t, cs); !slices.Equal(names, []string{"notes___fast", "notes___slow"}) {
				t.Errorf("tools %v", names)
			}
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "notes___fast", Arguments: map[string]any{}})
			if err != nil || res.IsError {
				t.Fatalf("call after a rejected reload: %v %s", err, testenv.Text(res))
			}
		})
	}
}

// TestWatch: a change to the configuration file, or to a spec it
// references, is applied without a signal, once the files settle; a touch
// that changes no content is not a change.
func TestWatch(t *testing.T) {
	b := newBackend(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "gateway.yaml")
	specPath := filepath.Join(dir, "notes.yaml")
	writeFile(t, specPath, strings.ReplaceAll(spec, "{{URL}}", b.URL))
	writeFile(t, path, gatewayYAML("v1", "first", ""))
	r := start(t, path, func(o *server.Options) { o.Poll, o.Settle = 20*time.Millisecond, 50*time.Millisecond })
	cs := testenv.Connect(t, r.url)
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen:\n%s", what, r.logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	reloads := func() int { return strings.Count(r.logs.String(), "msg=reloaded") }

	now := time.Now()
	if err := os.Chtimes(path, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, gatewayYAML("v1", "first", otherTarget))
	waitFor("a reload after the file changed", func() bool { return slices.Contains(testenv.ToolNames(t, cs), "other___fast") })

	// The spec changes: an operation more, in both targets that read it.
	writeFile(t, specPath, strings.ReplaceAll(spec, "{{URL}}", b.URL)+`
  /new:
    get:
      operationId: added
      responses: {"200": {description: ok}}
`)
	waitFor("a reload after the spec changed", func() bool { return slices.Contains(testenv.ToolNames(t, cs), "other___added") })
	if !slices.Contains(testenv.ToolNames(t, cs), "notes___added") {
		t.Error("notes did not get the new operation")
	}
	// The catalogue changes just before the reload is logged.
	waitFor("the two reloads logged", func() bool { return reloads() == 2 })
	n := reloads()
	later := time.Now().Add(2 * time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if reloads() != n {
		t.Error("a touch reloaded the configuration")
	}
}

// TestHealthAndAdmin: /healthz and /readyz on the MCP listener, /readyz
// 503 when every target is unhealthy; /metrics and /status only on the
// admin listener, and only as configured.
func TestHealthAndAdmin(t *testing.T) {
	b := newBackend(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.yaml"), strings.ReplaceAll(spec, "{{URL}}", b.URL))
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	t.Run("unhealthy targets", func(t *testing.T) {
		path := filepath.Join(dir, "down.yaml")
		writeFile(t, path, `
gateway: {name: gw, authorizerType: NONE}
targets:
  - name: down
    targetConfiguration: {mcp: {mcpServer: {endpoint: "http://127.0.0.1:1/mcp"}}}
`)
		logs := &testenv.LockedBuffer{}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s, err := server.New(ctx, server.Options{Config: path, Addr: "127.0.0.1:0", Poll: -1, Logger: slog.New(slog.NewTextHandler(logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		deadline := time.Now().Add(30 * time.Second)
		for s.MCPAddr() == nil || !strings.Contains(logs.String(), "gateway ready") {
			if time.Now().After(deadline) {
				t.Fatalf("not started:\n%s", logs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		base := "http://" + s.MCPAddr().String()
		if code, _ := get(base + "/healthz"); code != 200 {
			t.Errorf("/healthz %d", code)
		}
		if code, body := get(base + "/readyz"); code != 503 || !strings.Contains(body, "every target is unhealthy") {
			t.Errorf("/readyz %d %q", code, body)
		}
		cancel()
		<-done
	})

	t.Run("admin", func(t *testing.T) {
		path := filepath.Join(dir, "admin.yaml")
		writeFile(t, path, gatewayYAML("v1", "first", "")+`
toolgate:
  adminListen: 127.0.0.1:0
  telemetry: {prometheus: true, statusPage: true}
`)
		r := start(t, path, nil)
		base := "http://" + r.MCPAddr().String()
		admin := "http://" + r.AdminAddr().String()
		if code, body := get(base + "/readyz"); code != 200 || body != "ready\n" {
			t.Errorf("/readyz %d %q", code, body)
		}
		for _, p := range []string{"/metrics", "/status"} {
			if code, _ := get(base + p); code != 404 {
				t.Errorf("%s on the MCP listener: %d", p, code)
			}
		}
		cs := testenv.Connect(t, r.url)
		if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "notes___fast", Arguments: map[string]any{}}); err != nil {
			t.Fatal(err)
		}
		if code, body := get(admin + "/metrics"); code != 200 || !strings.Contains(body, "Invocations_total") {
			t.Errorf("/metrics %d:\n%.500s", code, body)
		}
		if code, body := get(admin + "/status?format=json"); code != 200 || !strings.Contains(body, `"name": "notes"`) && !strings.Contains(body, `"name":"notes"`) {
			t.Errorf("/status %d:\n%.500s", code, body)
		}
		if code, _ := get(admin + "/readyz"); code != 200 {
			t.Errorf("admin /readyz %d", code)
		}
		// A rebuilt gateway's counters replace the old one's (Prometheus
		// sees a reset); histograms go on accumulating.
		writeFile(t, path, gatewayYAML("v2", "first", "")+`
toolgate:
  adminListen: 127.0.0.1:0
  telemetry: {prometheus: true, statusPage: true}
`)
		if err := r.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
		// The old gateway reports its counts until it has drained (its
		// sessions closed), in the background.
		oldCount := func(body string) string {
			for _, line := range strings.Split(body, "\n") {
				if strings.HasPrefix(line, "Invocations_total{") && strings.Contains(line, `Name="notes___fast"`) {
					return line
				}
			}
			return ""
		}
		code, body := get(admin + "/metrics")
		for deadline := time.Now().Add(10 * time.Second); oldCount(body) != "" && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			code, body = get(admin + "/metrics")
		}
		if line := oldCount(body); line != "" {
			t.Errorf("/metrics after a rebuild (%d) still reports the old gateway's count: %s", code, line)
		}
		if !strings.Contains(body, `TargetExecutionTime_milliseconds_count{`) {
			t.Errorf("/metrics after a rebuild lost the histograms:\n%.2000s", body)
		}
	})
}

// TestGracefulShutdown: a call running when the server is told to stop
// finishes with its answer, and Run returns nil.
func TestGracefulShutdown(t *testing.T) {
	b := newBackend(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "gateway.yaml")
	writeFile(t, filepath.Join(dir, "notes.yaml"), strings.ReplaceAll(spec, "{{URL}}", b.URL))
	writeFile(t, path, gatewayYAML("v1", "first", ""))
	r := start(t, path, nil)
	cs := testenv.Connect(t, r.url)
	got := make(chan string, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "notes___slow", Arguments: map[string]any{}})
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- testenv.Text(res)
	}()
	<-b.arrived
	r.cancel()
	time.Sleep(100 * time.Millisecond)
	close(b.release)
	if text := <-got; !strings.Contains(text, `"/slow"`) {
		t.Fatalf("the call in flight got %q", text)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestReloadPolicies: a reload applies changed policies to the running
// policy engine, for the sessions already open, after the targets they may
// name; a set that does not validate is refused and the policies in force
// stay.
func TestReloadPolicies(t *testing.T) {
	b := newBackend(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "gateway.yaml")
	writeFile(t, filepath.Join(dir, "notes.yaml"), strings.ReplaceAll(spec, "{{URL}}", b.URL))
	const engine = `  policyEngineConfiguration: {arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/e-a1b2c3d4e5", mode: ENFORCE}
`
	permit := func(name, tool string) string {
		return `  - name: ` + name + `
    policyEngineId: e-a1b2c3d4e5
    definition: {cedar: {statement: 'permit(principal, action == AgentCore::Action::"` + tool + `", resource);'}}
`
	}
	withPolicies := func(more, policies string) string {
		y := gatewayYAML("v1", "first", more)
		y = strings.Replace(y, "targets:\n", engine+"targets:\n", 1)
		return y + "policies:\n" + policies
	}
	writeFile(t, path, withPolicies("", permit("fast", "notes___fast")))
	r := start(t, path, nil)
	cs := testenv.Connect(t, r.url)
	allowed := func(tool string) bool {
		t.Helper()
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}})
		if err != nil {
			if !strings.Contains(err.Error(), "Tool call not allowed due to policy enforcement") {
				t.Fatalf("%s: %v", tool, err)
			}
			return false
		}
		if res.IsError {
			t.Fatalf("%s: %s", tool, testenv.Text(res))
		}
		return true
	}
	if !allowed("notes___fast") || allowed("notes___slow") {
		t.Fatal("the first policies are not in force")
	}

	// A new target and a policy naming its tool, in one reload.
	writeFile(t, path, withPolicies(otherTarget, permit("fast", "notes___fast")+permit("other", "other___fast")))
	if err := r.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !allowed("other___fast") || !allowed("notes___fast") || allowed("notes___slow") {
		t.Error("the reloaded policies are not in force")
	}

	writeFile(t, path, withPolicies(otherTarget, permit("fast", "notes___fast")+permit("typo", "notes___slwo")))
	err := r.Reload(context.Background())
	if err == nil || !strings.Contains(err.Error(), `policies[1].definition.cedar.statement: policy "typo"`) {
		t.Fatalf("reload of a policy naming no tool: %v", err)
	}
	if !allowed("other___fast") || allowed("notes___slow") {
		t.Error("a refused reload changed the policies in force")
	}
}
