package toolgate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/testenv"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// relayTarget's tools call others through gw.Call with the context their
// handler received: via calls math___add, twice calls relay___via, echo
// calls math___echo, and as calls math___add as another principal.
func relayTarget(gw *Gateway) *FuncTarget {
	call := func(ctx context.Context, name, args string) (string, error) {
		res, err := gw.Call(ctx, name, json.RawMessage(args))
		if err != nil {
			return "", err
		}
		if res.IsError {
			return "", fmt.Errorf("%s: %s", name, textOf(res))
		}
		return textOf(res), nil
	}
	return Funcs("relay",
		Func("via", "Adds through math___add", func(ctx context.Context, _ struct{}) (string, error) {
			return call(ctx, "math___add", `{"a":1,"b":2}`)
		}),
		Func("twice", "Calls relay___via", func(ctx context.Context, _ struct{}) (string, error) {
			return call(ctx, "relay___via", `{}`)
		}),
		Func("echo", "Echoes through math___echo", func(ctx context.Context, _ struct{}) (string, error) {
			return call(ctx, "math___echo", `{"text":"x"}`)
		}),
		Func("as", "Adds as someone else", func(ctx context.Context, _ struct{}) (string, error) {
			return call(WithPrincipal(ctx, &Principal{Subject: "other"}), "math___add", `{"a":1,"b":2}`)
		}),
	)
}

// headers adds fixed headers to each request.
type headers struct {
	next http.RoundTripper
	h    map[string]string
}

func (t headers) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range t.h {
		r.Header.Set(k, v)
	}
	return t.next.RoundTrip(r)
}

// callPaths are the ways a call reaches the gateway that the nested-call
// tests run on.
var callPaths = []struct {
	name      string
	opts      Options
	stateless bool
}{
	{"fast path", Options{}, false},
	{"go-sdk's call path", Options{DisableFastPath: true}, false},
	{"stateless", Options{Stateless: true, JSONResponse: true}, true},
}

// auditLine is what TestNestedCallAudit checks of a record.
func auditLine(r AuditRecord) string {
	return fmt.Sprintf("%s via=%q subject=%q session=%t addr=%t request=%q %s", r.Tool, r.Via, r.Subject, r.SessionID != "", r.RemoteAddr != "", r.RequestID, r.Outcome)
}

// TestNestedCallAudit: a call made through Gateway.Call within a tool's
// handler, with the context the handler received, is audited with the tool
// it was made in (Via) and the outer call's session, address and request
// id, however deep, on both call paths and stateless; one made as another
// principal, and the application's own, are not. The records of one
// outer call share its session.
func TestNestedCallAudit(t *testing.T) {
	for _, tc := range callPaths {
		t.Run(tc.name, func(t *testing.T) {
			var log auditLog
			opts := tc.opts
			opts.Authorizer, opts.Audit = keyAuth, log.record
			gw := mustGateway(t, &opts, mathTarget())
			if err := gw.AddTarget(context.Background(), relayTarget(gw)); err != nil {
				t.Fatal(err)
			}
			url := serve(t, gw)
			hdr := map[string]string{"X-Key": "alice", "X-Request-Id": "req-7"}
			call := func(tool string) {
				t.Helper()
				if tc.stateless {
					body := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":%q,"arguments":{}}}`, tool)
					if status, b := rawPost(t, url, []byte(body), map[string]string{"X-Key": "alice", "X-Request-Id": "req-7", "Mcp-Protocol-Version": "2025-06-18"}); status != 200 || strings.Contains(b, `"isError":true`) {
						t.Fatalf("%s: %d %s", tool, status, b)
					}
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
				cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: headers{http.DefaultTransport, hdr}}}, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer cs.Close()
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}})
				if err != nil || res.IsError {
					t.Fatalf("%s: %v %v", tool, err, res)
				}
			}
			session := !tc.stateless
			want := []string{
				fmt.Sprintf(`math___add via="relay___via" subject="alice" session=%t addr=true request="req-7" ok`, session),
				fmt.Sprintf(`relay___via via="relay___twice" subject="alice" session=%t addr=true request="req-7" ok`, session),
				fmt.Sprintf(`relay___twice via="" subject="alice" session=%t addr=true request="req-7" ok`, session),
				`math___add via="" subject="other" session=false addr=false request="" ok`,
				fmt.Sprintf(`relay___as via="" subject="alice" session=%t addr=true request="req-7" ok`, session),
				`math___add via="" subject="alice" session=false addr=false request="" ok`,
			}
			call("relay___twice")
			call("relay___as")
			if _, err := gw.Call(WithPrincipal(context.Background(), &Principal{Subject: "alice"}), "math___add", json.RawMessage(`{"a":1,"b":2}`)); err != nil {
				t.Fatal(err)
			}
			recs := log.all()
			var got []string
			for _, r := range recs {
				got = append(got, auditLine(r))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("records\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if session && (recs[0].SessionID != recs[2].SessionID || recs[1].SessionID != recs[2].SessionID) {
				t.Errorf("sessions %q %q %q: the nested calls' differ from the outer call's", recs[0].SessionID, recs[1].SessionID, recs[2].SessionID)
			}
			if recs[0].RemoteAddr != recs[2].RemoteAddr {
				t.Errorf("addresses %q and %q", recs[0].RemoteAddr, recs[2].RemoteAddr)
			}
		})
	}
}

