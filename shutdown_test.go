package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestShutdown stops an http.Server serving the gateway the documented way
// while a call runs on a stateful session (whose client also holds the
// standalone SSE stream open): the running call gets its answer, a new one
// is refused, and the server's Shutdown returns once the call is done
// instead of waiting on the open stream.
func TestShutdown(t *testing.T) {
	for _, stateless := range []bool{false, true} {
		t.Run(fmt.Sprintf("stateless=%v", stateless), func(t *testing.T) {
			bt := newBlockTarget()
			gw := mustGateway(t, &Options{Stateless: stateless}, bt, mathTarget())
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: gw}
			go func() { _ = srv.Serve(ln) }()
			cs := connect(t, "http://"+ln.Addr().String(), nil)

			running := make(chan *mcp.CallToolResult, 1)
			go func() {
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "slow___wait", Arguments: map[string]any{}})
				if err != nil {
					res = ErrorResult(err.Error())
				}
				running <- res
			}()
			<-bt.started

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.RegisterOnShutdown(func() { _ = gw.Shutdown(ctx) })
			stopped := make(chan error, 1)
			go func() { stopped <- srv.Shutdown(ctx) }()
			for !gw.draining.Load() {
				time.Sleep(time.Millisecond)
			}
			// A call on the gateway after Shutdown began is refused.
			res, err := gw.Call(context.Background(), "math___add", json.RawMessage(`{"a":1,"b":2}`))
			if err != nil || !res.IsError || !strings.Contains(textOf(res), "shutting down") {
				t.Fatalf("new call during shutdown: %v %+v", err, res)
			}
			select {
			case err := <-stopped:
				t.Fatalf("server stopped with a call running: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			close(bt.release)
			if res := <-running; res.IsError || textOf(res) != "released" {
				t.Fatalf("running call: %+v", res)
			}
			select {
			case err := <-stopped:
				if err != nil {
					t.Fatalf("server Shutdown: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("server Shutdown still waiting after the last call ended")
			}
		})
	}
}

// TestShutdownDeadline: a call that outlives Shutdown's context does not
// hold the gateway open; Shutdown closes it and reports the deadline.
func TestShutdownDeadline(t *testing.T) {
	bt := newBlockTarget()
	gw := mustGateway(t, nil, bt)
	done := make(chan struct{})
	go func() {
		_, _ = gw.Call(context.Background(), "slow___wait", nil)
		close(done)
	}()
	<-bt.started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := gw.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want the deadline", err)
	}
	close(bt.release)
	<-done
}

// TestShutdownWaitsForAnswers: Shutdown waits for a call's answer to be
// written, not only for its target to return: a call whose audit record
// is still being taken (what runs between the target's answer and the
// client's) when Shutdown begins gets its answer (before, Shutdown closed
// its session in that moment and the answer was dropped: a reload that
// rebuilt the gateway lost it, now and then, under load).
func TestShutdownWaitsForAnswers(t *testing.T) {
	for _, stateless := range []bool{false, true} {
		t.Run(fmt.Sprintf("stateless=%v", stateless), func(t *testing.T) {
			auditing, release := make(chan struct{}), make(chan struct{})
			var once, released sync.Once
			letGo := func() { released.Do(func() { close(release) }) }
			defer letGo() // a failure lets the call end, and the gateway close
			audit := func(_ context.Context, rec *AuditRecord) {
				if rec.Tool == "math___add" {
					once.Do(func() { close(auditing); <-release })
				}
			}
			gw := mustGateway(t, &Options{Stateless: stateless, Audit: audit}, mathTarget())
			cs := connect(t, serve(t, gw), nil)
			answered := make(chan error, 1)
			go func() {
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "math___add", Arguments: map[string]any{"a": 1, "b": 2}})
				if err == nil && (res.IsError || !strings.Contains(textOf(res), "3")) {
					err = fmt.Errorf("answer %+v", res)
				}
				answered <- err
			}()
			<-auditing // the target has answered; the answer is not written yet
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			stopped := make(chan error, 1)
			go func() { stopped <- gw.Shutdown(ctx) }()
			for !gw.draining.Load() {
				time.Sleep(time.Millisecond)
			}
			select {
			case err := <-stopped:
				t.Fatalf("Shutdown returned before the answer was written: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			letGo()
			for _, c := range []struct {
				what string
				ch   chan error
			}{{"the call", answered}, {"Shutdown", stopped}} {
				select {
				case err := <-c.ch:
					if err != nil {
						t.Fatalf("%s: %v", c.what, err)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%s: no end after 5 s", c.what)
				}
			}
		})
	}
}
