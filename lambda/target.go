package lambda

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	lambdago "github.com/aws/aws-lambda-go/lambda"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
)

// Defaults of Options.
const (
	DefaultGatewayID          = "toolgate"
	DefaultMaxThrottleRetries = 3
	DefaultThrottleBackoff    = 100 * time.Millisecond
)

// Options configure a Lambda target.
type Options struct {
	// Name is the target's name, the prefix of its tools. Required.
	Name string
	// Description describes the target in a sentence (optional).
	Description string
	// Tools are the tools the function implements; at least one. Read
	// them from AgentCore's JSON shape with LoadTools or ParseTools, or
	// describe them in Go (see ToolFor). Any JSON Schema is allowed.
	Tools []toolgate.Tool

	// GatewayID and TargetID are sent in the client context as
	// bedrockAgentCoreGatewayId and bedrockAgentCoreTargetId; defaults
	// DefaultGatewayID and Name.
	GatewayID, TargetID string
	// PropagateHeaders names inbound HTTP headers to copy into the client
	// context's custom map, under their lower-case names. Credentials are
	// never propagated unless named here.
	PropagateHeaders []string
	// Logger receives invocation failures; default slog.Default().
	Logger *slog.Logger

	// Function is the function's name or ARN, optionally with a
	// ":qualifier" suffix. Required by New; for NewInProcess it is only a
	// label (an ARN becomes the lambdacontext's InvokedFunctionArn).
	Function string
	// Qualifier is a version or alias to invoke (New only).
	Qualifier string
	// Region is the function's AWS region (New only). Default: the
	// region of an ARN in Function, else the standard AWS configuration
	// (AWS_REGION, shared config).
	Region string
	// Endpoint overrides the Lambda endpoint URL (New only), for example
	// a local emulator. Empty means the endpoint the AWS SDK's
	// configuration sets for Lambda (AWS_ENDPOINT_URL_LAMBDA,
	// AWS_ENDPOINT_URL, the shared configuration), else the regional one.
	Endpoint string
	// HTTPClient sends the Invoke requests (New only). Nil means the AWS
	// SDK's default client (30 s connect and 10 s TLS handshake timeouts)
	// with no overall timeout: each call is bounded by its context, which
	// the gateway limits to its CallTimeout.
	HTTPClient *http.Client
	// Credentials sign or authorise the Invoke requests (New only; see
	// package credentials); credentials.None() sends none. Nil means the
	// target's default: SigV4 from the default AWS credential chain. The
	// AWS SDK signs with the AWS credentials of a *credentials.SigV4 (its
	// CredentialsProvider; its service name and region do not matter).
	// Any other provider is applied through credentials.Client, with its
	// redirect policy, to requests the SDK leaves unsigned.
	Credentials credentials.Provider
	// MaxThrottleRetries is how often a throttled (HTTP 429) invocation
	// is retried (New only): default DefaultMaxThrottleRetries, negative
	// for none. No other failure is retried.
	MaxThrottleRetries int
	// ThrottleBackoff is the first retry's mean delay, doubled for each
	// further retry (with full jitter, at most 5 s); a Retry-After from
	// Lambda takes precedence. Default DefaultThrottleBackoff.
	ThrottleBackoff time.Duration

	// Timeout bounds an in-process invocation as Lambda's function
	// timeout does (NewInProcess only): at the deadline the call returns
	// a timeout result even if the handler ignores its context. Zero runs
	// the handler on the calling goroutine (cheaper; see NewInProcess),
	// bounded by the gateway's call timeout through its context.
	Timeout time.Duration
	// HandlerOptions are passed to lambda.NewHandlerWithOptions
	// (NewInProcess only), for example lambda.WithUseNumber(true).
	// Process-wide options (lambda.WithEnableSIGTERM) do not belong here:
	// the gateway's process is not a Lambda sandbox.
	HandlerOptions []lambdago.Option
}

