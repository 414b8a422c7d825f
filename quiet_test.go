package toolgate

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestQuietCallsAnsweredDirectly: a call of a tool that uses the session
// is answered directly when nothing could reach the client while it runs,
// and by go-sdk (which relates what the tool sends to the request) as soon
// as something could: a progress token, a client that can be asked, a log
// level.
func TestQuietCallsAnsweredDirectly(t *testing.T) {
	chatty := Func("chatty", "Reports progress and logs", func(ctx context.Context, _ struct{}) (string, error) {
		// A plain-JSON answer carries no notification: ErrNoSession.
		s := SessionFrom(ctx)
		if err := s.Progress(ctx, 1, 2, "half"); err != nil && !errors.Is(err, ErrNoSession) {
			return "", err
		}
		if err := s.Log(ctx, "info", "chatty", "working"); err != nil && !errors.Is(err, ErrNoSession) {
			return "", err
		}
		return "done", nil
	}).WithSession()
	sampler := func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
		return &mcp.CreateMessageResult{Model: "m", Role: "assistant", Content: &mcp.TextContent{Text: "x"}}, nil
	}
	cases := []struct {
		name      string
		stateless bool
		json      bool
		opts      *mcp.ClientOptions
		token     bool
		setLevel  bool
		direct    bool
	}{
		{"stateful, quiet", false, false, nil, false, false, true},
		{"stateful, progress token", false, false, nil, true, false, false},
		{"stateful, client that samples", false, false, &mcp.ClientOptions{CreateMessageHandler: sampler}, false, false, false},
		{"stateful, log level set", false, false, nil, false, true, false},
		{"stateless JSON, quiet", true, true, nil, false, false, true},
		{"stateless JSON, progress token", true, true, nil, true, false, false},
		// go-sdk may stream log messages in a stateless SSE answer.
		{"stateless SSE", true, false, nil, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gw := mustGateway(t, &Options{Stateless: c.stateless, JSONResponse: c.json}, Funcs("t", chatty))
			var progress, logs atomic.Int32
			opts := c.opts
			if opts == nil {
				opts = &mcp.ClientOptions{}
			}
			opts.ProgressNotificationHandler = func(context.Context, *mcp.ProgressNotificationClientRequest) { progress.Add(1) }
			opts.LoggingMessageHandler = func(context.Context, *mcp.LoggingMessageRequest) { logs.Add(1) }
			cs := connect(t, serve(t, gw), opts)
			ctx := context.Background()
			if c.setLevel {
				if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "debug"}); err != nil {
					t.Fatal(err)
				}
			}
			p := &mcp.CallToolParams{Name: "t___chatty", Arguments: map[string]any{}}
			if c.token {
				p.SetProgressToken("p1")
			}
			before := gw.fast.Calls()
			res, err := cs.CallTool(ctx, p)
			if err != nil || res.IsError || textOf(res) != "done" {
				t.Fatalf("%v %+v", err, res)
			}
			if direct := gw.fast.Calls() > before; direct != c.direct {
				t.Fatalf("answered directly: %v, want %v", direct, c.direct)
			}
			for i := 0; i < 200 && (c.token && !c.json && progress.Load() == 0 || c.setLevel && logs.Load() == 0); i++ {
				time.Sleep(5 * time.Millisecond)
			}
			if c.token && !c.json && progress.Load() != 1 {
				t.Errorf("%d progress notifications, want 1", progress.Load())
			}
			if c.setLevel && logs.Load() != 1 {
				t.Errorf("%d log messages, want 1", logs.Load())
			}
		})
	}
}
