package deploy_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate/internal/benchkit"
	"github.com/toolgate/toolgate/internal/testenv"
)

const nginxBin = "/usr/sbin/nginx"

// replica is one `toolgate serve` process on a fixed loopback port.
type replica struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  *testenv.LockedBuffer
}

func startReplica(t *testing.T, bin, config, addr string) *replica {
	t.Helper()
	r := &replica{addr: addr, done: make(chan struct{}), log: &testenv.LockedBuffer{}}
	r.cmd = exec.Command(bin, "serve", "--config", config, "--addr", addr)
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("starting a replica: %v", err)
	}
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() { r.kill() })
	waitReady(t, "http://"+addr+"/readyz", r)
	return r
}

func (r *replica) kill() {
	if r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-r.done
}

func waitReady(t *testing.T, url string, r *replica) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-r.done:
			t.Fatalf("the replica exited:\n%s", r.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("%s not ready:\n%s", url, r.log)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestScaleOut runs 3 stateless replicas behind nginx, drives 32 clients
// at them for 30 s (TOOLGATE_SCALEOUT_SECONDS), SIGKILLs one replica a
// third of the way in and restarts it at two thirds. Every call must
// succeed except those in flight on the killed replica, each of which
// succeeds when retried once; the restarted replica takes traffic again.
func TestScaleOut(t *testing.T) {
	if _, err := os.Stat(nginxBin); err != nil {
		testenv.Unavailable(t, "scripts/setup/nginx.sh", "nginx not installed at %s", nginxBin)
	}
	seconds := 30
	if s := os.Getenv("TOOLGATE_SCALEOUT_SECONDS"); s != "" {
		seconds, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		seconds = 6
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "toolgate")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/toolgate").CombinedOutput(); err != nil {
		t.Fatalf("building toolgate: %v\n%s", err, out)
	}

	// The backend every replica calls: a REST API described by OpenAPI.
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"echo":%q}`, r.URL.Query().Get("text"))
	}))
	defer backend.Close()
	config := writeConfig(t, dir, backend.URL)

	replicas := make([]*replica, 3)
	for i := range replicas {
		replicas[i] = startReplica(t, bin, config, freeAddr(t))
	}
	front := freeAddr(t)
	startNginx(t, dir, front, replicas)

	const clients = 32
	body := benchkit.CallBody("echo___echo")
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	var (
		calls, failed, retryFailed atomic.Int64
		mu                         sync.Mutex
		lats                       []time.Duration
		failures                   []time.Time
	)
	start := time.Now()
	deadline := start.Add(time.Duration(seconds) * time.Second)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &benchkit.Client{Do: hc.Do, URL: "http://" + front + "/mcp"}
			if err := c.Connect(); err != nil {
				t.Errorf("connecting: %v", err)
				return
			}
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if _, err := c.Call(body); err != nil {
					failed.Add(1)
					mu.Lock()
					failures = append(failures, t0)
					mu.Unlock()
					if _, err := c.Call(body); err != nil { // the retry
						retryFailed.Add(1)
						t.Logf("retry failed: %v", err)
					}
					continue
				}
				calls.Add(1)
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}

	// A third in: SIGKILL replica 0. Two thirds in: start it again.
	time.Sleep(time.Until(start.Add(time.Duration(seconds) * time.Second / 3)))
	killed := time.Now()
	victim := replicas[0]
	victim.kill()
	dead := time.Now()
	time.Sleep(time.Until(start.Add(2 * time.Duration(seconds) * time.Second / 3)))
	restarted := time.Now()
	replicas[0] = startReplica(t, bin, config, victim.addr)
	wg.Wait()
	elapsed := time.Since(start)

	if len(lats) == 0 {
		t.Fatal("no call succeeded")
	}
	slices.Sort(lats)
	pct := func(p int) time.Duration { return lats[(len(lats)-1)*p/100].Round(time.Microsecond) }
	t.Logf("3 replicas behind nginx, %d clients, %v: %d calls (%.0f/s), p50 %v, p99 %v; %d failed (in flight on the killed replica), %d retries failed",
		clients, elapsed.Round(time.Second), calls.Load(), float64(calls.Load())/elapsed.Seconds(), pct(50), pct(99), failed.Load(), retryFailed.Load())

	if retryFailed.Load() != 0 {
		t.Errorf("%d retried calls failed", retryFailed.Load())
	}
	if n := failed.Load(); n > clients {
		t.Errorf("%d calls failed: more than the %d that can be in flight", n, clients)
	}
	for _, f := range failures {
		// A call fails only if it was in flight on the replica as it died:
		// sent before the kill, or by nginx on a kept-alive connection to
		// it before nginx saw it fail (it does not pass a POST it already
		// sent on to another replica, as the call may have run).
		if f.After(dead.Add(time.Second)) || f.Before(killed.Add(-10*time.Second)) {
			t.Errorf("a call started at +%v failed; the replica was killed at +%v", f.Sub(start), killed.Sub(start))
		}
	}
	// The restarted replica took traffic again.
	served := upstreamCounts(t, filepath.Join(dir, "access.log"), restarted)
	if served[victim.addr] == 0 {
		t.Errorf("the restarted replica %s served no call after its restart: %v", victim.addr, served)
	}
	t.Logf("calls per replica after the restart: %v", served)
}

// startNginx runs nginx in front of the replicas, round robin, passing a
// request on to the next replica when one refuses the connection.
func startNginx(t *testing.T, dir, addr string, replicas []*replica) {
	t.Helper()
	var ups strings.Builder
	for _, r := range replicas {
		fmt.Fprintf(&ups, "    server %s max_fails=1 fail_timeout=2s;\n", r.addr)
	}
	conf := fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log %[1]s/access.log upstream;
  log_format upstream '$msec $upstream_addr $status';
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream toolgate {
%[2]s    keepalive 64;
  }
  server {
    listen %[3]s;
    location / {
      proxy_pass http://toolgate;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # The replicas listen on loopback, where go-sdk refuses a Host that
      # is not loopback (DNS rebinding): pass the client's own.
      proxy_set_header Host $host;
      proxy_buffering off;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }
  }
}
`, dir, ups.String(), addr)
	// log_format must come before its use.
	conf = strings.Replace(conf, "  access_log "+dir+"/access.log upstream;\n  log_format upstream '$msec $upstream_addr $status';\n",
		"  log_format upstream '$msec $upstream_addr $status';\n  access_log "+dir+"/access.log upstream;\n", 1)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil { // nginx's workers may run as nobody
		t.Fatal(err)
	}
	cmd := exec.Command(nginxBin, "-p", dir, "-c", path, "-g", "daemon off; user root;")
	out := &testenv.LockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGQUIT); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %s\n%s", out, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("nginx not listening on %s", addr)
}

