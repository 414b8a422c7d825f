//go:build unix

package mcpserver_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
)

// TestCommandCallersApart: two callers' calls in flight at once on a command.
// With one process for both, the target cannot tell whose call the
// server's log message and sampling request belong to: neither caller gets
// them, and the server's request gets an error saying why. With
// ProcessPerSession each caller has a process of its own and gets exactly
// its own messages, while the other's call runs.
func TestCommandCallersApart(t *testing.T) {
	bin := testenv.StdioServer(t)
	for _, tc := range []struct {
		name       string
		perSession bool
		n          int // calls the server waits for before it asks
	}{
		{"one process", false, 2},
		{"process per session", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "std", Command: []string{bin}, ProcessPerSession: tc.perSession}))
			var mu sync.Mutex
			asked, logs := map[string]int{}, map[string][]any{}
			bothAsked := make(chan struct{})
			connectAs := func(who string) *mcp.ClientSession {
				cs := connect(t, gwURL, &mcp.ClientOptions{
					CreateMessageHandler: func(ctx context.Context, _ *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
						mu.Lock()
						asked[who]++
						if len(asked) == 2 {
							close(bothAsked)
						}
						mu.Unlock()
						select { // answer once both calls have asked: both are in flight
						case <-bothAsked:
						case <-time.After(5 * time.Second):
							return nil, errors.New("the other caller was not asked")
						}
						return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: who}}, nil
					},
					LoggingMessageHandler: func(_ context.Context, r *mcp.LoggingMessageRequest) {
						mu.Lock()
						logs[who] = append(logs[who], r.Params.Data)
						mu.Unlock()
					},
				})
				if err := cs.SetLoggingLevel(callCtx(t), &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
					t.Fatal(err)
				}
				return cs
			}
			callers := map[string]*mcp.ClientSession{"a": connectAs("a"), "b": connectAs("b")}
			results := map[string]*mcp.CallToolResult{}
			var wg sync.WaitGroup
			for who, cs := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "std___together", Arguments: map[string]any{"n": tc.n}})
					if err != nil {
						res = &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}
					}
					mu.Lock()
					results[who] = res
					mu.Unlock()
				}()
			}
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			for who := range callers {
				res := results[who]
				if tc.perSession {
					if res.IsError || text(res) != "model="+who || asked[who] != 1 || len(logs[who]) != 1 || logs[who][0] != "together" {
						t.Errorf("%s: %+v (%s), asked %d, logs %v", who, res, text(res), asked[who], logs[who])
					}
					continue
				}
				if !res.IsError || !strings.Contains(text(res), "calls of several callers are in flight") || asked[who] != 0 || len(logs[who]) != 0 {
					t.Errorf("%s: %+v (%s), asked %d, logs %v", who, res, text(res), asked[who], logs[who])
				}
			}
			if !tc.perSession {
				return
			}
			pidOf := func(who string) int { return serverPID(t, callers[who], "std___pid") }
			if a, b := pidOf("a"), pidOf("b"); a == b {
				t.Errorf("both callers on process %d", a)
			}
		})
	}
}

// TestMaxProcesses: beyond MaxProcesses a new caller's first call stops
// the process idle longest, or gets an isError result while every process
// has a call in flight; Close stops the rest.
func TestMaxProcesses(t *testing.T) {
	tg := newTarget(t, mcpserver.Options{Name: "std", Command: []string{testenv.StdioServer(t)}, ProcessPerSession: true, MaxProcesses: 2})
	_, gwURL := gateway(t, tg)
	blocking := make(chan struct{}, 2)
	tell := &mcp.ClientOptions{ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { blocking <- struct{}{} }}
	a, b, c := connect(t, gwURL, tell), connect(t, gwURL, nil), connect(t, gwURL, tell)
	pidA := serverPID(t, a, "std___pid")
	pidB := serverPID(t, b, "std___pid")
	serverPID(t, a, "std___pid") // b's process is now the one idle longest

	// c's process takes b's place.
	pidC := serverPID(t, c, "std___pid")
	testenv.WaitFor(t, "the idlest process to stop", func() bool { return errors.Is(syscall.Kill(pidB, 0), syscall.ESRCH) })
	if err := syscall.Kill(pidA, 0); err != nil {
		t.Fatalf("the other process %d: %v", pidA, err)
	}
	if pidC == pidA || pidC == pidB {
		t.Fatalf("c on process %d (a %d, b %d)", pidC, pidA, pidB)
	}

	// With a call in flight on both a's and c's processes, b is refused.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, cs := range []*mcp.ClientSession{a, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &mcp.CallToolParams{Name: "std___block"}
			p.SetProgressToken("b")
			_, _ = cs.CallTool(ctx, p)
		}()
	}
	for range 2 {
		select {
		case <-blocking:
		case <-time.After(10 * time.Second):
			t.Fatal("the blocking calls did not start")
		}
	}
	res, err := b.CallTool(callCtx(t), &mcp.CallToolParams{Name: "std___pid"})
	const busy = `mcp server "std": every process of the server is busy (MaxProcesses 2, one per caller's session, each with a call in flight)`
	if err != nil || !res.IsError || text(res) != busy {
		t.Fatalf("b while a and c are busy: %v %+v", err, res)
	}
	cancel()
	wg.Wait()
	// Once the gateway has ended the cancelled calls, a's or c's process
	// stops for b's.
	testenv.WaitFor(t, "b served", func() bool {
		res, err := b.CallTool(callCtx(t), &mcp.CallToolParams{Name: "std___pid"})
		switch {
		case err != nil || res.IsError && text(res) != busy:
			t.Fatalf("b once the calls are cancelled: %v %+v", err, res)
		case res.IsError:
			return false
		}
		pidB, _ = strconv.Atoi(text(res))
		return true
	})

	if err := tg.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range []int{pidA, pidB, pidC} {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("after Close, process %d: %v", pid, err)
		}
	}
}

