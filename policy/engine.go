package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/cedar-policy/cedar-go"
	cast "github.com/cedar-policy/cedar-go/ast"
	"github.com/cedar-policy/cedar-go/types"
	xast "github.com/cedar-policy/cedar-go/x/exp/ast"

	"github.com/toolgate/toolgate"
)

// Mode is how an engine's decisions apply: AgentCore's
// policyEngineConfiguration.mode.
type Mode string

const (
	// Enforce refuses the calls the policies deny.
	Enforce Mode = "ENFORCE"
	// LogOnly decides every call and records the decision (in the audit
	// record), but lets every call go ahead and tools/list show every tool.
	LogOnly Mode = "LOG_ONLY"
)

// Policy is one Cedar policy, as AgentCore's CreatePolicy takes it.
type Policy struct {
	// Name identifies the policy: decisions, audit records and errors name
	// it. Names are unique within an engine.
	Name string
	// Description says what the policy is for; the engine does not read it.
	Description string
	// Statement is one Cedar policy in Cedar's text form.
	Statement string
}

// Config configures an Engine.
type Config struct {
	// Engine names the policy engine (AgentCore: its ARN) in logs.
	Engine string
	// Gateway is the id of the resource of every request,
	// AgentCore::Gateway::"<Gateway>": the gateway's ARN as AgentCore's
	// policies name it, or any id the policies use. Required.
	Gateway string
	// Mode is Enforce (the default) or LogOnly.
	Mode Mode
	// Logger receives a warning for each policy that stops validating when
	// the catalogue changes; default slog.Default(). Decisions are not
	// logged: the gateway's audit records hold them.
	Logger *slog.Logger
}

// Engine evaluates Cedar policies on the calls of a toolgate.Gateway, in
// Amazon Bedrock AgentCore's entity model, so that AgentCore's policies run
// unchanged (docs/policy.md). It implements toolgate.PolicyDecider: set it
// as toolgate.Options.Policy, then Attach it to the gateway and load the
// policies with SetPolicies. Without policies it denies every call.
//
// An Engine is safe for concurrent use; SetPolicies, SetTools and SetMode
// take effect atomically, for the calls decided after they return.
type Engine struct {
	name     string
	log      *slog.Logger
	logOnly  atomic.Bool
	gateway  types.Entity
	callTool types.Entity
	mcp      types.Entity

	mu sync.Mutex // serializes SetPolicies and SetTools
	st atomic.Pointer[state]
}

// state is what the engine decides with: replaced whole, never changed.
type state struct {
	tools    map[string]*tool // by published name
	schema   *generated
	set      *policySet
	problems error    // the policies that do not validate against schema
	lists    sync.Map // tool name → policyList, see policiesFor
}

// tool is a published tool as the engine sees it.
type tool struct {
	name   string
	schema json.RawMessage // the input schema its input type was made from
	input  *ctype
	action types.Entity // AgentCore::Action::"<name>", in CallTool
}

// New returns an engine with no policies and an empty catalogue.
func New(cfg Config) (*Engine, error) {
	if cfg.Gateway == "" {
		return nil, errors.New("policy: Config.Gateway is required: the id of the AgentCore::Gateway the policies name")
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = Enforce
	case Enforce, LogOnly:
	default:
		return nil, fmt.Errorf("policy: mode %q: want %q or %q", cfg.Mode, Enforce, LogOnly)
	}
	e := &Engine{name: cfg.Engine, log: cfg.Logger}
	if e.log == nil {
		e.log = slog.Default()
	}
	e.logOnly.Store(cfg.Mode == LogOnly)
	e.gateway = types.Entity{UID: types.NewEntityUID(gatewayType, types.String(cfg.Gateway))}
	e.mcp = types.Entity{UID: types.NewEntityUID(actionType, mcpGroup)}
	e.callTool = types.Entity{UID: types.NewEntityUID(actionType, callToolGroup), Parents: types.NewEntityUIDSet(e.mcp.UID)}
	gen, err := generateSchema(nil)
	if err != nil {
		return nil, err
	}
	e.st.Store(&state{tools: map[string]*tool{}, schema: gen, set: &policySet{}})
	return e, nil
}

