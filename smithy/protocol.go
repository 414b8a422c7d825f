package smithy

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/internal/httpx"
)

// jsonRPCRequest builds an awsJson1_0 / awsJson1_1 request: POST / with the
// input members as a JSON object and X-Amz-Target naming the operation.
func (t *Target) jsonRPCRequest(ctx context.Context, op *operation, args map[string]json.RawMessage) (*http.Request, error) {
	body := map[string]json.RawMessage{}
	for _, mm := range op.input.members {
		if v, ok := args[mm.name]; ok && !isNull(v) {
			body[mm.name] = v
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	u := *t.endpoint
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	ct := "application/x-amz-json-1.0"
	if t.proto == AWSJSON11 {
		ct = "application/x-amz-json-1.1"
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Amz-Target", shapeName(t.svc.id)+"."+op.name)
	return req, nil
}

// jsonRPCResponse maps an awsJson response: the body is the output
// structure; an error status carries __type and message.
func (t *Target) jsonRPCResponse(op *operation, resp *http.Response) (*toolgate.Result, error) {
	data, res := t.readOK(resp)
	if res != nil {
		return res, nil
	}
	if op.output == nil {
		return toolgate.TextResult("OK"), nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return toolgate.ErrorResult(fmt.Sprintf("HTTP %s: response is not a JSON object: %s", resp.Status, httpx.Excerpt(data, false, ""))), nil
	}
	return structured(bytes.TrimSpace(data)), nil
}

// readOK reads the body of a successful response. An unreadable or
// oversized body, or an error status, is returned as the call's result
// instead.
func (t *Target) readOK(resp *http.Response) ([]byte, *toolgate.Result) {
	data, err := io.ReadAll(io.LimitReader(resp.Body, t.maxResp+1))
	if err != nil {
		return nil, toolgate.ErrorResult(fmt.Sprintf("HTTP %s: reading the response: %v", resp.Status, err))
	}
	if int64(len(data)) > t.maxResp {
		return nil, toolgate.ErrorResult(fmt.Sprintf("HTTP %s: response body larger than %d bytes", resp.Status, t.maxResp))
	}
	if resp.StatusCode >= 300 {
		return nil, awsError(resp, data)
	}
	return data, nil
}

// structured returns a result whose structuredContent is the JSON object
// data, with the same JSON as text.
func structured(data []byte) *toolgate.Result {
	return &toolgate.Result{
		Content:           []mcp.Content{&mcp.TextContent{Text: string(data)}},
		StructuredContent: json.RawMessage(data),
	}
}

// awsError turns an AWS error response into an isError result naming the
// error code, the message and the HTTP status.
func awsError(resp *http.Response, data []byte) *toolgate.Result {
	code := resp.Header.Get("X-Amzn-Errortype")
	var body map[string]json.RawMessage
	_ = json.Unmarshal(data, &body)
	str := func(keys ...string) string {
		for _, k := range keys {
			var s string
			if json.Unmarshal(body[k], &s) == nil && s != "" {
				return s
			}
		}
		return ""
	}
	if code == "" {
		code = str("__type", "code", "Code")
	}
	var xmlMsg string
	if body == nil && bytes.HasPrefix(bytes.TrimSpace(data), []byte("<")) {
		var xc string
		xc, xmlMsg = xmlError(data)
		if code == "" {
			code = xc
		}
	}
	// "aws.protocoltests#FooError:http://..." and "ns#FooError" -> "FooError".
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	msg := firstNonEmpty(str("message", "Message", "errorMessage"), xmlMsg)
	var b strings.Builder
	if code != "" {
		b.WriteString(code)
		b.WriteString(": ")
	}
	if msg != "" {
		b.WriteString(msg)
	} else if ex := httpx.Excerpt(data, false, ""); ex != "" && code == "" {
		b.WriteString(ex)
	}
	text := strings.TrimSuffix(strings.TrimSpace(b.String()), ":")
	if text != "" {
		text += " "
	}
	text += "(HTTP " + resp.Status + ")"
	res := toolgate.ErrorResult(text)
	if code != "" {
		res.Meta = mcp.Meta{"smithy/errorCode": code}
	}
	return res
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(bytes.TrimSpace(v)) == "null" }

// httpBinding is an operation's @http trait with its URI pattern parsed.
type httpBinding struct {
	method   string
	segments []uriSegment
	query    [][2]string // literal query parameters of the URI pattern
	code     int
}

type uriSegment struct {
	literal string // set for a literal segment
	label   string // set for a {label} segment
	greedy  bool   // {label+}
}

func parseHTTP(op *shape) (*httpBinding, error) {
	raw, ok := op.traits[trHTTP]
	if !ok {
		return nil, fmt.Errorf("the protocol needs an @http trait on every operation")
	}
	var h struct {
		Method string `json:"method"`
		URI    string `json:"uri"`
		Code   int    `json:"code"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, fmt.Errorf("@http: %w", err)
	}
	if h.Method == "" || !strings.HasPrefix(h.URI, "/") {
		return nil, fmt.Errorf("@http: needs a method and a URI starting with /")
	}
	hb := &httpBinding{method: strings.ToUpper(h.Method), code: h.Code}
	p, q, _ := strings.Cut(h.URI, "?")
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			greedy := strings.HasSuffix(name, "+")
			hb.segments = append(hb.segments, uriSegment{label: strings.TrimSuffix(name, "+"), greedy: greedy})
		} else {
			hb.segments = append(hb.segments, uriSegment{literal: seg})
		}
	}
	if q != "" {
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			hb.query = append(hb.query, [2]string{k, v})
		}
	}
	return hb, nil
}

// traitString returns a string-valued trait.
func traitString(traits map[string]json.RawMessage, name string) string {
	var s string
	_ = json.Unmarshal(traits[name], &s)
	return s
}

// scalarText renders a scalar JSON value as a label, query or header
// value: strings unquoted, numbers and booleans as written.
func scalarText(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
		return "", fmt.Errorf("expected a scalar, got %s", httpx.Excerpt(v, false, ""))
	}
	return string(v), nil
}

// list decodes a JSON array into its elements (a scalar is a one-element
// list).
func list(v json.RawMessage) []json.RawMessage {
	var arr []json.RawMessage
	if json.Unmarshal(v, &arr) == nil {
		return arr
	}
	return []json.RawMessage{v}
}

// restRequest builds a restJson1 request from the operation's HTTP bindings.
func (t *Target) restRequest(ctx context.Context, op *operation, args map[string]json.RawMessage) (*http.Request, error) {
	hb := op.http
	members := op.input.members
	byName := make(map[string]*member, len(members))
	for _, mm := range members {
		byName[mm.name] = mm
	}
	labels := map[string]string{}
	query := url.Values{}
	for _, kv := range hb.query {
		query.Add(kv[0], kv[1])
	}
	header := http.Header{}
	var (
		body     []byte
		bodyType string
		hasBody  bool
		fields   = map[string]json.RawMessage{}
		params   json.RawMessage
	)
	for _, mm := range members {
		v, ok := args[mm.name]
		target := t.m.shapes[mm.target]
		switch {
		case has(mm.traits, trHTTPLabel):
			if !ok || isNull(v) {
				return nil, fmt.Errorf("missing path parameter %s", mm.name)
			}
			s, err := scalarText(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", mm.name, err)
			}
			if s == "" {
				return nil, fmt.Errorf("path parameter %s is empty", mm.name)
			}
			labels[mm.name] = s
		case has(mm.traits, trHTTPQuery):
			if !ok || isNull(v) {
				continue
			}
			key := traitString(mm.traits, trHTTPQuery)
			for _, e := range list(v) {
				s, err := scalarText(e)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", mm.name, err)
				}
				query.Add(key, s)
			}
		case has(mm.traits, trHTTPQueryParams):
			if ok && !isNull(v) {
				params = v
			}
		case has(mm.traits, trHTTPHeader):
			if !ok || isNull(v) {
				continue
			}
			var parts []string
			for _, e := range list(v) {
				s, err := scalarText(e)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", mm.name, err)
				}
				if target != nil && has(target.traits, trMediaType) && target.typ == "string" {
					s = base64.StdEncoding.EncodeToString([]byte(s))
				}
				parts = append(parts, s)
			}
			header.Set(traitString(mm.traits, trHTTPHeader), strings.Join(parts, ", "))
		case has(mm.traits, trHTTPPrefix):
			if !ok || isNull(v) {
				continue
			}
			var hm map[string]string
			if err := json.Unmarshal(v, &hm); err != nil {
				return nil, fmt.Errorf("%s: %w", mm.name, err)
			}
			prefix := traitString(mm.traits, trHTTPPrefix)
			for k, hv := range hm {
				header.Set(prefix+k, hv)
			}
		case has(mm.traits, trHTTPPayload):
			hasBody = true
			if !ok || isNull(v) {
				continue
			}
			switch target.typ {
			case "blob":
				var s string
				if err := json.Unmarshal(v, &s); err != nil {
					return nil, fmt.Errorf("%s: want a base64 string: %w", mm.name, err)
				}
				b, err := base64.StdEncoding.DecodeString(s)
				if err != nil {
					return nil, fmt.Errorf("%s: not valid base64: %w", mm.name, err)
				}
				body, bodyType = b, firstNonEmpty(traitString(target.traits, trMediaType), "application/octet-stream")
			case "string", "enum":
				var s string
				if err := json.Unmarshal(v, &s); err != nil {
					return nil, fmt.Errorf("%s: %w", mm.name, err)
				}
				body, bodyType = []byte(s), firstNonEmpty(traitString(target.traits, trMediaType), "text/plain")
			default:
				if t.proto == RestXML {
					w := &xmlWriter{t: t}
					if err := w.root(target, xmlName(mm.traits, xmlName(target.traits, shapeName(target.id))), v); err != nil {
						return nil, fmt.Errorf("%s: %w", mm.name, err)
					}
					body, bodyType = w.buf.Bytes(), "application/xml"
					break
				}
				body, bodyType = t.toWire(target, v), "application/json"
			}
		default:
			hasBody = true
			if ok && !isNull(v) {
				name := mm.name
				if jn := traitString(mm.traits, trJSONName); jn != "" && t.proto == RestJSON1 {
					name = jn
				}
				if t.proto == RestXML {
					fields[name] = v
				} else {
					fields[name] = t.toWire(target, v)
				}
			}
		}
	}
	if params != nil {
		var qm map[string]json.RawMessage
		if err := json.Unmarshal(params, &qm); err != nil {
			return nil, fmt.Errorf("query parameters: %w", err)
		}
		keys := slices.Sorted(maps.Keys(qm))
		for _, k := range keys {
			if _, set := query[k]; set {
				continue // @httpQuery members win
			}
			for _, e := range list(qm[k]) {
				s, err := scalarText(e)
				if err != nil {
					return nil, fmt.Errorf("query parameter %s: %w", k, err)
				}
				query.Add(k, s)
			}
		}
	}
	switch {
	case !hasBody || hasPayload(members):
	case t.proto == RestXML:
		if len(fields) > 0 {
			raw, err := json.Marshal(fields)
			if err != nil {
				return nil, err
			}
			w := &xmlWriter{t: t}
			if err := w.root(op.input, xmlName(op.input.traits, shapeName(op.input.id)), raw); err != nil {
				return nil, err
			}
			body, bodyType = w.buf.Bytes(), "application/xml"
		}
	default:
		var err error
		if body, err = json.Marshal(fields); err != nil {
			return nil, err
		}
		bodyType = "application/json"
	}

	u := *t.endpoint
	var p, raw strings.Builder
	for _, seg := range hb.segments {
		p.WriteByte('/')
		raw.WriteByte('/')
		if seg.label == "" {
			p.WriteString(seg.literal)
			raw.WriteString(escapeSegment(seg.literal))
			continue
		}
		v := labels[seg.label]
		if byName[seg.label] == nil {
			return nil, fmt.Errorf("@http: label %s is not an input member", seg.label)
		}
		p.WriteString(v)
		if seg.greedy {
			parts := strings.Split(v, "/")
			for i := range parts {
				parts[i] = escapeSegment(parts[i])
			}
			raw.WriteString(strings.Join(parts, "/"))
		} else {
			raw.WriteString(escapeSegment(v))
		}
	}
	u.RawPath = t.endpoint.EscapedPath() + raw.String()
	u.Path += p.String()
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, hb.method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", bodyType)
	}
	if body != nil && checksumRequired(op.s) && req.Header.Get("Content-MD5") == "" {
		sum := md5.Sum(body)
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	return req, nil
}

// checksumRequired reports whether an operation's aws.protocols#httpChecksum
// trait requires a request checksum (S3's PutBucketTagging, ...).
func checksumRequired(op *shape) bool {
	var c struct {
		Required bool `json:"requestChecksumRequired"`
	}
	raw, ok := op.traits["aws.protocols#httpChecksum"]
	return ok && json.Unmarshal(raw, &c) == nil && c.Required
}

func hasPayload(members []*member) bool {
	for _, mm := range members {
		if has(mm.traits, trHTTPPayload) {
			return true
		}
	}
	return false
}

// escapeSegment escapes a path segment as RFC 3986 requires (and SigV4
// expects): everything but unreserved characters.
func escapeSegment(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// restResponse maps a restJson1 response onto the output structure:
// headers, status code, payload or body members.
func (t *Target) restResponse(op *operation, resp *http.Response) (*toolgate.Result, error) {
	data, res := t.readOK(resp)
	if res != nil {
		return res, nil
	}
	if op.output == nil {
		if len(bytes.TrimSpace(data)) == 0 {
			return toolgate.TextResult("HTTP " + resp.Status), nil
		}
		return toolgate.TextResult(string(data)), nil
	}
	out := map[string]json.RawMessage{}
	var bodyObj map[string]json.RawMessage
	var xmlBody map[string]any
	bodyDecoded := false
	var extra []mcp.Content
	for _, mm := range op.output.members {
		target := t.m.shapes[mm.target]
		switch {
		case has(mm.traits, trHTTPCode):
			out[mm.name] = json.RawMessage(strconv.Itoa(resp.StatusCode))
		case has(mm.traits, trHTTPHeader):
			vals := resp.Header.Values(traitString(mm.traits, trHTTPHeader))
			if len(vals) == 0 {
				continue
			}
			if v, ok := headerValue(target, t.m, vals); ok {
				out[mm.name] = v
			}
		case has(mm.traits, trHTTPPrefix):
			prefix := http.CanonicalHeaderKey(traitString(mm.traits, trHTTPPrefix))
			hm := map[string]string{}
			for k, vs := range resp.Header {
				if prefix != "" && strings.HasPrefix(k, prefix) {
					hm[strings.ToLower(k[len(prefix):])] = strings.Join(vs, ", ")
				}
			}
			if len(hm) > 0 {
				b, _ := json.Marshal(hm)
				out[mm.name] = b
			}
		case has(mm.traits, trHTTPPayload):
			if len(data) == 0 {
				continue
			}
			switch target.typ {
			case "blob":
				b, _ := json.Marshal(base64.StdEncoding.EncodeToString(data))
				out[mm.name] = b
				if utf8.Valid(data) {
					extra = append(extra, &mcp.TextContent{Text: string(data)})
				}
			case "string", "enum":
				b, _ := json.Marshal(string(data))
				out[mm.name] = b
			default:
				if t.proto == RestXML {
					root, err := parseXML(data)
					if err != nil {
						return toolgate.ErrorResult(fmt.Sprintf("HTTP %s: payload is not XML (%v): %s", resp.Status, err, httpx.Excerpt(data, false, ""))), nil
					}
					v, _ := t.xmlToValue(target, root, 0)
					out[mm.name], _ = json.Marshal(v)
					break
				}
				if !json.Valid(data) {
					return toolgate.ErrorResult(fmt.Sprintf("HTTP %s: payload is not JSON: %s", resp.Status, httpx.Excerpt(data, false, ""))), nil
				}
				out[mm.name] = t.fromWire(target, bytes.TrimSpace(data))
			}
		case t.proto == RestXML:
			if !bodyDecoded {
				bodyDecoded = true
				if len(bytes.TrimSpace(data)) > 0 {
					root, err := parseXML(data)
					if err != nil {
						return toolgate.ErrorResult(fmt.Sprintf("HTTP %s: response is not XML (%v): %s", resp.Status, err, httpx.Excerpt(data, false, ""))), nil
					}
					xmlBody = t.xmlStruct(op.output, root, 0)
				}
			}
			if v, ok := xmlBody[mm.name]; ok {
				out[mm.name], _ = json.Marshal(v)
			}
		default:
			if !bodyDecoded {
				bodyDecoded = true
				if len(bytes.TrimSpace(data)) > 0 {
					if err := json.Unmarshal(data, &bodyObj); err != nil {
						return toolgate.ErrorResult(fmt.Sprintf("HTTP %s: response is not a JSON object: %s", resp.Status, httpx.Excerpt(data, false, ""))), nil
					}
				}
			}
			name := mm.name
			if jn := traitString(mm.traits, trJSONName); jn != "" {
				name = jn
			}
			if v, ok := bodyObj[name]; ok && !isNull(v) {
				out[mm.name] = t.fromWire(target, v)
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("smithy: operation %s: %w", op.name, err)
	}
	r := structured(b)
	r.Content = append(r.Content, extra...)
	return r, nil
}

// headerValue converts response header values to the member's type.
func headerValue(target *shape, m *Model, vals []string) (json.RawMessage, bool) {
	joined := strings.Join(vals, ", ")
	conv := func(s string, typ string) (json.RawMessage, bool) {
		s = strings.TrimSpace(s)
		switch typ {
		case "byte", "short", "integer", "long", "bigInteger", "intEnum":
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				return nil, false
			}
			return json.RawMessage(s), true
		case "float", "double", "bigDecimal":
			if _, err := strconv.ParseFloat(s, 64); err != nil {
				return nil, false
			}
			return json.RawMessage(s), true
		case "boolean":
			if s != "true" && s != "false" {
				return nil, false
			}
			return json.RawMessage(s), true
		case "timestamp":
			if _, err := strconv.ParseFloat(s, 64); err == nil && traitString(target.traits, trTimestampFormat) == "epoch-seconds" {
				return json.RawMessage(s), true
			}
		}
		b, _ := json.Marshal(s)
		return b, true
	}
	if target == nil {
		return nil, false
	}
	if target.typ == "list" || target.typ == "set" {
		el := m.shapes[target.member.target]
		var parts []json.RawMessage
		for _, v := range vals {
			for _, p := range strings.Split(v, ",") {
				if c, ok := conv(p, el.typ); ok {
					parts = append(parts, c)
				}
			}
		}
		b, _ := json.Marshal(parts)
		return b, true
	}
	if target.typ == "string" && has(target.traits, trMediaType) {
		if dec, err := base64.StdEncoding.DecodeString(joined); err == nil {
			joined = string(dec)
		}
	}
	return conv(joined, target.typ)
}

// toWire renames structure members to their @jsonName in a restJson1 body
// value; fromWire does the reverse. Values without renamed members pass
// through unchanged.
func (t *Target) toWire(s *shape, v json.RawMessage) json.RawMessage {
	return t.rename(s, v, true, 0)
}

func (t *Target) fromWire(s *shape, v json.RawMessage) json.RawMessage {
	return t.rename(s, v, false, 0)
}

func (t *Target) rename(s *shape, v json.RawMessage, out bool, depth int) json.RawMessage {
	if s == nil || depth > 64 || !t.m.renames(s.id) {
		return v
	}
	switch s.typ {
	case "structure", "union":
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) != nil {
			return v
		}
		res := make(map[string]json.RawMessage, len(obj))
		for _, mm := range s.members {
			wire := mm.name
			if jn := traitString(mm.traits, trJSONName); jn != "" {
				wire = jn
			}
			from, to := mm.name, wire
			if !out {
				from, to = wire, mm.name
			}
			if mv, ok := obj[from]; ok {
				res[to] = t.rename(t.m.shapes[mm.target], mv, out, depth+1)
			}
		}
		b, _ := json.Marshal(res)
		return b
	case "list", "set":
		var arr []json.RawMessage
		if json.Unmarshal(v, &arr) != nil {
			return v
		}
		el := t.m.shapes[s.member.target]
		for i := range arr {
			arr[i] = t.rename(el, arr[i], out, depth+1)
		}
		b, _ := json.Marshal(arr)
		return b
	case "map":
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) != nil {
			return v
		}
		el := t.m.shapes[s.value.target]
		for k := range obj {
			obj[k] = t.rename(el, obj[k], out, depth+1)
		}
		b, _ := json.Marshal(obj)
		return b
	}
	return v
}
