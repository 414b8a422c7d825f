package policy

import (
	"context"

	"github.com/cedar-policy/cedar-go/types"
	"github.com/cedar-policy/cedar-go/x/exp/eval"

	"github.com/toolgate/toolgate"
)

// reach is what a policy can do for a principal's calls of a tool when
// their arguments are unknown.
type reach uint8

const (
	never  reach = iota + 1 // it applies to no call (or errs on every one)
	maybe                   // it applies to some calls, depending on the arguments
	always                  // it applies to every call
)

// ListFilter implements toolgate.PolicyDecider: tools/list shows p the
// tools p could be permitted to call. AgentCore treats listing as a meta
// action evaluated without a call's context: a tool is listed if there is
// any set of circumstances under which a call would be permitted. The
// engine evaluates each policy that may apply to the tool partially, with
// the principal, action and resource known and context unknown (Cedar's
// partial evaluation): a tool is listed when some permit applies or may
// apply (its conditions on context.input remain), and no forbid applies
// whatever the arguments. Listed does not mean permitted: the call is
// decided on its own, with its arguments. In LogOnly mode every tool is
// listed.
func (e *Engine) ListFilter(_ context.Context, p *toolgate.Principal) func(*toolgate.ToolInfo) bool {
	if e.logOnly.Load() {
		return nil
	}
	st := e.st.Load()
	pe := e.principal(p, &st.set.tags)
	shared := map[*loaded]reach{} // policies whose reach does not depend on the tool
	return func(t *toolgate.ToolInfo) bool {
		return e.listable(st, &pe, t.Name, shared)
	}
}

// listable reports whether the principal pe may see the tool called name.
func (e *Engine) listable(st *state, pe *types.Entity, name string, shared map[*loaded]reach) bool {
	action := types.Entity{UID: types.NewEntityUID(actionType, types.String(name)), Parents: types.NewEntityUIDSet(e.callTool.UID)}
	env := eval.Env{
		Entities:  &entities{e: e, principal: pe, action: &action},
		Principal: pe.UID,
		Action:    action.UID,
		Resource:  e.gateway.UID,
		Context:   eval.Variable("context"),
	}
	permitted := false
	for _, l := range st.policiesFor(name).policies {
		var r reach
		if l.wildcard && !l.usesAction {
			if r = shared[l]; r == 0 {
				r = reachOf(env, l)
				shared[l] = r
			}
		} else {
			r = reachOf(env, l)
		}
		switch {
		case l.forbid && r == always:
			return false
		case !l.forbid && r != never:
			permitted = true
		}
	}
	return permitted
}

// reachOf evaluates l partially in env. Should cedar-go's partial
// evaluator (experimental) fail on a policy, the policy may apply: a
// listing only tells what a call might be permitted.
func reachOf(env eval.Env, l *loaded) (r reach) {
	defer func() {
		if recover() != nil {
			r = maybe
		}
	}()
	p, keep := eval.PartialPolicy(env, l.ast)
	if !keep {
		return never
	}
	for _, c := range p.Conditions {
		if _, failed := eval.ToPartialError(c.Body); failed {
			return never // it errs whatever the context: Cedar skips it
		}
	}
	if len(p.Conditions) == 0 {
		return always
	}
	return maybe
}

var _ toolgate.PolicyDecider = (*Engine)(nil)