// upstreamCounts counts, from nginx's access log, the calls each replica
// answered after since.
func upstreamCounts(t *testing.T, path string, since time.Time) map[string]int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counts := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[2] != "200" {
			continue
		}
		sec, err := strconv.ParseFloat(fields[0], 64)
		if err != nil || time.Unix(0, int64(sec*1e9)).Before(since) {
			continue
		}
		counts[fields[1]]++
	}
	return counts
}

// writeConfig writes the replicas' configuration: a CreateGateway body
// without an authorizer and one OpenAPI target reaching backend, served
// stateless so that any replica can answer any request.
func writeConfig(t *testing.T, dir, backend string) string {
	t.Helper()
	spec := fmt.Sprintf(`{"openapi":"3.0.3","info":{"title":"echo","version":"1"},"servers":[{"url":%q}],
"paths":{"/echo":{"get":{"operationId":"echo","description":"Says the text back.",
"parameters":[{"name":"text","in":"query","required":true,"schema":{"type":"string"}}],
"responses":{"200":{"description":"the text"}}}}}}`, backend)
	config := fmt.Sprintf(`gateway:
  name: scaleout
  protocolType: MCP
  authorizerType: NONE
targets:
  - name: echo
    targetConfiguration:
      mcp:
        openApiSchema:
          inlinePayload: '%s'
toolgate:
  stateless: true
  jsonResponse: true
`, strings.ReplaceAll(spec, "\n", ""))
	path := filepath.Join(dir, "toolgate.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
