package toolgate

import (
	"context"
	"log/slog"
	"time"
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
	// ListBuiltinsOnly makes tools/list show only builtin tools (see
	// AddBuiltin); target tools stay callable by name. This keeps a client's
	// context small when the catalogue is huge and a builtin finds tools.
	ListBuiltinsOnly bool

	// DisableFastPath answers every request through go-sdk. By default the
	// gateway answers a plain tools/call of a tool that needs no session,
	// and writes tools/list pages from each tool's JSON encoded once,
	// itself (see docs/architecture.md); both give exactly go-sdk's answer,
	// faster.
	DisableFastPath bool

	// RefreshInterval, if positive, re-lists every target's tools this
	// often in the background (stopped by Close).
	RefreshInterval time.Duration
	// Logger receives operational logs; default slog.Default().
	Logger *slog.Logger
}
