// Package program builds and runs the project's example programs in tests,
// the way a user would: go build, start with environment variables, wait
// for the URL the program prints.
package program

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

var urlPattern = regexp.MustCompile(`http://127\.0\.0\.1:\d+/mcp`)

// Start builds the Go package pkg (a path such as "../examples/auth",
// relative to the test's directory), runs it with env added to the
// environment and TOOLGATE_ADDR=127.0.0.1:0, and returns the first
// http://127.0.0.1:PORT/mcp URL it prints. The program is killed when the
// test ends; its stderr goes to the test's stderr.
func Start(t testing.TB, pkg string, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), append([]string{"TOOLGATE_ADDR=127.0.0.1:0"}, env...)...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", pkg, err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlPattern.FindString(sc.Text()); m != "" {
				found <- m
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-found:
		return u
	case <-time.After(90 * time.Second):
		t.Fatalf("%s did not print its URL", pkg)
	}
	return ""
}
