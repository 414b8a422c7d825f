package openapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate"
)

// BodyProperty is the input-schema property that holds the request body.
const BodyProperty = "body"

// Body kinds: how a request body is encoded.
type bodyKind int

const (
	bodyJSON bodyKind = iota
	bodyForm
	bodyMultipart
	bodyText
	bodyBinary
)

// operation is everything CallTool needs for one tool, computed at load.
type operation struct {
	name        string
	method      string
	path        string
	segments    []string // path template split: literals at even, variable names at odd indexes
	operationID string
	params      []*param
	body        *body
	server      string // resolved server URL template, "" if none usable
	serverErr   string // why there is no usable server
	accept      string
	wrapOutput  bool // structuredContent is {"result": <body>}
	hasOutput   bool
}

func (op *operation) id() string {
	if op.operationID != "" {
		return op.operationID
	}
	return op.method + " " + op.path
}

type param struct {
	prop          string // input-schema property
	name          string // wire name
	in            string
	style         string
	explode       bool
	allowReserved bool
	jsonContent   bool    // parameter uses content: application/json
	fixed         *string // value from Options.ParameterValues; not an argument
}

type body struct {
	mediaType string // Content-Type sent
	kind      bodyKind
	required  bool
	encoding  map[string]*openapi3.Encoding
	files     map[string]bool // multipart properties that are files
}

type builder struct {
	t        *Target
	doc      *openapi3.T
	opts     *Options
	location *url.URL
	conv     *converter
	names    map[string]bool
	warn     func(where, msg string)
	include  []compiledFilter
	exclude  []compiledFilter
	used     map[string]bool // override keys that matched
	values   []fixedValue    // Options.ParameterValues, parsed
}

// fixedValue is one entry of Options.ParameterValues.
type fixedValue struct {
	key, in, name, value string
	used                 bool
}

var methodOrder = []string{
	http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete,
	http.MethodOptions, http.MethodHead, http.MethodPatch, http.MethodTrace,
	"QUERY",
}

func (b *builder) build() error {
	b.used = map[string]bool{}
	if b.doc.Paths == nil {
		b.warn("paths", "spec has no paths")
		return nil
	}
	pm := b.doc.Paths.Map()
	paths := make([]string, 0, len(pm))
	for p := range pm {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		item := pm[p]
		if item == nil {
			continue
		}
		ops := item.Operations()
		for _, m := range methodOrder {
			o := ops[m]
			if o == nil {
				continue
			}
			b.t.total++
			where := m + " " + p
			if !b.selected(m, p, o) {
				b.t.skipped = append(b.t.skipped, Skipped{Method: m, Path: p, OperationID: o.OperationID, Reason: "excluded by filter"})
				continue
			}
			op, tool, err := b.operation(m, p, item, o)
			if err != nil {
				b.t.skipped = append(b.t.skipped, Skipped{Method: m, Path: p, OperationID: o.OperationID, Reason: err.Error()})
				b.warn(where, "skipped: "+err.Error())
				continue
			}
			b.t.ops[op.name] = op
			b.t.tools = append(b.t.tools, tool)
		}
	}
	for key := range b.opts.Overrides {
		if !b.used[key] {
			b.warn("overrides", fmt.Sprintf("override %q matches no operation", key))
		}
	}
	for _, fv := range b.values {
		if !fv.used {
			b.warn("parameterValues", fmt.Sprintf("parameter value %q matches no parameter", fv.key))
		}
	}
	return nil
}

// compileValues parses Options.ParameterValues. A value with CR, LF or NUL
// is refused (it could split a header); the error names the key only.
func (b *builder) compileValues() error {
	keys := make([]string, 0, len(b.opts.ParameterValues))
	for k := range b.opts.ParameterValues {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := b.opts.ParameterValues[k]
		if strings.ContainsAny(v, "\r\n\x00") {
			return fmt.Errorf("parameter value %q: contains CR, LF or NUL", k)
		}
		in, name, ok := strings.Cut(k, ":")
		if !ok {
			in, name = "", k
		}
		if name == "" {
			return fmt.Errorf("parameter value %q: no parameter name", k)
		}
		if _, known := locationOrder[in]; in != "" && !known {
			return fmt.Errorf("parameter value %q: unknown location %q (want path, query, header or cookie)", k, in)
		}
		b.values = append(b.values, fixedValue{key: k, in: in, name: name, value: v})
	}
	return nil
}

