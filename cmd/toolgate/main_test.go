package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/lambdarie"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// notionKey is the API key of the acceptance test: it must reach the
// Notion backend and appear in no output of toolgate.
const notionKey = "secret_ntn_4cc3pt4nc3K3y"

// binary builds toolgate once per test binary.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "toolgate-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "toolgate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", &buildError{err, out}
	}
	return bin, nil
})

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + string(e.out) }

func toolgateBin(t *testing.T) string {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// runCLI runs toolgate with args and returns its exit status and output.
func runCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(toolgateBin(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// notion is the stand-in for Notion's API: it serves testdata's spec
// subset, and only to callers that send the key.
type notion struct {
	*httptest.Server
	mu       sync.Mutex
	accepted int
	refused  []string
}

func newNotion(t *testing.T) *notion {
	t.Helper()
	n := &notion{}
	n.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		ok := r.Header.Get("Authorization") == "Bearer "+notionKey
		if ok {
			n.accepted++
		} else {
			n.refused = append(n.refused, r.Method+" "+r.URL.Path)
		}
		n.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"object":"error","status":401,"code":"unauthorized"}`)
			return
		}
		switch r.URL.Path {
		case "/v1/users/me":
			_, _ = io.WriteString(w, `{"object":"user","id":"bot-1","name":"toolgate"}`)
		case "/v1/search":
			var in struct{ Query string }
			_ = json.NewDecoder(r.Body).Decode(&in)
			_ = json.NewEncoder(w).Encode(map[string]any{"results": []map[string]string{{"object": "page", "id": "p-1", "url": "https://www.notion.so/" + in.Query}}})
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"object":"error","status":404}`)
		}
	}))
	t.Cleanup(n.Close)
	return n
}

func (n *notion) counts() (int, []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.accepted, slices.Clone(n.refused)
}

