package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/toolgate/toolgate/internal/schema"
)

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
		return nil, fmt.Errorf("toolgate: %w %q", ErrUnknownTool, name)
	}
	return g.callEntry(WithPrincipal(ctx, p), e, &CallRequest{Arguments: args})
}

// callEntry validates and runs one call of e. req carries the transport
// details; its tool fields are filled here.
func (g *Gateway) callEntry(ctx context.Context, e *entry, req *CallRequest) (*Result, error) {
	if len(bytes.TrimSpace(req.Arguments)) == 0 || string(req.Arguments) == "null" {
		req.Arguments = json.RawMessage("{}")
	}
	if err := e.prep.validator.Validate(req.Arguments); err != nil {
		return ErrorResult(fmt.Sprintf("invalid arguments for tool %q: %v", e.info.Name, errText(err))), nil
	}
	req.Target, req.Tool, req.Name = e.info.Target, e.info.Tool.Name, e.info.Name
	return g.call(withEntry(ctx, e), req)
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

type entryKey struct{}

func withEntry(ctx context.Context, e *entry) context.Context {
	return context.WithValue(ctx, entryKey{}, e)
}

// dispatch is the innermost CallFunc: guards around the target's CallTool.
func (g *Gateway) dispatch(ctx context.Context, req *CallRequest) (res *Result, err error) {
	e, _ := ctx.Value(entryKey{}).(*entry)
	if e == nil || e.info.Name != req.Name {
		// An interceptor renamed the call: route by the new name.
		e = g.cat.Load().byName[req.Name]
		if e == nil {
			return nil, fmt.Errorf("%w %q", ErrUnknownTool, req.Name)
		}
	}
	// Counted before the check, so that Shutdown, which sets draining and
	// then waits for the count to drop, sees every call it lets through.
	g.running.Add(1)
	defer g.running.Add(-1)
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
	if e.target != nil {
		res, err = e.target.CallTool(ctx, req)
	} else {
		res, err = e.prep.fn(ctx, req)
	}
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
