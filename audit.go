package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/toolgate/toolgate/internal/jsonx"
)

// AuditRecord is the audit trail's account of one tool call or one refused
// request (Options.Audit). It never holds a credential: not the caller's
// token, not a header, not a target's key; a refusal or failure is told in
// the gateway's own words, never with a backend's error text.
type AuditRecord struct {
	Time time.Time `json:"time"`
	// Method is the MCP method: "tools/call", or, for a request refused
	// before it was read, "".
	Method string `json:"method,omitempty"`
	// Outcome is how the call ended; Reason says why when it is not ok.
	Outcome Outcome `json:"outcome"`
	Reason  string  `json:"reason,omitempty"`
	// Subject, ClientID and Issuer identify the caller (empty: anonymous).
	Subject  string `json:"subject,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// RemoteAddr is the caller's network address; empty for a call the
	// application made in process.
	RemoteAddr string `json:"remote_addr,omitempty"`
	// Tool is the name called; Target owns it (empty for builtins and for
	// tools that do not exist).
	Tool   string `json:"tool,omitempty"`
	Target string `json:"target,omitempty"`
	// Via is, for a call made in process within another call's handler
	// (Gateway.Call with the context the handler received, as a tool that
	// calls tools does), the name of the tool called there; the record
	// then carries that call's RemoteAddr, RequestID and SessionID too.
	Via string `json:"via,omitempty"`
	// Latency is the time from receiving the request to the answer;
	// TargetTime the part of it spent in the target.
	Latency    time.Duration `json:"latency_ns"`
	TargetTime time.Duration `json:"target_time_ns,omitempty"`
	// RequestID is the caller's X-Request-Id header, when it sent a
	// well-formed one; SessionID the MCP session; TraceID the request's
	// trace, when the gateway traces.
	RequestID string `json:"request_id,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	TraceID   string `json:"trace_id,omitempty"`
	// PolicyDecision is Options.Policy's decision on the call, "ALLOW" or
	// "DENY" as AgentCore names them (empty without a decision); in
	// PolicyMode "LOG_ONLY" the call went ahead whatever it says.
	// Policies are the ids of the policies that determined it (none for a
	// default deny), PolicyErrors those whose evaluation failed.
	PolicyDecision string   `json:"policy_decision,omitempty"`
	PolicyMode     string   `json:"policy_mode,omitempty"`
	Policies       []string `json:"policies,omitempty"`
	PolicyErrors   []string `json:"policy_errors,omitempty"`
	// Arguments are the call's arguments, only with Options.AuditArguments:
	// the values of properties whose names look secret (password, secret,
	// token, key, credential, authorization, cookie, ... in any case, with
	// or without separators), of properties the input schema marks
	// writeOnly or "format": "password", and of those named in
	// Options.AuditRedact are replaced by "[REDACTED]".
	Arguments json.RawMessage `json:"arguments,omitempty"`
}

// AuditJSON returns an Options.Audit that writes each record to w as one
// line of JSON. Writes are serialized; a write error is dropped.
func AuditJSON(w io.Writer) func(context.Context, *AuditRecord) {
	var mu sync.Mutex
	pool := sync.Pool{New: func() any { return new([]byte) }}
	return func(_ context.Context, rec *AuditRecord) {
		bp := pool.Get().(*[]byte)
		b := append(rec.appendJSON((*bp)[:0]), '\n')
		mu.Lock()
		_, _ = w.Write(b)
		mu.Unlock()
		*bp = b
		pool.Put(bp)
	}
}

// MarshalJSON encodes r as AuditJSON writes it.
func (r *AuditRecord) MarshalJSON() ([]byte, error) { return r.appendJSON(nil), nil }

// appendJSON appends r's JSON to b: the fields of AuditRecord's tags, in
// order, empty ones left out.
func (r *AuditRecord) appendJSON(b []byte) []byte {
	b = append(b, `{"time":"`...)
	b = r.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "method", r.Method)
	b = appendField(b, "outcome", string(r.Outcome))
	b = appendField(b, "reason", r.Reason)
	b = appendField(b, "subject", r.Subject)
	b = appendField(b, "client_id", r.ClientID)
	b = appendField(b, "issuer", r.Issuer)
	b = appendField(b, "remote_addr", r.RemoteAddr)
	b = appendField(b, "tool", r.Tool)
	b = appendField(b, "target", r.Target)
	b = appendField(b, "via", r.Via)
	b = append(b, `,"latency_ns":`...)
	b = strconv.AppendInt(b, int64(r.Latency), 10)
	if r.TargetTime != 0 {
		b = append(b, `,"target_time_ns":`...)
		b = strconv.AppendInt(b, int64(r.TargetTime), 10)
	}
	b = appendField(b, "request_id", r.RequestID)
	b = appendField(b, "session_id", r.SessionID)
	b = appendField(b, "trace_id", r.TraceID)
	b = appendField(b, "policy_decision", r.PolicyDecision)
	b = appendField(b, "policy_mode", r.PolicyMode)
	b = appendStrings(b, "policies", r.Policies)
	b = appendStrings(b, "policy_errors", r.PolicyErrors)
	if len(r.Arguments) > 0 && json.Valid(r.Arguments) {
		b = append(b, `,"arguments":`...)
		b = append(b, r.Arguments...)
	}
	return append(b, '}')
}

// appendField appends ,"key":"value" unless value is empty.
func appendField(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return jsonx.AppendString(b, value)
}

// appendStrings appends ,"key":["v",...] unless values is empty.
func appendStrings(b []byte, key string, values []string) []byte {
	if len(values) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':', '[')
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonx.AppendString(b, v)
	}
	return append(b, ']')
}

