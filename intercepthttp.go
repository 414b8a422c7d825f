package toolgate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// Gateway interceptors (AgentCore's interceptorConfigurations) run in
// ServeHTTP, around the hand-off to the fast path or go-sdk: the REQUEST
// point sees the JSON-RPC request before either reads it, the RESPONSE
// point sees the answer either wrote. Both paths behave the same by
// construction, and a rewritten request goes through every check a
// caller's request does.

// interceptors are the gateway's GatewayInterceptors by point, in order.
type interceptors struct {
	request, response []*GatewayInterceptor
}

func newInterceptors(list []GatewayInterceptor) (*interceptors, error) {
	if len(list) == 0 {
		return nil, nil
	}
	ic := &interceptors{}
	for i := range list {
		gi := &list[i]
		if gi.Handler == nil {
			return nil, fmt.Errorf("toolgate: GatewayInterceptors[%d] has no Handler", i)
		}
		if !gi.Request && !gi.Response {
			return nil, fmt.Errorf("toolgate: GatewayInterceptors[%d] has no interception point (Request, Response)", i)
		}
		if gi.Request {
			ic.request = append(ic.request, gi)
		}
		if gi.Response {
			ic.response = append(ic.response, gi)
		}
	}
	return ic, nil
}

// interception is one HTTP request going through the interceptors.
type interception struct {
	g        *Gateway
	ctx      context.Context // the principal's, for the interceptors
	r        *http.Request   // the caller's request
	ri       *requestInfo
	raw      []byte          // the body as the caller sent it
	original json.RawMessage // the JSON-RPC request as the caller sent it
	id       json.RawMessage
	idValue  any // id, decoded, to find the answer
	method   string
	name     string // params.name of a tools/call
}

// serveIntercepted serves r2, the gateway's copy of the caller's r, through
// the gateway interceptors; serve is the hand-off to the fast path or
// go-sdk.
func (g *Gateway) serveIntercepted(w http.ResponseWriter, r, r2 *http.Request, ri *requestInfo, serve func(http.ResponseWriter, *http.Request)) {
	if r.Method != http.MethodPost || r2.Body == nil {
		serve(w, r2)
		return
	}
	var src io.Reader = r2.Body
	if max := g.opts.MaxBodyBytes; max > 0 {
		src = io.LimitReader(r2.Body, max+1)
	}
	body, err := io.ReadAll(src)
	if err != nil {
		writeJSONRPCError(w, http.StatusBadRequest, nil, jsonrpc.CodeParseError, "reading the request body failed")
		return
	}
	if max := g.opts.MaxBodyBytes; max > 0 && int64(len(body)) > max {
		writeJSONRPCError(w, http.StatusRequestEntityTooLarge, nil, jsonrpc.CodeInvalidRequest,
			fmt.Sprintf("request body exceeds the limit of %d bytes", max))
		return
	}
	setBody(r2, body)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		// A batch would take its requests past the interceptors.
		writeJSONRPCError(w, http.StatusBadRequest, nil, jsonrpc.CodeInvalidRequest,
			"batched requests are not served by a gateway with interceptors")
		return
	}
	var msg struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	if json.Unmarshal(trimmed, &msg) != nil || msg.Method == "" || isNull(msg.ID) {
		// Not a request: a notification, a response to the server, or a
		// body go-sdk refuses. Nothing answers it with a result.
		serve(w, r2)
		return
	}
	it := &interception{g: g, ctx: WithPrincipal(r.Context(), ri.principal), r: r, ri: ri, raw: body,
		original: json.RawMessage(trimmed), id: msg.ID, method: msg.Method}
	if msg.Method == "tools/call" {
		it.name = msg.Params.Name
	}
	_ = json.Unmarshal(msg.ID, &it.idValue)

	resp, err := it.request(r2)
	if err != nil {
		it.refuse(OutcomeFailed, "the request interceptor failed")
		it.writeFailure(w, "REQUEST", err)
		return
	}
	if resp != nil { // answered by a REQUEST interceptor: no target is reached
		it.refuse(OutcomeRefusedPolicy, "a request interceptor answered the request")
		w.Header().Set("Content-Type", "application/json")
		if len(g.ic.response) > 0 {
			if resp, err = it.response(resp); err != nil {
				it.writeFailure(w, "RESPONSE", err)
				return
			}
		}
		writeAnswer(w, resp)
		return
	}
	if len(g.ic.response) == 0 {
		serve(w, r2)
		return
	}
	c := &capture{w: w, it: it}
	serve(c, r2)
	c.finish()
}