// Mode returns the engine's mode.
func (e *Engine) Mode() Mode {
	if e.logOnly.Load() {
		return LogOnly
	}
	return Enforce
}

// SetMode changes the engine's mode.
func (e *Engine) SetMode(m Mode) error {
	switch m {
	case Enforce, LogOnly:
		e.logOnly.Store(m == LogOnly)
		return nil
	}
	return fmt.Errorf("policy: mode %q: want %q or %q", m, Enforce, LogOnly)
}

// Schema returns the Cedar schema generated from the catalogue, in Cedar's
// schema syntax: the one every policy is validated against.
func (e *Engine) Schema() string { return e.st.Load().schema.text }

// Problems returns the policies in force that do not validate against the
// current catalogue's schema (a *PolicyError each, joined), nil when all do.
func (e *Engine) Problems() error { return e.st.Load().problems }

// Policies returns the names of the policies in force, in load order.
func (e *Engine) Policies() []string {
	set := e.st.Load().set
	names := make([]string, len(set.all))
	for i, p := range set.all {
		names[i] = p.name
	}
	return names
}

// SetPolicies replaces the engine's policies with ps, each parsed and
// validated against the catalogue's schema. Any problem leaves the
// policies in force as they were and is returned: a *PolicyError per
// problem, naming the policy and the line and column in its statement.
func (e *Engine) SetPolicies(ps []Policy) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st.Load()
	set, err := newPolicySet(ps)
	if err == nil {
		err = set.validate(st.schema)
	}
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	e.st.Store(&state{tools: st.tools, schema: st.schema, set: set})
	return nil
}

// SetTools makes tools the engine's catalogue: one action per tool, its
// context typed from the tool's input schema. The policies in force are
// validated again against the new schema; those that no longer validate
// (a tool they name is gone, an argument changed type) stay in force —
// dropping a forbid would open what it closes — and are logged, returned
// and kept in Problems until the policies or the catalogue change.
// Attach calls SetTools whenever the gateway's catalogue changes.
func (e *Engine) SetTools(tools []toolgate.ToolInfo) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st.Load()
	byName := make(map[string]*tool, len(tools))
	list := make([]*tool, 0, len(tools))
	for i := range tools {
		t := st.tools[tools[i].Name]
		if t == nil || !sameBytes(t.schema, tools[i].Tool.InputSchema) {
			t = e.newTool(&tools[i])
		}
		byName[t.name] = t
		list = append(list, t)
	}
	gen, err := generateSchema(list)
	if err != nil {
		return err
	}
	problems := st.set.validate(gen)
	for _, p := range flatten(problems) {
		if pe, ok := p.(*PolicyError); ok {
			e.log.Warn("policy: a policy in force does not validate against the catalogue; it stays in force",
				"engine", e.name, "policy", pe.Policy, "line", pe.Line, "column", pe.Column, "problem", pe.Err.Error())
		}
	}
	e.st.Store(&state{tools: byName, schema: gen, set: st.set, problems: problems})
	if problems != nil {
		return fmt.Errorf("policy: %w", problems)
	}
	return nil
}

// Attach makes the engine follow gw's catalogue: SetTools with gw's tools
// now, and again (in the background, the latest catalogue once) after
// every change gw reports. stop ends the following.
func (e *Engine) Attach(gw *toolgate.Gateway) (stop func()) {
	_ = e.SetTools(gw.Tools()) // problems are logged and kept in Problems
	kick := make(chan struct{}, 1)
	done := make(chan struct{})
	unwatch := gw.Watch(func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-kick:
				_ = e.SetTools(gw.Tools())
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			unwatch()
			close(done)
			wg.Wait()
		})
	}
}

func (e *Engine) newTool(ti *toolgate.ToolInfo) *tool {
	return &tool{
		name:   ti.Name,
		schema: ti.Tool.InputSchema,
		input:  compileInput(ti.Tool.InputSchema),
		action: types.Entity{
			UID:     types.NewEntityUID(actionType, types.String(ti.Name)),
			Parents: types.NewEntityUIDSet(e.callTool.UID),
		},
	}
}