// TestNestedCallLimits: a per-tool limit counts a call made within a
// handler against the caller over the network (for an anonymous caller,
// its address), not against the application's own in-process calls.
func TestNestedCallLimits(t *testing.T) {
	var log auditLog
	gw := mustGateway(t, &Options{
		Stateless: true, JSONResponse: true,
		ToolRates: map[string]Rate{"math___echo": {PerSecond: 0.001, Burst: 1}},
		Audit:     log.record,
	}, mathTarget())
	if err := gw.AddTarget(context.Background(), relayTarget(gw)); err != nil {
		t.Fatal(err)
	}
	url := serve(t, gw)
	res, err := gw.Call(context.Background(), "math___echo", json.RawMessage(`{"text":"x"}`))
	if err != nil || res.IsError {
		t.Fatalf("the application's call: %v %v", err, res)
	}
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"relay___echo","arguments":{}}}`)
	hdr := map[string]string{"Mcp-Protocol-Version": "2025-06-18"}
	if status, b := rawPost(t, url, body, hdr); status != 200 || strings.Contains(b, `"isError":true`) {
		t.Fatalf("first call: %d %s", status, b)
	}
	if status, b := rawPost(t, url, body, hdr); status != 200 || !strings.Contains(b, `"isError":true`) {
		t.Fatalf("second call: %d %s, want the inner call throttled", status, b)
	}
	recs := log.all()
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%s via=%q %s", r.Tool, r.Via, r.Outcome))
	}
	want := `math___echo via="" ok; math___echo via="relay___echo" ok; relay___echo via="" ok; ` +
		`math___echo via="relay___echo" throttled; relay___echo via="" failed`
	if g := strings.Join(got, "; "); g != want {
		t.Fatalf("records %s\nwant %s", g, want)
	}
}

// seesCaller's tool tells the X-Tenant header and the session id its
// CallRequest carries.
type seesCaller struct{}

func (seesCaller) Name() string { return "sees" }
func (seesCaller) ListTools(context.Context) ([]Tool, error) {
	return []Tool{{Name: "caller", Description: "Tells what it sees of its caller.", InputSchema: json.RawMessage(`{"type":"object"}`)}}, nil
}
func (seesCaller) CallTool(_ context.Context, req *CallRequest) (*Result, error) {
	return TextResult(fmt.Sprintf("tenant=%q session=%t", req.Header.Get("X-Tenant"), req.SessionID != "")), nil
}

// TestNestedCallRequest: a target called within another call sees what it
// sees of the caller's own call (its headers, its session), on both call
// paths and stateless; called by the application, neither.
func TestNestedCallRequest(t *testing.T) {
	for _, tc := range callPaths {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			gw := mustGateway(t, &opts, seesCaller{})
			relay := Tool{Name: "relay", Description: "Calls sees___caller.", InputSchema: json.RawMessage(`{"type":"object"}`)}
			if err := gw.AddBuiltin(relay, func(ctx context.Context, _ *CallRequest) (*Result, error) {
				return gw.Call(ctx, "sees___caller", nil)
			}); err != nil {
				t.Fatal(err)
			}
			url := serve(t, gw)
			ctx := context.Background()
			c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil)
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url,
				HTTPClient: &http.Client{Transport: headers{http.DefaultTransport, map[string]string{"X-Tenant": "acme"}}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			var got []string
			for _, tool := range []string{"sees___caller", "relay"} {
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}})
				if err != nil || res.IsError {
					t.Fatalf("%s: %v %v", tool, err, res)
				}
				got = append(got, textOf(res))
			}
			res, err := gw.Call(ctx, "sees___caller", nil)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, textOf(res))
			s := !tc.stateless
			want := []string{fmt.Sprintf(`tenant="acme" session=%t`, s), fmt.Sprintf(`tenant="acme" session=%t`, s), `tenant="" session=false`}
			if strings.Join(got, "; ") != strings.Join(want, "; ") {
				t.Errorf("direct, nested, the application's: %q, want %q", got, want)
			}
		})
	}
}

// TestNestedCallSpans: a call made within another call is traced in the
// caller's trace, with the caller's session on its span.
func TestNestedCallSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	gw := mustGateway(t, &Options{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))}, mathTarget())
	relay := Tool{Name: "relay", Description: "Calls math___add.", InputSchema: json.RawMessage(`{"type":"object"}`)}
	if err := gw.AddBuiltin(relay, func(ctx context.Context, _ *CallRequest) (*Result, error) {
		return gw.Call(ctx, "math___add", json.RawMessage(`{"a":1,"b":2}`))
	}); err != nil {
		t.Fatal(err)
	}
	cs := connect(t, serve(t, gw), nil)
	if res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "relay", Arguments: map[string]any{}}); err != nil || res.IsError {
		t.Fatalf("%v %v", err, res)
	}
	var outer, inner sdktrace.ReadOnlySpan
	for _, s := range rec.Ended() {
		switch s.Name() {
		case "tools/call relay":
			outer = s
		case "tools/call math___add":
			inner = s
		}
	}
	if outer == nil || inner == nil {
		t.Fatalf("spans %v", rec.Ended())
	}
	if inner.SpanContext().TraceID() != outer.SpanContext().TraceID() {
		t.Error("the nested call is traced apart from its caller's")
	}
	if s := attrOf(inner, "mcp.session.id"); s == "" || s != attrOf(outer, "mcp.session.id") || s != cs.ID() {
		t.Errorf("nested span's session %q, the caller's %q (client's %q)", s, attrOf(outer, "mcp.session.id"), cs.ID())
	}
}

// TestNestedCallShares: a tool that uses the session, called within a
// call whose Session reaches the client, shares it; within one whose
// Session does not, it cannot reach the client. Within a call the fast
// path answers with a stream of its own (a relaying tool's), the inner
// tool may not Elicit, as a relaying tool may not; it may do the rest.
// Each outer tool calls s___use (sessionTool) and answers what it said.
func TestNestedCallShares(t *testing.T) {
	outer := func(gw *Gateway) *FuncTarget {
		inner := func(ctx context.Context) (string, error) {
			res, err := gw.Call(ctx, "s___use", nil)
			if err != nil {
				return "", err
			}
			return textOf(res), nil
		}
		return Funcs("o",
			Func("uses", "Uses the session, and calls s___use", func(ctx context.Context, _ struct{}) (string, error) {
				return inner(ctx)
			}).WithSession(),
			relayTool("relays", func(ctx context.Context, _ *Session) (string, error) { return inner(ctx) }),
			Func("plain", "Calls s___use", func(ctx context.Context, _ struct{}) (string, error) { return inner(ctx) }),
		)
	}
	const caps = "capabilities: elicitation=true sampling=true"
	full := []string{"progress: sent", "log: sent", "elicit: accept Ada", "sample: from the model", caps}
	relayed := []string{"progress: sent", "log: sent", "elicit: toolgate: elicitation: a tool that declares Tool.RelaysSession", "sample: from the model", caps}
	no := "cannot reach the client unless that call's Session can"
	unreached := []string{no, no, no, no, caps} // one line each for progress, log, elicit, sample
	for _, path := range callPaths[:2] {
		for _, tc := range []struct {
			tool string
			want []string
		}{
			{"o___uses", full},
			// go-sdk answers a relaying tool's call when the fast path is off
			{"o___relays", map[bool][]string{false: relayed, true: full}[path.opts.DisableFastPath]},
			{"o___plain", unreached},
		} {
			t.Run(path.name+" "+tc.tool, func(t *testing.T) {
				opts := path.opts
				gw := mustGateway(t, &opts, Funcs("s", sessionTool(true)))
				if err := gw.AddTarget(context.Background(), outer(gw)); err != nil {
					t.Fatal(err)
				}
				var progress atomic.Int32
				cs := connect(t, serve(t, gw), &mcp.ClientOptions{
					ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { progress.Add(1) },
					ElicitationHandler: func(context.Context, *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
						return &mcp.ElicitResult{Action: "accept", Content: map[string]any{"name": "Ada"}}, nil
					},
					CreateMessageHandler: func(context.Context, *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
						return &mcp.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcp.TextContent{Text: "from the model"}}, nil
					},
				})
				params := &mcp.CallToolParams{Name: tc.tool, Arguments: map[string]any{}}
				params.SetProgressToken("p1")
				res, err := cs.CallTool(context.Background(), params)
				if err != nil || res.IsError {
					t.Fatalf("%v %+v", err, res)
				}
				got := strings.Split(textOf(res), "\n")
				for i, w := range tc.want {
					if i >= len(got) || !strings.Contains(got[i], w) {
						t.Errorf("s___use within %s said:\n %s\nwant lines with:\n %s", tc.tool, strings.Join(got, "\n "), strings.Join(tc.want, "\n "))
						break
					}
				}
				if tc.want[0] == "progress: sent" {
					testenv.WaitFor(t, "the inner tool's progress", func() bool { return progress.Load() == 1 })
				}
			})
		}
	}
}