// setBody makes body r's body.
func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
}

// input returns the payload for gi, with resp at the RESPONSE point.
func (it *interception) input(gi *GatewayInterceptor, body json.RawMessage, resp *GatewayResponse) *InterceptorInput {
	req := &GatewayRequest{Path: it.r.URL.Path, HTTPMethod: it.r.Method, Body: body}
	if gi.PassRequestHeaders {
		req.Headers = headerMap(it.r.Header)
	}
	return &InterceptorInput{
		InterceptorInputVersion: InterceptorVersion,
		MCP: &InterceptorMCPInput{
			RawGatewayRequest: &RawGatewayRequest{Body: string(it.raw)},
			GatewayRequest:    req,
			GatewayResponse:   resp,
		},
	}
}

// call runs gi with in, bounded by the gateway's CallTimeout, retried once
// if it fails, and checks its output.
func (it *interception) call(gi *GatewayInterceptor, in *InterceptorInput) (*InterceptorOutput, error) {
	ctx := it.ctx
	if d := it.g.opts.CallTimeout; d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	out, err := safeIntercept(ctx, gi.Handler, in)
	if err != nil && ctx.Err() == nil {
		out, err = safeIntercept(ctx, gi.Handler, in) // AgentCore may retry a failed interceptor too
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the interceptor did not answer in time: %w", err)
		}
		return nil, err
	}
	return out, checkOutput(out)
}

// safeIntercept calls h, a panic being its failure.
func safeIntercept(ctx context.Context, h InterceptorHandler, in *InterceptorInput) (out *InterceptorOutput, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("the interceptor panicked: %v", v)
		}
	}()
	return h.Intercept(ctx, in)
}

// request runs the REQUEST interceptors in order. It rewrites r2 as they
// transform the request, and returns the answer one of them gave instead,
// if any.
func (it *interception) request(r2 *http.Request) (*GatewayResponse, error) {
	body := it.original
	changed := false
	var header http.Header // the headers targets see, once changed
	for _, gi := range it.g.ic.request {
		out, err := it.call(gi, it.input(gi, body, nil))
		if err != nil {
			return nil, err
		}
		if resp := out.MCP.TransformedGatewayResponse; resp != nil {
			return resp, nil
		}
		tr := out.MCP.TransformedGatewayRequest
		if tr == nil {
			continue
		}
		if !isNull(tr.Body) && !bytes.Equal(tr.Body, body) {
			nb, err := rewriteRequest(it.id, tr.Body)
			if err != nil {
				return nil, err
			}
			body, changed = nb, true
		}
		for k, v := range tr.Headers {
			if header == nil {
				header = it.ri.header.Clone()
				if header == nil {
					header = http.Header{}
				}
			}
			header.Set(k, v)
		}
	}
	if changed {
		setBody(r2, body)
		matchHeaders(r2.Header, body)
	}
	if header != nil {
		it.ri.header = header
	}
	return nil, nil
}

// response runs the RESPONSE interceptors in order on resp.
func (it *interception) response(resp *GatewayResponse) (*GatewayResponse, error) {
	for _, gi := range it.g.ic.response {
		out, err := it.call(gi, it.input(gi, it.original, resp))
		if err != nil {
			return nil, err
		}
		tr := out.MCP.TransformedGatewayResponse
		if tr == nil {
			continue
		}
		next := &GatewayResponse{StatusCode: resp.StatusCode, Headers: resp.Headers, Body: resp.Body}
		if tr.StatusCode != 0 {
			next.StatusCode = tr.StatusCode
		}
		if !isNull(tr.Body) {
			next.Body = tr.Body
		}
		if len(tr.Headers) > 0 {
			next.Headers = make(map[string]string, len(resp.Headers)+len(tr.Headers))
			for k, v := range resp.Headers {
				next.Headers[k] = v
			}
			for k, v := range tr.Headers {
				next.Headers[k] = v
			}
		}
		resp = next
	}
	return resp, nil
}