// serverPID calls the server's pid tool through cs.
func serverPID(t *testing.T, cs *mcp.ClientSession, tool string) int {
	t.Helper()
	res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: tool})
	if err != nil || res.IsError {
		t.Fatalf("%v %+v", err, res)
	}
	n, err := strconv.Atoi(text(res))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSessionEnd: when a caller's session ends (its client closes it), the
// gateway tells the target, which closes the caller's backend session at
// once (well before IdleTimeout): over HTTP the server sees it end, and a
// command's process per session stops.
func TestSessionEnd(t *testing.T) {
	t.Run("streamable HTTP", func(t *testing.T) {
		srv, url := backend(t, nil)
		_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "up", URL: url}))
		open := func() int {
			n := 0
			for range srv.Sessions() {
				n++
			}
			return n
		}
		a, b := connect(t, gwURL, nil), connect(t, gwURL, nil)
		for _, cs := range []*mcp.ClientSession{a, b} {
			if res, err := cs.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___echo"}); err != nil || res.IsError {
				t.Fatalf("%v %+v", err, res)
			}
		}
		before := open() // the shared session, a's and b's
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		testenv.WaitFor(t, "a's backend session to end", func() bool { return open() == before-1 })
		if res, err := b.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___echo", Arguments: map[string]any{"text": "b"}}); err != nil || text(res) != "b" {
			t.Fatalf("b after a ended: %v %+v", err, res)
		}
	})
	t.Run("stdio, process per session", func(t *testing.T) {
		_, gwURL := gateway(t, newTarget(t, mcpserver.Options{Name: "std", Command: []string{testenv.StdioServer(t)}, ProcessPerSession: true}))
		a, b := connect(t, gwURL, nil), connect(t, gwURL, nil)
		pidA, pidB := serverPID(t, a, "std___pid"), serverPID(t, b, "std___pid")
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		testenv.WaitFor(t, "a's process to stop", func() bool { return errors.Is(syscall.Kill(pidA, 0), syscall.ESRCH) })
		if got := serverPID(t, b, "std___pid"); got != pidB {
			t.Fatalf("b's process changed: %d, was %d", got, pidB)
		}
	})
}

// TestOffersOnCallerSession: prompts/get goes to the backend session the
// caller's calls opened (a process of its own, or its own session with an
// HTTP server), so a server that keeps state per session answers from the
// caller's; before any call, to the shared one.
func TestOffersOnCallerSession(t *testing.T) {
	_, url := backend(t, nil)
	for _, tc := range []struct {
		name string
		opts mcpserver.Options
		tool string // what tells the caller's backend session apart
	}{
		{"stdio, process per session", mcpserver.Options{Command: []string{testenv.StdioServer(t)}, ProcessPerSession: true}, "pid"},
		{"streamable HTTP", mcpserver.Options{URL: url}, "session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Name = "up"
			_, gwURL := gateway(t, newTarget(t, opts))
			whoami := func(cs *mcp.ClientSession) (pid, session string) {
				t.Helper()
				res, err := cs.GetPrompt(callCtx(t), &mcp.GetPromptParams{Name: "up___whoami"})
				if err != nil || len(res.Messages) != 1 {
					t.Fatalf("prompts/get: %v %+v", err, res)
				}
				pid, session, _ = strings.Cut(res.Messages[0].Content.(*mcp.TextContent).Text, " ")
				return pid, session
			}
			a, b := connect(t, gwURL, nil), connect(t, gwURL, nil)
			sharedPID, sharedSession := whoami(a) // no call yet: the shared session
			res, err := a.CallTool(callCtx(t), &mcp.CallToolParams{Name: "up___" + tc.tool})
			if err != nil || res.IsError {
				t.Fatalf("%v %+v", err, res)
			}
			own := text(res)
			pid, session := whoami(a)
			got := map[string]string{"pid": pid, "session": session}[tc.tool]
			if got != own {
				t.Errorf("prompts/get after a call answered from %s, want the caller's %s", got, own)
			}
			if pid, session := whoami(b); pid != sharedPID || session != sharedSession {
				t.Errorf("another caller without calls: %s %s, want the shared %s %s", pid, session, sharedPID, sharedSession)
			}
		})
	}
}
