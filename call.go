package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/toolgate/toolgate/internal/schema"
)

// inProcess is the Session of a call made with Gateway.Call: no client.
var inProcess = noSession("an in-process call (Gateway.Call) has no client")

// ErrUnknownTool is returned by Call for a tool that does not exist or
// that the caller may not see.
var ErrUnknownTool = errors.New("unknown tool")

// Call calls a published tool in-process, through the same path as an
// MCP tools/call: visibility (for the principal in ctx), argument
// validation, interceptors, guards. args nil means {}. Made with the
// context a tool's handler received, it is a call within that call: its
// audit record names the tool (AuditRecord.Via) and carries the caller's
// session and address, per-caller limits count it as the caller's, and the
// target gets the caller's session id and headers (CallRequest.SessionID,
// Header), so that what it keeps per session stays the caller's.
func (g *Gateway) Call(ctx context.Context, name string, args json.RawMessage) (res *Result, err error) {
	p := PrincipalFrom(ctx)
	ctx, ob := g.observeCall(ctx, nil, name, nil)
	defer func() { ob.end(ctx, res, err) }()
	e := g.cat.Load().byName[name]
	if e == nil || !g.visible(ctx, p, e) {
		return nil, g.unknownTool(ob, e, name)
	}
	ob.entry = e
	// Within a call, for the caller's session and with the caller's
	// headers, as the caller's own call would be: a target that keeps
	// something per session (another MCP server's backend session) keeps
	// the caller's calls there, apart from other callers', and one that
	// propagates headers sees the caller's.
	req := &CallRequest{Arguments: args, SessionID: ob.sessID, obs: ob}
	req.Session, req.Meta = nestedSession(ob.via, e)
	if req.Session.err == nil {
		ob.sess, ob.meta = req.Session, req.Meta
	}
	if ri := ob.origin(); ri != nil {
		req.Header = ri.header
	}
	return g.callEntry(withCall(ctx, ob), e, req)
}

// unknownTool refuses a call of name, a tool that does not exist (e nil)
// or that the ToolFilter hides from the caller: the same error either way,
// but the gateway's own report tells them apart.
func (g *Gateway) unknownTool(ob *observation, e *entry, name string) error {
	if e != nil {
		if ob != nil {
			ob.entry = e
		}
		ob.setOutcome(OutcomeRefusedPolicy, "the tool filter hides the tool from the caller")
	} else {
		ob.setOutcome(OutcomeInvalid, "unknown tool")
	}
	return &unknownToolError{name: name}
}

// callEntry validates and runs one call of e. req carries the transport
// details; its tool fields are filled here.
func (g *Gateway) callEntry(ctx context.Context, e *entry, req *CallRequest) (*Result, error) {
	res := validate(e, req)
	if req.obs != nil {
		req.obs.args = req.Arguments // for the audit record
	}
	if res != nil {
		return res, nil
	}
	req.Target, req.Tool, req.Name = e.info.Target, e.info.Tool.Name, e.info.Name
	if err := g.limitTool(req.obs, e); err != nil {
		return nil, err
	}
	if g.call == nil {
		if err := g.checkPolicy(ctx, e, req); err != nil {
			return nil, err
		}
		return g.invoke(ctx, e, req)
	}
	return g.call(context.WithValue(ctx, checkedKey{}, &checked{e: e, args: req.Arguments, obs: req.obs}), req)
}

// validate checks req's arguments against e's input schema (no arguments
// mean {}), and returns the isError result that refuses them, or nil.
func validate(e *entry, req *CallRequest) *Result {
	if len(bytes.TrimSpace(req.Arguments)) == 0 || string(req.Arguments) == "null" {
		req.Arguments = json.RawMessage("{}")
	}
	if err := e.prep.validator.Validate(req.Arguments); err != nil {
		req.obs.setOutcome(OutcomeInvalid, "the arguments do not match the input schema")
		return ErrorResult(fmt.Sprintf("invalid arguments for tool %q: %v", e.info.Name, errText(err)))
	}
	return nil
}

func errText(err error) string {
	var se *schema.Error
	if errors.As(err, &se) {
		return joinLines(se.Problems)
	}
	return err.Error()
}

func joinLines(s []string) string {
	var b bytes.Buffer
	for i, l := range s {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(l)
	}
	return b.String()
}

// checked is a call as the gateway checked it before the interceptors ran.
type checked struct {
	e    *entry
	args json.RawMessage
	obs  *observation
}

type checkedKey struct{}