// toolOf returns the engine's view of ti: the catalogue's, or, for a tool
// the catalogue does not know yet (or knows with another schema), one made
// now.
func (e *Engine) toolOf(st *state, ti *toolgate.ToolInfo) *tool {
	if t := st.tools[ti.Name]; t != nil && sameBytes(t.schema, ti.Tool.InputSchema) {
		return t
	}
	return e.newTool(ti)
}

// sameBytes reports whether a and b hold the same bytes, at once when they
// are the same slice.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || &a[0] == &b[0] || bytes.Equal(a, b)
}

// Result is a decision with what determined it.
type Result struct {
	Allow bool
	// Policies are the names of the determining policies: the forbids that
	// matched, or else the permits that did; none for a default deny.
	Policies []string
	// Errors are the evaluations that failed: a policy's (skipped, as
	// Cedar skips a policy that errs), or the request's own when an
	// argument has no Cedar value (the call is then denied).
	Errors []EvalError
}

// EvalError is an evaluation that failed.
type EvalError struct {
	// Policy is the failing policy's name; "" for the request itself.
	Policy string
	// Message is Cedar's; it may quote argument values.
	Message string
}

// requestError is the name decisions give an EvalError of the request.
const requestError = "context.input"

// Evaluate decides a call of t with args (valid for t's input schema) by p:
// Cedar's decision (default deny, a matching forbid wins) over the
// policies in force, whatever the engine's mode.
func (e *Engine) Evaluate(p *toolgate.Principal, t *toolgate.ToolInfo, args json.RawMessage) Result {
	st := e.st.Load()
	tl := e.toolOf(st, t)
	input, err := inputValue(tl.input, args)
	if err != nil {
		return Result{Errors: []EvalError{{Message: "context." + err.Error()}}}
	}
	list := st.policiesFor(tl.name)
	pe := e.principal(p, &list.tags)
	req := cedar.Request{
		Principal: pe.UID,
		Action:    tl.action.UID,
		Resource:  e.gateway.UID,
		Context:   types.NewRecord(types.RecordMap{"input": input}),
	}
	dec, diag := cedar.Authorize(list.policies, &entities{e: e, principal: &pe, action: &tl.action}, req)
	r := Result{Allow: dec == cedar.Allow}
	for _, reason := range diag.Reasons {
		r.Policies = append(r.Policies, string(reason.PolicyID))
	}
	for _, de := range diag.Errors {
		r.Errors = append(r.Errors, EvalError{Policy: string(de.PolicyID), Message: de.Message})
	}
	return r
}

// Decide implements toolgate.PolicyDecider. A decision that cannot be
// made (a panic in the evaluation) is a denial.
func (e *Engine) Decide(_ context.Context, req *toolgate.PolicyRequest) (d toolgate.PolicyDecision) {
	defer func() {
		if recover() != nil { // its value may quote the arguments: not logged
			e.log.Error("policy: the evaluation failed; the call is denied", "engine", e.name, "tool", req.Tool.Name)
			d = toolgate.PolicyDecision{LogOnly: e.logOnly.Load(), Errors: []string{"evaluation"}}
		}
	}()
	r := e.Evaluate(req.Principal, req.Tool, req.Arguments)
	d = toolgate.PolicyDecision{Allow: r.Allow, LogOnly: e.logOnly.Load(), Policies: r.Policies}
	for _, ee := range r.Errors {
		if ee.Policy == "" {
			ee.Policy = requestError
		}
		d.Errors = append(d.Errors, ee.Policy)
	}
	return d
}

// principal returns the entity of p: AgentCore::OAuthUser::"<sub>" with
// id = sub and a tag per claim (see claimtext.String). A principal without a
// subject is named by its client id; one without claims (an Authorizer
// other than auth.JWT) gets tags from its subject, client, issuer and
// scopes.
func (e *Engine) principal(p *toolgate.Principal, tags *tagSet) types.Entity {
	if p == nil {
		p = &toolgate.Principal{}
	}
	id := p.Subject
	if id == "" {
		id = p.ClientID
	}
	claims := p.Claims
	if claims == nil {
		claims = principalClaims(p.Subject, p.ClientID, p.Issuer, p.Scopes)
	}
	return types.Entity{
		UID:        types.NewEntityUID(userType, types.String(id)),
		Attributes: types.NewRecord(types.RecordMap{"id": types.String(id)}),
		Tags:       claimTags(claims, tags),
	}
}

