package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sessionTool is a Func tool that uses every part of the caller's session
// and reports what each gave, one line per part.
func sessionTool(declare bool) FuncTool {
	ft := Func("use", "Uses the caller's session", func(ctx context.Context, _ struct{}) (string, error) {
		s := SessionFrom(ctx)
		var out []string
		report := func(what string, err error, ok string) {
			if err != nil {
				out = append(out, what+": "+err.Error())
				return
			}
			out = append(out, what+": "+ok)
		}
		report("progress", s.Progress(ctx, 1, 2, "half way"), "sent")
		report("log", s.Log(ctx, "warning", "tool", "careful"), "sent")
		er, err := s.Elicit(ctx, &mcp.ElicitParams{Message: "Your name?", RequestedSchema: map[string]any{
			"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}}}})
		if err == nil {
			report("elicit", nil, fmt.Sprintf("%s %v", er.Action, er.Content["name"]))
		} else {
			report("elicit", err, "")
		}
		sr, err := s.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 10, Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "hi"}}}})
		if err == nil {
			report("sample", nil, sr.Content.(*mcp.TextContent).Text)
		} else {
			report("sample", err, "")
		}
		caps := s.ClientCapabilities()
		report("capabilities", nil, fmt.Sprintf("elicitation=%v sampling=%v", caps != nil && caps.Elicitation != nil, caps != nil && caps.Sampling != nil))
		return strings.Join(out, "\n"), nil
	})
	if declare {
		ft = ft.WithSession()
	}
	return ft
}

// TestSessionFromATool drives a tool that uses the caller's session with
// the go-sdk client, whose handlers answer elicitation and sampling and
// record progress and log messages, in every transport mode.
// sessionWant is what each line of sessionTool's answer holds.
type sessionWant struct{ progress, log, elicit, sample, caps string }

func TestSessionFromATool(t *testing.T) {
	type want = sessionWant
	full := want{"sent", "sent", "accept Ada", "from the model", "elicitation=true sampling=true"}
	// Stateless: each request stands alone, and the server cannot ask the
	// client anything; the client's capabilities come with each request.
	stateless := want{"sent", "sent", "needs a stateful session", "needs a stateful session", "elicitation=true sampling=true"}
	plain := want{"notifications need a stream", "notifications need a stream", "needs a stateful session", "needs a stateful session", "elicitation=true sampling=true"}
	tests := []struct {
		name                string
		opts                Options
		noHandlers, declare bool
		want                want
		progressSeen        bool
	}{
		{"stateful SSE", Options{}, false, true, full, true},
		{"stateful JSON", Options{JSONResponse: true}, false, true, full, true}, // on the session's standalone stream
		{"stateless SSE", Options{Stateless: true}, false, true, stateless, true},
		{"stateless JSON", Options{Stateless: true, JSONResponse: true}, false, true, plain, false},
		{"client without the capabilities", Options{}, true, true,
			want{"sent", "sent", "client does not support elicitation", "client does not support sampling", "elicitation=false sampling=false"}, true},
		{"tool that does not declare it", Options{}, false, false,
			want{"declares that it uses one with WithSession", "WithSession", "WithSession", "WithSession", "elicitation=false sampling=false"}, false},
	}
	for _, tc := range tests {
		for _, through := range []string{"", "fwd"} {
			name := tc.name
			if through != "" {
				name += ", through a tool that calls it (Tool.CallsTool)"
			}
			t.Run(name, func(t *testing.T) {
				testSessionFromATool(t, tc.opts, tc.noHandlers, tc.declare, tc.progressSeen, through, tc.want)
			})
		}
	}
}