// audit hands the record of ob to Options.Audit.
func (g *Gateway) audit(ctx context.Context, ob *observation, elapsed time.Duration) {
	rec := &AuditRecord{
		Time:       ob.start,
		Method:     ob.method,
		Outcome:    ob.outcome,
		Reason:     ob.reason,
		Tool:       ob.called,
		Latency:    elapsed,
		TargetTime: ob.targetTime,
		SessionID:  ob.sessID,
	}
	if ob.p != nil {
		rec.Subject, rec.ClientID, rec.Issuer = ob.p.Subject, ob.p.ClientID, ob.p.Issuer
	}
	if ob.entry != nil {
		rec.Target = ob.entry.info.Target
	}
	if ri := ob.origin(); ri != nil {
		rec.RemoteAddr = ri.remoteAddr
		rec.RequestID = requestID(ri.header.Get("X-Request-Id"))
	}
	if ob.via != nil && ob.via.entry != nil {
		rec.Via = ob.via.entry.info.Name
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		rec.TraceID = sc.TraceID().String()
	}
	if d := ob.policy; d != nil {
		rec.PolicyDecision, rec.PolicyMode = "DENY", "ENFORCE"
		if d.Allow {
			rec.PolicyDecision = "ALLOW"
		}
		if d.LogOnly {
			rec.PolicyMode = "LOG_ONLY"
		}
		rec.Policies, rec.PolicyErrors = d.Policies, d.Errors
	}
	if g.opts.AuditArguments && ob.entry != nil && len(ob.args) > 0 {
		rec.Arguments = redact(ob.args, ob.entry.prep.secretProps(), g.opts.AuditRedact)
	}
	if g.opts.Audit != nil {
		g.opts.Audit(ctx, rec)
	}
	for _, fn := range g.sinks.list() {
		fn(ctx, rec)
	}
}

// AddAuditSink registers fn to receive every audit record, as
// Options.Audit does and after it: one per tool call and per refused
// request. It is for what joins a gateway at run time (the search tool
// learns from it which tools a session calls after a search) and for a
// second destination beside Options.Audit. fn runs on the call's goroutine
// as the call ends, so it must be quick, and it must not modify rec, which
// Options.Audit and every sink share. A record holds the call's arguments
// only with Options.AuditArguments. remove unregisters fn.
func (g *Gateway) AddAuditSink(fn func(ctx context.Context, rec *AuditRecord)) (remove func()) {
	return g.sinks.add(fn)
}

// auditing reports whether anything receives audit records: without
// Options.Audit or a sink, none is made.
func (g *Gateway) auditing() bool {
	return g.opts.Audit != nil || len(g.sinks.list()) > 0
}

// requestID returns id if it is a plausible request id (at most 128 of
// A-Z a-z 0-9 - _ . : /), "" otherwise: the record takes nothing that could
// forge a line of a log.
func requestID(id string) string {
	if len(id) > 128 {
		return ""
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:/", c) >= 0) {
			return ""
		}
	}
	return id
}

// secretWords are the parts of a property name that mark its value secret,
// compared with the name lower-cased and without '-', '_' and '.'.
var secretWords = []string{"password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey",
	"privatekey", "credential", "authorization", "cookie", "bearer"}

// secretName reports whether a property named name holds a secret: it
// looks like one, or extra names it.
func secretName(name string, extra []string) bool {
	n := strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return r
	}, strings.ToLower(name))
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	for _, x := range extra {
		if strings.EqualFold(name, x) {
			return true
		}
	}
	switch n {
	case "pin", "otp", "cvv", "cvc":
		return true
	}
	return strings.HasSuffix(n, "key")
}

// redacted replaces a secret value.
var redacted = json.RawMessage(`"[REDACTED]"`)

// redact returns args with the values of secret properties replaced, at any
// depth; schemaSecrets are the property names the input schema marks.
// Arguments that are not JSON are left out entirely.
func redact(args json.RawMessage, schemaSecrets map[string]bool, extra []string) json.RawMessage {
	var v any
	d := json.NewDecoder(bytes.NewReader(args))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil
	}
	v = redactValue(v, schemaSecrets, extra)
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func redactValue(v any, schemaSecrets map[string]bool, extra []string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if schemaSecrets[k] || secretName(k, extra) {
				x[k] = redacted
				continue
			}
			x[k] = redactValue(val, schemaSecrets, extra)
		}
	case []any:
		for i, val := range x {
			x[i] = redactValue(val, schemaSecrets, extra)
		}
	}
	return v
}

// secretProps returns the names of the properties p's input schema marks
// secret (writeOnly, or "format": "password"), at any depth, found once.
func (p *prepared) secretProps() map[string]bool {
	if m := p.secrets.Load(); m != nil {
		return *m
	}
	m := map[string]bool{}
	var s any
	if json.Unmarshal(p.tool.InputSchema, &s) == nil {
		findSecretProps(s, m)
	}
	p.secrets.Store(&m)
	return m
}

func findSecretProps(s any, out map[string]bool) {
	switch x := s.(type) {
	case map[string]any:
		if props, ok := x["properties"].(map[string]any); ok {
			for name, ps := range props {
				if m, ok := ps.(map[string]any); ok && (m["writeOnly"] == true || m["format"] == "password") {
					out[name] = true
				}
			}
		}
		for _, v := range x {
			findSecretProps(v, out)
		}
	case []any:
		for _, v := range x {
			findSecretProps(v, out)
		}
	}
}
