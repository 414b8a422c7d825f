// Package awsmock starts real AWS protocol servers from npm for tests:
// dynalite (DynamoDB, awsJson1_0), kinesalite (Kinesis, awsJson1_1) and
// s3rver (S3, restXml), installed by scripts/setup/smithy.sh. Each runs on
// 127.0.0.1 and a free port for the duration of one test, with its data in
// memory (s3rver: in a temporary directory).
//
// When node or the packages are missing, Start fails the test if the CI
// environment variable is set and skips it otherwise.
package awsmock

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
)

//go:embed server.js
var serverScript []byte

// The servers this package starts.
const (
	Dynalite   = "dynalite"
	Kinesalite = "kinesalite"
	S3rver     = "s3rver"
)

// S3rverAccessKeyID and S3rverSecretAccessKey are the only credentials
// s3rver accepts; it verifies SigV4 signatures made with them.
const (
	S3rverAccessKeyID     = "S3RVER"
	S3rverSecretAccessKey = "S3RVER"
)

const startTimeout = 20 * time.Second

// Dir returns the directory holding node_modules/dynalite and
// node_modules/kinesalite: the smithy folder of
// ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}.
func Dir() string {
	return testenv.ToolsDir("smithy")
}

// unavailable fails the test under CI and skips it elsewhere.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	testenv.Unavailable(t, "scripts/setup/smithy.sh", "awsmock: "+format, args...)
}

// Start starts the named server (Dynalite, Kinesalite or S3rver) for the duration
// of t and returns its base URL, http://127.0.0.1:PORT. The process is
// stopped by t.Cleanup.
func Start(t testing.TB, server string) string {
	t.Helper()
	if server != Dynalite && server != Kinesalite && server != S3rver {
		t.Fatalf("awsmock: unknown server %q", server)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		unavailable(t, "node not found in PATH")
	}
	modules := filepath.Join(Dir(), "node_modules")
	if _, err := os.Stat(filepath.Join(modules, server, "package.json")); err != nil {
		unavailable(t, "%s not installed in %s", server, Dir())
	}
	script := filepath.Join(t.TempDir(), "server.js")
	if err := os.WriteFile(script, serverScript, 0o600); err != nil {
		t.Fatalf("awsmock: write server script: %v", err)
	}
	out := &testenv.LockedBuffer{}
	cmd := exec.Command(node, script, server)
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "NODE_NO_WARNINGS=1")
	cmd.Stderr = out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("awsmock: %v", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("awsmock: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("awsmock: start %s: %v", server, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", server, out.String())
		}
	})

	ready := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		ready <- line
		_, _ = io.Copy(out, r)
	}()
	var hello struct {
		Port int `json:"port"`
	}
	select {
	case line := <-ready:
		if err := json.Unmarshal([]byte(line), &hello); err != nil || hello.Port == 0 {
			t.Fatalf("awsmock: %s did not start: %q\n%s", server, line, out.String())
		}
	case <-time.After(startTimeout):
		t.Fatalf("awsmock: %s did not start within %v\n%s", server, startTimeout, out.String())
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(hello.Port))
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("awsmock: %s does not accept connections: %v", server, err)
	}
	_ = conn.Close()
	return "http://" + addr
}
