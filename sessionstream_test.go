package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/testenv"
)

// relayTool is a tool that uses the caller's session as a relay does
// (Tool.RelaysSession), running fn; an error of fn is its isError result.
func relayTool(name string, fn func(ctx context.Context, s *Session) (string, error)) FuncTool {
	return RawFunc(Tool{Name: name, InputSchema: json.RawMessage(`{"type":"object"}`), UsesSession: true, RelaysSession: true},
		func(ctx context.Context, _ json.RawMessage) (*Result, error) {
			out, err := fn(ctx, SessionFrom(ctx))
			if err != nil {
				return &Result{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: err.Error()}}}, nil
			}
			return TextResult(out), nil
		})
}

// recorder is a client that records what reaches it, in order.
type recorder struct {
	mu   sync.Mutex
	seen []string
	fail bool // the model and the user refuse
}

func (r *recorder) add(kind string, v any) {
	b, _ := json.Marshal(v)
	r.mu.Lock()
	r.seen = append(r.seen, kind+" "+string(b))
	r.mu.Unlock()
}

func (r *recorder) options() *mcp.ClientOptions {
	return &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
			r.add("progress", req.Params)
		},
		LoggingMessageHandler: func(_ context.Context, req *mcp.LoggingMessageRequest) { r.add("log", req.Params) },
		CreateMessageWithToolsHandler: func(_ context.Context, req *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
			r.add("sampling", req.Params)
			if r.fail {
				return nil, errors.New("no model here")
			}
			if len(req.Params.Tools) > 0 {
				return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "m", StopReason: "toolUse", Content: []mcp.Content{
					&mcp.ToolUseContent{ID: "u1", Name: "weather", Input: map[string]any{"city": "Oslo"}},
					&mcp.ToolUseContent{ID: "u2", Name: "weather", Input: map[string]any{"city": "Rome"}},
				}}, nil
			}
			return &mcp.CreateMessageWithToolsResult{Role: "assistant", Model: "m", Content: []mcp.Content{&mcp.TextContent{Text: "plain"}}}, nil
		},
		ElicitationHandler: func(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
			r.add("elicitation", req.Params)
			if r.fail {
				return &mcp.ElicitResult{Action: "decline"}, nil
			}
			return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"colours": []any{"red"}}}, nil
		},
	}
}

