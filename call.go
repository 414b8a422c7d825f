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
// validation, interceptors, guards. args nil means {}.
func (g *Gateway) Call(ctx context.Context, name string, args json.RawMessage) (*Result, error) {
	p := PrincipalFrom(ctx)
	e := g.cat.Load().byName[name]
	if e == nil || !g.visible(ctx, p, e) {
		return nil, &unknownToolError{name: name}
	}
	return g.callEntry(WithPrincipal(ctx, p), e, &CallRequest{Arguments: args, Session: inProcess})
}

// callEntry validates and runs one call of e. req carries the transport
// details; its tool fields are filled here.
func (g *Gateway) callEntry(ctx context.Context, e *entry, req *CallRequest) (*Result, error) {
	if res := validate(e, req); res != nil {
		return res, nil
	}
	req.Target, req.Tool, req.Name = e.info.Target, e.info.Tool.Name, e.info.Name
	if g.call == nil {
		return g.invoke(ctx, e, req)
	}
	return g.call(context.WithValue(ctx, checkedKey{}, &checked{e: e, args: req.Arguments}), req)
}

// validate checks req's arguments against e's input schema (no arguments
// mean {}), and returns the isError result that refuses them, or nil.
func validate(e *entry, req *CallRequest) *Result {
	if len(bytes.TrimSpace(req.Arguments)) == 0 || string(req.Arguments) == "null" {
		req.Arguments = json.RawMessage("{}")
	}
	if err := e.prep.validator.Validate(req.Arguments); err != nil {
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
	var e *entry
	valid := false
	if c != nil && c.e.info.Name == req.Name {
		e, valid = c.e, sameBytes(c.args, req.Arguments)
	} else {
		e = g.cat.Load().byName[req.Name]
		if e == nil || !g.visible(ctx, PrincipalFrom(ctx), e) {
			return nil, &unknownToolError{name: req.Name}
		}
	}
	if !valid {
		if res := validate(e, req); res != nil {
			return res, nil
		}
	}
	req.Target, req.Tool = e.info.Target, e.info.Tool.Name
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
	var out callOutcome // for the call statistics (stats.go)
	defer g.recordInvoke(e, &out)
	if g.draining.Load() {
		return ErrorResult(fmt.Sprintf("tool %q not started: the gateway is shutting down", req.Name)), nil
	}
	if g.opts.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.opts.CallTimeout)
		defer cancel()
	}
	// Builtins take no slot: those that call tools (a call-tool builtin)
	// take one for the inner call, through Call.
	if g.sem != nil && e.target != nil {
		select {
		case g.sem <- struct{}{}:
		default:
			select {
			case g.sem <- struct{}{}:
			case <-ctx.Done():
				return ErrorResult(fmt.Sprintf("tool %q not started: the gateway is at its limit of %d concurrent calls", req.Name, cap(g.sem))), nil
			}
		}
		defer func() { <-g.sem }()
		if ctx.Err() != nil { // the slot came free as time ran out
			return ErrorResult(fmt.Sprintf("tool %q not started: the gateway is at its limit of %d concurrent calls", req.Name, cap(g.sem))), nil
		}
	}
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("toolgate: tool panicked", "tool", req.Name, "panic", r, "stack", string(debug.Stack()))
			res, err = ErrorResult(fmt.Sprintf("tool %q failed: internal error", req.Name)), nil
		}
	}()
	out.calling(start)
	if e.target != nil {
		res, err = e.target.CallTool(ctx, req)
	} else {
		res, err = e.prep.fn(ctx, req)
	}
	out.answered(res, err)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded && g.opts.CallTimeout > 0 {
			return ErrorResult(fmt.Sprintf("tool %q timed out after %v", req.Name, g.opts.CallTimeout)), nil
		}
		g.log.Debug("toolgate: tool error", "tool", req.Name, "err", err, "elapsed", time.Since(start))
		return ErrorResult(fmt.Sprintf("tool %q failed: %v", req.Name, err)), nil
	}
	if res == nil {
		res = &Result{}
	}
	return res, nil
}
