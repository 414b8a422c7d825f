package mcpserver_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// referenceServer starts the reference server of the TypeScript SDK
// (scripts/setup/mcp.sh installs it) over streamable HTTP and returns its
// base URL; it serves MCP at /mcp, answering in event streams with event
// ids. It is stopped when the test ends.
func referenceServer(t *testing.T) string {
	t.Helper()
	dir := testenv.ToolsDir("mcp")
	node := filepath.Join(dir, "node_modules", ".bin", "node")
	main := filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	for _, f := range []string{node, main} {
		if _, err := os.Stat(f); err != nil {
			testenv.Unavailable(t, "scripts/setup/mcp.sh", "the reference MCP server is not installed in %s", dir)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(node, main, "streamableHttp")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	testenv.WaitFor(t, "the reference server to listen", func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			_ = c.Close()
		}
		return err == nil
	})
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

// verifyProxy starts scripts/mcp/verify-proxy.mjs in front of upstream with
// env (its GATE_ settings) and returns its base URL. It lets through only
// requests whose credentials it verifies itself (SigV4 with the npm
// package aws4, or an API key) and counts them at /__verify.
func verifyProxy(t *testing.T, upstream string, env ...string) string {
	t.Helper()
	p := nodeScript(t, "verify-proxy.mjs", "aws4/aws4.js", []string{upstream}, env...)
	return strings.TrimSuffix(p.URL, "/mcp")
}

// nodeScript runs scripts/mcp/<script> with args and env on the Node and
// npm packages scripts/setup/mcp.sh installs (the package file needs,
// under node_modules, must be there), and returns it once it has printed
// its URL. It is stopped when the test ends.
func nodeScript(t *testing.T, script, needs string, args []string, env ...string) *program.Process {
	t.Helper()
	modules := filepath.Join(testenv.ToolsDir("mcp"), "node_modules")
	node := filepath.Join(modules, ".bin", "node")
	for _, f := range []string{node, filepath.Join(modules, filepath.FromSlash(needs))} {
		if _, err := os.Stat(f); err != nil {
			testenv.Unavailable(t, "scripts/setup/mcp.sh", "%s is not installed", f)
		}
	}
	return program.Exec(t, node, append([]string{filepath.Join(testenv.RepoRoot(), "scripts", "mcp", script)}, args...),
		append([]string{"NODE_PATH=" + modules}, env...)...)
}
