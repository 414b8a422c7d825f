package evalset

import (
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/search"
)

// loadMCPBench reads MCP-Bench's tasks as a server-retrieval set. The
// benchmark publishes tasks, not tool schemas (it lists a server's tools
// by starting the server), so the catalogue is its 28 servers: each is a
// document named after the server, whose description is the names of the
// server's tools that the tasks' dependency analyses cite in the
// unambiguous form "Server Name:tool_name". The queries are the tasks'
// fuzzy descriptions (the request as a user would put it, without tool
// names), the gold the task's servers: one for a single-server task, two
// for a two-server one.
func loadMCPBench(dir string) (*Set, error) {
	type task struct {
		Fuzzy string `json:"fuzzy_description"`
		Deps  string `json:"dependency_analysis"`
	}
	type file struct {
		ServerTasks []struct {
			Servers []string `json:"servers"`
			Tasks   []task   `json:"tasks"`
		} `json:"server_tasks"`
	}
	tools := map[string][]string{}
	s := &Set{Key: map[string]string{}}
	for _, name := range []string{"mcpbench_tasks_single_runner_format.json", "mcpbench_tasks_multi_2server_runner_format.json"} {
		var f file
		if err := readJSON(filepath.Join(dir, "mcp-bench", name), &f); err != nil {
			return nil, err
		}
		for _, st := range f.ServerTasks {
			for _, srv := range st.Servers {
				if _, ok := tools[srv]; !ok {
					tools[srv] = nil
				}
			}
			for _, t := range st.Tasks {
				for _, srv := range st.Servers {
					re := regexp.MustCompile(regexp.QuoteMeta(srv) + `\s*:\s*([A-Za-z_][A-Za-z0-9_-]*)`)
					for _, m := range re.FindAllStringSubmatch(t.Deps, -1) {
						if !slices.Contains(tools[srv], m[1]) {
							tools[srv] = append(tools[srv], m[1])
						}
					}
				}
				if strings.TrimSpace(t.Fuzzy) != "" {
					s.Queries = append(s.Queries, Query{Text: t.Fuzzy, Gold: slices.Clone(st.Servers)})
				}
			}
		}
	}
	for _, srv := range slices.Sorted(mapKeys(tools)) {
		name := sanitize(srv)
		s.Key[name] = srv
		ts := tools[srv]
		slices.Sort(ts)
		s.Docs = append(s.Docs, search.Document{ToolInfo: toolgate.ToolInfo{Name: name, Tool: toolgate.Tool{
			Name: srv, Description: strings.Join(ts, " "),
		}}})
	}
	return s, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
