package config

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/policy"
)

// policyName is AgentCore's pattern for a policy's name.
var policyName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}$`)

// checkPolicies checks the policy engine configuration and the policies:
// everything but the statements' validity, which needs the catalogue
// (Build and Validate check it).
func (f *File) checkPolicies(p *problems) {
	var engineID string
	if g := f.Gateway; g != nil && g.PolicyEngineConfiguration != nil {
		pe := g.PolicyEngineConfiguration
		const path = "gateway.policyEngineConfiguration"
		if pe.Arn != "" && !strings.Contains(pe.Arn, "policy-engine/") {
			p.errorf(join(path, "arn"), "%q is not a policy engine ARN (arn:aws:bedrock-agentcore:<region>:<account>:policy-engine/<id>)", pe.Arn)
		}
		engineID = arnName(pe.Arn)
		switch pe.Mode {
		case string(policy.Enforce), string(policy.LogOnly), "":
		default:
			p.errorf(join(path, "mode"), "%q is not one of ENFORCE, LOG_ONLY", pe.Mode)
		}
		if len(f.Policies) == 0 && pe.Mode == string(policy.Enforce) {
			p.warnf(path, "no policies: every tool call is denied (Cedar denies by default)")
		}
	}
	names := map[string]bool{}
	for i, pol := range f.Policies {
		path := index("policies", i)
		if pol == nil {
			p.errorf(path, "empty")
			continue
		}
		if pol.Name != "" && !policyName.MatchString(pol.Name) {
			p.errorf(join(path, "name"), "%q: a policy's name is a letter then letters, digits or _ (at most 48)", pol.Name)
		}
		if names[pol.Name] {
			p.errorf(join(path, "name"), "%q is used twice", pol.Name)
		}
		names[pol.Name] = true
		switch {
		case f.Gateway != nil && f.Gateway.PolicyEngineConfiguration == nil:
			p.errorf(join(path, "policyEngineId"), "the gateway has no policyEngineConfiguration to hold the policy")
		case pol.PolicyEngineID != "" && pol.PolicyEngineID != engineID:
			p.errorf(join(path, "policyEngineId"), "%q is not the gateway's policy engine (%q)", pol.PolicyEngineID, engineID)
		}
		switch pol.ValidationMode {
		case "", "FAIL_ON_ANY_FINDINGS", "IGNORE_ALL_FINDINGS":
		default:
			p.errorf(join(path, "validationMode"), "%q is not one of FAIL_ON_ANY_FINDINGS, IGNORE_ALL_FINDINGS", pol.ValidationMode)
		}
		if d := pol.Definition; d != nil && d.Cedar != nil && len(d.Cedar.Statement) > policy.MaxStatement {
			p.errorf(join(path, "definition.cedar.statement"), "%d bytes: longer than %d", len(d.Cedar.Statement), policy.MaxStatement)
		}
	}
}

// gatewayID is the gateway's id in Cedar policies: toolgate.gatewayArn,
// else the gateway's name.
func (f *File) gatewayID() string {
	if l := f.Toolgate; l != nil && l.GatewayArn != "" {
		return l.GatewayArn
	}
	return f.Gateway.Name
}

// newEngine returns the policy engine the file configures (without
// policies), or nil.
func (f *File) newEngine(logger *slog.Logger) (*policy.Engine, *Error) {
	pe := f.Gateway.PolicyEngineConfiguration
	if pe == nil {
		return nil, nil
	}
	eng, err := policy.New(policy.Config{Engine: pe.Arn, Gateway: f.gatewayID(), Mode: policy.Mode(pe.Mode), Logger: logger})
	if err != nil {
		return nil, &Error{Path: "gateway.policyEngineConfiguration", Msg: err.Error(), Err: err}
	}
	return eng, nil
}

// PolicySet returns the file's policies as package policy takes them.
func (f *File) PolicySet() []policy.Policy {
	ps := make([]policy.Policy, 0, len(f.Policies))
	for _, p := range f.Policies {
		ps = append(ps, policy.Policy{Name: p.Name, Description: p.Description, Statement: p.Definition.Cedar.Statement})
	}
	return ps
}

// PolicyMode returns the policy engine's mode, "" without a policy engine.
func (f *File) PolicyMode() policy.Mode {
	if f.Gateway == nil || f.Gateway.PolicyEngineConfiguration == nil {
		return ""
	}
	return policy.Mode(f.Gateway.PolicyEngineConfiguration.Mode)
}

// policyErrors turns the engine's refusal of the policies into Errors
// naming each policy's path in the file and the position in its
// statement.
func (f *File) policyErrors(err error) Errors {
	var errs Errors
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var pe *policy.PolicyError
		if !errors.As(e, &pe) {
			errs = append(errs, &Error{Path: "policies", Msg: e.Error(), Err: e})
			continue
		}
		path := "policies"
		for i, p := range f.Policies {
			if p.Name == pe.Policy {
				path = index("policies", i) + ".definition.cedar.statement"
			}
		}
		errs = append(errs, &Error{Path: path, Msg: pe.Error(), Err: pe})
	}
	return errs
}

// checkPolicyStatements validates the policies against the Cedar schema of
// tools, as the gateway's engine will when it loads them.
func (f *File) checkPolicyStatements(tools []toolgate.ToolInfo) Errors {
	eng, e := f.newEngine(slog.New(slog.DiscardHandler))
	if e != nil {
		return Errors{e}
	}
	if eng == nil {
		return nil
	}
	if err := eng.SetTools(tools); err != nil {
		return Errors{{Path: "policies", Msg: err.Error(), Err: err}}
	}
	if err := eng.SetPolicies(f.PolicySet()); err != nil {
		return f.policyErrors(err)
	}
	return nil
}

// attachPolicies makes the engine follow gw's catalogue and loads the
// file's policies, validated against it. Policies that do not validate are
// an error, unless a target could not be listed: its tools are unknown, so
// the engine starts with no policies (every call denied, as Cedar denies by
// default) and loads them as soon as the catalogue lets them validate.
func (b *Built) attachPolicies(gw *toolgate.Gateway) error {
	b.gw = gw
	b.stopAttach = b.Policy.Attach(gw)
	if err := b.loadPolicies(b.file); err != nil {
		b.stopAttach()
		b.stopAttach = nil
		return err
	}
	return nil
}

// UpdatePolicies applies f's policies and policy mode to the running
// engine, as a reload does: they take effect together for the calls
// decided afterwards, or not at all (an error, the policies in force
// kept). The engine and the gateway's id in policies are not changed
// (they make a new gateway).
func (b *Built) UpdatePolicies(f *File) error {
	if b.Policy == nil || b.gw == nil {
		return errors.New("config: no policy engine is running")
	}
	b.stopPending()
	// The engine follows the catalogue in the background (Attach): bring
	// it up to date first, for policies that name tools just added.
	_ = b.Policy.SetTools(b.gw.Tools()) // problems of the policies in force are logged
	if err := b.loadPolicies(f); err != nil {
		return err
	}
	if err := b.Policy.SetMode(f.PolicyMode()); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	b.file = f
	return nil
}

// loadPolicies loads f's policies into the engine, or leaves them pending
// (see attachPolicies).
func (b *Built) loadPolicies(f *File) error {
	err := b.Policy.SetPolicies(f.PolicySet())
	if err == nil {
		return nil
	}
	var down []string
	for _, st := range b.gw.Status() {
		if !st.Healthy {
			down = append(down, st.Name)
		}
	}
	if len(down) == 0 {
		return fmt.Errorf("config: %w", f.policyErrors(err))
	}
	log := b.Options.Logger
	log.Error("policies not loaded: they do not validate against the tools listed so far; the policies in force stay until they do",
		"unlisted_targets", down, "err", err.Error())
	gw, eng, ps := b.gw, b.Policy, f.PolicySet()
	kick := make(chan struct{}, 1)
	done, finished := make(chan struct{}), make(chan struct{})
	unwatch := gw.Watch(func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	go func() {
		defer close(finished)
		defer unwatch()
		for {
			select {
			case <-kick:
				_ = eng.SetTools(gw.Tools()) // the catalogue the policies need, now
				if eng.SetPolicies(ps) == nil {
					log.Info("policies loaded", "policies", len(ps))
					return
				}
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	b.pending = func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
	return nil
}

// stopPending ends the wait of policies left pending, if any.
func (b *Built) stopPending() {
	if b.pending != nil {
		b.pending()
		b.pending = nil
	}
}

// closePolicies ends the engine's following of the gateway.
func (b *Built) closePolicies() {
	b.stopPending()
	if b.stopAttach != nil {
		b.stopAttach()
		b.stopAttach = nil
	}
}