// Target is a Lambda function as a toolgate target. Create one with New
// (invoke a function through the Lambda API) or NewInProcess (run an
// aws-lambda-go handler in this process). It is safe for concurrent use.
type Target struct {
	name, desc string
	function   string // for messages
	tools      []toolgate.Tool
	gatewayID  string
	targetID   string
	propagate  []string
	log        *slog.Logger

	remote   *remote
	handlers *sync.Pool  // of lambdago.Handler, for in-process calls
	serial   *sync.Mutex // set when the handlers share one buffer pool
	arn      string
	timeout  time.Duration
}

var _ toolgate.Target = (*Target)(nil)

// newTarget checks o and returns the target it describes, without its
// invoker; a function (for Function) needs neither a name nor tools.
func newTarget(o *Options, function bool) (*Target, error) {
	if o == nil {
		return nil, errors.New("lambda: nil Options")
	}
	if function && o.Name == "" {
		c := *o
		c.Name = c.Function
		if c.Name == "" {
			c.Name = "function"
		}
		o = &c
	}
	if o.Name == "" {
		return nil, errors.New("lambda: Options.Name is required")
	}
	if len(o.Tools) == 0 && !function {
		return nil, fmt.Errorf("lambda: target %q: no tools: the Lambda API cannot list a function's tools, so Options.Tools must describe them", o.Name)
	}
	seen := make(map[string]bool, len(o.Tools))
	for _, tl := range o.Tools {
		if tl.Name == "" || seen[tl.Name] {
			return nil, fmt.Errorf("lambda: target %q: tool names must be non-empty and unique (%q)", o.Name, tl.Name)
		}
		seen[tl.Name] = true
	}
	t := &Target{
		name:      o.Name,
		desc:      o.Description,
		function:  o.Function,
		tools:     slices.Clone(o.Tools),
		gatewayID: o.GatewayID,
		targetID:  o.TargetID,
		propagate: slices.Clone(o.PropagateHeaders),
		log:       o.Logger,
	}
	if t.gatewayID == "" {
		t.gatewayID = DefaultGatewayID
	}
	if t.targetID == "" {
		t.targetID = o.Name
	}
	if t.log == nil {
		t.log = slog.Default()
	}
	if t.function == "" {
		t.function = o.Name
	}
	return t, nil
}

// Name returns the target's name.
func (t *Target) Name() string { return t.name }

// TargetType reports "Lambda", AgentCore Gateway's name for this kind of
// target in its TargetType metric.
func (t *Target) TargetType() string { return "Lambda" }

// Description returns Options.Description, or a sentence naming the
// function.
func (t *Target) Description() string {
	if t.desc != "" {
		return t.desc
	}
	return "AWS Lambda function " + t.function
}

// ListTools returns the configured tools.
func (t *Target) ListTools(context.Context) ([]toolgate.Tool, error) {
	return slices.Clone(t.tools), nil
}

// CallTool invokes the function with the arguments as its event and the
// AgentCore client context, and maps its response to a result (see the
// package documentation).
func (t *Target) CallTool(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
	if n := len(req.Arguments); n > MaxPayload {
		return toolgate.ErrorResult(fmt.Sprintf("lambda: the arguments are %d bytes, over Lambda's %d-byte payload limit", n, MaxPayload)), nil
	}
	custom := t.clientContext(ctx, req)
	cc, err := clientContextJSON(custom)
	if err != nil {
		return toolgate.ErrorResult("lambda: " + err.Error()), nil
	}
	if t.handlers != nil {
		return t.invokeInProcess(ctx, req.Arguments, custom), nil
	}
	res, err := t.remote.invoke(ctx, t, req.Arguments, base64.StdEncoding.EncodeToString(cc))
	if err != nil {
		t.log.WarnContext(ctx, "lambda invoke failed", "target", t.name, "tool", req.Tool, "function", t.function, "err", err)
		return toolgate.ErrorResult(err.Error()), nil
	}
	return res, nil
}

// regionOf returns the region of a Lambda ARN, or "".
func regionOf(function string) string {
	if !strings.HasPrefix(function, "arn:") {
		return ""
	}
	parts := strings.Split(function, ":")
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}
