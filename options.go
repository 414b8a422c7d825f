package toolgate

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Version is the toolgate release, reported as the MCP server version.
const Version = "0.1.0"

// Defaults for Options fields left at zero.
const (
	DefaultMaxBodyBytes       = 6 << 20 // 6 MB, as AgentCore Gateway
	DefaultCallTimeout        = 60 * time.Second
	DefaultMaxConcurrentCalls = 256
	DefaultPageSize           = 1000
)

// Options configure a Gateway. The zero value is a working gateway:
// stateful sessions, SSE responses, the default guards, anonymous callers.
type Options struct {
	// Name and Version are the implementation reported to clients;
	// defaults "toolgate" and Version.
	Name, Version string
	// Instructions are optional instructions for connected clients.
	Instructions string

	// Separator joins target and tool names; default DefaultSeparator.
	// It may use only A-Z, a-z, 0-9, '_', '-', '.'.
	Separator string
	// MaxNameLength caps published tool names. Zero means 128, MCP's
	// limit; set 64 for clients bound by Bedrock's or OpenAI's
	// function-name limit. Longer names are shortened stably (see README).
	MaxNameLength int
	// PageSize is the number of tools per tools/list page; default
	// DefaultPageSize.
	PageSize int

	// Stateless serves every request on its own: no Mcp-Session-Id, no
	// session affinity, so any replica behind a load balancer can answer.
	// Stateless servers cannot push tools/list_changed notifications.
	Stateless bool
	// JSONResponse answers POSTs with application/json instead of an SSE
	// stream.
	JSONResponse bool
	// SessionTimeout closes stateful sessions idle this long; zero keeps
	// them until the client ends them.
	SessionTimeout time.Duration

	// MaxBodyBytes limits request bodies; default DefaultMaxBodyBytes,
	// negative for no limit.
	MaxBodyBytes int64
	// CallTimeout bounds each tool call; default DefaultCallTimeout,
	// negative for none.
	CallTimeout time.Duration
	// MaxConcurrentCalls caps target tool calls running at once across
	// the gateway; a call beyond it waits for a slot until its timeout.
	// Builtins take no slot.
	// Default DefaultMaxConcurrentCalls, negative for no cap.
	MaxConcurrentCalls int

	// Authorizer authenticates every HTTP request. Nil serves everyone as
	// an anonymous principal, with a warning in the log; say so explicitly
	// with auth.None() to silence it. The gateway answers every refusal
	// itself: the error's status (401 unless it is an HTTPError), a
	// WWW-Authenticate challenge and a JSON-RPC error body.
	Authorizer Authorizer
	// ResourceMetadataURL is the RFC 9728 protected-resource metadata URL
	// named in the WWW-Authenticate challenge of a refusal whose error
	// brings no challenge of its own. Default: derived from the request,
	// <scheme>://<host>/.well-known/oauth-protected-resource<path>, where
	// auth.JWT's MetadataHandler is meant to be mounted.
	ResourceMetadataURL string
	// ToolFilter, if set, decides which tools a principal may see and
	// call. Tools it hides are absent from tools/list and calls to them
	// fail exactly like calls to tools that do not exist.
	ToolFilter func(ctx context.Context, p *Principal, t *ToolInfo) bool
	// Interceptors wrap every tool call, the first outermost.
	Interceptors []Interceptor
	// GatewayInterceptors run around every MCP request served over HTTP,
	// with AgentCore Gateway's interceptor payloads (version 1.0): at the
	// REQUEST point they may refuse or rewrite the request, at the
	// RESPONSE point rewrite or redact the answer (docs/interceptors.md).
	// A rewritten request is checked again as a caller's would be. They
	// run before Interceptors, which see the call as rewritten.
	GatewayInterceptors []GatewayInterceptor
	// Policy, if set, decides every tool call after the interceptors, just
	// before the target, and which tools tools/list shows (package policy:
	// Cedar policies as AgentCore evaluates them; docs/policy.md).
	Policy PolicyDecider
	// ListBuiltinsOnly makes tools/list show only builtin tools (see
	// AddBuiltin); target tools stay callable by name. This keeps a client's
	// context small when the catalogue is huge and a builtin finds tools.
	// Changes to targets' tools then send clients no
	// notifications/tools/list_changed: what they list is the same.
	ListBuiltinsOnly bool

	// DisableFastPath answers every request through go-sdk. By default the
	// gateway answers a plain tools/call of a tool that needs no session,
	// and writes tools/list pages from each tool's JSON encoded once,
	// itself (see docs/architecture.md); both give exactly go-sdk's answer,
	// faster.
	DisableFastPath bool

	// Limits: see docs/operations.md.

	// PrincipalRate limits each principal's HTTP requests to the gateway
	// (an anonymous caller is limited by its IP address). A request over
	// the limit is answered 429 Too Many Requests with Retry-After. Zero:
	// no limit.
	PrincipalRate Rate
	// ToolRates limit each principal's calls of the tools named (published
	// names). A call over the limit gets a JSON-RPC error in its stream
	// (code CodeThrottled, data {"retryAfterSeconds": n}).
	ToolRates map[string]Rate
	// TargetLimits override MaxConcurrentCalls and CallTimeout for the
	// calls of the targets named: a target with its own cap takes its own
	// slots, not the gateway's.
	TargetLimits map[string]TargetLimit

	// Telemetry: see docs/operations.md.

	// MeterProvider receives the gateway's metrics, named as AgentCore
	// Gateway's (Invocations, Throttles, SystemErrors, UserErrors, Latency,
	// Duration, TargetExecutionTime, TargetType) and OpenTelemetry's
	// mcp.server.operation.duration. Nil: no metrics.
	MeterProvider metric.MeterProvider
	// TracerProvider receives a span per MCP request and per target call,
	// following OpenTelemetry's MCP and GenAI conventions. The W3C trace
	// context of the request's _meta or HTTP headers is the parent; targets
	// carry the target call's context to their backends. Nil: no spans.
	TracerProvider trace.TracerProvider
	// Resource names the gateway in metrics (AgentCore's Resource
	// dimension: the gateway's ARN or id); default Name.
	Resource string
	// Audit receives one record per tool call and per refused request. It
	// is called synchronously on the request's goroutine: keep it fast
	// (AuditJSON writes JSON lines). Nil: no audit records.
	Audit func(ctx context.Context, rec *AuditRecord)
	// AuditArguments puts each call's arguments in its audit record, with
	// the values of secret-looking properties (see AuditRecord.Arguments)
	// and those named in AuditRedact replaced by "[REDACTED]".
	AuditArguments bool
	// AuditRedact names further argument properties whose values audit
	// records never show, at any depth, compared case-insensitively.
	AuditRedact []string

	// RefreshInterval, if positive, re-lists every target's tools this
	// often in the background (stopped by Close).
	RefreshInterval time.Duration
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
}
