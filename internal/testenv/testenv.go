// Package testenv finds the real components the tests use — the packages
// that scripts/setup/*.sh install, the official MCP clients that
// ../shared/scripts/mcp/setup.sh installs, the shared corpus — and holds
// the one rule for a missing component: fail under CI, skip elsewhere.
package testenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Unavailable reports a missing component: it fails the test when the CI
// environment variable is set and skips it otherwise.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		tb.Fatalf("%s", msg)
	}
	tb.Skipf("%s", msg)
}

// ToolsDir returns where scripts/setup/<name>.sh installs its component:
// ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/<name>.
func ToolsDir(name string) string {
	dir := os.Getenv("TOOLGATE_TOOLS_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "toolgate-tools")
	}
	return filepath.Join(dir, name)
}

// SharedDir returns the shared folder beside the repository (corpus,
// scripts): $TOOLGATE_SHARED, or ../shared from the repository root.
func SharedDir() string {
	if d := os.Getenv("TOOLGATE_SHARED"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0) // <repo>/internal/testenv/testenv.go
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "shared")
}

// MCPScripts returns ../shared/scripts/mcp (client.sh, inspector.sh,
// run-conformance.sh) once its setup.sh has installed the tools into
// ${MCP_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-tools}; otherwise
// the component is Unavailable.
func MCPScripts(tb testing.TB) string {
	tb.Helper()
	scripts := filepath.Join(SharedDir(), "scripts", "mcp")
	if _, err := os.Stat(filepath.Join(MCPToolsDir(), "node-client.mjs")); err != nil {
		Unavailable(tb, "the MCP client tools are not installed in %s (run %s/setup.sh)", MCPToolsDir(), scripts)
	}
	return scripts
}

// MCPToolsDir is where ../shared/scripts/mcp/setup.sh installs the tools.
func MCPToolsDir() string {
	if d := os.Getenv("MCP_TOOLS_DIR"); d != "" {
		return d
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "mcp-tools")
}

// LockedBuffer collects a process's output, safe for the process writing
// while a test reads; it keeps the first 1 MiB.
type LockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 1<<20 {
		return len(p), nil
	}
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *LockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// GiveUp runs fn with a testing.TB that records how fn gives up, for
// tests of the components' own checks: it returns "fatal" or "skip" with
// the message, or "" if fn returned normally.
func GiveUp(tb testing.TB, fn func(testing.TB)) (how, msg string) {
	f := &recorder{TB: tb}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.how, f.msg
}

type recorder struct {
	testing.TB
	how, msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.how, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.how, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Text returns the text content of a tool result, its text blocks joined.
func Text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}