// TestStreamedRelayMatchesSDK: the calls of a tool that relays a session
// (Tool.RelaysSession), from a caller that can be asked, are answered by
// the gateway itself with an event stream of their own; what the caller
// sees (progress, sampling with and without tools, a relayed elicitation,
// refusals, the answer) is
// what it sees when go-sdk answers them (DisableFastPath).
func TestStreamedRelayMatchesSDK(t *testing.T) {
	weather := &mcp.Tool{Name: "weather", InputSchema: map[string]any{"type": "object"}}
	user := &mcp.SamplingMessage{Role: "user", Content: &mcp.TextContent{Text: "?"}}
	steps := relayTool("steps", func(ctx context.Context, s *Session) (string, error) {
		var out []string
		if err := s.Progress(ctx, 1, 3, "asking"); err != nil {
			return "", err
		}
		if err := s.Log(ctx, "info", "steps", "not asked for"); err != nil {
			return "", err
		}
		withTools, err := s.SampleWithTools(ctx, &mcp.CreateMessageWithToolsParams{MaxTokens: 9, Tools: []*mcp.Tool{weather},
			Messages: []*mcp.SamplingMessageV2{{Role: "user", Content: []mcp.Content{&mcp.TextContent{Text: "weather?"}}}}})
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s %d blocks", withTools.StopReason, len(withTools.Content)))
		plain, err := s.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 9, Messages: []*mcp.SamplingMessage{user}})
		if err != nil {
			return "", err
		}
		out = append(out, plain.Content.(*mcp.TextContent).Text)
		el, err := s.RelayElicit(ctx, &mcp.ElicitParams{Message: "colours?", RequestedSchema: map[string]any{
			"type": "object", "properties": map[string]any{"colours": map[string]any{"type": "array",
				"items": map[string]any{"type": "string", "enum": []any{"red", "blue"}}}}}})
		if err != nil {
			return "", err
		}
		out = append(out, fmt.Sprintf("%s %v", el.Action, el.Content))
		if err := s.Progress(ctx, 3, 3, "done"); err != nil {
			return "", err
		}
		return strings.Join(out, "; "), nil
	})
	elicit := relayTool("elicit", func(ctx context.Context, s *Session) (string, error) {
		_, err := s.Elicit(ctx, &mcp.ElicitParams{Message: "?", RequestedSchema: map[string]any{"type": "object"}})
		return "", err
	})
	logs := relayTool("logs", func(ctx context.Context, s *Session) (string, error) {
		for _, l := range []mcp.LoggingLevel{"debug", "info", "warning", "error", "emergency", "unknown"} {
			if err := s.Log(ctx, l, "logs", map[string]any{"level": l}); err != nil {
				return "", err
			}
		}
		return "logged", s.Progress(ctx, 1, 1, "logged")
	})
	visit := relayTool("visit", func(ctx context.Context, s *Session) (string, error) {
		_, err := s.RelayElicit(ctx, &mcp.ElicitParams{Message: "visit", URL: "https://example.com/login", ElicitationID: "e1"})
		return "", err
	})
	cases := []struct {
		name, tool string
		fail       bool
		token      bool
		level      mcp.LoggingLevel // the log level the client sets, if any
		want       string           // the answer's text, or its beginning when it ends in an error
		notified   int              // notifications the client gets
	}{
		{"asks and progress", "steps", false, true, "", "toolUse 2 blocks; plain; accept map[colours:[red]]", 2},
		{"asks without a progress token", "steps", false, false, "", "toolUse 2 blocks; plain; accept map[colours:[red]]", 0},
		{"asks and a log level", "steps", false, true, "debug", "toolUse 2 blocks; plain; accept map[colours:[red]]", 3},
		{"the client refuses", "steps", true, true, "", `toolgate: sampling: calling "sampling/createMessage": no model here`, 0},
		{"Elicit refused to a relay", "elicit", false, true, "", "toolgate: elicitation: a tool that declares Tool.RelaysSession", 0},
		{"URL mode inferred, and refused to a form-only client", "visit", false, true, "", `toolgate: elicitation: client does not support "url" elicitation`, 0},
		{"log messages from the level set", "logs", false, true, "warning", "logged", 4},
		{"no log messages without a level", "logs", false, true, "", "logged", 1},
	}
	for _, stateless := range []bool{false, true} {
		for _, tc := range cases {
			if stateless {
				// Stateless, the client can be asked nothing and sets no
				// level: only the progress before the first request remains.
				tc.want, tc.notified, tc.level = "", 0, "" // (go-sdk's client speaks the sessionless form)
				if tc.token && (tc.tool == "steps" || tc.tool == "logs") {
					tc.notified = 1
				}
			}
			for _, through := range []string{"", "fwd"} {
				name := fmt.Sprintf("%s stateless=%v", tc.name, stateless)
				if through != "" {
					name += ", through a tool that calls it (Tool.CallsTool)"
				}
				t.Run(name, func(t *testing.T) {
					streamedMatchesSDK(t, stateless, through, tc.tool, tc.fail, tc.token, tc.level, tc.want, tc.notified, steps, elicit, visit, logs)
				})
			}
		}
	}
}

