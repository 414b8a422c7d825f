package smithy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"unicode"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/internal/httpx"
	"github.com/toolgate/toolgate/internal/tracectx"
)

// Protocol trait ids.
const (
	RestJSON1 = "aws.protocols#restJson1"
	AWSJSON10 = "aws.protocols#awsJson1_0"
	AWSJSON11 = "aws.protocols#awsJson1_1"
	RestXML   = "aws.protocols#restXml"
	AWSQuery  = "aws.protocols#awsQuery"
	EC2Query  = "aws.protocols#ec2Query"
)

const (
	trSigV4      = "aws.auth#sigv4"
	trAWSService = "aws.api#service"
)

// supportedProtocols lists the protocols a Target speaks, in order of
// preference.
func supportedProtocols() []string {
	return []string{RestJSON1, AWSJSON10, AWSJSON11, RestXML, AWSQuery, EC2Query}
}

// restful reports whether a protocol uses HTTP bindings.
func restful(proto string) bool { return proto == RestJSON1 || proto == RestXML }

// ErrUnsupportedProtocol is returned (wrapped) by New for a service whose
// protocols toolgate does not speak. The error names them.
var ErrUnsupportedProtocol = errors.New("unsupported protocol")

// Options configures a Smithy target. The zero value serves the model's only
// service, at its regional AWS endpoint (or fails if it has none), signed
// with SigV4 from the default AWS credential chain when the service uses it.
type Options struct {
	// Name is the target's name, the prefix of its tool names. Default: the
	// service's sdkId (aws.api#service) or shape name, lower-cased, with
	// characters other than letters, digits, '_' and '-' replaced by '_'.
	Name string
	// Description describes the target in Status and to tool search.
	// Default: the service's documentation as text.
	Description string
	// Service is the service shape id ("com.amazonaws.dynamodb#DynamoDB_20120810")
	// or its bare name, needed when the model holds several services.
	Service string
	// Protocol overrides the protocol (one of the protocol constants). By
	// default the first of the service's protocol traits that toolgate
	// speaks; a service without protocol traits whose operations carry
	// @http bindings is served as restJson1.
	Protocol string
	// Endpoint is the base URL of the service ("http://127.0.0.1:8000").
	// Default for AWS services: the endpoint the AWS SDK's configuration
	// sets for the service, as an SDK client finds it
	// (AWS_ENDPOINT_URL_<SDKID>, AWS_ENDPOINT_URL, the shared
	// configuration's services section or endpoint_url), else
	// https://<endpointPrefix>.<region>.amazonaws.com.
	Endpoint string
	// Region is the AWS region for the default endpoint and SigV4. Default:
	// AWS_REGION, AWS_DEFAULT_REGION or the shared configuration.
	Region string
	// HTTPClient sends the requests. Nil means a client on
	// http.DefaultTransport's settings (30 s connect and 10 s TLS handshake
	// timeouts) keeping 64 idle connections per host (credentials.Client),
	// with no overall timeout: each call is bounded by its context, which
	// the gateway limits to its CallTimeout. No redirect to another origin
	// is followed, whatever the client's CheckRedirect says (see
	// credentials.Client).
	HTTPClient *http.Client
	// Credentials sign or authorise every request (see package
	// credentials); credentials.None() sends none. Nil means the target's
	// default: for a service with aws.auth#sigv4, SigV4 with the service's
	// signing name, the Region and the default AWS credential chain; none
	// otherwise.
	Credentials credentials.Provider
	// Include keeps only operations whose name matches one of these
	// path.Match patterns ("Get*", "ListTables"); all when empty. Exclude
	// then drops operations matching any of its patterns.
	Include, Exclude []string
	// ReadOnly keeps only read-only operations: those marked @readonly or
	// bound to HTTP GET or HEAD (and, with InferReadOnly, those named as
	// reads).
	ReadOnly bool
	// InferReadOnly also treats as read-only the operations whose names
	// follow the AWS conventions for reads (Get*, List*, Describe*,
	// BatchGet*, Query, Scan, Search*, ...). AWS models seldom carry
	// @readonly, and awsJson operations have no HTTP method to tell.
	InferReadOnly bool
	// SkipDeprecated drops operations marked @deprecated (they are offered,
	// and say they are deprecated, by default).
	SkipDeprecated bool
	// MaxResponseBytes bounds how much of a response body is read; a longer
	// body makes an isError result. Default 16 MiB.
	MaxResponseBytes int64
	// Logger receives request failures (never argument values); nil
	// discards them.
	Logger *slog.Logger
}