// entities are the entities of one request: the principal, the tool's
// action, its groups CallTool and Mcp, the gateway.
type entities struct {
	e         *Engine
	principal *types.Entity
	action    *types.Entity
}

func (es *entities) Get(uid types.EntityUID) (types.Entity, bool) {
	switch uid {
	case es.principal.UID:
		return *es.principal, true
	case es.action.UID:
		return *es.action, true
	case es.e.callTool.UID:
		return es.e.callTool, true
	case es.e.mcp.UID:
		return es.e.mcp, true
	case es.e.gateway.UID:
		return es.e.gateway, true
	}
	return types.Entity{}, false
}

// loaded is a parsed policy.
type loaded struct {
	name     string
	stmt     string
	pol      *cedar.Policy
	ast      *xast.Policy
	forbid   bool
	wildcard bool     // its action scope takes in every tool (action, action in CallTool or Mcp)
	actions  []string // else the tools it names
	// usesAction: its conditions read the action, so its partial
	// evaluation for tools/list depends on the tool even when wildcard.
	usesAction bool
	// tags are the tag names its conditions read (hasTag, getTag with a
	// literal name); allTags: it reads one by a computed name.
	tags    []string
	allTags bool
}

// policySet is a set of policies, indexed by the actions they name.
type policySet struct {
	all      []*loaded
	byAction map[string][]int // tool name → indexes in all of the policies naming it
	wildcard []int            // indexes of the policies for every tool
	tags     tagSet           // the tags the policies read
}

// tagSet is the tags a set of policies reads: a principal needs no others.
type tagSet struct {
	names map[string]bool
	all   bool
}

func (ts *tagSet) add(l *loaded) {
	if ts.names == nil {
		ts.names = map[string]bool{}
	}
	ts.all = ts.all || l.allTags
	for _, n := range l.tags {
		ts.names[n] = true
	}
}

