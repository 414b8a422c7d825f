package openapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/toolgate/toolgate/internal/tracectx"
)

// buildRequest turns validated arguments into the operation's HTTP request.
// Every path value is percent-encoded as a single segment (so "/", "?",
// "#", ".." cannot change the path), header values with control characters
// are refused, and the request URL is checked to stay on the server.
func (t *Target) buildRequest(ctx context.Context, op *operation, args map[string]any) (*http.Request, error) {
	base := t.baseURL
	if base == nil {
		if op.server == "" {
			return nil, errors.New(op.serverErr)
		}
		u, err := url.Parse(op.server)
		if err != nil {
			return nil, fmt.Errorf("server URL: %w", err)
		}
		base = u
	}

	// Path.
	values := map[string]string{}
	query := &strings.Builder{}
	header := http.Header{}
	var cookies []string
	for _, p := range op.params {
		var v any
		ok := true
		if p.fixed != nil {
			v = *p.fixed
		} else {
			v, ok = args[p.prop]
		}
		if !ok || v == nil {
			if p.in == "path" {
				return nil, fmt.Errorf("missing path parameter %q", p.prop)
			}
			continue
		}
		if p.jsonContent {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("parameter %q: %w", p.prop, err)
			}
			v = string(b)
		}
		switch p.in {
		case "path":
			values[p.name] = serializePath(p, v)
		case "query":
			serializeQuery(query, p, v)
		case "header":
			s := serializeSimple(v, p.explode, identity)
			if strings.ContainsAny(s, "\r\n\x00") {
				return nil, fmt.Errorf("header parameter %q: value contains CR, LF or NUL", p.prop)
			}
			header.Set(p.name, s)
		case "cookie":
			cookies = append(cookies, serializeCookie(p, v)...)
		}
	}
	var sb strings.Builder
	for i, seg := range op.segments {
		if i%2 == 0 {
			sb.WriteString(seg)
		} else {
			sb.WriteString(values[seg])
		}
	}
	path := sb.String()
	// A segment that is exactly "." or ".." would be collapsed by the
	// server (or a proxy) into a different path: escape its dots.
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s == "." || s == ".." {
			segs[i] = strings.ReplaceAll(s, ".", "%2E")
		}
	}
	path = strings.Join(segs, "/")
	rawPath := strings.TrimRight(base.EscapedPath(), "/") + path
	u := &url.URL{Scheme: base.Scheme, Host: base.Host, User: base.User}
	decoded, err := url.PathUnescape(rawPath)
	if err != nil {
		return nil, fmt.Errorf("path: %w", err)
	}
	u.Path = decoded
	u.RawPath = rawPath
	q := query.String()
	if base.RawQuery != "" {
		if q != "" {
			q = base.RawQuery + "&" + q
		} else {
			q = base.RawQuery
		}
	}
	u.RawQuery = q
	if u.Scheme != base.Scheme || u.Host != base.Host || u.EscapedPath() != rawPath {
		return nil, fmt.Errorf("request URL would leave the server %s", base.Redacted())
	}

	// Body.
	var bodyReader io.Reader
	contentType := ""
	if op.body != nil {
		if v, ok := args[BodyProperty]; ok {
			data, ct, err := encodeBody(op.body, v)
			if err != nil {
				return nil, fmt.Errorf("body: %w", err)
			}
			bodyReader = bytes.NewReader(data)
			contentType = ct
		}
	}
	req, err := http.NewRequestWithContext(ctx, op.method, u.String(), bodyReader)
	if err != nil {
		return nil, err
	}
	if req.URL.Host != base.Host || req.URL.Scheme != base.Scheme {
		return nil, fmt.Errorf("request URL would leave the server %s", base.Redacted())
	}
	for k, vs := range t.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if op.accept != "" && req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", op.accept)
	}
	// The call's span is the backend's parent: its trace context replaces
	// any a parameter or Options.Header set.
	tracectx.InjectHeader(ctx, req.Header)
	return req, nil
}

func identity(s string) string { return s }

// escapePath percent-encodes everything but RFC 3986 unreserved characters.
func escapePath(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			sb.WriteByte(c)
			continue
		}
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	return sb.String()
}

// escapeQuery percent-encodes a query name or value (space as %20).
func escapeQuery(s string, allowReserved bool) string {
	if allowReserved {
		var sb strings.Builder
		for i := 0; i < len(s); i++ {
			c := s[i]
			if strings.IndexByte(":/?#[]@!$'()*+,;=", c) >= 0 && c != '&' && c != '#' {
				sb.WriteByte(c)
				continue
			}
			sb.WriteString(escapePath(string(c)))
		}
		return sb.String()
	}
	return escapePath(s)
}

// scalar renders a primitive argument as text.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// serializeSimple renders a value in style "simple" with esc applied to
// every name and value: a,b,c / k,v,k2,v2 / k=v,k2=v2 (explode).
func serializeSimple(v any, explode bool, esc func(string) string) string {
	switch v := v.(type) {
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = esc(scalar(x))
		}
		return strings.Join(parts, ",")
	case map[string]any:
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if explode {
				parts = append(parts, esc(k)+"="+esc(scalar(v[k])))
			} else {
				parts = append(parts, esc(k), esc(scalar(v[k])))
			}
		}
		return strings.Join(parts, ",")
	}
	return esc(scalar(v))
}