// refuse reports a request the interceptors kept from the targets.
func (it *interception) refuse(o Outcome, reason string) {
	g := it.g
	if g.tel == nil && !g.auditing() {
		return
	}
	var ob *observation
	ctx := it.ctx
	if it.method == "tools/call" {
		ctx, ob = g.observeCall(ctx, it.ri, it.name, nil)
		if e := g.cat.Load().byName[it.name]; e != nil {
			ob.entry = e
		}
	} else {
		ctx, ob = g.observeRequest(ctx, it.ri, knownMethod(it.method), "", nil)
	}
	ob.setOutcome(o, reason)
	ob.end(ctx, nil, nil)
}

// failure is the JSON-RPC error answering a request whose interceptor
// failed. It names neither the interceptor's error nor the payload.
func (it *interception) failure(point string) []byte {
	b, _ := json.Marshal(map[string]any{
		"jsonrpc": "2.0",
		"id":      it.id,
		"error":   map[string]any{"code": jsonrpc.CodeInternalError, "message": "the " + point + " interceptor failed"},
	})
	return b
}

// writeFailure answers the request with failure, after a failed
// interceptor, and logs the failure.
func (it *interception) writeFailure(w http.ResponseWriter, point string, err error) {
	it.logFailure(point, err)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Content-Length")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(it.failure(point))
}

func (it *interception) logFailure(point string, err error) {
	it.g.log.WarnContext(it.ctx, "toolgate: interceptor failed", "point", point, "method", it.method, "err", it.redact(err.Error()))
}

// redact removes the caller's credentials from s, an interceptor's error,
// which may quote the headers it was given.
func (it *interception) redact(s string) string {
	var secrets []string
	for _, v := range it.r.Header.Values("Authorization") {
		secrets = append(secrets, v)
		if _, cred, ok := strings.Cut(v, " "); ok {
			secrets = append(secrets, strings.TrimSpace(cred))
		}
	}
	if tok := it.ri.principal.Token; tok != "" {
		secrets = append(secrets, tok)
	}
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[REDACTED]")
		}
	}
	return s
}

// matchHeaders makes the sessionless protocol's Mcp-Method and Mcp-Name
// headers, if the caller sent them, name what the rewritten body asks for,
// as go-sdk requires them to.
func matchHeaders(h http.Header, body []byte) {
	if h.Get("Mcp-Method") == "" && h.Get("Mcp-Name") == "" {
		return
	}
	var m struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
			URI  string `json:"uri"`
		} `json:"params"`
	}
	if json.Unmarshal(body, &m) != nil {
		return
	}
	if h.Get("Mcp-Method") != "" {
		h.Set("Mcp-Method", m.Method)
	}
	name := m.Params.Name
	if m.Method == "resources/read" {
		name = m.Params.URI
	}
	if h.Get("Mcp-Name") != "" || name != "" {
		if name == "" {
			h.Del("Mcp-Name")
		} else {
			h.Set("Mcp-Name", name)
		}
	}
}

