// Package lambdarie runs a real aws-lambda-go function for tests: it builds
// the function's main package and starts it under the AWS Lambda Runtime
// Interface Emulator (github.com/aws/aws-lambda-runtime-interface-emulator),
// which serves the Lambda Invoke API on 127.0.0.1 on a free port.
//
// scripts/setup/lambda.sh installs the emulator into
// ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/lambda/aws-lambda-rie;
// set TOOLGATE_LAMBDA_RIE to use another binary. When it is missing, Start
// fails the test if the CI environment variable is set and skips it
// otherwise.
//
// Typical use:
//
//	bin := lambdarie.Build(t, "./testdata/fn")
//	e := lambdarie.Start(t, bin, &lambdarie.Config{Timeout: 2 * time.Second})
//	// point a Lambda client at e.URL and invoke lambdarie.FunctionName
//
// The emulator differs from Lambda: it routes only the function name
// FunctionName (any qualifier is ignored; ARNProxy adds Lambda's routing of
// the function's ARN), runs one invocation at a time
// (a concurrent one is refused with HTTP 400), returns function errors
// without the X-Amz-Function-Error header, answers a timeout with HTTP 200
// and the plain text "Task timed out after N.00 seconds", and a panic with
// HTTP 502. It does not check SigV4 signatures, and it forwards the client
// context (X-Amz-Client-Context) to the function.
package lambdarie

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/testenv"
)

// FunctionName is the only function name the emulator serves.
const FunctionName = "function"

// InvokePath is the path of the emulator's Invoke API.
const InvokePath = "/2015-03-31/functions/" + FunctionName + "/invocations"

// startTimeout bounds how long Start waits for the emulator to listen.
const startTimeout = 20 * time.Second

// Config configures an emulated function. The zero value is usable.
type Config struct {
	// Timeout is the function timeout (AWS_LAMBDA_FUNCTION_TIMEOUT),
	// rounded up to whole seconds; default 30 s.
	Timeout time.Duration
	// Env holds extra KEY=value variables for the function.
	Env []string
}

// Emulator is a running emulator with one function.
type Emulator struct {
	// URL is the endpoint to give a Lambda client, e.g.
	// "http://127.0.0.1:41234".
	URL string

	mu  sync.Mutex
	out bytes.Buffer
}

// Output returns what the emulator and the function have printed so far.
func (e *Emulator) Output() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.out.String()
}

func (e *Emulator) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.out.Write(p)
}

// Binary returns the emulator's path, or fails (under CI) or skips the
// test when it is not installed.
func Binary(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("TOOLGATE_LAMBDA_RIE")
	if path == "" {
		path = filepath.Join(testenv.ToolsDir("lambda"), "aws-lambda-rie")
	}
	if fi, err := os.Stat(path); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		testenv.Unavailable(tb, "scripts/setup/lambda.sh", "the Lambda runtime interface emulator is not installed at %s", path)
	}
	return path
}

// Build compiles the main package pkg (a path as `go build` takes it,
// relative to the test's directory, for example "./testdata/fn") into a
// bootstrap binary in a temporary directory and returns its path.
func Build(tb testing.TB, pkg string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("lambdarie: go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// Start runs bootstrap (an aws-lambda-go function binary, see Build) under
// the emulator on 127.0.0.1 and stops both when the test ends. On a failed
// test their output is logged.
func Start(tb testing.TB, bootstrap string, cfg *Config) *Emulator {
	tb.Helper()
	bin := Binary(tb)
	if cfg == nil {
		cfg = &Config{}
	}
	timeout := 30
	if cfg.Timeout > 0 {
		timeout = int((cfg.Timeout + time.Second - 1) / time.Second)
	}
	addr, apiAddr := freeAddr(tb), freeAddr(tb)
	e := &Emulator{URL: "http://" + addr}
	cmd := exec.Command(bin,
		"--runtime-interface-emulator-address", addr,
		"--runtime-api-address", apiAddr,
		"--log-level", "error",
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append(os.Environ(),
		"AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(timeout),
		"AWS_LAMBDA_FUNCTION_NAME="+FunctionName,
	)
	cmd.Env = append(cmd.Env, cfg.Env...)
	cmd.Stdout, cmd.Stderr = e, e
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("lambdarie: start %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	tb.Cleanup(func() {
		// The function, the emulator's child in a process group of its
		// own, exits when its Runtime API (the emulator) goes away.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		if tb.Failed() {
			tb.Logf("lambdarie: emulator output:\n%s", e.Output())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return e
		}
		select {
		case <-done:
			tb.Fatalf("lambdarie: the emulator exited before listening:\n%s", e.Output())
		case <-ctx.Done():
			tb.Fatalf("lambdarie: the emulator did not listen on %s within %v:\n%s", addr, startTimeout, e.Output())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ARNProxy returns the URL of a proxy in front of the emulator that, as
// Lambda does, takes the function's ARN (any partition, region and
// account, with or without a qualifier) as well as its name in the Invoke
// path; the emulator alone routes only FunctionName. Other functions get
// Lambda's 404 ResourceNotFoundException. The proxy stops when the test
// ends.
func (e *Emulator) ARNProxy(tb testing.TB) string {
	tb.Helper()
	target, err := url.Parse(e.URL)
	if err != nil {
		tb.Fatalf("lambdarie: %v", err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const prefix, suffix = "/2015-03-31/functions/", "/invocations"
		p := r.URL.Path
		if name, ok := strings.CutPrefix(p, prefix); ok && strings.HasSuffix(name, suffix) {
			name = strings.TrimSuffix(name, suffix)
			// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
			if parts := strings.Split(name, ":"); len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" {
				name = parts[6]
			}
			if name != FunctionName {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"Type":"User","message":"Function not found: `+name+`"}`)
				return
			}
			r.URL.Path, r.URL.RawPath = prefix+FunctionName+suffix, ""
		}
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("lambdarie: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