// newPolicySet parses ps.
func newPolicySet(ps []Policy) (*policySet, error) {
	set := &policySet{byAction: map[string][]int{}}
	var errs []error
	seen := map[string]bool{}
	for _, p := range ps {
		switch {
		case p.Name == "":
			errs = append(errs, &PolicyError{Line: 1, Column: 1, Err: errNoName})
			continue
		case seen[p.Name]:
			errs = append(errs, &PolicyError{Policy: p.Name, Line: 1, Column: 1, Err: errors.New("another policy has the same name")})
			continue
		}
		seen[p.Name] = true
		l, err := parsePolicy(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		i := len(set.all)
		set.all = append(set.all, l)
		set.tags.add(l)
		if l.wildcard {
			set.wildcard = append(set.wildcard, i)
		}
		for _, a := range l.actions {
			if n := set.byAction[a]; len(n) == 0 || n[len(n)-1] != i {
				set.byAction[a] = append(n, i)
			}
		}
	}
	return set, errors.Join(errs...)
}

// MaxStatement is the longest statement a policy may have, in bytes:
// AgentCore's limit, so that a policy loaded here loads there too.
const MaxStatement = 10000

// parsePolicy parses one policy statement.
func parsePolicy(p Policy) (*loaded, error) {
	if len(p.Statement) > MaxStatement {
		return nil, &PolicyError{Policy: p.Name, Line: 1, Column: 1,
			Err: fmt.Errorf("the statement has %d bytes, more than the %d AgentCore takes", len(p.Statement), MaxStatement)}
	}
	var list cedar.PolicyList
	if err := list.UnmarshalCedar([]byte(p.Statement)); err != nil {
		return nil, parseError(p.Name, err)
	}
	if len(list) != 1 {
		return nil, &PolicyError{Policy: p.Name, Line: 1, Column: 1,
			Err: fmt.Errorf("a statement holds exactly one policy; this one holds %d", len(list))}
	}
	pol := list[0]
	x := (*xast.Policy)(pol.AST())
	l := &loaded{name: p.Name, stmt: p.Statement, pol: pol, ast: x, forbid: pol.Effect() == cedar.Forbid}
	actionUID := func(uid types.EntityUID) {
		switch {
		case uid.Type != actionType:
		case uid.ID == callToolGroup || uid.ID == mcpGroup:
			l.wildcard = true
		default:
			l.actions = append(l.actions, string(uid.ID))
		}
	}
	switch sc := x.Action.(type) {
	case xast.ScopeTypeEq:
		if sc.Entity.Type == actionType && sc.Entity.ID != callToolGroup && sc.Entity.ID != mcpGroup {
			l.actions = append(l.actions, string(sc.Entity.ID))
		}
	case xast.ScopeTypeIn:
		actionUID(sc.Entity)
	case xast.ScopeTypeInSet:
		for _, uid := range sc.Entities {
			actionUID(uid)
		}
	default: // action, with no constraint
		l.wildcard = true
	}
	if l.wildcard {
		l.actions = nil
	}
	if l.wildcard || len(l.actions) > 0 {
		// The policy is only ever evaluated for the actions its scope
		// takes in (see policiesFor): Cedar need not check the scope again,
		// which for "action in CallTool" means a walk up the action's
		// groups per policy and call.
		unscoped := *x
		unscoped.Action = xast.ScopeTypeAll{}
		l.pol = cedar.NewPolicyFromAST((*cast.Policy)(&unscoped))
	}
	tag := func(name xast.IsNode) {
		if v, ok := name.(xast.NodeValue); ok {
			if s, ok := v.Value.(types.String); ok {
				l.tags = append(l.tags, string(s))
				return
			}
		}
		l.allTags = true
	}
	for _, c := range x.Conditions {
		xast.Inspect(xast.NewNode(c.Body), func(n xast.IsNode) bool {
			switch v := n.(type) {
			case xast.NodeTypeVariable:
				l.usesAction = l.usesAction || v.Name == "action"
			case xast.NodeTypeHasTag:
				tag(v.Right)
			case xast.NodeTypeGetTag:
				tag(v.Right)
			}
			return true
		})
	}
	return l, nil
}

// validate validates every policy of set against g.
func (set *policySet) validate(g *generated) error {
	var errs []error
	for _, l := range set.all {
		if err := g.validator.Policy("", l.ast); err != nil {
			pos := l.pol.Position()
			errs = append(errs, validationErrors(l.name, l.stmt, pos.Offset, pos.Line, pos.Column, err)...)
		}
	}
	return errors.Join(errs...)
}

// policyList is the policies that may apply to one action, in load order.
type policyList []*loaded

// All implements cedar.PolicyIterator.
func (l policyList) All() iter.Seq2[cedar.PolicyID, *cedar.Policy] {
	return func(yield func(cedar.PolicyID, *cedar.Policy) bool) {
		for _, p := range l {
			if !yield(cedar.PolicyID(p.name), p.pol) {
				return
			}
		}
	}
}

// actionPolicies are the policies that may apply to the calls of one tool,
// and the tags they read.
type actionPolicies struct {
	policies policyList
	tags     tagSet
}

// policiesFor returns the policies that may apply to a call of the tool
// called name: those naming it and those for every tool. Cedar skips the
// others anyway; leaving them out only saves their evaluation.
func (st *state) policiesFor(name string) *actionPolicies {
	if l, ok := st.lists.Load(name); ok {
		return l.(*actionPolicies)
	}
	set := st.set
	named := set.byAction[name]
	ap := &actionPolicies{policies: make(policyList, 0, len(named)+len(set.wildcard))}
	i, j := 0, 0
	for i < len(named) || j < len(set.wildcard) { // merge, keeping load order
		var l *loaded
		if j == len(set.wildcard) || i < len(named) && named[i] < set.wildcard[j] {
			l = set.all[named[i]]
			i++
		} else {
			l = set.all[set.wildcard[j]]
			j++
		}
		ap.policies = append(ap.policies, l)
		ap.tags.add(l)
	}
	st.lists.Store(name, ap)
	return ap
}
