package openapi

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// repair is the lenient path, taken only when a document fails to load as
// it is. It decodes the document generically, fixes the flaws real vendor
// specs have, and returns the result as JSON:
//
//   - "items": [a, b] (draft-4 tuple form, not OpenAPI) becomes
//     "items": {"anyOf": [a, b]};
//   - $refs to a JSON Schema $id or $anchor (OpenAPI 3.1) become JSON
//     pointers to that schema;
//   - $refs that cannot be resolved become {} (any value), with a warning.
func repair(data []byte, location *url.URL, opts *Options, warn func(where, msg string)) ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	doc = normalize(doc)
	r := &repairer{root: doc, ids: map[string]string{}, warn: warn, location: location, opts: opts}
	r.index(doc, "")
	doc = r.fix(doc, "")
	return json.Marshal(doc)
}

// normalize turns YAML's map[any]any (from keys such as 200) into
// map[string]any, recursively.
func normalize(v any) any {
	switch x := v.(type) {
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = normalize(e)
		}
		return m
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return x
	}
	return v
}

type repairer struct {
	root     any
	ids      map[string]string // $id, $id#anchor and #anchor -> JSON pointer
	warn     func(where, msg string)
	location *url.URL
	opts     *Options
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (r *repairer) index(v any, ptr string) {
	switch x := v.(type) {
	case map[string]any:
		id, _ := x["$id"].(string)
		if id != "" {
			r.ids[id] = ptr
		}
		if a, ok := x["$anchor"].(string); ok && a != "" {
			r.ids["#"+a] = ptr
		}
		for k, e := range x {
			if k == "$id" || k == "$anchor" {
				continue
			}
			r.index(e, ptr+"/"+escapePointer(k))
		}
		if id != "" {
			// anchors below an $id are also reachable as "<id>#<anchor>"
			r.indexAnchors(x, ptr, id)
		}
	case []any:
		for i, e := range x {
			r.index(e, ptr+"/"+strconv.Itoa(i))
		}
	}
}

func (r *repairer) indexAnchors(v any, ptr, id string) {
	switch x := v.(type) {
	case map[string]any:
		if a, ok := x["$anchor"].(string); ok && a != "" {
			r.ids[id+"#"+a] = ptr
		}
		for k, e := range x {
			r.indexAnchors(e, ptr+"/"+escapePointer(k), id)
		}
	case []any:
		for i, e := range x {
			r.indexAnchors(e, ptr+"/"+strconv.Itoa(i), id)
		}
	}
}

func (r *repairer) resolvePointer(ptr string) bool {
	cur := r.root
	if ptr == "" {
		return true
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		switch x := cur.(type) {
		case map[string]any:
			e, ok := x[tok]
			if !ok {
				return false
			}
			cur = e
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return false
			}
			cur = x[i]
		default:
			return false
		}
	}
	return true
}

// resolvable reports whether ref can be loaded by the loader as it is.
func (r *repairer) resolvable(ref string) bool {
	if strings.HasPrefix(ref, "#/") || ref == "#" {
		return r.resolvePointer(ref[1:])
	}
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return r.opts.AllowRemoteRefs
	case "", "file":
		if u.Path == "" || r.location == nil || r.location.Scheme != "file" {
			return false
		}
		p := filepath.FromSlash(u.Path)
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(filepath.FromSlash(r.location.Path)), p)
		}
		_, err := os.Stat(p)
		return err == nil
	}
	return false
}

func (r *repairer) fix(v any, ptr string) any {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			if !r.resolvable(ref) {
				if p, ok := r.ids[ref]; ok {
					x["$ref"] = "#" + p
				} else if i := strings.Index(ref, "#"); i >= 0 && r.ids[ref[i:]] != "" {
					x["$ref"] = "#" + r.ids[ref[i:]]
				} else {
					r.warn("#"+ptr, fmt.Sprintf("unresolvable $ref %q replaced by an empty schema", ref))
					return map[string]any{}
				}
			}
		}
		if items, ok := x["items"].([]any); ok {
			r.warn("#"+ptr, "array-valued items (tuple form) read as anyOf")
			if len(items) == 1 {
				x["items"] = items[0]
			} else {
				x["items"] = map[string]any{"anyOf": items}
			}
		}
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			x[k] = r.fix(x[k], ptr+"/"+escapePointer(k))
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = r.fix(e, ptr+"/"+strconv.Itoa(i))
		}
		return x
	}
	return v
}