// Target serves the operations of one Smithy service as tools. It is safe
// for concurrent use.
type Target struct {
	name, desc string
	proto      string
	m          *Model
	svc        *shape
	ops        map[string]*operation
	tools      []toolgate.Tool
	client     *http.Client
	endpoint   *url.URL
	maxResp    int64
	log        *slog.Logger
}

var _ toolgate.Target = (*Target)(nil)

// operation is one operation converted to a tool.
type operation struct {
	name      string
	s         *shape
	input     *shape
	output    *shape // nil for Unit
	tool      toolgate.Tool
	http      *httpBinding // restJson1, restXml
	retryable bool         // read-only or idempotent: retried after a transport failure
}

// New returns a target for the service in m described by opts (which may be
// nil). It converts every selected operation to a tool now, so errors in the
// model surface here.
func New(ctx context.Context, m *Model, opts *Options) (*Target, error) {
	if m == nil {
		return nil, errors.New("smithy: nil model")
	}
	if opts == nil {
		opts = &Options{}
	}
	svc, err := m.service(opts.Service)
	if err != nil {
		return nil, err
	}
	proto, err := chooseProtocol(m, svc, opts.Protocol)
	if err != nil {
		return nil, err
	}
	ops, err := convert(m, svc, proto, opts)
	if err != nil {
		return nil, err
	}
	t := &Target{
		name: opts.Name, desc: doc(svc.traits), proto: proto, m: m, svc: svc,
		ops: make(map[string]*operation, len(ops)), maxResp: opts.MaxResponseBytes, log: opts.Logger,
	}
	if t.name == "" {
		t.name = defaultName(svc)
	}
	if opts.Description != "" {
		t.desc = opts.Description
	}
	if t.maxResp <= 0 {
		t.maxResp = 16 << 20
	}
	if t.log == nil {
		t.log = slog.New(slog.DiscardHandler)
	}
	for _, op := range ops {
		t.ops[op.name] = op
		t.tools = append(t.tools, op.tool)
	}

	region := opts.Region
	if region == "" {
		region = firstNonEmpty(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"))
	}
	provider := opts.Credentials
	if provider == nil {
		if name := signingName(svc); name != "" {
			sig, err := credentials.NewSigV4(ctx, credentials.SigV4Config{Service: name, Region: region, Logger: opts.Logger})
			if err != nil {
				return nil, fmt.Errorf("smithy: service %s: %w", svc.id, err)
			}
			provider = sig
			region = sig.Region()
		}
	}
	t.client = credentials.Client(opts.HTTPClient, provider)
	ep := opts.Endpoint
	if ep == "" {
		if ep, err = configuredEndpoint(ctx, svc); err != nil {
			return nil, err
		}
	}
	if ep == "" {
		if ep = defaultEndpoint(svc, region); ep == "" {
			return nil, fmt.Errorf("smithy: service %s: no Endpoint given and no regional default (it needs aws.api#service and a region)", svc.id)
		}
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("smithy: endpoint %q is not an http(s) URL", ep)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	t.endpoint = u
	return t, nil
}

// Name returns the target's name.
func (t *Target) Name() string { return t.name }

// TargetType reports "Smithy", AgentCore Gateway's name for this kind of
// target in its TargetType metric.
func (t *Target) TargetType() string { return "Smithy" }

// Description returns Options.Description, or else the service's
// documentation as text.
func (t *Target) Description() string { return t.desc }

// Protocol returns the protocol the target speaks (a protocol constant).
func (t *Target) Protocol() string { return t.proto }

// ListTools returns one tool per selected operation, sorted by name.
func (t *Target) ListTools(context.Context) ([]toolgate.Tool, error) {
	return append([]toolgate.Tool(nil), t.tools...), nil
}

// CallTool calls the operation named req.Tool with req.Arguments.
func (t *Target) CallTool(ctx context.Context, req *toolgate.CallRequest) (*toolgate.Result, error) {
	op := t.ops[req.Tool]
	if op == nil {
		return toolgate.ErrorResult("unknown tool " + req.Tool), nil
	}
	var args map[string]json.RawMessage
	if len(req.Arguments) > 0 {
		if err := json.Unmarshal(req.Arguments, &args); err != nil {
			return toolgate.ErrorResult("arguments must be a JSON object: " + err.Error()), nil
		}
	}
	hreq, err := t.request(ctx, op, args)
	if err != nil {
		return toolgate.ErrorResult(fmt.Sprintf("smithy: operation %s: %v", op.name, err)), nil
	}
	// A transport failure of a read-only or idempotent operation is tried
	// once more.
	_, resp, err := httpx.Do(ctx, t.client, hreq, op.retryable, func() (*http.Request, error) {
		t.log.DebugContext(ctx, "smithy: retrying", slog.String("operation", op.name))
		return t.request(ctx, op, args)
	})
	if err != nil {
		// The URL may carry argument values (labels, query), some of them
		// @sensitive: neither the log nor the error repeats it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = fmt.Errorf("%s %s: %w", ue.Op, t.endpoint.Host, ue.Err)
		}
		t.log.WarnContext(ctx, "smithy: request failed", slog.String("operation", op.name), slog.String("error", err.Error()))
		return nil, fmt.Errorf("smithy: operation %s: %w", op.name, err)
	}
	defer resp.Body.Close()
	if restful(t.proto) {
		return t.restResponse(op, resp)
	}
	if t.proto == AWSQuery || t.proto == EC2Query {
		return t.queryResponse(op, resp)
	}
	return t.jsonRPCResponse(op, resp)
}

// request builds the HTTP request for one call. The call's span is the
// backend's parent: its W3C trace context replaces any traceparent or
// tracestate an @httpHeader member set (SigV4 leaves both unsigned).
func (t *Target) request(ctx context.Context, op *operation, args map[string]json.RawMessage) (*http.Request, error) {
	var (
		req *http.Request
		err error
	)
	switch t.proto {
	case RestJSON1, RestXML:
		req, err = t.restRequest(ctx, op, args)
	case AWSQuery, EC2Query:
		req, err = t.queryRequest(ctx, op, args)
	default:
		req, err = t.jsonRPCRequest(ctx, op, args)
	}
	if err != nil {
		return nil, err
	}
	tracectx.InjectHeader(ctx, req.Header)
	return req, nil
}

// chooseProtocol picks the protocol to speak, or reports why none fits.
func chooseProtocol(m *Model, svc *shape, override string) (string, error) {
	if override != "" {
		if !contains(supportedProtocols(), override) {
			return "", fmt.Errorf("smithy: protocol %s: %w (supported: %s)", override, ErrUnsupportedProtocol, strings.Join(supportedProtocols(), ", "))
		}
		return override, nil
	}
	var declared []string
	for name := range svc.traits {
		if (strings.HasPrefix(name, "aws.protocols#") || strings.HasPrefix(name, "smithy.protocols#")) &&
			name != "aws.protocols#awsQueryCompatible" && name != "aws.protocols#httpChecksum" && name != "aws.protocols#ec2QueryName" {
			declared = append(declared, name)
		}
	}
	for _, p := range supportedProtocols() {
		if contains(declared, p) {
			return p, nil
		}
	}
	if len(declared) > 0 {
		return "", fmt.Errorf("smithy: service %s speaks %s: %w (supported: %s)", svc.id, strings.Join(declared, ", "), ErrUnsupportedProtocol, strings.Join(supportedProtocols(), ", "))
	}
	for _, op := range m.closure(svc) {
		if has(op.traits, trHTTP) {
			return RestJSON1, nil
		}
	}
	return "", fmt.Errorf("smithy: service %s declares no protocol and its operations have no @http bindings: %w", svc.id, ErrUnsupportedProtocol)
}

// convert turns the selected operations of svc into tools.
func convert(m *Model, svc *shape, proto string, opts *Options) ([]*operation, error) {
	for _, p := range append(append([]string(nil), opts.Include...), opts.Exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return nil, fmt.Errorf("smithy: filter %q: %w", p, err)
		}
	}
	in, out := newSchemaGen(m, false), newSchemaGen(m, true)
	xml := proto == RestXML || proto == AWSQuery || proto == EC2Query
	in.xml, out.xml = xml, xml
	var ops []*operation
	for _, s := range m.closure(svc) {
		name := shapeName(s.id)
		if !selected(name, opts.Include, opts.Exclude) ||
			(opts.ReadOnly && !readOnly(s, opts.InferReadOnly)) ||
			(opts.SkipDeprecated && has(s.traits, trDeprecated)) {
			continue
		}
		op, err := newOperation(m, svc, s, proto, in, out, opts.InferReadOnly)
		if err != nil {
			return nil, fmt.Errorf("smithy: operation %s: %w", s.id, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func selected(name string, include, exclude []string) bool {
	match := func(pats []string) bool {
		for _, p := range pats {
			if ok, _ := path.Match(p, name); ok {
				return true
			}
		}
		return false
	}
	return (len(include) == 0 || match(include)) && !match(exclude)
}

// readOnly reports whether an operation only reads: @readonly, an HTTP
// GET or HEAD binding, or (with infer) a read's name.
func readOnly(s *shape, infer bool) bool {
	if has(s.traits, trReadonly) {
		return true
	}
	if m := httpMethod(s); m == http.MethodGet || m == http.MethodHead {
		return true
	}
	if !infer {
		return false
	}
	name := shapeName(s.id)
	for _, p := range []string{"Get", "List", "Describe", "BatchGet", "Search", "Query", "Scan", "Lookup", "Head", "Check", "Validate", "Test", "Estimate", "Preview", "Simulate", "Select"} {
		if strings.HasPrefix(name, p) && (len(name) == len(p) || unicode.IsUpper(rune(name[len(p)]))) {
			return true
		}
	}
	return false
}

// idempotent reports whether an operation is @idempotent or bound to HTTP
// PUT or DELETE.
func idempotent(s *shape) bool {
	m := httpMethod(s)
	return has(s.traits, trIdempotent) || m == http.MethodPut || m == http.MethodDelete
}

// httpMethod returns the method of an operation's @http trait, if any.
func httpMethod(s *shape) string {
	var h struct {
		Method string `json:"method"`
	}
	if raw, ok := s.traits[trHTTP]; ok && json.Unmarshal(raw, &h) == nil {
		return strings.ToUpper(h.Method)
	}
	return ""
}

func newOperation(m *Model, svc, s *shape, proto string, in, out *schemaGen, inferReadOnly bool) (*operation, error) {
	op := &operation{name: shapeName(s.id), s: s, input: m.shapes[s.input]}
	if o := m.shapes[s.output]; o != nil && !has(o.traits, trUnitType) {
		op.output = o
	}
	var inLoc, outLoc func(*member) location
	if restful(proto) {
		hb, err := parseHTTP(s)
		if err != nil {
			return nil, err
		}
		op.http = hb
		inLoc, outLoc = bindingLocation, bindingLocation
	}
	inSchema, err := in.root(s.input, inLoc)
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	desc := doc(s.traits)
	if desc == "" {
		desc = "Calls the " + op.name + " operation of " + shapeName(svc.id) + "."
	}
	if has(s.traits, trDeprecated) {
		desc = "Deprecated. " + desc
	}
	ann := &mcp.ToolAnnotations{Title: title(op.name)}
	switch {
	case readOnly(s, inferReadOnly):
		ann.ReadOnlyHint = true
		op.retryable = true
	case idempotent(s):
		ann.IdempotentHint = true
		op.retryable = true
	default:
		destructive := true
		ann.DestructiveHint = &destructive
	}
	op.tool = toolgate.Tool{
		Name: op.name, Title: ann.Title, Description: desc, Annotations: ann,
		Meta: map[string]any{"smithy/operation": s.id, "smithy/protocol": proto},
	}
	if op.tool.InputSchema, err = json.Marshal(inSchema); err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	if op.output != nil {
		outSchema, err := out.root(s.output, outLoc)
		if err != nil {
			return nil, fmt.Errorf("output: %w", err)
		}
		if op.tool.OutputSchema, err = json.Marshal(outSchema); err != nil {
			return nil, fmt.Errorf("output schema: %w", err)
		}
	}
	return op, nil
}

// bindingLocation tells where a top-level restJson1 member travels.
func bindingLocation(mm *member) location {
	switch {
	case has(mm.traits, trHTTPHeader), has(mm.traits, trHTTPPrefix):
		return locHeader
	case has(mm.traits, trHTTPQuery), has(mm.traits, trHTTPLabel), has(mm.traits, trHTTPQueryParams):
		return locQuery
	}
	return locBody
}

// title turns "GetItem" into "Get Item".
func title(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || (i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1]))) {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// awsService is the aws.api#service trait.
type awsService struct {
	SDKID          string `json:"sdkId"`
	EndpointPrefix string `json:"endpointPrefix"`
}

func serviceTrait(svc *shape) (awsService, bool) {
	var a awsService
	raw, ok := svc.traits[trAWSService]
	if !ok || json.Unmarshal(raw, &a) != nil {
		return a, false
	}
	return a, true
}

// signingName returns the SigV4 signing name of svc, or "" if it does not
// use SigV4.
func signingName(svc *shape) string {
	raw, ok := svc.traits[trSigV4]
	if !ok {
		return ""
	}
	var v struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(raw, &v)
	return v.Name
}

// defaultEndpoint returns https://<endpointPrefix>.<region>.<dnsSuffix>.
func defaultEndpoint(svc *shape, region string) string {
	a, ok := serviceTrait(svc)
	if !ok || a.EndpointPrefix == "" || region == "" {
		return ""
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://" + a.EndpointPrefix + "." + region + "." + suffix
}

// defaultName derives a target name from the service.
func defaultName(svc *shape) string {
	name := shapeName(svc.id)
	if a, ok := serviceTrait(svc); ok && a.SDKID != "" {
		name = a.SDKID
	}
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			b[i] = '_'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
