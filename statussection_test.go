package toolgate

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestStatusSections checks the sections' order, removal and health, and
// that a section may ask the gateway for its own status.
func TestStatusSections(t *testing.T) {
	gw := mustGateway(t, &Options{}, mathTarget())
	t.Cleanup(func() { _ = gw.Close() })
	section := func(name string, problems ...string) func() StatusSection {
		return func() StatusSection {
			return StatusSection{Name: name, Title: name, Problems: problems,
				Items: []StatusItem{{Name: "targets", Label: "Targets", Value: string(rune('0' + len(gw.Status())))}}}
		}
	}
	removeB := gw.AddStatusSection(section("b"))
	gw.AddStatusSection(section("a", "it broke"))
	removeC := gw.AddStatusSection(section("c"))

	page := func() statusView {
		t.Helper()
		rec := httptest.NewRecorder()
		gw.StatusHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/?format=json", nil))
		var v statusView
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		return v
	}
	names := func(v statusView) []string {
		var out []string
		for _, s := range v.Sections {
			out = append(out, s.Name)
		}
		return out
	}

	for _, tc := range []struct {
		name   string
		before func()
		want   []string
	}{
		{"in the order added", func() {}, []string{"b", "a", "c"}},
		{"one removed", removeB, []string{"a", "c"}},
		{"removed twice", removeB, []string{"a", "c"}},
		{"another removed", removeC, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.before()
			v := page()
			if got := names(v); !slices.Equal(got, tc.want) {
				t.Fatalf("sections %v, want %v", got, tc.want)
			}
			var fromAPI []string
			for _, s := range gw.StatusSections() {
				fromAPI = append(fromAPI, s.Name)
			}
			if !slices.Equal(fromAPI, tc.want) {
				t.Errorf("StatusSections %v, want %v", fromAPI, tc.want)
			}
			for _, s := range v.Sections {
				if s.Healthy != (s.Name != "a") {
					t.Errorf("section %s healthy %v", s.Name, s.Healthy)
				}
				if s.Problems == nil || s.Items[0] != (itemView{"targets", "Targets", "1"}) {
					t.Errorf("section %s: %+v", s.Name, s)
				}
			}
		})
	}
}