// forwardTool adds to gw the builtin name, which calls the tool its
// argument "name" names within its own call (Tool.CallsTool), as the
// search package's call tool does.
func forwardTool(t *testing.T, gw *Gateway, name string) {
	t.Helper()
	tool := Tool{Name: name, CallsTool: "name",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"name":{"type":"string"},"arguments":{"type":"object"}},"required":["name"]}`)}
	err := gw.AddBuiltin(tool, func(ctx context.Context, req *CallRequest) (*Result, error) {
		var args struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		}
		if err := json.Unmarshal(req.Arguments, &args); err != nil {
			return nil, err
		}
		return gw.Call(ctx, args.Name, args.Arguments)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testSessionFromATool is one case of TestSessionFromATool: the tool
// called directly, or through the builtin through, which must make no
// difference to what the tool and the client see.
func testSessionFromATool(t *testing.T, opts Options, noHandlers, declare, progressSeen bool, through string, want sessionWant) {
	gw := mustGateway(t, &opts, Funcs("s", sessionTool(declare)))
	if through != "" {
		forwardTool(t, gw, through)
	}
	var mu sync.Mutex
	var progress, logs []string
	copts := &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			progress = append(progress, fmt.Sprintf("%v %v/%v %s", r.Params.ProgressToken, r.Params.Progress, r.Params.Total, r.Params.Message))
			mu.Unlock()
		},
		LoggingMessageHandler: func(_ context.Context, r *mcp.LoggingMessageRequest) {
			mu.Lock()
			logs = append(logs, fmt.Sprintf("%s %s %v", r.Params.Level, r.Params.Logger, r.Params.Data))
			mu.Unlock()
		},
	}
	if !noHandlers {
		copts.ElicitationHandler = func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}, nil
		}
		copts.CreateMessageHandler = func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
			return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "from the model"}}, nil
		}
	}
	cs := connect(t, serve(t, gw), copts)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if !opts.Stateless {
		if err := cs.SetLoggingLevel(ctx, &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
			t.Fatal(err)
		}
	}
	params := &mcp.CallToolParams{Name: "s___use", Arguments: map[string]any{}}
	if through != "" {
		params = &mcp.CallToolParams{Name: through, Arguments: map[string]any{"name": "s___use"}}
	}
	params.SetProgressToken("p1")
	res, err := cs.CallTool(ctx, params)
	if err != nil || res.IsError {
		t.Fatalf("call: %v %+v", err, res)
	}
	if declare && gw.fast.Calls() != 0 {
		t.Errorf("a call of a tool that uses the session was answered by the fast path")
	}
	lines := strings.Split(textOf(res), "\n")
	for i, w := range []string{want.progress, want.log, want.elicit, want.sample, want.caps} {
		if i >= len(lines) || !strings.Contains(lines[i], w) {
			t.Errorf("line %d: got %q, want %q", i, lines, w)
		}
	}
	// The client runs its notification handlers on their own: wait for
	// them (a bounded wait; no notification is a failure).
	wantLogs := 0
	if progressSeen && !opts.Stateless {
		wantLogs = 1
	}
	wantProgress := map[bool]int{true: 1}[progressSeen]
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n, m := len(progress), len(logs)
		mu.Unlock()
		if n >= wantProgress && m >= wantLogs {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(progress) != wantProgress || wantProgress == 1 && progress[0] != "p1 1/2 half way" {
		t.Errorf("progress seen by the client: %q", progress)
	}
	if len(logs) != wantLogs || wantLogs == 1 && logs[0] != "warning tool careful" {
		t.Errorf("logs seen by the client: %q", logs)
	}
}

// TestSessionInProcess: a call made with Gateway.Call has no client; its
// session says so at once.
func TestSessionInProcess(t *testing.T) {
	gw := mustGateway(t, nil, Funcs("s", sessionTool(true)))
	res, err := gw.Call(context.Background(), "s___use", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := textOf(res); strings.Count(got, "in-process call") != 4 {
		t.Fatalf("in-process session:\n%s", got)
	}
	if !errors.Is(SessionFrom(context.Background()).Progress(context.Background(), 1, 0, ""), ErrNoSession) {
		t.Fatal("SessionFrom without a session is not ErrNoSession")
	}
}

// TestSessionElicitURL asks the client to send the user to a URL (URL-mode
// elicitation), with a client that declares it and one that declares form
// mode only.
func TestSessionElicitURL(t *testing.T) {
	tool := Func("consent", "Asks the user to consent on a page", func(ctx context.Context, _ struct{}) (string, error) {
		res, err := SessionFrom(ctx).Elicit(ctx, &mcp.ElicitParams{Mode: "url", Message: "Sign in to the calendar",
			URL: "https://auth.example/consent?x=1", ElicitationID: "e-1"})
		if err != nil {
			return "", err
		}
		if err := SessionFrom(ctx).ElicitationComplete(ctx, "e-1"); err != nil {
			return "", err
		}
		return string(res.Action), nil
	}).WithSession()
	for _, tc := range []struct {
		name string
		caps *mcp.ElicitationCapabilities
		want string
	}{
		{"client with URL mode", &mcp.ElicitationCapabilities{URL: &mcp.URLElicitationCapabilities{}}, "accept"},
		{"client with form mode only", &mcp.ElicitationCapabilities{Form: &mcp.FormElicitationCapabilities{}}, `does not support "url" elicitation`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := mustGateway(t, nil, Funcs("auth", tool))
			var asked *mcp.ElicitParams
			completed := make(chan string, 1)
			cs := connect(t, serve(t, gw), &mcp.ClientOptions{
				Capabilities: &mcp.ClientCapabilities{Elicitation: tc.caps},
				ElicitationCompleteHandler: func(_ context.Context, r *mcp.ElicitationCompleteNotificationRequest) {
					completed <- r.Params.ElicitationID
				},
				ElicitationHandler: func(_ context.Context, r *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
					asked = r.Params
					return &mcp.ElicitResult{Action: "accept"}, nil
				},
			})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "auth___consent", Arguments: map[string]any{}})
			if err != nil || !strings.Contains(textOf(res), tc.want) {
				t.Fatalf("got %v %q, want %q", err, textOf(res), tc.want)
			}
			if tc.want == "accept" && (asked == nil || asked.URL != "https://auth.example/consent?x=1" || asked.ElicitationID != "e-1") {
				t.Fatalf("the client was asked %+v", asked)
			}
			if tc.want == "accept" {
				select {
				case id := <-completed:
					if id != "e-1" {
						t.Fatalf("completed %q", id)
					}
				case <-ctx.Done():
					t.Fatal("no notifications/elicitation/complete")
				}
			}
		})
	}
}