// streamedMatchesSDK runs one case of TestStreamedRelayMatchesSDK: the
// tool called directly, or through the builtin through (forwardTool),
// which must make no difference.
func streamedMatchesSDK(t *testing.T, stateless bool, through, tool string, fail, token bool, level mcp.LoggingLevel, want string, notified int, tools ...FuncTool) {
	tc := struct {
		tool     string
		fail     bool
		token    bool
		level    mcp.LoggingLevel
		want     string
		notified int
	}{tool, fail, token, level, want, notified}
	var got [2][]string
	var answers [2]string
	for i, noFast := range []bool{true, false} {
		gw := mustGateway(t, &Options{DisableFastPath: noFast, Stateless: stateless}, Funcs("r", tools...))
		if through != "" {
			forwardTool(t, gw, through)
		}
		rec := &recorder{fail: tc.fail}
		cs := connect(t, serve(t, gw), rec.options())
		if tc.level != "" {
			if err := cs.SetLoggingLevel(context.Background(), &mcp.SetLoggingLevelParams{Level: tc.level}); err != nil {
				t.Fatal(err)
			}
		}
		p := &mcp.CallToolParams{Name: "r___" + tc.tool, Arguments: map[string]any{}}
		if through != "" {
			p = &mcp.CallToolParams{Name: through, Arguments: map[string]any{"name": p.Name}}
		}
		if tc.token {
			p.SetProgressToken("tok")
		}
		before := gw.fast.Calls()
		res, err := cs.CallTool(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if fast := gw.fast.Calls() - before; fast != map[bool]uint64{true: 0, false: 1}[noFast] {
			t.Errorf("noFast=%v: the fast path answered %d calls", noFast, fast)
		}
		// notifications are handled apart from the answer
		testenv.WaitFor(t, "the notifications", func() bool {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			n := 0
			for _, s := range rec.seen {
				if strings.HasPrefix(s, "progress ") || strings.HasPrefix(s, "log ") {
					n++
				}
			}
			return n >= tc.notified
		})
		answers[i] = textOf(res)
		if !strings.HasPrefix(answers[i], tc.want) {
			t.Errorf("noFast=%v: answered %q, want %q", noFast, answers[i], tc.want)
		}
		rec.mu.Lock()
		got[i] = rec.seen
		rec.mu.Unlock()
	}
	if answers[0] != answers[1] {
		t.Errorf("answers differ:\n go-sdk %q\n   fast %q", answers[0], answers[1])
	}
	if strings.Join(got[0], "\n") != strings.Join(got[1], "\n") {
		t.Errorf("the client saw, through go-sdk:\n%s\nthrough the fast path:\n%s", strings.Join(got[0], "\n"), strings.Join(got[1], "\n"))
	}
}

// TestStreamedRelayLeftToSDK: a relaying tool's call goes to go-sdk in a
// gateway whose answers are plain JSON (the tool's messages then travel
// on the session's own stream).
func TestStreamedRelayLeftToSDK(t *testing.T) {
	logs := relayTool("logs", func(ctx context.Context, s *Session) (string, error) {
		return "logged", s.Log(ctx, "warning", "logs", "hello")
	})
	for _, tc := range []struct {
		name     string
		opts     Options
		setLevel bool
	}{
		{"plain JSON answers", Options{JSONResponse: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gw := mustGateway(t, &tc.opts, Funcs("r", logs))
			rec := &recorder{}
			cs := connect(t, serve(t, gw), rec.options())
			if tc.setLevel {
				if err := cs.SetLoggingLevel(context.Background(), &mcp.SetLoggingLevelParams{Level: "info"}); err != nil {
					t.Fatal(err)
				}
			}
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "r___logs", Arguments: map[string]any{}})
			if err != nil || res.IsError {
				t.Fatalf("%v %+v", err, res)
			}
			if n := gw.fast.Calls(); n != 0 {
				t.Errorf("the fast path answered %d calls", n)
			}
			if tc.setLevel {
				testenv.WaitFor(t, "the log message", func() bool {
					rec.mu.Lock()
					defer rec.mu.Unlock()
					return len(rec.seen) == 1 && strings.HasPrefix(rec.seen[0], "log ")
				})
			}
		})
	}
}