// operation converts one operation. A panic in conversion (a spec shape
// nobody foresaw) skips this operation only.
func (b *builder) operation(method, path string, item *openapi3.PathItem, o *openapi3.Operation) (op *operation, tool toolgate.Tool, err error) {
	where := method + " " + path
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error converting operation: %v", r)
		}
	}()
	op = &operation{method: method, path: path, operationID: o.OperationID, segments: splitTemplate(path)}

	// Name.
	name := sanitizeName(o.OperationID, 64)
	if name == "" {
		name = fallbackName(method, path)
	}
	ov, hasOv := b.override(o.OperationID, name, method, path)
	if hasOv && ov.Name != "" {
		if sanitizeName(ov.Name, 64) != ov.Name {
			return nil, tool, fmt.Errorf("override name %q: use only A-Z, a-z, 0-9, '_', '-' (at most 64)", ov.Name)
		}
		if b.names[ov.Name] {
			return nil, tool, fmt.Errorf("override name %q is already used by another tool", ov.Name)
		}
		name = ov.Name
	} else if b.names[name] {
		base := name
		for i := 2; b.names[name]; i++ {
			suffix := fmt.Sprintf("_%d", i)
			name = truncate(base, 64-len(suffix)) + suffix
		}
		b.warn(where, fmt.Sprintf("tool name %q already used; published as %q", base, name))
	}
	op.name = name

	// Input schema.
	input, err := b.inputSchema(where, path, item, o, op)
	if err != nil {
		return nil, tool, err
	}
	output := b.outputSchema(o, op)

	// Server.
	b.server(item, o, op, where)

	desc := strings.TrimSpace(o.Summary)
	if d := strings.TrimSpace(o.Description); d != "" && d != desc {
		if desc != "" {
			desc += "\n\n"
		}
		desc += d
	}
	if desc == "" {
		desc = method + " " + path
	}
	if o.Deprecated {
		desc = "Deprecated. " + desc
	}
	title := strings.TrimSpace(o.Summary)
	if strings.ContainsAny(title, "\n") || len(title) > 120 {
		title = ""
	}
	if hasOv {
		if ov.Description != "" {
			desc = ov.Description
		}
		if ov.Title != "" {
			title = ov.Title
		}
	}
	meta := map[string]any{"method": method, "path": path}
	if o.OperationID != "" {
		meta["operationId"] = o.OperationID
	}
	if len(o.Tags) > 0 {
		meta["tags"] = o.Tags
	}
	if sec := securityNames(b.doc, o); len(sec) > 0 {
		meta["security"] = sec
	}
	b.names[name] = true
	tool = toolgate.Tool{
		Name:         name,
		Title:        title,
		Description:  desc,
		InputSchema:  input,
		OutputSchema: output,
		Annotations:  annotations(method, title),
		Meta:         map[string]any{"openapi": meta},
	}
	return op, tool, nil
}

func annotations(method, title string) *mcp.ToolAnnotations {
	a := &mcp.ToolAnnotations{Title: title}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, "QUERY":
		a.ReadOnlyHint = true
	case http.MethodDelete:
		t := true
		a.DestructiveHint = &t
		a.IdempotentHint = true
	case http.MethodPut:
		a.IdempotentHint = true
	}
	return a
}

