// Package testserver is the MCP server the mcpserver tests federate: tools
// that answer with every kind of content, report progress, log, ask the
// client (sampling, elicitation), wait for cancellation or for each other,
// and tell their process id; and a prompt that tells whose it is.
package testserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Hooks let a test observe and shape the server.
type Hooks struct {
	// Blocking, if set, is called when a call of "block" or "wait" starts
	// to wait.
	Blocking func()
	// Release ends the calls of "wait" when it is closed.
	Release chan struct{}
	// PageSize is the number of tools per tools/list page; 0 means
	// go-sdk's default.
	PageSize int
	// Cancelled, if set, is called when a call of "block" sees its
	// context end.
	Cancelled func(reason error)
}

var textArg = json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}}}`)

// New returns the server.
func New(h *Hooks) *mcp.Server {
	if h == nil {
		h = &Hooks{}
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "testserver", Version: "1"}, &mcp.ServerOptions{
		PageSize:     h.PageSize,
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{ListChanged: true}, Logging: &mcp.LoggingCapabilities{}},
	})
	s.AddTool(&mcp.Tool{
		Name: "echo", Title: "Echo", Description: "Says the text back.", InputSchema: textArg,
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, Title: "Echo"},
		Meta:        mcp.Meta{"example.com/kind": "demo"},
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var a struct{ Text string }
		_ = json.Unmarshal(req.Params.Arguments, &a)
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: a.Text}}}, nil
	})
	s.AddTool(&mcp.Tool{
		Name: "media", Description: "Answers with every kind of content.",
		InputSchema:  json.RawMessage(`{"type":"object"}`),
		OutputSchema: json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`),
	}, func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{
			Meta: mcp.Meta{"example.com/trace": "t-1"},
			Content: []mcp.Content{
				&mcp.TextContent{Text: "hello", Annotations: &mcp.Annotations{Priority: 0.5}},
				&mcp.ImageContent{Data: []byte{0x89, 'P', 'N', 'G'}, MIMEType: "image/png"},
				&mcp.AudioContent{Data: []byte("RIFF"), MIMEType: "audio/wav"},
				&mcp.ResourceLink{URI: "file:///a.txt", Name: "a.txt", MIMEType: "text/plain"},
				&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "file:///b.txt", MIMEType: "text/plain", Text: "b"}},
			},
			StructuredContent: map[string]any{"n": 42},
		}, nil
	})
	s.AddTool(&mcp.Tool{Name: "fail", Description: "Fails.", InputSchema: textArg},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "it failed"}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "progress", Description: "Reports progress three times.", InputSchema: textArg},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			tok := req.Params.GetProgressToken()
			for i := 1; i <= 3 && tok != nil; i++ {
				if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
					ProgressToken: tok, Progress: float64(i), Total: 3, Message: fmt.Sprintf("step %d", i)}); err != nil {
					return nil, err
				}
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf("token=%v", tok != nil)}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "log", Description: "Sends a log message.", InputSchema: textArg},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			//lint:ignore SA1019 logging is what this tool tests
			err := req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "warning", Logger: "testserver", Data: map[string]any{"msg": "careful"}})
			if err != nil {
				return nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "logged"}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "ask", Description: "Asks the client's model, then the user.", InputSchema: textArg},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			//lint:ignore SA1019 sampling is what this tool tests
			msg, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{MaxTokens: 10,
				Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "a colour?"}}}})
			if err != nil {
				return nil, fmt.Errorf("sampling: %w", err)
			}
			er, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: "Your name?", RequestedSchema: map[string]any{
				"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}})
			if err != nil {
				return nil, fmt.Errorf("elicitation: %w", err)
			}
			text := ""
			if tc, ok := msg.Content.(*mcp.TextContent); ok {
				text = tc.Text
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{
				Text: fmt.Sprintf("model=%s user=%s/%v", text, er.Action, er.Content["name"])}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "block", Description: "Waits until cancelled, 5 s at most; with a progress token, says so first.", InputSchema: textArg},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if h.Blocking != nil {
				h.Blocking()
			}
			if tok := req.Params.GetProgressToken(); tok != nil {
				if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: tok, Message: "blocking"}); err != nil {
					return nil, err
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "not cancelled"}}}, nil
			}
			if h.Cancelled != nil {
				h.Cancelled(context.Cause(ctx))
			}
			return nil, ctx.Err()
		})
	s.AddTool(&mcp.Tool{Name: "wait", Description: "Waits until released, 5 s at most.", InputSchema: textArg},
		func(ctx context.Context, _ *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if h.Blocking != nil {
				h.Blocking()
			}
			select {
			case <-h.Release:
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(5 * time.Second):
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "released"}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "session", Description: "Tells the id of the client's session.", InputSchema: textArg},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: req.Session.ID()}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "meta", Description: "Tells the _meta of the request.", InputSchema: textArg},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			b, err := json.Marshal(req.Params.Meta)
			if err != nil {
				return nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "urlask", Description: "Sends the user to a URL, then says the elicitation completed.", InputSchema: textArg},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Mode: "url", Message: "Sign in", URL: "https://example.com/auth", ElicitationID: "el-7"})
			if err != nil {
				return nil, err
			}
			if err := req.Session.NotifyElicitationComplete(ctx, &mcp.ElicitationCompleteParams{ElicitationID: "el-7"}); err != nil {
				return nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: res.Action}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "getenv", Description: "Tells the value of the environment variable named text.", InputSchema: textArg},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var in struct{ Text string }
			_ = json.Unmarshal(req.Params.Arguments, &in)
			v, ok := os.LookupEnv(in.Text)
			if !ok {
				v = "(unset)"
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: v}}}, nil
		})
	var met struct {
		sync.Mutex
		arrived int
		all     chan struct{} // closed when as many calls as asked have arrived
	}
	met.all = make(chan struct{})
	// meet waits until n calls have arrived (5 s at most).
	meet := func(ctx context.Context, n int) error {
		met.Lock()
		met.arrived++
		all := met.all
		if met.arrived >= n {
			close(met.all)
			met.all, met.arrived = make(chan struct{}), 0
		}
		met.Unlock()
		select {
		case <-all:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
			return errors.New("alone")
		}
	}
	s.AddTool(&mcp.Tool{Name: "together", Description: "Waits until n calls of it have arrived at this process (5 s at most), logs and asks the client's model, then waits for the n calls again before it answers.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"n":{"type":"integer"}}}`)},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var in struct{ N int }
			_ = json.Unmarshal(req.Params.Arguments, &in)
			if err := meet(ctx, in.N); err != nil {
				return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}, nil
			}
			//lint:ignore SA1019 logging is what this tool tests
			if err := req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "warning", Logger: "testserver", Data: "together"}); err != nil {
				return nil, err
			}
			//lint:ignore SA1019 sampling is what this tool tests
			msg, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{MaxTokens: 10,
				Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "who?"}}}})
			out := &mcp.CallToolResult{}
			if err != nil {
				out = &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "sampling: " + err.Error()}}}
			} else if tc, ok := msg.Content.(*mcp.TextContent); ok {
				out.Content = []mcp.Content{&mcp.TextContent{Text: "model=" + tc.Text}}
			}
			// Every call stays in flight until all have asked.
			if err := meet(ctx, in.N); err != nil {
				return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}, nil
			}
			return out, nil
		})
	s.AddTool(&mcp.Tool{Name: "caps", Description: "Tells what the client declared it can do.", InputSchema: textArg},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			b, err := json.Marshal(req.Session.InitializeParams().Capabilities)
			if err != nil {
				return nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "plan", Description: "Offers the client's model a weather tool (sampling with tools), and tells what it used.", InputSchema: textArg},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			//lint:ignore SA1019 sampling is what this tool tests
			res, err := req.Session.CreateMessageWithTools(ctx, &mcp.CreateMessageWithToolsParams{MaxTokens: 50,
				Messages: []*mcp.SamplingMessageV2{{Role: "user", Content: []mcp.Content{&mcp.TextContent{Text: "weather in Oslo and Rome?"}}}},
				Tools:    []*mcp.Tool{{Name: "weather", InputSchema: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}})
			if err != nil {
				return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "sampling: " + err.Error()}}}, nil
			}
			out := res.StopReason + ":"
			for _, c := range res.Content {
				if tu, ok := c.(*mcp.ToolUseContent); ok {
					out += fmt.Sprintf(" %s(%v)", tu.Name, tu.Input["city"])
				}
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: out}}}, nil
		})
	s.AddTool(&mcp.Tool{Name: "pid", Description: "Tells the server's process id.", InputSchema: textArg},
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprint(os.Getpid())}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "whoami", Description: "Tells the server's process id and the client's session id."},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user",
				Content: &mcp.TextContent{Text: fmt.Sprintf("%d %s", os.Getpid(), req.Session.ID())}}}}, nil
		})
	return s
}