// configDir copies the acceptance configuration and the Notion spec,
// pointed at url, into a temporary folder and returns the configuration's
// path.
func configDir(t *testing.T, notionURL string) string {
	t.Helper()
	dir := t.TempDir()
	spec, err := os.ReadFile("testdata/notion-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "notion-openapi.yaml"), strings.Replace(string(spec), "https://api.notion.com", notionURL, 1))
	cfg, err := os.ReadFile("testdata/acceptance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "gateway.yaml")
	write(t, path, string(cfg))
	return path
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// awsEnv is a Lambda client's environment pointing at endpoint, with
// stand-in credentials (the emulator checks no signature) and no shared
// configuration.
func awsEnv(t *testing.T, endpoint string) []string {
	return []string{
		"AWS_ENDPOINT_URL_LAMBDA=" + endpoint,
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=AKIDACCEPTANCE",
		"AWS_SECRET_ACCESS_KEY=acceptance-secret",
		"AWS_CONFIG_FILE=" + filepath.Join(t.TempDir(), "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(t.TempDir(), "none"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		t.Fatalf("%s: %s", name, testenv.Text(res))
	}
	return res
}

// TestAcceptance: a configuration written from AgentCore's API reference —
// an OpenAPI target with an API key from the environment, a Lambda target
// with an inline tool schema reached through AWS_ENDPOINT_URL_LAMBDA —
// validates, lists its tools, and is served by the toolgate binary: both
// backends are reached through an MCP client, the key arrives and is never
// printed, a broken tool schema is refused naming its target, and SIGTERM
// stops the process cleanly.
func TestAcceptance(t *testing.T) {
	fn := lambdarie.Start(t, lambdarie.Build(t, "./testdata/weatherfn"), nil)
	backend := newNotion(t)
	path := configDir(t, backend.URL)
	env := append(awsEnv(t, fn.ARNProxy(t)), "NOTION_KEY="+notionKey)
	var printed []string

	code, out, errOut := runCLI(t, env, "validate", "--config", path)
	printed = append(printed, out, errOut)
	if code != 0 || !strings.Contains(out, "valid (2 targets)") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "warning: gateway.roleArn: ignored") {
		t.Errorf("validate did not warn about roleArn:\n%s", errOut)
	}

	code, out, errOut = runCLI(t, env, "tools", "--config", path, "--json")
	printed = append(printed, out, errOut)
	var tools []struct{ Name, Target, Description string }
	if err := json.Unmarshal([]byte(out), &tools); code != 0 || err != nil {
		t.Fatalf("tools --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	want := []string{"notion___getPage", "notion___getSelf", "notion___search", "weather___get_weather"}
	var names []string
	for _, tl := range tools {
		names = append(names, tl.Name)
		if tl.Name == "weather___get_weather" && (tl.Target != "weather" || tl.Description != "Current weather of a city") {
			t.Errorf("tools: %+v", tl)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("tools --json: %v, want %v", names, want)
	}
	code, out, _ = runCLI(t, env, "tools", "--config", path)
	if code != 0 || !strings.Contains(out, "weather___get_weather\tweather\tCurrent weather of a city\n") {
		t.Errorf("tools: exit %d\n%s", code, out)
	}

	proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "debug"}, env...)
	cs := testenv.Connect(t, proc.URL)
	if got := testenv.ToolNames(t, cs); !slices.Equal(got, want) {
		t.Errorf("tools/list: %v, want %v", got, want)
	}
	if instr := cs.InitializeResult().Instructions; instr != "Search Notion pages and look up the weather." {
		t.Errorf("instructions %q", instr)
	}
	res := callTool(t, cs, "notion___search", map[string]any{"body": map[string]any{"query": "roadmap"}})
	if !strings.Contains(testenv.Text(res), "https://www.notion.so/roadmap") {
		t.Errorf("notion___search: %s", testenv.Text(res))
	}
	callTool(t, cs, "notion___getSelf", nil)
	if accepted, refused := backend.counts(); accepted != 2 || len(refused) > 0 {
		t.Errorf("Notion accepted %d calls and refused %v", accepted, refused)
	}
	res = callTool(t, cs, "weather___get_weather", map[string]any{"city": "Lisbon"})
	var weather struct {
		City, Summary, Tool string
		HighC               int
	}
	if b, _ := json.Marshal(res.StructuredContent); json.Unmarshal(b, &weather) != nil || weather.City != "Lisbon" || weather.Tool != "weather___get_weather" {
		t.Errorf("weather___get_weather: %s", testenv.Text(res))
	}
	// A bad argument is refused before the function runs.
	bad, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "weather___get_weather", Arguments: map[string]any{}})
	if err != nil || !bad.IsError || !strings.Contains(testenv.Text(bad), "city") {
		t.Errorf("a call without city: %v %s", err, testenv.Text(bad))
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(strings.TrimSuffix(proc.URL, "/mcp") + p)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: %v %v", p, err, resp)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}

	// The same file with a broken tool schema is refused, naming the target.
	cfg, _ := os.ReadFile(path)
	broken := filepath.Join(filepath.Dir(path), "broken.yaml")
	write(t, broken, strings.Replace(string(cfg), "type: string\n", "type: text\n", 1))
	code, out, errOut = runCLI(t, env, "validate", "--config", broken)
	printed = append(printed, out, errOut)
	if code != 1 || !strings.Contains(errOut, `error: targets[1].targetConfiguration.mcp.lambda.toolSchema.inlinePayload[0].inputSchema (target "weather"): tool "get_weather": input schema`) {
		t.Errorf("validate of a broken schema: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, env, "serve", "--config", broken, "--addr", "127.0.0.1:0")
	printed = append(printed, errOut)
	if code != 1 || !strings.Contains(errOut, `(target "weather")`) {
		t.Errorf("serve of a broken schema: exit %d\n%s", code, errOut)
	}

	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := proc.Wait(30 * time.Second); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
	printed = append(printed, proc.Stdout.String(), proc.Stderr.String())
	all := strings.Join(printed, "\n")
	if !strings.Contains(proc.Stderr.String(), `"msg":"shutting down"`) {
		t.Errorf("no JSON shutdown log:\n%s", proc.Stderr)
	}
	if strings.Contains(all, notionKey) {
		t.Errorf("the API key was printed:\n%s", all)
	}
}

// TestReload: the served configuration follows its file — a target added
// by editing it appears without a restart; a broken edit is logged and the
// old configuration keeps serving; with --watch=false only SIGHUP reloads.
func TestReload(t *testing.T) {
	backend := newNotion(t)
	path := configDir(t, backend.URL)
	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Without the Lambda target, so that no emulator is needed.
	notionOnly := string(cfg[:bytes.Index(cfg, []byte("  - name: weather"))])
	withPages := notionOnly + `
  - name: pages
    targetConfiguration:
      mcp:
        openApiSchema:
          s3:
            uri: notion-openapi.yaml
    credentialProviderConfigurations:
      - credentialProviderType: API_KEY
        credentialProvider:
          apiKeyCredentialProvider:
            providerArn: notion-key
            credentialPrefix: Bearer
`
	env := []string{"NOTION_KEY=" + notionKey}
	waitFor := func(proc *program.Process, what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s did not happen:\n%s", what, proc.Stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	t.Run("file change", func(t *testing.T) {
		write(t, path, notionOnly)
		proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0"}, env...)
		cs := testenv.Connect(t, proc.URL)
		if got := testenv.ToolNames(t, cs); len(got) != 3 {
			t.Fatalf("tools %v", got)
		}
		write(t, path, withPages)
		waitFor(proc, "the pages target", func() bool { return slices.Contains(testenv.ToolNames(t, cs), "pages___search") })
		callTool(t, cs, "pages___getSelf", nil)

		write(t, path, withPages+"    toolSchem: {}\n")
		waitFor(proc, "the rejection", func() bool {
			return strings.Contains(proc.Stderr.String(), "reload rejected: the running configuration is kept")
		})
		if !strings.Contains(proc.Stderr.String(), `targets[1].toolSchem`) {
			t.Errorf("the rejection does not name the field:\n%s", proc.Stderr)
		}
		if got := testenv.ToolNames(t, cs); !slices.Contains(got, "pages___getSelf") {
			t.Errorf("after the rejected edit: tools %v", got)
		}
		callTool(t, cs, "notion___getSelf", nil)
		if strings.Contains(proc.Stderr.String()+proc.Stdout.String(), notionKey) {
			t.Errorf("the API key was printed:\n%s", proc.Stderr)
		}
	})

	t.Run("SIGHUP", func(t *testing.T) {
		write(t, path, notionOnly)
		proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", path, "--addr", "127.0.0.1:0", "--watch=false"}, env...)
		cs := testenv.Connect(t, proc.URL)
		write(t, path, withPages)
		time.Sleep(2500 * time.Millisecond) // more than a poll and its settling
		if got := testenv.ToolNames(t, cs); slices.Contains(got, "pages___search") {
			t.Fatalf("--watch=false reloaded without a signal: %v", got)
		}
		if err := proc.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(proc, "the reload on SIGHUP", func() bool { return slices.Contains(testenv.ToolNames(t, cs), "pages___search") })
		if err := proc.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if err := proc.Wait(30 * time.Second); err != nil {
			t.Errorf("after SIGINT: %v", err)
		}
	})
}

// TestUsage: the command line's errors and the version.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{nil, 2, "Usage:"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
		{[]string{"validate"}, 2, "--config FILE is required"},
		{[]string{"serve", "--config", "x.yaml", "extra"}, 2, "--config FILE is required, and nothing else"},
		{[]string{"serve", "--config", "x.yaml", "--log-format", "xml"}, 2, `--log-format "xml"`},
		{[]string{"validate", "--config", "/nonexistent/gateway.yaml"}, 1, "error: reading /nonexistent/gateway.yaml"},
		{[]string{"version"}, 0, "toolgate 0."},
		{[]string{"help"}, 0, "toolgate validate --config FILE"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.out) {
			t.Errorf("toolgate %v: exit %d, want %d with %q:\n%s%s", tc.args, code, tc.code, tc.out, stdout.String(), stderr.String())
		}
	}
}

// TestExampleConfig: examples/config/gateway.yaml validates as shipped
// and, with its demo backend running, serves the notes API as tools.
func TestExampleConfig(t *testing.T) {
	const key = "demo-key-for-tests"
	env := []string{"NOTES_API_KEY=" + key}
	if code, out, errOut := runCLI(t, env, "validate", "--config", "../../examples/config/gateway.yaml"); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	// The policies example: its policies validate against the notes tools,
	// and its schema prints without asking the (unreachable) identity
	// provider.
	penv := append(env, "OIDC_DISCOVERY_URL=https://idp.invalid/.well-known/openid-configuration")
	if code, out, errOut := runCLI(t, penv, "validate", "--config", "../../examples/config/policies.yaml"); code != 0 {
		t.Errorf("validate policies.yaml: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, penv, "schema", "--config", "../../examples/config/policies.yaml"); code != 0 || !strings.Contains(out, "action notes___deleteNote in CallTool") {
		t.Errorf("schema of policies.yaml: exit %d\n%s%s", code, out, errOut)
	}
	// The on-behalf-of example validates (the MCP server is not contacted).
	oenv := append(penv, "IDP_CLIENT_SECRET=secret", "CRM_MCP_URL=https://crm.invalid/mcp")
	if code, out, errOut := runCLI(t, oenv, "validate", "--config", "../../examples/config/on-behalf-of.yaml"); code != 0 {
		t.Errorf("validate on-behalf-of.yaml: exit %d\n%s%s", code, out, errOut)
	}

	// The hybrid search example validates (the embeddings API is not
	// contacted; TestHybridSearch serves the same settings).
	henv := append(env, "EMBEDDINGS_URL=http://127.0.0.1:1/v1")
	if code, out, errOut := runCLI(t, henv, "validate", "--config", "../../examples/config/hybrid-search.yaml"); code != 0 {
		t.Errorf("validate hybrid-search.yaml: exit %d\n%s%s", code, out, errOut)
	}

	// The backend on a free port, the configuration pointed at it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	backend := exec.Command(program.Build(t, "../../examples/config/backend"))
	backend.Env = append(os.Environ(), "NOTES_API_KEY="+key, "NOTES_ADDR="+addr)
	backend.Stderr = os.Stderr
	if err := backend.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = backend.Process.Kill(); _ = backend.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the backend does not listen on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	dir := t.TempDir()
	for _, name := range []string{"gateway.yaml", "notes-openapi.yaml"} {
		b, err := os.ReadFile(filepath.Join("../../examples/config", name))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.NewReplacer("http://127.0.0.1:8081", "http://"+addr, "127.0.0.1:9090", "127.0.0.1:0").Replace(string(b))
		write(t, filepath.Join(dir, name), s)
	}
	proc := program.Exec(t, toolgateBin(t), []string{"serve", "--config", filepath.Join(dir, "gateway.yaml"), "--addr", "127.0.0.1:0"}, env...)
	cs := testenv.Connect(t, proc.URL)
	callTool(t, cs, "notes___createNote", map[string]any{"body": map[string]any{"title": "Launch", "tags": []string{"plan"}}})
	res := callTool(t, cs, "notes___listNotes", map[string]any{"tag": "plan"})
	if !strings.Contains(testenv.Text(res), `"title":"Launch"`) {
		t.Errorf("listNotes: %s", testenv.Text(res))
	}
	res = callTool(t, cs, "x_amz_bedrock_agentcore_search", map[string]any{"query": "write a note"})
	if !strings.Contains(testenv.Text(res), "notes___createNote") {
		t.Errorf("search: %s", testenv.Text(res))
	}
}