// recheck is the innermost CallFunc under interceptors. Routing is by
// req.Name alone: a call an interceptor renamed is checked exactly as a
// fresh call to the new name (visibility for the principal in ctx, then
// validation), and arguments an interceptor changed are validated again.
// Target and Tool are set from the tool that runs, whatever an
// interceptor wrote there.
func (g *Gateway) recheck(ctx context.Context, req *CallRequest) (*Result, error) {
	c, _ := ctx.Value(checkedKey{}).(*checked)
	if req.obs == nil && c != nil { // an interceptor's own CallRequest
		req.obs = c.obs
	}
	var e *entry
	valid := false
	if c != nil && c.e.info.Name == req.Name {
		e, valid = c.e, sameBytes(c.args, req.Arguments)
	} else {
		e = g.cat.Load().byName[req.Name]
		if e == nil || !g.visible(ctx, PrincipalFrom(ctx), e) {
			return nil, g.unknownTool(req.obs, e, req.Name)
		}
		if req.obs != nil {
			req.obs.entry = e
		}
	}
	if !valid {
		if res := validate(e, req); res != nil {
			return res, nil
		}
	}
	req.Target, req.Tool = e.info.Target, e.info.Tool.Name
	if err := g.checkPolicy(ctx, e, req); err != nil {
		return nil, err
	}
	return g.invoke(ctx, e, req)
}

// sameBytes reports whether a and b hold the same bytes, at once when they
// are the same slice.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || bytes.Equal(a, b)
}

// unknownToolError refuses a call to a tool that does not exist or that
// the caller may not see, wherever the call comes from (tools/call, a call
// an interceptor renamed, Gateway.Call): ErrUnknownTool in process, an
// invalid-params JSON-RPC error on the wire.
type unknownToolError struct{ name string }

func (e *unknownToolError) Error() string        { return fmt.Sprintf("unknown tool %q", e.name) }
func (e *unknownToolError) Is(target error) bool { return target == ErrUnknownTool }
func (e *unknownToolError) As(target any) bool {
	if p, ok := target.(**jsonrpc.Error); ok {
		*p = &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: e.Error()}
		return true
	}
	return false
}

// invoke runs a checked call of e: the guards around the target's CallTool.
func (g *Gateway) invoke(ctx context.Context, e *entry, req *CallRequest) (res *Result, err error) {
	// Counted before the check, so that Shutdown, which sets draining and
	// then waits for the count to drop, sees every call it lets through.
	g.running.Add(1)
	defer g.running.Add(-1)
	ob := req.obs
	var start time.Time       // when the target is called
	took := time.Duration(-1) // and how long it took
	defer func() { g.recordInvoke(e, ob, start, took, res) }()
	if g.draining.Load() {
		ob.setOutcome(OutcomeFailed, "the gateway is shutting down")
		return ErrorResult(fmt.Sprintf("tool %q not started: the gateway is shutting down", req.Name)), nil
	}
	lim := g.limitsOf(e)
	if lim.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lim.timeout)
		defer cancel()
	}
	// Builtins take no slot: those that call tools (a call-tool builtin)
	// take one for the inner call, through Call.
	if lim.sem != nil && e.target != nil {
		if !acquire(ctx, lim.sem) {
			ob.setOutcome(OutcomeThrottled, "concurrency cap")
			return ErrorResult(fmt.Sprintf("tool %q not started: %s at its limit of %d concurrent calls", req.Name, lim.owner, cap(lim.sem))), nil
		}
		defer func() { <-lim.sem }()
	}
	ctx, span := g.startTargetSpan(ctx, e, req)
	start = time.Now()
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("toolgate: tool panicked", "tool", req.Name, "panic", r, "stack", string(debug.Stack()))
			ob.setOutcome(OutcomeFailed, "the tool panicked")
			res, err = ErrorResult(fmt.Sprintf("tool %q failed: internal error", req.Name)), nil
		}
		took = time.Since(start)
		g.endTargetCall(ctx, span, ob, e, took, res)
	}()
	if e.target != nil {
		res, err = e.target.CallTool(ctx, req)
	} else {
		res, err = e.prep.fn(ctx, req)
	}
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && lim.timeout > 0 {
			ob.setOutcome(OutcomeFailed, "timed out")
			return ErrorResult(fmt.Sprintf("tool %q timed out after %v", req.Name, lim.timeout)), nil
		}
		g.log.Debug("toolgate: tool error", "tool", req.Name, "err", err, "elapsed", time.Since(start))
		ob.setOutcome(OutcomeFailed, "the target failed")
		return ErrorResult(fmt.Sprintf("tool %q failed: %v", req.Name, err)), nil
	}
	if res == nil {
		res = &Result{}
	}
	return res, nil
}

// acquire takes a slot of sem, waiting until ctx ends, and reports whether
// it got one.
func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	default:
	}
	select {
	case sem <- struct{}{}:
		if ctx.Err() != nil { // the slot came free as time ran out
			<-sem
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}