// TestStreamedRelayCancels: on a call the gateway answers itself, a
// request the tool gives up and one still waiting when the tool returns
// are each cancelled at the caller (its handler's context ends), as
// through go-sdk; a request waiting when the caller cancels its call or
// closes its session ends at once. (go-sdk's client stops reading a call's
// stream when it cancels the call, so its handler is not told.)
func TestStreamedRelayCancels(t *testing.T) {
	type mode int
	const (
		givenUp       mode = iota // the tool cancels the request's context
		leftBehind                // the tool returns while the request waits
		callCancelled             // the caller cancels its call
		sessionClosed             // the caller closes its session
	)
	for _, m := range []mode{givenUp, leftBehind, callCancelled, sessionClosed} {
		for _, noFast := range []bool{true, false} {
			t.Run(fmt.Sprintf("mode=%d noFast=%v", m, noFast), func(t *testing.T) {
				asked := make(chan struct{}, 1)
				toolDone := make(chan error, 1)
				tool := relayTool("ask", func(ctx context.Context, s *Session) (string, error) {
					actx, cancel := context.WithCancel(ctx)
					defer cancel()
					done := make(chan error, 1)
					go func() {
						_, err := s.SampleWithTools(actx, &mcp.CreateMessageWithToolsParams{MaxTokens: 1,
							Messages: []*mcp.SamplingMessageV2{{Role: "user", Content: []mcp.Content{&mcp.TextContent{Text: "?"}}}}})
						done <- err
					}()
					<-asked
					var err error
					switch m {
					case givenUp:
						cancel()
						err = <-done
					case leftBehind:
						return "left", nil
					default:
						err = <-done
					}
					toolDone <- err
					return fmt.Sprint("ended: ", err), nil
				})
				gw := mustGateway(t, &Options{DisableFastPath: noFast}, Funcs("r", tool))
				url := serve(t, gw)
				release := make(chan struct{})
				defer close(release)
				handlerEnded := make(chan error, 1)
				reached := make(chan struct{}, 1)
				cs := connect(t, url, &mcp.ClientOptions{
					CreateMessageWithToolsHandler: func(ctx context.Context, _ *mcp.CreateMessageWithToolsRequest) (*mcp.CreateMessageWithToolsResult, error) {
						asked <- struct{}{}
						reached <- struct{}{}
						select {
						case <-ctx.Done():
							handlerEnded <- ctx.Err()
						case <-time.After(5 * time.Second):
							handlerEnded <- errors.New("still waiting after 5 s")
						case <-release:
						}
						return nil, errors.New("no answer")
					},
				})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				called := make(chan error, 1)
				go func() {
					_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "r___ask", Arguments: map[string]any{}})
					called <- err
				}()
				switch m {
				case callCancelled:
					<-reached
					cancel()
				case sessionClosed:
					<-reached
					// The client's DELETE (go-sdk's Close waits for the
					// handler first).
					req, _ := http.NewRequest(http.MethodDelete, url, nil)
					req.Header.Set("Mcp-Session-Id", cs.ID())
					req.Header.Set("Mcp-Protocol-Version", cs.InitializeResult().ProtocolVersion)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					_ = resp.Body.Close()
				}
				if m == givenUp || m == leftBehind {
					if err := <-handlerEnded; !errors.Is(err, context.Canceled) {
						t.Fatalf("the caller's handler ended with %v, want its request cancelled", err)
					}
				}
				if m != leftBehind {
					// go-sdk ends a request of a closed session only
					// when the client's handler gives up (after 5 s here).
					limit := time.Second
					if m == sessionClosed && noFast {
						limit = 10 * time.Second
					}
					select {
					case err := <-toolDone:
						if err == nil {
							t.Error("the tool's request ended without an error")
						}
					case <-time.After(limit):
						t.Fatalf("the tool's request did not end within %v", limit)
					}
				}
				<-called
			})
		}
	}
}

// TestStreamedRelayStrayAnswer: a client's answer to no request the fast
// path awaits (an id of its form, unknown) is left to go-sdk, which
// answers it as it would without the fast path.
func TestStreamedRelayStrayAnswer(t *testing.T) {
	var status [2]int
	for i, noFast := range []bool{true, false} {
		gw := mustGateway(t, &Options{DisableFastPath: noFast}, mathTarget())
		url := serve(t, gw)
		cs := connect(t, url, nil)
		status[i], _ = rawPost(t, url, []byte(`{"jsonrpc":"2.0","id":"toolgate-ask-77","result":{"role":"assistant","model":"m","content":{"type":"text","text":"x"}}}`),
			map[string]string{"Mcp-Session-Id": cs.ID(), "Mcp-Protocol-Version": cs.InitializeResult().ProtocolVersion})
	}
	if status[0] != status[1] {
		t.Errorf("status %d through go-sdk, %d with the fast path", status[0], status[1])
	}
}

