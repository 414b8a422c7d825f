// Package testenv finds what the tests use: the real components that
// scripts/setup/*.sh install (and the rule for a missing one: fail under
// CI, skip elsewhere, naming the installer) and the corpus of real specs,
// models and tool-retrieval sets under testdata/corpus.
package testenv

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Unavailable reports a real component that is not installed: it fails the
// test when the CI environment variable is set and skips it otherwise. The
// message names the installer to run, a script such as
// "scripts/setup/prism.sh". Missing test data is never a reason to skip:
// the data is in the repository.
func Unavailable(tb testing.TB, installer, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...) + " (run bash " + installer + ")"
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

// RepoRoot returns the repository's root folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0) // <repo>/internal/testenv/testenv.go
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// MCPScripts returns the folder of the scripts that drive the official MCP
// tools (client.sh, inspector.sh, run-conformance.sh), once
// scripts/setup/mcp.sh has installed the tools; otherwise the component is
// Unavailable.
func MCPScripts(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat(filepath.Join(ToolsDir("mcp"), "node_modules", ".bin", "conformance")); err != nil {
		Unavailable(tb, "scripts/setup/mcp.sh", "the official MCP tools are not installed in %s", ToolsDir("mcp"))
	}
	return filepath.Join(RepoRoot(), "scripts", "mcp")
}

// CorpusFile returns the path of the corpus file rel (a path under
// testdata/corpus, such as "openapi/petstore/swagger-petstore-3.0.yaml").
// A file the repository keeps compressed (rel + ".gz") is decompressed into
// the test's temporary folder. A missing file fails the test.
func CorpusFile(tb testing.TB, rel string) string {
	tb.Helper()
	src := filepath.Join(RepoRoot(), "testdata", "corpus", filepath.FromSlash(rel))
	if _, err := os.Stat(src); err == nil {
		return src
	}
	dst := filepath.Join(tb.TempDir(), filepath.Base(rel))
	if err := gunzipFile(src+".gz", dst); err != nil {
		tb.Fatalf("corpus file %s: %v", rel, err)
	}
	return dst
}

// CorpusDir returns a folder holding the corpus folder rel (such as
// "openapi") with every file under its original name: compressed files are
// decompressed into the test's temporary folder. A missing or empty folder
// fails the test.
func CorpusDir(tb testing.TB, rel string) string {
	tb.Helper()
	src := filepath.Join(RepoRoot(), "testdata", "corpus", filepath.FromSlash(rel))
	dst := filepath.Join(tb.TempDir(), filepath.Base(rel))
	n := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		r, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, r)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		n++
		if strings.HasSuffix(p, ".gz") {
			return gunzipFile(p, strings.TrimSuffix(out, ".gz"))
		}
		return os.Symlink(p, out)
	})
	if err == nil && n == 0 {
		err = fmt.Errorf("no files")
	}
	if err != nil {
		tb.Fatalf("corpus folder %s: %v", rel, err)
	}
	return dst
}

func gunzipFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", src, err)
	}
	return out.Close()
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

// StdioServer builds the MCP test server that speaks over stdio
// (mcpserver/internal/testserver/stdio) into a temporary directory and
// returns the program's path.
func StdioServer(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "testserver")
	cmd := exec.Command("go", "build", "-o", bin, "./mcpserver/internal/testserver/stdio")
	cmd.Dir = RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building the stdio test server: %v\n%s", err, out)
	}
	return bin
}

// WaitFor polls cond every few milliseconds until it holds, and fails the
// test when it does not within 10 s, naming what it waited for.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
