//go:build unix

package mcpserver_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
)

// TestStdio: a command as the server: its tools, the session relayed, its
// standard error logged; killed, it is restarted with backoff while calls
// get an isError result naming the target and Status shows it unhealthy,
// then healthy again; Close stops it.
func TestStdio(t *testing.T) {
	logs := &testenv.LockedBuffer{}
	tg := newTarget(t, mcpserver.Options{
		Name: "std", Command: []string{testenv.StdioServer(t)}, MinBackoff: 500 * time.Millisecond, MaxBackoff: time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	gw, gwURL := gateway(t, tg)
	c := &caller{}
	cs := connect(t, gwURL, c.options())
	call := func(ctx context.Context, tool string, token bool) (*mcp.CallToolResult, error) {
		p := &mcp.CallToolParams{Name: "std___" + tool, Arguments: map[string]any{}}
		if token {
			p.SetProgressToken(7)
		}
		return cs.CallTool(ctx, p)
	}
	for _, tc := range []struct{ tool, want string }{
		{"progress", "token=true"},
		{"ask", "model=blue user=accept/Ada"},
	} {
		res, err := call(callCtx(t), tc.tool, true)
		if err != nil || res.IsError || text(res) != tc.want {
			t.Fatalf("%s: %v %+v", tc.tool, err, res)
		}
	}
	c.mu.Lock()
	if len(c.progress) != 3 || c.progress[2].ProgressToken != 7.0 || len(c.asked) != 2 {
		t.Errorf("progress %d (%v), asked %v", len(c.progress), c.progress, c.asked)
	}
	c.mu.Unlock()

	pid := serverPID(t, cs, "std___pid")
	// In a process group of its own: a terminal's Ctrl-C reaches the
	// gateway alone, which stops the server on Close.
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
		t.Errorf("process group %d, %v; want its own, %d", pgid, err, pid)
	}
	testenv.WaitFor(t, "the server's standard error in the log", func() bool {
		return strings.Contains(logs.String(), fmt.Sprintf(`line="testserver: started, pid %d"`, pid))
	})

	// Killed with a call in flight: that call and the next one fail at
	// once, naming the target, and Status shows it.
	inflight := make(chan *mcp.CallToolResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		res, err := call(ctx, "wait", false) // the server waits 5 s
		if err != nil {
			res = &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}
		}
		inflight <- res
	}()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var failed string
	select {
	case res := <-inflight:
		if !res.IsError {
			t.Fatalf("the call in flight: %+v", res)
		}
		failed = text(res)
	case <-time.After(3 * time.Second):
		t.Fatal("the call in flight did not end with the server")
	}
	// Within MinBackoff (500 ms) of the loss: no waiting for the restart.
	start := time.Now()
	if res, err := call(callCtx(t), "echo", false); err != nil || !res.IsError || !strings.Contains(text(res), `mcp server "std" unavailable`) {
		t.Errorf("a call while the server is down: %v %+v", err, res)
	}
	if took := time.Since(start); took > 250*time.Millisecond {
		t.Errorf("a call while the server is down took %v", took)
	}
	var unhealthy string
	testenv.WaitFor(t, "an unhealthy target", func() bool {
		if st := gw.Status()[0]; !st.Healthy {
			unhealthy = st.LastError
		}
		return unhealthy != ""
	})
	if !strings.HasPrefix(failed, `mcp server "std" unavailable: `) {
		t.Errorf("call while down: %s", failed)
	}
	if !strings.Contains(unhealthy, `mcp server "std" unavailable`) {
		t.Errorf("status while down: %s", unhealthy)
	}

	// Back by itself, as a new process.
	var pid2 int
	testenv.WaitFor(t, "the server to come back", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		res, err := call(ctx, "pid", false)
		if err != nil || res.IsError {
			return false
		}
		pid2, _ = strconv.Atoi(text(res))
		return true
	})
	if pid2 == pid {
		t.Fatalf("the same process %d", pid)
	}
	testenv.WaitFor(t, "a healthy status", func() bool { st := gw.Status()[0]; return st.Healthy && st.Tools > 0 })

	// Close stops the process.
	if err := tg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid2, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("after Close, process %d: %v", pid2, err)
	}
	res, err := call(callCtx(t), "echo", false)
	if err != nil || !res.IsError || !strings.Contains(text(res), `mcp server "std" unavailable`) {
		t.Fatalf("a call after Close: %v %+v", err, res)
	}
}

// TestStdioEnvironment: a command inherits only the few variables the MCP
// TypeScript SDK passes on (not the gateway's secrets), plus Env; with
// InheritEnv, all of them.
func TestStdioEnvironment(t *testing.T) {
	t.Setenv("TOOLGATE_TEST_SECRET", "s3cret")
	bin := testenv.StdioServer(t)
	cases := []struct {
		name string
		opts mcpserver.Options
		want map[string]string
	}{
		{"default", mcpserver.Options{}, map[string]string{
			"TOOLGATE_TEST_SECRET": "(unset)", "PATH": os.Getenv("PATH"), "EXTRA": "(unset)"}},
		{"env", mcpserver.Options{Env: []string{"EXTRA=1", "PATH=/opt/bin:" + os.Getenv("PATH")}}, map[string]string{
			"TOOLGATE_TEST_SECRET": "(unset)", "PATH": "/opt/bin:" + os.Getenv("PATH"), "EXTRA": "1"}},
		{"inherit", mcpserver.Options{InheritEnv: true, Env: []string{"EXTRA=2"}}, map[string]string{
			"TOOLGATE_TEST_SECRET": "s3cret", "EXTRA": "2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			opts.Name, opts.Command = "std", []string{bin}
			_, gwURL := gateway(t, newTarget(t, opts))
			cs := connect(t, gwURL, nil)
			for name, want := range c.want {
				res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "std___getenv", Arguments: map[string]any{"text": name}})
				if err != nil || res.IsError {
					t.Fatalf("%v %+v", err, res)
				}
				if got := text(res); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}
