// Package program builds and runs the project's example programs in tests,
// the way a user would: go build, start with environment variables, wait
// for the URL the program prints.
package program

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
)

var urlPattern = regexp.MustCompile(`http://127\.0\.0\.1:\d+/mcp`)

// A Process is a running example program.
type Process struct {
	// URL is the first http://127.0.0.1:PORT/mcp URL the program printed
	// (for ExecURL, the first match of its pattern).
	URL string
	// Stdout and Stderr hold what the program wrote to its standard output
	// and error.
	Stdout, Stderr *testenv.LockedBuffer

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start builds the Go package pkg (a path such as "../examples/auth",
// relative to the test's directory), runs it with env added to the
// environment and TOOLGATE_ADDR=127.0.0.1:0, and returns the first
// http://127.0.0.1:PORT/mcp URL it prints. The program is killed when the
// test ends.
func Start(t testing.TB, pkg string, env ...string) string {
	t.Helper()
	return Run(t, pkg, env...).URL
}

// Run is Start returning the running process.
func Run(t testing.TB, pkg string, env ...string) *Process {
	t.Helper()
	return Exec(t, Build(t, pkg), nil, append([]string{"TOOLGATE_ADDR=127.0.0.1:0"}, env...)...)
}

// Build builds the Go package pkg (a path such as "../examples/auth",
// relative to the test's directory) into the test's temporary folder and
// returns the binary's path.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	return bin
}

// Exec runs the program bin with args and env added to the environment,
// and returns once it prints an http://127.0.0.1:PORT/mcp URL. The program
// is killed when the test ends.
func Exec(t testing.TB, bin string, args []string, env ...string) *Process {
	t.Helper()
	return ExecURL(t, urlPattern, bin, args, env...)
}

// ExecURL is Exec for a program that prints another kind of URL: it
// returns once the program prints a match of url, which becomes the
// Process's URL.
func ExecURL(t testing.TB, url *regexp.Regexp, bin string, args []string, env ...string) *Process {
	t.Helper()
	p := &Process{Stdout: &testenv.LockedBuffer{}, Stderr: &testenv.LockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = io.MultiWriter(os.Stderr, p.Stderr)
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			_, _ = p.Stdout.Write(append(sc.Bytes(), '\n'))
			if m := url.FindString(sc.Text()); m != "" {
				select {
				case found <- m:
				default:
				}
			}
		}
		_, _ = io.Copy(p.Stdout, stdout)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	select {
	case p.URL = <-found:
		return p
	case <-p.done:
		t.Fatalf("%s exited before printing its URL: %v\n%s", bin, p.err, p.Stderr)
	case <-time.After(90 * time.Second):
		t.Fatalf("%s did not print its URL", bin)
	}
	return nil
}

// Signal sends sig to the program.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits up to timeout for the program to exit and returns its exit
// error (nil for status 0).
func (p *Process) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		return errors.New("still running")
	}
}

// Interrupt sends SIGINT, as Ctrl-C does, and waits up to timeout for the
// program to exit. It returns the program's exit error (nil for status 0).
func (p *Process) Interrupt(timeout time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		return err
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		return errors.New("still running after SIGINT")
	}
}
