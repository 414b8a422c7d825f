package mcpserver

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/toolgate/toolgate/credentials"
)

// Default values of the Options fields left at zero.
const (
	DefaultMinBackoff     = 250 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultIdleTimeout    = 10 * time.Minute
	DefaultConnectTimeout = 10 * time.Second
	DefaultMaxProcesses   = 16
)

// Options configure a Target. Exactly one of URL and Command must be set.
type Options struct {
	// Name is the target's name, the prefix of its tools. Required.
	Name string
	// Description describes the target in Status and to tool search.
	// Empty means a sentence naming the server's URL (without user
	// information or query) or program (without arguments).
	Description string

	// URL is the server's streamable HTTP endpoint, such as
	// "https://example.com/mcp", or with SSE its HTTP+SSE endpoint.
	URL string
	// SSE says that URL speaks the 2024-11-05 HTTP+SSE transport (an event
	// stream the client GETs, and an endpoint it POSTs to) instead of
	// streamable HTTP.
	SSE bool
	// HTTPClient sends the requests. Nil means a client on
	// http.DefaultTransport's settings (30 s connect and 10 s TLS handshake
	// timeouts) keeping 64 idle connections per host (credentials.Client),
	// with no overall timeout: each call is bounded by its context, which
	// the gateway limits to its CallTimeout. No redirect to another origin
	// is followed, whatever the client's CheckRedirect says (see
	// credentials.Client).
	HTTPClient *http.Client
	// Credentials authorise every request to the server (see package
	// credentials). Nil means the target's default: none.
	Credentials credentials.Provider
	// ListingCredentials authorise the gateway's own requests when
	// Credentials act on behalf of the caller (credentials.ActsForCaller:
	// token exchange, passthrough): listing the server's tools, prompts
	// and resources, subscribing to resources, and the session on which
	// the server reports list changes. Calls then each use a backend
	// session of their caller's, made with the caller's credentials. Nil
	// means none. Unused otherwise.
	ListingCredentials credentials.Provider

	// Command starts a server that speaks MCP over its standard input and
	// output: the program and its arguments. The target starts it, restarts
	// it when it exits, logs its standard error line by line, and stops it
	// on Close.
	Command []string
	// Env adds "KEY=value" entries to the command's environment, in
	// place of inherited ones of the same name. The command inherits only
	// a few of the gateway's variables (HOME, LOGNAME, PATH, SHELL, TERM,
	// USER; on Windows the system's own, such as SYSTEMROOT and TEMP), as
	// the MCP TypeScript SDK's stdio transport does, so that the gateway's
	// secrets do not reach a server that has no need of them.
	Env []string
	// InheritEnv gives the command the gateway's whole environment, with
	// Env's entries on top.
	InheritEnv bool
	// Dir is the command's working directory; empty means the gateway's.
	Dir string
	// ProcessPerSession starts a process of Command for every caller's
	// session, on its first call, stopped when the session ends or after
	// IdleTimeout without calls: a server that keeps state for its client
	// (a browser, a shell, a login) keeps it for one caller, and everything it sends reaches that
	// caller, however many call at once. Without it one process serves
	// every caller, and a request or log message the server sends while
	// calls of several callers are in flight is not relayed (see
	// docs/mcpserver.md). Listing, and calls without a session (a
	// stateless gateway, Gateway.Call), use a process of their own.
	ProcessPerSession bool
	// MaxProcesses bounds the processes ProcessPerSession runs at once,
	// besides the one that lists. The first call of a new session beyond
	// it stops the process of the session idle longest (whose next call
	// starts a new one); when every process has a call in flight, it gets
	// an isError result. Default: DefaultMaxProcesses.
	MaxProcesses int

	// MinBackoff and MaxBackoff bound the wait between attempts to reach a
	// server that is down or to restart a command that exited: the wait
	// starts at MinBackoff and doubles up to MaxBackoff. Defaults:
	// DefaultMinBackoff, DefaultMaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// ConnectTimeout bounds each attempt to connect (start the command and
	// initialize the MCP session). Default: DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// IdleTimeout closes the backend session of a caller's session
	// (streamable HTTP; a command with ProcessPerSession, whose process it
	// stops) after this long without calls, unless the gateway has told
	// the target that the session ended (toolgate.SessionCloser) before.
	// Default: DefaultIdleTimeout.
	IdleTimeout time.Duration

	// Unprefixed publishes the server's tools and prompts under their own
	// names, without "<Name>___" (for a gateway in front of one server).
	Unprefixed bool
	// ListingMode is Default (listed when added, on Refresh and when the
	// server says its lists changed; served from the cache) or Dynamic
	// (listed again for every listing), as AgentCore's listingMode.
	ListingMode ListingMode
	// ResourcePriority decides which target serves a resource URI that
	// several offer: lower wins. Zero means toolgate.DefaultResourcePriority
	// (1000), as AgentCore's resourcePriority.
	ResourcePriority int

	// Logger receives the target's logs and the command's standard error.
	// Nil means slog.Default().
	Logger *slog.Logger
}

// ListingMode says when the gateway lists a target, as AgentCore's
// listingMode.
type ListingMode string

// The listing modes.
const (
	// Default: listed when added, on Refresh, and when the server sends
	// notifications/tools/list_changed; served from the cache.
	Default ListingMode = "DEFAULT"
	// Dynamic: listed again for every listing.
	Dynamic ListingMode = "DYNAMIC"
)