// serializePath renders a path parameter (styles simple, label, matrix),
// percent-encoding every value as part of a single segment.
func serializePath(p *param, v any) string {
	switch p.style {
	case "label":
		sep := ","
		if p.explode {
			sep = "."
		}
		s := serializeSimple(v, p.explode, escapePath)
		if sep == "." {
			if _, ok := v.([]any); ok {
				s = strings.ReplaceAll(s, ",", ".")
			} else if _, ok := v.(map[string]any); ok {
				s = strings.ReplaceAll(s, ",", ".")
			}
		}
		return "." + s
	case "matrix":
		name := escapePath(p.name)
		switch x := v.(type) {
		case []any:
			if p.explode {
				var sb strings.Builder
				for _, e := range x {
					sb.WriteString(";" + name + "=" + escapePath(scalar(e)))
				}
				return sb.String()
			}
			return ";" + name + "=" + serializeSimple(x, false, escapePath)
		case map[string]any:
			if p.explode {
				var sb strings.Builder
				for _, k := range slices.Sorted(maps.Keys(x)) {
					sb.WriteString(";" + escapePath(k) + "=" + escapePath(scalar(x[k])))
				}
				return sb.String()
			}
			return ";" + name + "=" + serializeSimple(x, false, escapePath)
		}
		return ";" + name + "=" + escapePath(scalar(v))
	}
	return serializeSimple(v, p.explode, escapePath)
}

// serializeQuery appends a query parameter (styles form, spaceDelimited,
// pipeDelimited, deepObject).
func serializeQuery(sb *strings.Builder, p *param, v any) {
	esc := func(s string) string { return escapeQuery(s, p.allowReserved) }
	add := func(k, val string) {
		if sb.Len() > 0 {
			sb.WriteByte('&')
		}
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(val)
	}
	name := escapeQuery(p.name, false)
	switch p.style {
	case "deepObject":
		writeDeep(add, name, v, esc)
		return
	case "spaceDelimited", "pipeDelimited":
		if arr, ok := v.([]any); ok && !p.explode {
			sep := "%20"
			if p.style == "pipeDelimited" {
				sep = "|"
			}
			parts := make([]string, len(arr))
			for i, x := range arr {
				parts[i] = esc(scalar(x))
			}
			add(name, strings.Join(parts, sep))
			return
		}
	}
	// form
	switch x := v.(type) {
	case []any:
		if p.explode {
			for _, e := range x {
				add(name, esc(scalar(e)))
			}
			return
		}
		add(name, serializeSimple(x, false, esc))
	case map[string]any:
		if p.explode {
			for _, k := range slices.Sorted(maps.Keys(x)) {
				add(esc(k), esc(scalar(x[k])))
			}
			return
		}
		add(name, serializeSimple(x, false, esc))
	default:
		add(name, esc(scalar(v)))
	}
}

// writeDeep writes v in deepObject notation: name[k]=v, nested objects as
// name[k][k2]=v and arrays as name[k][0]=v.
func writeDeep(add func(k, v string), name string, v any, esc func(string) string) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			writeDeep(add, name+"["+esc(k)+"]", x[k], esc)
		}
	case []any:
		for i, e := range x {
			writeDeep(add, name+"["+strconv.Itoa(i)+"]", e, esc)
		}
	default:
		add(name, esc(scalar(v)))
	}
}

func serializeCookie(p *param, v any) []string {
	esc := func(s string) string { return url.QueryEscape(s) }
	switch x := v.(type) {
	case []any:
		if p.explode {
			out := make([]string, 0, len(x))
			for _, e := range x {
				out = append(out, p.name+"="+esc(scalar(e)))
			}
			return out
		}
	case map[string]any:
		if p.explode {
			out := make([]string, 0, len(x))
			for _, k := range slices.Sorted(maps.Keys(x)) {
				out = append(out, esc(k)+"="+esc(scalar(x[k])))
			}
			return out
		}
	}
	return []string{p.name + "=" + serializeSimple(v, false, esc)}
}

// encodeBody encodes the body argument for the operation's media type.
func encodeBody(b *body, v any) ([]byte, string, error) {
	switch b.kind {
	case bodyJSON:
		data, err := json.Marshal(v)
		return data, b.mediaType, err
	case bodyForm:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("a %s body must be an object", b.mediaType)
		}
		return []byte(encodeForm(b, obj)), b.mediaType, nil
	case bodyMultipart:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, "", fmt.Errorf("a %s body must be an object", b.mediaType)
		}
		return encodeMultipart(b, obj)
	case bodyText:
		if s, ok := v.(string); ok {
			return []byte(s), b.mediaType, nil
		}
		data, err := json.Marshal(v)
		return data, b.mediaType, err
	default:
		s, ok := v.(string)
		if !ok {
			return nil, "", fmt.Errorf("a %s body must be a base64 string", b.mediaType)
		}
		data, err := decodeBase64(s)
		if err != nil {
			return nil, "", fmt.Errorf("a %s body must be base64: %w", b.mediaType, err)
		}
		return data, b.mediaType, nil
	}
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if data, err := enc.DecodeString(s); err == nil {
			return data, nil
		}
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return nil, err
}

