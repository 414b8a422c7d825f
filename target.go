package toolgate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A Target is a backend that offers tools: in-process functions, a REST API,
// a Lambda function, another MCP server. The gateway lists a target's tools
// when it is added (and on Refresh), prefixes their names with the target's
// name, and routes each call to the target that owns the tool.
//
// Implementations must be safe for concurrent use: CallTool is called from
// many goroutines at once.
type Target interface {
	// Name identifies the target within a gateway. It becomes the prefix of
	// every tool name ("weather" -> "weather___get_forecast"), so it must be
	// non-empty, at most 64 characters, use only A-Z, a-z, 0-9, '_', '-',
	// and not contain the gateway's separator ("___" by default).
	Name() string
	// ListTools returns the tools the target offers, under the target's own
	// (unprefixed) names. The gateway caches the answer until Refresh.
	ListTools(ctx context.Context) ([]Tool, error)
	// CallTool runs one tool. req.Arguments has already been validated
	// against the tool's input schema. A failure of the tool itself should be
	// a Result with IsError set; a returned error is also turned into an
	// IsError result, with the error's text.
	CallTool(ctx context.Context, req *CallRequest) (*Result, error)
}

// An Unprefixed target has its tools and prompts published under their own
// names, without "<target><separator>": for a gateway in front of one MCP
// server whose clients expect the server's names, say. Its names compete
// with builtins and other targets' names as any name does: a name already
// served keeps its owner, and the newcomer gets a "_N" suffix.
type Unprefixed interface {
	Unprefixed() bool
}

// A Describer is a Target that can describe itself in a sentence. The
// description is shown in Status and used by tool search.
type Describer interface {
	Description() string
}

// A TargetTyper says what kind of backend a target reaches, as AgentCore
// Gateway's TargetType metric names it: "MCP", "Lambda", "OpenAPI",
// "Smithy". The targets of this module implement it; other targets count as
// "Custom".
type TargetTyper interface {
	TargetType() string
}

// targetTypeOf returns t's TargetType, or "Custom".
func targetTypeOf(t Target) string {
	if tt, ok := t.(TargetTyper); ok {
		return tt.TargetType()
	}
	return "Custom"
}

// Tool describes one tool offered by a target.
type Tool struct {
	// Name is the target's own name for the tool. The gateway publishes it
	// as "<target><separator><name>", sanitised to MCP's allowed characters.
	Name string
	// Title is an optional human-readable name.
	Title string
	// Description tells a model what the tool does and when to use it.
	Description string
	// InputSchema is a JSON Schema (draft 2020-12) object describing the
	// arguments object. Nil means any object: {"type":"object"}.
	InputSchema json.RawMessage
	// OutputSchema optionally describes Result.StructuredContent.
	OutputSchema json.RawMessage
	// Annotations are hints for clients (read-only, destructive, ...).
	Annotations *mcp.ToolAnnotations
	// Meta is published as the tool's _meta.
	Meta map[string]any
	// UsesSession declares that the tool uses the caller's session while it
	// runs (CallRequest.Session: progress, log messages, elicitation,
	// sampling). Its calls always take go-sdk's full protocol path, which
	// relates what the tool sends to the client's request; the calls of
	// other tools may be answered directly.
	UsesSession bool
	// RelaysSession, with UsesSession, declares that the tool uses the
	// caller's session only to pass on what another MCP server sends
	// (package mcpserver): Progress, Log, Sample, SampleWithTools,
	// RelayElicit, ElicitationComplete, ClientCapabilities; never Elicit,
	// which checks the user's answer with go-sdk's rules and returns an
	// error for such a tool. The gateway then answers its calls itself,
	// with an event stream of their own, where go-sdk's protocol path
	// costs about half a millisecond more per call (docs/architecture.md).
	RelaysSession bool
	// CallsTool, if set, names the argument (a property of the arguments
	// object) whose value is the name of a tool this tool calls within its
	// call, through Gateway.Call with the context its handler received,
	// as the search package's call tool does. A call of this tool then
	// takes the path a direct call of the tool named would take, so that
	// the tool named, if it declares UsesSession, reaches the caller's
	// client through its CallRequest.Session: progress, log messages,
	// elicitation and sampling. This tool's own Session is still what its
	// own UsesSession says.
	CallsTool string
}

// CallRequest is one tool call as a target sees it.
type CallRequest struct {
	// Target is the name of the target that owns the tool.
	Target string
	// Tool is the target's own name for the tool (Tool.Name).
	Tool string
	// Name is the name the client called: the published, prefixed name.
	Name string
	// Arguments is the arguments object, validated against the tool's
	// input schema. It is never nil: a call without arguments gets {}.
	Arguments json.RawMessage
	// Meta is the request's _meta object from the client, if any.
	Meta map[string]any
	// SessionID is the MCP session id; empty in stateless mode. A call
	// made in process within another call (Gateway.Call with the context
	// its handler received) has the caller's; one the application makes
	// has none.
	SessionID string
	// Header holds the inbound HTTP request's headers, for targets that
	// propagate selected headers. It is nil for calls the application
	// makes in process; a call made within another call has the caller's.
	// Targets must not forward credentials from it unless configured to.
	Header http.Header
	// Session reaches the caller's client while the call runs: progress,
	// log messages, elicitation, sampling, the client's capabilities. It is
	// never nil; it works for tools that declare Tool.UsesSession, and its
	// methods return ErrNoSession otherwise.
	Session *Session

	obs *observation // what the gateway reports of the call
}

// Result is the result of a tool call: content blocks, optional
// structured content, and IsError for failures the model should see.
type Result = mcp.CallToolResult