// TestStreamedRelayIntercepted: with a RESPONSE interceptor, a streamed
// relay call's progress and requests pass on to the caller as they come,
// and its answer goes through the interceptor, as through go-sdk.
func TestStreamedRelayIntercepted(t *testing.T) {
	tool := relayTool("ask", func(ctx context.Context, s *Session) (string, error) {
		if err := s.Progress(ctx, 1, 2, "asking"); err != nil {
			return "", err
		}
		res, err := s.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 9,
			Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "?"}}}})
		if err != nil {
			return "", err
		}
		return res.Content.(*mcp.TextContent).Text, nil
	})
	icpt := onResponse(t, "tools/call", func(r map[string]any) { r["result"].(map[string]any)["isError"] = true })
	var seen [2]string
	for i, noFast := range []bool{true, false} {
		gw := mustGateway(t, &Options{DisableFastPath: noFast, GatewayInterceptors: []GatewayInterceptor{icpt}}, Funcs("r", tool))
		rec := &recorder{}
		cs := connect(t, serve(t, gw), rec.options())
		p := &mcp.CallToolParams{Name: "r___ask", Arguments: map[string]any{}}
		p.SetProgressToken("tok")
		res, err := cs.CallTool(context.Background(), p)
		if err != nil || !res.IsError || textOf(res) != "plain" {
			t.Fatalf("noFast=%v: %v %+v, want the intercepted answer", noFast, err, res)
		}
		if fast := gw.fast.Calls(); fast != map[bool]uint64{true: 0, false: 1}[noFast] {
			t.Errorf("noFast=%v: the fast path answered %d calls", noFast, fast)
		}
		testenv.WaitFor(t, "the progress", func() bool {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			return len(rec.seen) == 2
		})
		seen[i] = strings.Join(rec.seen, "\n")
	}
	if seen[0] != seen[1] {
		t.Errorf("the client saw, through go-sdk:\n%s\nthrough the fast path:\n%s", seen[0], seen[1])
	}
}

// TestStreamedRelayBytes: a streamed relay call's answer, progress and
// log messages included, is go-sdk's byte for byte, stateless (protocol
// 2025-11-25, without a session: go-sdk sends log messages from info up)
// and on a stateful session (no level set: none).
func TestStreamedRelayBytes(t *testing.T) {
	tool := relayTool("steps", func(ctx context.Context, s *Session) (string, error) {
		for i := range 3 {
			if err := s.Progress(ctx, float64(i+1), 3, fmt.Sprint("step ", i+1)); err != nil {
				return "", err
			}
			for _, l := range []mcp.LoggingLevel{"debug", "info", "error"} {
				if err := s.Log(ctx, l, "steps", fmt.Sprint(l, " ", i+1)); err != nil {
					return "", err
				}
			}
		}
		return "done", nil
	})
	body := call("9", `{"name":"r___steps","arguments":{},"_meta":{"progressToken":"tok"}}`)
	for _, stateless := range []bool{true, false} {
		mk := func(noFast bool) (*Gateway, map[string]string) {
			gw := mustGateway(t, &Options{Stateless: stateless, DisableFastPath: noFast}, Funcs("r", tool))
			hdr := map[string]string{"Mcp-Protocol-Version": "2025-11-25"}
			if !stateless {
				hdr["Mcp-Session-Id"] = openSession(t, gw, nil)
			}
			return gw, hdr
		}
		fast, fh := mk(false)
		slow, sh := mk(true)
		got, want := postTo(fast, "POST", body, fh), postTo(slow, "POST", body, sh)
		if d := sameExchange(got, want); d != "" {
			t.Errorf("stateless=%v: fast path and go-sdk differ: %s", stateless, d)
		}
		logs := map[bool]int{true: 6, false: 0}[stateless]
		if fast.fast.Calls() != 1 || strings.Count(got.body, "notifications/progress") != 3 || strings.Count(got.body, "notifications/message") != logs {
			t.Errorf("stateless=%v: %d fast calls; %q", stateless, fast.fast.Calls(), got.body)
		}
	}
}
