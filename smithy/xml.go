package smithy

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

const (
	trXMLName      = "smithy.api#xmlName"
	trXMLAttribute = "smithy.api#xmlAttribute"
	trXMLFlattened = "smithy.api#xmlFlattened"
	trXMLNamespace = "smithy.api#xmlNamespace"
)

// maxXMLDepth bounds nesting when reading or writing XML.
const maxXMLDepth = 100

// xnode is one element of a parsed XML document.
type xnode struct {
	name     string
	attrs    []xml.Attr
	children []*xnode
	text     strings.Builder
}

// child returns the first child element named name.
func (n *xnode) child(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// all returns the child elements named name.
func (n *xnode) all(name string) []*xnode {
	var out []*xnode
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// parseXML parses an XML document into its root element. Names are local
// names: namespaces are ignored, as Smithy's XML protocols allow.
func parseXML(data []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var stack []*xnode
	var root *xnode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return nil, errors.New("XML nested too deeply")
			}
			n := &xnode{name: tok.Name.Local, attrs: tok.Attr}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(tok)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no XML element")
	}
	return root, nil
}

// xmlName returns the element name of a member: its @xmlName, else def.
func xmlName(traits map[string]json.RawMessage, def string) string {
	if n := traitString(traits, trXMLName); n != "" {
		return n
	}
	return def
}

// xmlToValue converts element n, holding a value of shape s, to a JSON value
// in the shape's JSON form (members under their Smithy names).
func (t *Target) xmlToValue(s *shape, n *xnode, depth int) (any, bool) {
	if s == nil || depth > maxXMLDepth {
		return nil, false
	}
	switch s.typ {
	case "structure", "union":
		return t.xmlStruct(s, n, depth), true
	case "list", "set":
		return t.xmlList(s, n.all(xmlName(s.member.traits, "member")), depth), true
	case "map":
		return t.xmlMap(s, n.all("entry"), depth), true
	}
	return scalarFromText(s, n.text.String())
}

func (t *Target) xmlStruct(s *shape, n *xnode, depth int) map[string]any {
	out := map[string]any{}
	for _, mm := range s.members {
		target := t.m.shapes[mm.target]
		if target == nil {
			continue
		}
		name := xmlName(mm.traits, mm.name)
		if has(mm.traits, trXMLAttribute) {
			for _, a := range n.attrs {
				if a.Name.Local == name {
					if v, ok := scalarFromText(target, a.Value); ok {
						out[mm.name] = v
					}
				}
			}
			continue
		}
		flat := has(mm.traits, trXMLFlattened)
		switch {
		case flat && (target.typ == "list" || target.typ == "set"):
			if els := n.all(name); len(els) > 0 {
				out[mm.name] = t.xmlList(target, els, depth)
			}
		case flat && target.typ == "map":
			if els := n.all(name); len(els) > 0 {
				out[mm.name] = t.xmlMap(target, els, depth)
			}
		default:
			if c := n.child(name); c != nil {
				if v, ok := t.xmlToValue(target, c, depth+1); ok {
					out[mm.name] = v
				}
			}
		}
	}
	return out
}

func (t *Target) xmlList(s *shape, els []*xnode, depth int) []any {
	el := t.m.shapes[s.member.target]
	out := make([]any, 0, len(els))
	for _, e := range els {
		if v, ok := t.xmlToValue(el, e, depth+1); ok {
			out = append(out, v)
		}
	}
	return out
}

func (t *Target) xmlMap(s *shape, entries []*xnode, depth int) map[string]any {
	kn, vn := xmlName(s.key.traits, "key"), xmlName(s.value.traits, "value")
	vs := t.m.shapes[s.value.target]
	out := map[string]any{}
	for _, e := range entries {
		k, v := e.child(kn), e.child(vn)
		if k == nil || v == nil {
			continue
		}
		if val, ok := t.xmlToValue(vs, v, depth+1); ok {
			out[k.text.String()] = val
		}
	}
	return out
}

// scalarFromText converts the text of a simple shape's element, attribute
// or header to its JSON value.
func scalarFromText(s *shape, text string) (any, bool) {
	switch s.typ {
	case "byte", "short", "integer", "long", "bigInteger", "intEnum":
		text = strings.TrimSpace(text)
		if _, err := strconv.ParseInt(text, 10, 64); err != nil {
			if s.typ != "bigInteger" {
				return nil, false
			}
		}
		return json.Number(text), true
	case "float", "double", "bigDecimal":
		text = strings.TrimSpace(text)
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return text, true // NaN, Infinity, -Infinity
		}
		return json.Number(text), true
	case "boolean":
		return strings.TrimSpace(text) == "true", true
	case "timestamp":
		text = strings.TrimSpace(text)
		if traitString(s.traits, trTimestampFormat) == "epoch-seconds" {
			if _, err := strconv.ParseFloat(text, 64); err == nil {
				return json.Number(text), true
			}
		}
		return text, true
	case "structure", "union", "list", "set", "map", "document":
		return nil, false
	}
	return text, true // string, enum, blob (already base64)
}