// TextResult returns a successful result holding one text block.
func TextResult(text string) *Result {
	return &Result{Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// ErrorResult returns an IsError result whose text is msg.
func ErrorResult(msg string) *Result {
	return &Result{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}
}

// StructuredResult returns a successful result whose structuredContent is
// v, with the same JSON as a text block (for clients that read text only).
func StructuredResult(v any) (*Result, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &Result{
		Content:           []mcp.Content{&mcp.TextContent{Text: string(b)}},
		StructuredContent: json.RawMessage(b),
	}, nil
}

// Principal is the authenticated caller of a request. The gateway puts it
// in the context of every tool call; read it with PrincipalFrom.
type Principal struct {
	// Subject is the caller's identity (the JWT "sub" claim).
	Subject string
	// ClientID is the OAuth client the token was issued to.
	ClientID string
	// Issuer is the token issuer.
	Issuer string
	// Scopes are the scopes the token grants.
	Scopes []string
	// Claims are all claims of the token.
	Claims map[string]any
	// ExpiresAt is when the credential expires; zero if unknown.
	ExpiresAt time.Time
	// Token is the raw inbound credential, kept for token exchange and
	// explicitly configured pass-through. It is never logged or printed.
	Token string
}

// Anonymous reports whether p carries no identity.
func (p *Principal) Anonymous() bool {
	return p == nil || (p.Subject == "" && p.ClientID == "")
}

// ID identifies p's identity in one string: its issuer, subject and
// client. Two principals with the same ID are the same caller, whatever
// their tokens; a gateway binds sessions to it.
func (p *Principal) ID() string { return p.Issuer + "\x00" + p.Subject + "\x00" + p.ClientID }

// HasScope reports whether the principal was granted scope s.
func (p *Principal) HasScope(s string) bool {
	return p != nil && slices.Contains(p.Scopes, s)
}

// String describes the principal without its token.
func (p *Principal) String() string {
	if p.Anonymous() {
		return "anonymous"
	}
	if p.Subject != "" {
		return p.Subject
	}
	return "client:" + p.ClientID
}

// GoString keeps the token out of %#v.
func (p *Principal) GoString() string { return "toolgate.Principal(" + p.String() + ")" }

// LogValue keeps the token out of structured logs.
func (p *Principal) LogValue() slog.Value {
	if p.Anonymous() {
		return slog.StringValue("anonymous")
	}
	return slog.GroupValue(slog.String("sub", p.Subject), slog.String("client_id", p.ClientID))
}

// Format keeps the token out of every fmt verb.
func (p *Principal) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(p.GoString()))
		return
	}
	_, _ = f.Write([]byte(p.String()))
}

type principalKey struct{}

// anonymous is returned by PrincipalFrom when the context carries none.
// It is never handed out for mutation: PrincipalFrom returns a fresh value.
func anonymousPrincipal() *Principal { return &Principal{} }

// WithPrincipal returns a context carrying p. The gateway calls it for
// every request with the Authorizer's answer, replacing any principal the
// request context already had; use it in tests and for in-process calls
// through Gateway.Call.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

type sessionIDKey struct{}

// SessionIDFrom returns the id of the client's MCP session a request to a
// target other than a call comes from (prompts/get, resources/read,
// completion/complete: a call has CallRequest.SessionID), or "" (stateless
// mode, in process).
func SessionIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(sessionIDKey{}).(string)
	return id
}

// PrincipalFrom returns the principal of the call in ctx. It never returns
// nil: without one it returns an anonymous principal.
func PrincipalFrom(ctx context.Context) *Principal {
	switch v := ctx.Value(principalKey{}).(type) {
	case *Principal:
		if v != nil {
			return v
		}
	case *observation: // a handler's context (withCall)
		if v.p != nil {
			return v.p
		}
	}
	return anonymousPrincipal()
}

// An Authorizer decides who is calling. It returns the caller's Principal,
// or an error that rejects the request. Errors implementing
// [HTTPError] choose the response status and headers; others get
// 401 Unauthorized.
type Authorizer interface {
	Authorize(r *http.Request) (*Principal, error)
}

// AuthorizerFunc adapts a function to an Authorizer.
type AuthorizerFunc func(r *http.Request) (*Principal, error)

// Authorize calls f(r).
func (f AuthorizerFunc) Authorize(r *http.Request) (*Principal, error) { return f(r) }

// An HTTPError is an error that knows how it should be answered over HTTP:
// its status code and any headers (such as WWW-Authenticate).
type HTTPError interface {
	error
	HTTPStatus() int
	HTTPHeader() http.Header
}

// CallFunc runs one tool call: the shape of the gateway's call path and of
// every Interceptor.
type CallFunc func(ctx context.Context, req *CallRequest) (*Result, error)

// An Interceptor wraps the call path: it may inspect or change the request,
// refuse it (return an IsError result or an error), or post-process the
// result. Interceptors are the place for policy, redaction, auditing and
// rate limits.
//
// Interceptors run after the gateway has checked the call (the tool is
// visible to the caller, the arguments are valid). Routing is by
// CallRequest.Name alone: if an interceptor changes Name, the call is
// checked again exactly as a fresh call to the new name (visibility for the
// principal in the context, then validation), and arguments an interceptor
// changes are validated again before the target sees them. Target and Tool
// are set from the tool that runs, whatever an interceptor wrote there.
type Interceptor func(next CallFunc) CallFunc

// ToolInfo is a tool as the gateway publishes it.
type ToolInfo struct {
	// Name is the published name: prefixed, sanitised, unique.
	Name string
	// Target is the name of the owning target.
	Target string
	// Tool is the tool as the target described it.
	Tool Tool
}
