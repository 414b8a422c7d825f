package auth

import (
	"context"
	"path"
	"slices"
	"sort"

	"github.com/toolgate/toolgate"
)

// ToolScopes returns a toolgate.Options.ToolFilter from rules mapping a
// tool-name pattern (path.Match syntax, for example "billing___*") to the
// scopes that grant it. A principal sees and may call a tool if, for every
// pattern that matches the tool's published name, it holds at least one of
// that pattern's scopes. Tools that no pattern matches are visible to all.
func ToolScopes(rules map[string][]string) func(ctx context.Context, p *toolgate.Principal, t *toolgate.ToolInfo) bool {
	patterns := make([]string, 0, len(rules))
	for p := range rules {
		patterns = append(patterns, p)
	}
	sort.Strings(patterns)
	return func(_ context.Context, p *toolgate.Principal, t *toolgate.ToolInfo) bool {
		for _, pat := range patterns {
			if ok, _ := path.Match(pat, t.Name); !ok {
				continue
			}
			if !slices.ContainsFunc(rules[pat], p.HasScope) {
				return false
			}
		}
		return true
	}
}