func securityNames(doc *openapi3.T, o *openapi3.Operation) []string {
	reqs := doc.Security
	if o.Security != nil {
		reqs = *o.Security
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range reqs {
		for n := range r {
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (b *builder) override(opID, name, method, path string) (Override, bool) {
	for _, key := range []string{opID, name, method + " " + path} {
		if key == "" {
			continue
		}
		if ov, ok := b.opts.Overrides[key]; ok {
			b.used[key] = true
			return ov, true
		}
	}
	return Override{}, false
}

// Header parameters OpenAPI says to ignore, and ones a client must not set.
var ignoredHeaders = map[string]bool{
	"accept": true, "content-type": true, "authorization": true,
	"host": true, "content-length": true, "transfer-encoding": true, "connection": true,
}

var locationOrder = map[string]int{"path": 0, "query": 1, "header": 2, "cookie": 3}

// inputSchema builds the tool's input schema. The shape:
//
//	{ "<param name>": ..., ..., "body": <request body schema> }
//
// Parameters keep their names; the request body is the "body" property. A
// parameter whose name is already taken (by a parameter in an earlier
// location: path, query, header, cookie; or "body" when there is a request
// body) is renamed "<in>_<name>" ("query_id", "header_body").
func (b *builder) inputSchema(where, path string, item *openapi3.PathItem, o *openapi3.Operation, op *operation) (json.RawMessage, error) {
	// Operation parameters override path-item ones with the same name+in.
	type key struct{ name, in string }
	var list []*openapi3.Parameter
	idx := map[key]int{}
	for _, group := range []openapi3.Parameters{item.Parameters, o.Parameters} {
		for _, pr := range group {
			if pr == nil || pr.Value == nil {
				b.warn(where, "unresolved parameter skipped")
				continue
			}
			p := pr.Value
			k := key{p.Name, p.In}
			if i, ok := idx[k]; ok {
				list[i] = p
				continue
			}
			idx[k] = len(list)
			list = append(list, p)
		}
	}
	// Path template variables the spec forgot to declare.
	for _, v := range templateVars(path) {
		if _, ok := idx[key{v, "path"}]; !ok {
			b.warn(where, fmt.Sprintf("path parameter %q is not declared; added as a required string", v))
			p := &openapi3.Parameter{Name: v, In: "path", Required: true, Schema: openapi3.NewStringSchema().NewRef()}
			idx[key{v, "path"}] = len(list)
			list = append(list, p)
		}
	}
	sort.SliceStable(list, func(i, j int) bool { return locationOrder[list[i].In] < locationOrder[list[j].In] })

	var k collector
	props := map[string]any{}
	var required []string
	taken := map[string]bool{}

	// Request body first so that "body" is reserved.
	var bodySchema any
	if o.RequestBody != nil && o.RequestBody.Value != nil {
		bs, bd := b.requestBody(where, o.RequestBody.Value, &k)
		if bd != nil {
			op.body = bd
			bodySchema = bs
			taken[BodyProperty] = true
		}
	}
	tmpl := templateVars(path)
	for _, p := range list {
		if _, ok := locationOrder[p.In]; !ok {
			b.warn(where, fmt.Sprintf("parameter %q: unknown location %q; ignored", p.Name, p.In))
			continue
		}
		if p.Name == "" {
			b.warn(where, "parameter without a name ignored")
			continue
		}
		if p.In == "header" && ignoredHeaders[strings.ToLower(p.Name)] {
			b.warn(where, fmt.Sprintf("header parameter %q ignored (set by the target or the client's credentials)", p.Name))
			continue
		}
		if fv := b.fixedValue(p); fv != nil {
			if p.In == "path" && !contains(tmpl, p.Name) {
				b.warn(where, fmt.Sprintf("path parameter %q is not in the path template; ignored", p.Name))
				continue
			}
			sm, err := p.SerializationMethod()
			if err != nil {
				sm = &openapi3.SerializationMethod{Style: "form", Explode: true}
			}
			v := fv.value
			pa := &param{name: p.Name, in: p.In, style: sm.Style, explode: sm.Explode, allowReserved: p.AllowReserved, fixed: &v}
			if p.Schema == nil {
				for mt := range p.Content {
					if isJSON(mt) {
						pa.jsonContent = true
					}
				}
			}
			op.params = append(op.params, pa)
			continue
		}
		if b.hidden(p) {
			if p.In == "path" {
				return nil, fmt.Errorf("path parameter %q cannot be hidden", p.Name)
			}
			continue
		}
		if p.In == "path" && !contains(tmpl, p.Name) {
			b.warn(where, fmt.Sprintf("path parameter %q is not in the path template; ignored", p.Name))
			continue
		}
		prop := p.Name
		if taken[prop] {
			prop = p.In + "_" + p.Name
			for i := 2; taken[prop]; i++ {
				prop = fmt.Sprintf("%s_%s_%d", p.In, p.Name, i)
			}
		}
		taken[prop] = true
		sm, err := p.SerializationMethod()
		if err != nil {
			sm = &openapi3.SerializationMethod{Style: "form", Explode: true}
		}
		pa := &param{prop: prop, name: p.Name, in: p.In, style: sm.Style, explode: sm.Explode, allowReserved: p.AllowReserved}
		var schema *openapi3.SchemaRef
		if p.Schema != nil {
			schema = p.Schema
		} else if len(p.Content) > 0 {
			for mt, m := range p.Content {
				if m != nil && m.Schema != nil {
					schema = m.Schema
				}
				if isJSON(mt) {
					pa.jsonContent = true
				}
			}
		}
		var ps map[string]any
		if schema == nil {
			ps = map[string]any{"type": "string"}
		} else {
			ps = asMap(b.conv.ref(schema, modeInput, &k))
		}
		if d := strings.TrimSpace(p.Description); d != "" {
			ps["description"] = d
		}
		if p.Example != nil {
			ps["examples"] = []any{p.Example}
		} else if ex := firstExample(p.Examples); ex != nil {
			ps["examples"] = []any{ex}
		}
		if p.Deprecated {
			ps["deprecated"] = true
		}
		props[prop] = ps
		if p.Required || p.In == "path" {
			required = append(required, prop)
		}
		op.params = append(op.params, pa)
	}
	if op.body != nil {
		props[BodyProperty] = bodySchema
		if op.body.required {
			required = append(required, BodyProperty)
		}
	}
	schema := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		schema["required"] = required
	}
	raw, err := encodeSchema(schema, b.conv.closure(&k, modeInput))
	if err != nil {
		return nil, fmt.Errorf("encode input schema: %w", err)
	}
	return raw, nil
}

// fixedValue returns the Options.ParameterValues entry for p, if any, and
// marks every entry that matches as used. An entry with a location wins
// over one with the name alone.
func (b *builder) fixedValue(p *openapi3.Parameter) *fixedValue {
	var match *fixedValue
	for i := range b.values {
		fv := &b.values[i]
		if fv.in != "" && fv.in != p.In {
			continue
		}
		if p.In == "header" && !strings.EqualFold(fv.name, p.Name) || p.In != "header" && fv.name != p.Name {
			continue
		}
		fv.used = true // shadowed entries match too: no warning for them
		if match == nil || fv.in != "" {
			match = fv
		}
	}
	return match
}

// hidden reports whether a parameter is left out of input schemas: listed
// in Options.HideParameters, or a repeat of an apiKey security scheme.
func (b *builder) hidden(p *openapi3.Parameter) bool {
	same := func(in, name string) bool {
		if in != "" && in != p.In {
			return false
		}
		if p.In == "header" {
			return strings.EqualFold(name, p.Name)
		}
		return name == p.Name
	}
	for _, h := range b.opts.HideParameters {
		in, name, ok := strings.Cut(h, ":")
		if !ok {
			in, name = "", h
		}
		if same(in, name) {
			return true
		}
	}
	for _, s := range b.t.schemes {
		if s.Type == "apiKey" && s.ParamName != "" && same(s.In, s.ParamName) {
			return true
		}
	}
	return false
}

func firstExample(ex openapi3.Examples) any {
	names := make([]string, 0, len(ex))
	for n := range ex {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if e := ex[n]; e != nil && e.Value != nil && e.Value.Value != nil {
			return e.Value.Value
		}
	}
	return nil
}

func asMap(v any) map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return v
	case bool:
		if v {
			return map[string]any{}
		}
		return map[string]any{"not": map[string]any{}}
	}
	return map[string]any{}
}

func classify(mt string) bodyKind {
	base, _, err := mime.ParseMediaType(mt)
	if err != nil {
		base = strings.ToLower(strings.TrimSpace(strings.Split(mt, ";")[0]))
	}
	switch {
	case isJSON(base) || base == "*/*":
		return bodyJSON
	case base == "application/x-www-form-urlencoded":
		return bodyForm
	case base == "multipart/form-data" || base == "multipart/mixed":
		return bodyMultipart
	case strings.HasPrefix(base, "text/") || base == "application/xml" || strings.HasSuffix(base, "+xml") ||
		base == "application/yaml" || base == "application/x-yaml" || base == "application/javascript" || base == "application/graphql":
		return bodyText
	}
	return bodyBinary
}

func isJSON(mt string) bool {
	base := strings.ToLower(strings.TrimSpace(strings.Split(mt, ";")[0]))
	return base == "application/json" || strings.HasSuffix(base, "+json") || base == "text/json"
}

// requestBody picks the body media type (JSON, then form, multipart, text,
// binary) and converts its schema.
func (b *builder) requestBody(where string, rb *openapi3.RequestBody, k *collector) (any, *body) {
	if len(rb.Content) == 0 {
		return nil, nil
	}
	mts := make([]string, 0, len(rb.Content))
	formData := false
	for mt, m := range rb.Content {
		mts = append(mts, mt)
		formData = formData || (m != nil && isFormDataSchema(m.Schema))
	}
	if formData {
		// A body converted from Swagger 2.0 formData parameters: only the
		// form media types describe it, whatever else "consumes" lists.
		forms := mts[:0:0]
		for _, mt := range mts {
			if k := classify(mt); k == bodyForm || k == bodyMultipart {
				forms = append(forms, mt)
			}
		}
		if len(forms) > 0 {
			mts = forms
		}
	}
	sort.SliceStable(mts, func(i, j int) bool {
		ki, kj := classify(mts[i]), classify(mts[j])
		if ki != kj {
			return ki < kj
		}
		// application/json before vendor +json, exact types before wildcards
		return rank(mts[i]) < rank(mts[j])
	})
	mt := mts[0]
	media := rb.Content[mt]
	bd := &body{mediaType: mt, kind: classify(mt), required: rb.Required}
	if strings.Contains(mt, "*") {
		switch bd.kind {
		case bodyJSON:
			bd.mediaType = "application/json"
		case bodyText:
			bd.mediaType = "text/plain"
		default:
			bd.mediaType = "application/octet-stream"
		}
	}
	var sr *openapi3.SchemaRef
	if media != nil {
		sr = media.Schema
		bd.encoding = media.Encoding
	}
	desc := strings.TrimSpace(rb.Description)
	var out map[string]any
	switch bd.kind {
	case bodyJSON, bodyForm:
		if sr == nil {
			out = map[string]any{}
		} else {
			out = asMap(b.conv.ref(sr, modeInput, k))
		}
		if bd.kind == bodyForm && sr == nil {
			out = map[string]any{"type": "object"}
		}
	case bodyMultipart:
		out = b.multipartSchema(sr, bd, k)
	case bodyText:
		out = map[string]any{"type": "string"}
		if sr != nil && sr.Value != nil && sr.Value.Type != nil && sr.Value.Type.Is("string") {
			out = asMap(b.conv.ref(sr, modeInput, k))
		}
	case bodyBinary:
		out = map[string]any{"type": "string", "contentEncoding": "base64", "contentMediaType": bd.mediaType}
		if desc == "" {
			desc = "Request body (" + bd.mediaType + "), base64-encoded."
		} else {
			desc += " (" + bd.mediaType + ", base64-encoded)"
		}
	}
	if desc != "" {
		out["description"] = desc
	}
	if media != nil {
		if media.Example != nil {
			out["examples"] = []any{media.Example}
		} else if ex := firstExample(media.Examples); ex != nil {
			out["examples"] = []any{ex}
		}
	}
	return out, bd
}

// isFormDataSchema reports whether a body schema was converted from
// Swagger 2.0 formData parameters (openapi2conv marks their properties).
func isFormDataSchema(sr *openapi3.SchemaRef) bool {
	if sr == nil || sr.Value == nil {
		return false
	}
	for _, p := range sr.Value.Properties {
		if p != nil && p.Value != nil && p.Value.Extensions["x-formData-name"] != nil {
			return true
		}
	}
	return false
}

func rank(mt string) int {
	switch {
	case strings.HasPrefix(mt, "application/json"):
		return 0
	case strings.Contains(mt, "*"):
		return 2
	}
	return 1
}

// fileSchema is the input schema of a multipart file part: base64 content,
// or an object with text or base64 content and an optional filename and
// content type.
var fileSchema = map[string]any{
	"description": "File: its content base64-encoded, or an object with the content as text or base64 and an optional filename and contentType.",
	"anyOf": []any{
		map[string]any{"type": "string", "contentEncoding": "base64"},
		map[string]any{
			"type": "object",
			"properties": map[string]any{
				"filename":    map[string]any{"type": "string"},
				"contentType": map[string]any{"type": "string"},
				"text":        map[string]any{"type": "string", "description": "content as text"},
				"base64":      map[string]any{"type": "string", "contentEncoding": "base64", "description": "content, base64-encoded"},
			},
		},
	},
}

func isFileSchema(s *openapi3.Schema) bool {
	if s == nil {
		return false
	}
	if s.Type != nil && (s.Type.Is("string") || s.Type.Is("file")) && (s.Format == "binary" || s.Format == "base64" || s.ContentEncoding != "" || s.ContentMediaType != "") {
		return true
	}
	return s.Type != nil && s.Type.Is("file")
}

// multipartSchema converts a multipart body: an object whose binary
// properties become file parts.
func (b *builder) multipartSchema(sr *openapi3.SchemaRef, bd *body, k *collector) map[string]any {
	bd.files = map[string]bool{}
	if sr == nil || sr.Value == nil || len(sr.Value.Properties) == 0 {
		if sr != nil && sr.Value != nil && isFileSchema(sr.Value) {
			// a bare file body: send as a single part named "file"
			bd.files["file"] = true
			return map[string]any{"type": "object", "properties": map[string]any{"file": fileSchema}, "required": []string{"file"}}
		}
		if sr == nil {
			return map[string]any{"type": "object"}
		}
		return asMap(b.conv.ref(sr, modeInput, k))
	}
	s := sr.Value
	props := map[string]any{}
	for name, p := range s.Properties {
		if p == nil || p.Value == nil {
			props[name] = map[string]any{}
			continue
		}
		if p.Value.ReadOnly {
			continue
		}
		switch {
		case isFileSchema(p.Value):
			bd.files[name] = true
			fs := cloneMap(fileSchema)
			if d := p.Value.Description; d != "" {
				fs["description"] = d + " " + fs["description"].(string)
			}
			props[name] = fs
		case p.Value.Type != nil && p.Value.Type.Is("array") && p.Value.Items != nil && isFileSchema(p.Value.Items.Value):
			bd.files[name] = true
			props[name] = map[string]any{"type": "array", "items": fileSchema}
		default:
			props[name] = b.conv.ref(p, modeInput, k)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	req := b.conv.withoutReadOnly(s, filterRequired(s.Required, nil))
	if len(req) > 0 {
		out["required"] = req
	}
	if s.Description != "" {
		out["description"] = s.Description
	}
	return out
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// outputSchema returns the schema of the first 2xx JSON response. An object
// schema is used as it is; any other is wrapped as {"result": <schema>}
// (MCP structured content is always an object).
func (b *builder) outputSchema(o *openapi3.Operation, op *operation) json.RawMessage {
	if o.Responses == nil {
		return nil
	}
	rm := o.Responses.Map()
	codes := make([]string, 0, len(rm))
	var accept []string
	for c := range rm {
		if strings.HasPrefix(c, "2") {
			codes = append(codes, c)
		}
	}
	sort.Strings(codes) // "200" < "201" < ... < "2XX"
	var chosen *openapi3.SchemaRef
	for _, c := range codes {
		r := rm[c]
		if r == nil || r.Value == nil {
			continue
		}
		mts := make([]string, 0, len(r.Value.Content))
		for mt := range r.Value.Content {
			mts = append(mts, mt)
		}
		sort.SliceStable(mts, func(i, j int) bool { return rank(mts[i]) < rank(mts[j]) })
		for _, mt := range mts {
			if !contains(accept, mt) && !strings.Contains(mt, "*") {
				accept = append(accept, mt)
			}
			if chosen == nil && isJSON(mt) && r.Value.Content[mt] != nil && r.Value.Content[mt].Schema != nil {
				chosen = r.Value.Content[mt].Schema
			}
		}
	}
	sort.SliceStable(accept, func(i, j int) bool { return isJSON(accept[i]) && !isJSON(accept[j]) })
	op.accept = strings.Join(accept, ", ")
	if chosen == nil || chosen.Value == nil {
		return nil
	}
	raw := b.outputSchemaOf(chosen, op, false)
	if limit := b.maxOutput(); raw != nil && len(raw) > limit {
		raw = b.outputSchemaOf(chosen, op, true)
	}
	if raw != nil {
		op.hasOutput = true
	}
	return raw
}

func (b *builder) maxOutput() int {
	if b.opts.MaxOutputSchemaBytes > 0 {
		return b.opts.MaxOutputSchemaBytes
	}
	return 64 << 10
}

func (b *builder) outputSchemaOf(chosen *openapi3.SchemaRef, op *operation, loose bool) json.RawMessage {
	k := collector{loose: loose}
	root := asMap(b.conv.inline(chosen.Value, modeOutput, &k))
	if chosen.Ref != "" && !loose {
		// the root def may be referenced recursively: make sure it exists
		b.conv.def(chosen.Value, chosen.Ref, modeOutput)
	}
	op.wrapOutput = false
	switch t := root["type"].(type) {
	case string:
		if t != "object" {
			root = nil
		}
	case []string:
		if contains(t, "object") {
			root["type"] = "object"
		} else {
			root = nil
		}
	default:
		if root["properties"] != nil && root["oneOf"] == nil && root["anyOf"] == nil {
			root["type"] = "object"
		} else {
			root = nil
		}
	}
	var schema map[string]any
	if root != nil {
		schema = root
	} else {
		op.wrapOutput = true
		k = collector{loose: loose}
		schema = map[string]any{
			"type":       "object",
			"properties": map[string]any{"result": b.conv.ref(chosen, modeOutput, &k)},
			"required":   []string{"result"},
		}
	}
	raw, err := encodeSchema(schema, b.conv.closure(&k, modeOutput))
	if err != nil {
		return nil
	}
	return raw
}

// server resolves the operation's server URL: operation, then path item,
// then document servers; variables take Options.ServerVariables or their
// defaults. Relative URLs resolve against the spec's URL.
func (b *builder) server(item *openapi3.PathItem, o *openapi3.Operation, op *operation, where string) {
	if b.t.baseURL != nil {
		return
	}
	var servers openapi3.Servers
	switch {
	case o.Servers != nil && len(*o.Servers) > 0:
		servers = *o.Servers
	case len(item.Servers) > 0:
		servers = item.Servers
	default:
		servers = b.doc.Servers
	}
	if len(servers) == 0 || servers[0] == nil {
		op.serverErr = "the spec declares no server; set BaseURL"
		return
	}
	s := servers[0]
	u := s.URL
	for name, v := range s.Variables {
		val := ""
		if v != nil {
			val = v.Default
		}
		if x, ok := b.opts.ServerVariables[name]; ok {
			val = x
		}
		u = strings.ReplaceAll(u, "{"+name+"}", val)
	}
	if strings.Contains(u, "{") {
		op.serverErr = fmt.Sprintf("server URL %q has unresolved variables; set ServerVariables or BaseURL", u)
		return
	}
	parsed, err := url.Parse(u)
	if err != nil {
		op.serverErr = fmt.Sprintf("server URL %q: %v", u, err)
		return
	}
	if !parsed.IsAbs() {
		if b.location == nil || (b.location.Scheme != "http" && b.location.Scheme != "https") {
			op.serverErr = fmt.Sprintf("server URL %q is relative; set BaseURL", u)
			return
		}
		parsed = b.location.ResolveReference(parsed)
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		op.serverErr = fmt.Sprintf("server URL %q: scheme must be http or https", u)
		return
	}
	op.server = parsed.String()
}

var templateVar = regexp.MustCompile(`\{([^{}/]+)\}`)

// splitTemplate splits "/a/{b}/c" into ["/a/", "b", "/c"]: literals at even
// indexes, variable names at odd ones.
func splitTemplate(path string) []string {
	var out []string
	last := 0
	for _, m := range templateVar.FindAllStringSubmatchIndex(path, -1) {
		out = append(out, path[last:m[0]], path[m[2]:m[3]])
		last = m[1]
	}
	return append(out, path[last:])
}

func templateVars(path string) []string {
	var out []string
	for _, m := range templateVar.FindAllStringSubmatch(path, -1) {
		out = append(out, m[1])
	}
	return out
}

var (
	nameUnsafe      = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
	multiUnderscore = regexp.MustCompile(`__+`)
)

// sanitizeName maps s to A-Z, a-z, 0-9, '_' and '-', at most max bytes; a
// name cut short ends with a hash of the whole, so it stays unique.
func sanitizeName(s string, max int) string {
	s = strings.Trim(nameUnsafe.ReplaceAllString(s, "_"), "_")
	if len(s) <= max {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return strings.TrimRight(s[:max-9], "_") + "_" + hex.EncodeToString(sum[:4])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// fallbackName makes a name from method and path: GET /pets/{id}/photos ->
// get_pets_id_photos.
func fallbackName(method, path string) string {
	n := strings.ToLower(method) + "_" + strings.NewReplacer("{", "", "}", "", "/", "_").Replace(path)
	n = sanitizeName(multiUnderscore.ReplaceAllString(nameUnsafe.ReplaceAllString(n, "_"), "_"), 64)
	if n == "" {
		n = strings.ToLower(method)
	}
	return n
}
