package testenv

import (
	"strings"
	"testing"
)

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			how, msg := GiveUp(t, func(tb testing.TB) { Unavailable(tb, "x not installed in %s", "/dir") })
			if how != tc.want || msg != "x not installed in /dir" {
				t.Fatalf("%s %q, want %s", how, msg, tc.want)
			}
		})
	}
	if how, _ := GiveUp(t, func(testing.TB) {}); how != "" {
		t.Fatalf("returned normally but recorded %q", how)
	}
}

func TestToolsDir(t *testing.T) {
	t.Setenv("TOOLGATE_TOOLS_DIR", "/opt/tools")
	if got := ToolsDir("prism"); got != "/opt/tools/prism" {
		t.Fatal(got)
	}
	t.Setenv("TOOLGATE_SHARED", "/opt/shared")
	if got := SharedDir(); got != "/opt/shared" {
		t.Fatal(got)
	}
	t.Setenv("TOOLGATE_SHARED", "")
	if got := SharedDir(); !strings.HasSuffix(got, "shared") {
		t.Fatal(got)
	}
}
