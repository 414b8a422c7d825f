package openapi

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

type compiledFilter struct {
	tags, ids, methods []string
	paths              []*regexp.Regexp
}

func (b *builder) compileFilters() error {
	var err error
	if b.include, err = compileFilters(b.opts.Include); err != nil {
		return fmt.Errorf("include filter: %w", err)
	}
	if b.exclude, err = compileFilters(b.opts.Exclude); err != nil {
		return fmt.Errorf("exclude filter: %w", err)
	}
	return nil
}

func compileFilters(fs []Filter) ([]compiledFilter, error) {
	out := make([]compiledFilter, 0, len(fs))
	for _, f := range fs {
		cf := compiledFilter{tags: f.Tags, ids: f.OperationIDs}
		for _, m := range f.Methods {
			cf.methods = append(cf.methods, strings.ToUpper(m))
		}
		for _, g := range f.Paths {
			re, err := globRegexp(g)
			if err != nil {
				return nil, fmt.Errorf("path glob %q: %w", g, err)
			}
			cf.paths = append(cf.paths, re)
		}
		out = append(out, cf)
	}
	return out, nil
}

// globRegexp compiles a path glob: '*' matches within a segment, '**' any
// run of characters including '/', '?' one character other than '/'.
func globRegexp(g string) (*regexp.Regexp, error) {
	var sb strings.Builder
	sb.WriteString("^")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; c {
		case '*':
			if i+1 < len(g) && g[i+1] == '*' {
				sb.WriteString(".*")
				i++
			} else {
				sb.WriteString("[^/]*")
			}
		case '?':
			sb.WriteString("[^/]")
		default:
			sb.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	sb.WriteString("$")
	return regexp.Compile(sb.String())
}

func (f *compiledFilter) match(method, path string, o *openapi3.Operation) bool {
	if len(f.methods) > 0 && !slices.Contains(f.methods, method) {
		return false
	}
	if len(f.ids) > 0 && !slices.Contains(f.ids, o.OperationID) {
		return false
	}
	if len(f.tags) > 0 && !slices.ContainsFunc(f.tags, func(t string) bool { return slices.Contains(o.Tags, t) }) {
		return false
	}
	if len(f.paths) > 0 && !slices.ContainsFunc(f.paths, func(re *regexp.Regexp) bool { return re.MatchString(path) }) {
		return false
	}
	return true
}

// selected applies Include then Exclude.
func (b *builder) selected(method, path string, o *openapi3.Operation) bool {
	if len(b.include) > 0 && !slices.ContainsFunc(b.include, func(f compiledFilter) bool { return f.match(method, path, o) }) {
		return false
	}
	return !slices.ContainsFunc(b.exclude, func(f compiledFilter) bool { return f.match(method, path, o) })
}
