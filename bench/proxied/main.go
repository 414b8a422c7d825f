// Command proxied measures what a gateway in front of an MCP server adds
// to a call when each party is a process of its own, as deployed: a go-sdk
// server with an echo tool, a toolgate gateway whose target is that
// server, a gateway on net/http's own http.Transport instead of toolgate's
// default transport (for scale), and net/http/httputil's ReverseProxy, a
// proxy that only copies bytes. It starts each as a child process of
// itself on loopback, calls the tool through each and directly with the
// go-sdk client, every path taking each place in the order in turn, and
// prints the median direct call and what each path adds to it.
//
//	go run ./bench/proxied [-n 3000] [-runs 3]
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/mcpserver"
)

// The environment of a child process: its part (server, gateway,
// gateway-std, proxy), and the server's URL for the others.
const (
	roleEnv     = "TOOLGATE_PROXIED_ROLE"
	upstreamEnv = "TOOLGATE_PROXIED_UPSTREAM"
)

func main() {
	if role := os.Getenv(roleEnv); role != "" {
		playRole(role)
		return
	}
	n := flag.Int("n", 3000, "calls of each path per run")
	runs := flag.Int("runs", 3, "runs")
	flag.Parse()
	if err := measure(os.Stdout, *n, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "proxied:", err)
		os.Exit(1)
	}
}

// playRole serves role until the process is stopped.
func playRole(role string) {
	if err := serve(role, os.Getenv(upstreamEnv)); err != nil {
		fmt.Fprintln(os.Stderr, "proxied:", role+":", err)
		os.Exit(1)
	}
}

// serve plays role on a loopback port it prints on its first line.
func serve(role, upstream string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	var h http.Handler
	switch role {
	case "server":
		s := mcp.NewServer(&mcp.Implementation{Name: "echo", Version: "1"}, nil)
		type in struct {
			Text string `json:"text"`
		}
		mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "Echoes text."},
			func(_ context.Context, _ *mcp.CallToolRequest, a in) (*mcp.CallToolResult, any, error) {
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: a.Text}}}, nil, nil
			})
		h = mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
	case "gateway", "gateway-std":
		opts := mcpserver.Options{Name: "up", URL: upstream, Unprefixed: true, Logger: slog.New(slog.DiscardHandler)}
		if role == "gateway-std" {
			std := http.DefaultTransport.(*http.Transport).Clone()
			std.MaxIdleConnsPerHost = 64
			opts.HTTPClient = &http.Client{Transport: std}
		}
		tg, err := mcpserver.New(&opts)
		if err != nil {
			return err
		}
		gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := gw.AddTarget(ctx, tg); err != nil {
			return err
		}
		h = gw
	case "proxy":
		u, err := url.Parse(upstream)
		if err != nil {
			return err
		}
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.FlushInterval = -1
		rp.ErrorLog = log.New(io.Discard, "", 0) // a client's session ending cuts its event stream
		h = rp
	default:
		return fmt.Errorf("unknown role %q", role)
	}
	fmt.Printf("http://%s/\n", ln.Addr()) // every part serves MCP on any path
	return http.Serve(ln, h)
}

// child starts this program in role and returns its URL. The process is
// stopped when ctx ends, and waited for by wait.
func child(ctx context.Context, role, upstream string, wait *[]func()) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), roleEnv+"="+role, upstreamEnv+"="+upstream)
	*wait = append(*wait, func() { _ = cmd.Wait() })
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("%s: %w", role, err)
	}
	return strings.TrimSpace(line), nil
}

// measure calls through every path n times a run, runs times, and writes
// the medians to w.
func measure(w io.Writer, n, runs int) error {
	if n < 100 || runs < 1 {
		return errors.New("-n at least 100, -runs at least 1")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var waits []func()
	defer func() {
		cancel() // stops the children
		for _, wait := range waits {
			wait()
		}
	}()
	server, err := child(ctx, "server", "", &waits)
	if err != nil {
		return err
	}
	names := []string{"direct", "gateway", "gateway, http.Transport", "ReverseProxy"}
	urls := []string{server}
	for _, role := range []string{"gateway", "gateway-std", "proxy"} {
		u, err := child(ctx, role, server, &waits)
		if err != nil {
			return err
		}
		urls = append(urls, u)
	}
	var sessions []*mcp.ClientSession
	for _, u := range urls {
		c := mcp.NewClient(&mcp.Implementation{Name: "proxied", Version: "1"}, nil)
		cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: u}, nil)
		if err != nil {
			return fmt.Errorf("connecting to %s: %w", u, err)
		}
		defer cs.Close()
		sessions = append(sessions, cs)
	}
	call := func(cs *mcp.ClientSession) (time.Duration, error) {
		start := time.Now()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
		if err == nil && res.IsError {
			err = errors.New("the call failed")
		}
		return time.Since(start), err
	}
	for range 200 { // warm up every path
		for _, cs := range sessions {
			if _, err := call(cs); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(w, "median µs over %d calls a path; added = path − direct\n", n)
	for run := 1; run <= runs; run++ {
		ds := make([][]time.Duration, len(sessions))
		for i := range n {
			for k := range sessions {
				j := (i + k) % len(sessions)
				d, err := call(sessions[j])
				if err != nil {
					return err
				}
				ds[j] = append(ds[j], d)
			}
		}
		med := make([]time.Duration, len(ds))
		for j := range ds {
			slices.Sort(ds[j])
			med[j] = ds[j][len(ds[j])/2]
		}
		fmt.Fprintf(w, "run %d: %s %d", run, names[0], med[0].Microseconds())
		for j := 1; j < len(med); j++ {
			fmt.Fprintf(w, " | %s %+d", names[j], (med[j] - med[0]).Microseconds())
		}
		fmt.Fprintln(w)
	}
	return nil
}