// xmlWriter writes a JSON value as XML following a shape.
type xmlWriter struct {
	t   *Target
	buf bytes.Buffer
}

// root writes value v of shape s as the document's root element name, with
// the namespace of the shape or, failing that, the service.
func (w *xmlWriter) root(s *shape, name string, v json.RawMessage) error {
	ns := traitNamespace(s.traits)
	if ns == "" {
		ns = traitNamespace(w.t.svc.traits)
	}
	var attrs string
	if ns != "" {
		attrs = ` xmlns="` + escapeXML(ns) + `"`
	}
	return w.element(s, name, attrs, v, 0)
}

func traitNamespace(traits map[string]json.RawMessage) string {
	var ns struct {
		URI string `json:"uri"`
	}
	if raw, ok := traits[trXMLNamespace]; ok && json.Unmarshal(raw, &ns) == nil {
		return ns.URI
	}
	return ""
}

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// element writes <name attrs>v</name>.
func (w *xmlWriter) element(s *shape, name, attrs string, v json.RawMessage, depth int) error {
	if depth > maxXMLDepth {
		return errors.New("value nested too deeply")
	}
	switch s.typ {
	case "structure", "union":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(v, &obj); err != nil {
			return err
		}
		for _, mm := range s.members {
			if mv, ok := obj[mm.name]; ok && has(mm.traits, trXMLAttribute) && !isNull(mv) {
				text, err := scalarText(mv)
				if err != nil {
					return err
				}
				attrs += " " + xmlName(mm.traits, mm.name) + `="` + escapeXML(text) + `"`
			}
		}
		w.buf.WriteString("<" + name + attrs + ">")
		for _, mm := range s.members {
			mv, ok := obj[mm.name]
			if !ok || isNull(mv) || has(mm.traits, trXMLAttribute) {
				continue
			}
			target := w.t.m.shapes[mm.target]
			if err := w.member(mm, target, mv, depth+1); err != nil {
				return err
			}
		}
		w.buf.WriteString("</" + name + ">")
		return nil
	case "list", "set":
		w.buf.WriteString("<" + name + attrs + ">")
		if err := w.items(s, xmlName(s.member.traits, "member"), v, depth); err != nil {
			return err
		}
		w.buf.WriteString("</" + name + ">")
		return nil
	case "map":
		w.buf.WriteString("<" + name + attrs + ">")
		if err := w.entries(s, "entry", v, depth); err != nil {
			return err
		}
		w.buf.WriteString("</" + name + ">")
		return nil
	}
	text, err := scalarText(v)
	if err != nil {
		return err
	}
	w.buf.WriteString("<" + name + attrs + ">" + escapeXML(text) + "</" + name + ">")
	return nil
}

// member writes a structure member, flattening lists and maps marked
// @xmlFlattened.
func (w *xmlWriter) member(mm *member, target *shape, v json.RawMessage, depth int) error {
	name := xmlName(mm.traits, mm.name)
	if has(mm.traits, trXMLFlattened) {
		switch target.typ {
		case "list", "set":
			return w.items(target, name, v, depth)
		case "map":
			return w.entries(target, name, v, depth)
		}
	}
	return w.element(target, name, "", v, depth)
}

func (w *xmlWriter) items(s *shape, name string, v json.RawMessage, depth int) error {
	var arr []json.RawMessage
	if err := json.Unmarshal(v, &arr); err != nil {
		return err
	}
	el := w.t.m.shapes[s.member.target]
	for _, e := range arr {
		if err := w.element(el, name, "", e, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (w *xmlWriter) entries(s *shape, name string, v json.RawMessage, depth int) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v, &obj); err != nil {
		return err
	}
	keys := slices.Sorted(maps.Keys(obj))
	kn, vn := xmlName(s.key.traits, "key"), xmlName(s.value.traits, "value")
	vs := w.t.m.shapes[s.value.target]
	for _, k := range keys {
		w.buf.WriteString("<" + name + "><" + kn + ">" + escapeXML(k) + "</" + kn + ">")
		if err := w.element(vs, vn, "", obj[k], depth+1); err != nil {
			return err
		}
		w.buf.WriteString("</" + name + ">")
	}
	return nil
}

// xmlError reads the code and message of an XML error body: S3's <Error>,
// <ErrorResponse><Error> of restXml and awsQuery services, and
// <Response><Errors><Error> of ec2Query.
func xmlError(data []byte) (code, msg string) {
	root, err := parseXML(data)
	if err != nil {
		return "", ""
	}
	e := root
	if root.name != "Error" {
		if errs := root.child("Errors"); errs != nil { // ec2Query: <Response><Errors><Error>
			root = errs
		}
		if e = root.child("Error"); e == nil {
			return "", ""
		}
	}
	if c := e.child("Code"); c != nil {
		code = strings.TrimSpace(c.text.String())
	}
	if m := e.child("Message"); m != nil {
		msg = strings.TrimSpace(m.text.String())
	}
	return code, msg
}