// answers reports whether body is the JSON-RPC response to the request.
func (it *interception) answers(body []byte) bool {
	var m struct {
		ID     json.RawMessage `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &m) != nil || len(m.ID) == 0 || m.Result == nil && m.Error == nil {
		return false
	}
	if bytes.Equal(m.ID, it.id) {
		return true
	}
	var v any
	return json.Unmarshal(m.ID, &v) == nil && reflect.DeepEqual(v, it.idValue)
}

// writeAnswer writes resp as a JSON answer.
func writeAnswer(w http.ResponseWriter, resp *GatewayResponse) {
	h := w.Header()
	for k, v := range resp.Headers {
		if !framing(k) {
			h.Set(k, v)
		}
	}
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	body := resp.Body
	if isNull(body) {
		body = json.RawMessage("null")
	}
	_, _ = w.Write(body)
}

// capture is the ResponseWriter the fast path or go-sdk answers an
// intercepted request through: it hands the JSON-RPC response to the
// RESPONSE interceptors before it is written. A JSON answer is held until
// it is complete; an event stream passes event by event, notifications at
// once, and the response when the interceptors are done with it. Other
// answers (an HTTP error in plain text, 202 Accepted) pass unchanged.
type capture struct {
	w      http.ResponseWriter
	it     *interception
	status int
	mode   int  // modeUndecided, modePass, modeJSON, modeStream
	sent   bool // the status and headers went to w
	done   bool // the response was intercepted
	buf    bytes.Buffer
}

const (
	modeUndecided = iota
	modePass
	modeJSON
	modeStream
)

func (c *capture) Header() http.Header { return c.w.Header() }

func (c *capture) WriteHeader(status int) {
	if c.mode != modeUndecided {
		return
	}
	c.status = status
	mt, _, _ := mime.ParseMediaType(c.w.Header().Get("Content-Type"))
	switch {
	case status < 200 || status == http.StatusNoContent || status == http.StatusAccepted:
		c.mode = modePass
	case mt == "application/json":
		c.mode = modeJSON
	case mt == "text/event-stream":
		c.mode = modeStream
	default:
		c.mode = modePass
	}
	if c.mode == modePass {
		c.send()
		return
	}
	// The answer may be rewritten: its length is known only when written.
	c.w.Header().Del("Content-Length")
}

// send writes the status and headers to w, once.
func (c *capture) send() {
	if !c.sent {
		c.sent = true
		c.w.WriteHeader(c.status)
	}
}

func (c *capture) Write(p []byte) (int, error) {
	if c.mode == modeUndecided {
		c.WriteHeader(http.StatusOK)
	}
	switch c.mode {
	case modePass:
		return c.w.Write(p)
	case modeStream:
		c.buf.Write(p)
		return len(p), c.events()
	}
	c.buf.Write(p)
	return len(p), nil
}

// Flush flushes what has been written to w.
func (c *capture) Flush() {
	if c.sent {
		_ = http.NewResponseController(c.w).Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (c *capture) Unwrap() http.ResponseWriter { return c.w }

// events writes the complete events buffered, the response through the
// interceptors.
func (c *capture) events() error {
	for {
		b := c.buf.Bytes()
		i := bytes.Index(b, []byte("\n\n"))
		if i < 0 {
			return nil
		}
		ev := bytes.Clone(b[:i])
		c.buf.Next(i + 2)
		if err := c.event(ev); err != nil {
			return err
		}
	}
}

// event writes one event of the stream.
func (c *capture) event(ev []byte) error {
	var data []byte
	var other [][]byte
	for _, line := range bytes.Split(ev, []byte("\n")) {
		if d, ok := bytes.CutPrefix(line, []byte("data:")); ok {
			d = bytes.TrimPrefix(d, []byte(" "))
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, d...)
			continue
		}
		other = append(other, line)
	}
	if c.done || data == nil || !c.it.answers(data) {
		c.send()
		_, err := c.w.Write(append(ev, '\n', '\n'))
		return err
	}
	c.done = true
	resp, body := c.intercept(data)
	if resp != nil {
		body = compact(resp.Body)
	}
	var out bytes.Buffer
	for _, l := range other {
		out.Write(l)
		out.WriteByte('\n')
	}
	out.WriteString("data: ")
	out.Write(body)
	out.WriteString("\n\n")
	_, err := c.w.Write(out.Bytes())
	return err
}

// intercept runs the RESPONSE interceptors on body, the response, and
// sends the status and headers if they are not sent yet. It returns the
// transformed response, or nil and the failure to write in its place.
func (c *capture) intercept(body []byte) (*GatewayResponse, []byte) {
	resp := &GatewayResponse{StatusCode: c.status, Body: json.RawMessage(body)}
	if !c.sent {
		resp.Headers = headerMap(c.w.Header())
	}
	out, err := c.it.response(resp)
	if err != nil {
		c.it.logFailure("RESPONSE", err)
		c.send()
		return nil, c.it.failure("RESPONSE")
	}
	if !c.sent {
		h := c.w.Header()
		for k, v := range out.Headers {
			if !framing(k) && v != resp.Headers[k] {
				h.Set(k, v)
			}
		}
		h.Del("Content-Length")
		c.status = out.StatusCode
		c.send()
	}
	if isNull(out.Body) {
		out.Body = json.RawMessage(body)
	}
	return out, nil
}

// compact returns b on one line, as an event's data.
func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return b
	}
	return out.Bytes()
}

// finish writes what the handler left: a JSON answer, through the
// interceptors, or the rest of a stream.
func (c *capture) finish() {
	switch c.mode {
	case modeJSON:
		body := bytes.TrimSpace(c.buf.Bytes())
		if !c.it.answers(body) {
			c.send()
			_, _ = c.w.Write(c.buf.Bytes())
			return
		}
		resp, fail := c.intercept(body)
		if resp != nil {
			_, _ = c.w.Write(resp.Body)
		} else {
			_, _ = c.w.Write(fail)
		}
	case modeStream:
		if c.buf.Len() > 0 {
			c.send()
			_, _ = c.w.Write(c.buf.Bytes())
		}
	}
}