// encodeForm encodes an application/x-www-form-urlencoded body, honouring
// each property's encoding (style form, spaceDelimited, pipeDelimited,
// deepObject; explode; contentType application/json).
func encodeForm(b *body, obj map[string]any) string {
	sb := &strings.Builder{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		v := obj[k]
		if v == nil {
			continue
		}
		p := &param{name: k, in: "query", style: "form", explode: true}
		if enc := b.encoding[k]; enc != nil {
			if enc.Style != "" {
				p.style = enc.Style
			}
			if enc.Explode != nil {
				p.explode = *enc.Explode
			} else if p.style == "spaceDelimited" || p.style == "pipeDelimited" {
				p.explode = false
			}
			p.allowReserved = enc.AllowReserved
			if isJSON(enc.ContentType) {
				data, _ := json.Marshal(v)
				v = string(data)
			}
		}
		serializeQuery(sb, p, v)
	}
	return sb.String()
}

// encodeMultipart encodes a multipart/form-data body: file properties as
// file parts, objects as JSON parts, arrays as repeated parts.
func encodeMultipart(b *body, obj map[string]any) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		v := obj[k]
		if v == nil {
			continue
		}
		ct := ""
		if enc := b.encoding[k]; enc != nil {
			ct = enc.ContentType
		}
		if b.files[k] {
			items := []any{v}
			if arr, ok := v.([]any); ok {
				items = arr
			}
			for _, it := range items {
				if err := writeFile(w, k, it, ct); err != nil {
					return nil, "", fmt.Errorf("file part %q: %w", k, err)
				}
			}
			continue
		}
		if enc := b.encoding[k]; enc != nil && enc.Style != "" && !isJSON(enc.ContentType) {
			// An explicit style (Stripe's deepObject): one text part per
			// serialized name=value pair, as a form would send them.
			p := &param{name: k, in: "query", style: enc.Style, explode: enc.Explode == nil || *enc.Explode}
			sb := &strings.Builder{}
			serializeQuery(sb, p, v)
			for _, pair := range strings.Split(sb.String(), "&") {
				name, val, _ := strings.Cut(pair, "=")
				name, _ = url.PathUnescape(name)
				val, _ = url.PathUnescape(val)
				if err := writePart(w, name, "", "", []byte(val)); err != nil {
					return nil, "", err
				}
			}
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			data, _ := json.Marshal(x)
			if err := writePart(w, k, "", firstNonEmpty(ct, "application/json"), data); err != nil {
				return nil, "", err
			}
		case []any:
			for _, e := range x {
				var data []byte
				pct := ct
				if _, isObj := e.(map[string]any); isObj {
					data, _ = json.Marshal(e)
					pct = firstNonEmpty(ct, "application/json")
				} else {
					data = []byte(scalar(e))
				}
				if err := writePart(w, k, "", pct, data); err != nil {
					return nil, "", err
				}
			}
		default:
			if err := writePart(w, k, "", ct, []byte(scalar(x))); err != nil {
				return nil, "", err
			}
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func writeFile(w *multipart.Writer, name string, v any, ct string) error {
	filename := name
	var data []byte
	switch x := v.(type) {
	case string:
		d, err := decodeBase64(x)
		if err != nil {
			return fmt.Errorf("must be base64 (or an object with text): %w", err)
		}
		data = d
	case map[string]any:
		if f, ok := x["filename"].(string); ok && f != "" {
			filename = f
		}
		if c, ok := x["contentType"].(string); ok && c != "" {
			ct = c
		}
		switch {
		case x["base64"] != nil:
			d, err := decodeBase64(scalar(x["base64"]))
			if err != nil {
				return fmt.Errorf("base64: %w", err)
			}
			data = d
		case x["text"] != nil:
			data = []byte(scalar(x["text"]))
		}
	default:
		return errors.New("must be a base64 string or an object")
	}
	return writePart(w, name, filename, firstNonEmpty(ct, "application/octet-stream"), data)
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

func writePart(w *multipart.Writer, name, filename, ct string, data []byte) error {
	h := textproto.MIMEHeader{}
	disp := `form-data; name="` + quoteEscaper.Replace(name) + `"`
	if filename != "" {
		disp += `; filename="` + quoteEscaper.Replace(filename) + `"`
	}
	h.Set("Content-Disposition", disp)
	if ct != "" {
		if strings.ContainsAny(ct, "\r\n") {
			return errors.New("content type contains CR or LF")
		}
		h.Set("Content-Type", ct)
	}
	pw, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = pw.Write(data)
	return err
}
