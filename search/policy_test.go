package search_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/policy"
	"github.com/toolgate/toolgate/search"
)

// TestSearchHonoursPolicy: under Cedar policies, a caller finds only the
// tools its tools/list shows, those a policy could permit it to call:
// the files tools for a caller whose role is ops, the forecast alone for
// a guest, whatever the request asks for (over MCP, the search tool
// permitted to both).
func TestSearchHonoursPolicy(t *testing.T) {
	ctx := context.Background()
	eng, err := policy.New(policy.Config{Gateway: "gw", Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	// The caller's role is the X-User header's value (connectAs).
	roles := toolgate.AuthorizerFunc(func(r *http.Request) (*toolgate.Principal, error) {
		role := r.Header.Get("X-User")
		return &toolgate.Principal{Subject: role + "-1", Claims: map[string]any{"role": role}}, nil
	})
	gw, err := toolgate.New(&toolgate.Options{Authorizer: roles, Policy: eng, Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	for _, tg := range []toolgate.Target{weatherTarget(), filesTarget()} {
		if err := gw.AddTarget(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := search.Enable(gw, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	defer eng.Attach(gw)()
	err = eng.SetPolicies([]policy.Policy{
		{Name: "ops", Statement: `permit(principal is AgentCore::OAuthUser, action in AgentCore::Action::"CallTool", resource == AgentCore::Gateway::"gw")
when { principal.hasTag("role") && principal.getTag("role") == "ops" };`},
		{Name: "forecast", Statement: `permit(principal, action == AgentCore::Action::"weather___get_forecast", resource == AgentCore::Gateway::"gw");`},
		{Name: "search", Statement: `permit(principal, action == AgentCore::Action::"` + search.DefaultToolName + `", resource == AgentCore::Gateway::"gw");`},
	})
	if err != nil {
		t.Fatal(err)
	}
	url := startGateway(t, gw)
	for _, tc := range []struct {
		role  string
		finds []string // of the tools a search for files and weather may return
	}{
		{"ops", []string{"files___delete_file", "files___read_file", "weather___get_alerts", "weather___get_forecast"}},
		{"guest", []string{"weather___get_forecast"}},
	} {
		cs := connectAs(t, url, tc.role)
		found := toolNames(callSearch(t, cs, map[string]any{"query": "read or delete a file; weather alerts and the forecast"}))
		var listed []string
		for tool, err := range cs.Tools(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if tool.Name != search.DefaultToolName {
				listed = append(listed, tool.Name)
			}
		}
		slices.Sort(found)
		if !slices.Equal(found, tc.finds) || !slices.Equal(listed, tc.finds) {
			t.Errorf("%s finds %v and lists %v; want %v", tc.role, found, listed, tc.finds)
		}
		// A hybrid search over a large catalogue asks from several
		// goroutines at once (-race).
		listable := gw.Listable(toolgate.WithPrincipal(ctx, &toolgate.Principal{Subject: "x", Claims: map[string]any{"role": tc.role}}))
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for _, name := range []string{"files___read_file", "weather___get_alerts", "weather___get_forecast"} {
					if _, ok := listable(name); ok != slices.Contains(tc.finds, name) {
						t.Errorf("%s: Listable(%s) = %v", tc.role, name, ok)
					}
				}
			})
		}
		wg.Wait()
	}
}
