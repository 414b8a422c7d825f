package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			how, msg := GiveUp(t, func(tb testing.TB) { Unavailable(tb, "scripts/setup/prism.sh", "x not installed in %s", "/dir") })
			if how != tc.want || msg != "x not installed in /dir (run bash scripts/setup/prism.sh)" {
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
	if _, err := os.Stat(filepath.Join(RepoRoot(), "go.mod")); err != nil {
		t.Fatalf("RepoRoot %s: %v", RepoRoot(), err)
	}
}

func TestCorpus(t *testing.T) {
	tests := []struct {
		rel  string
		want string // a prefix of the file
	}{
		{"openapi/petstore/swagger-petstore-3.0.yaml", "openapi: 3.0"}, // stored plain
		{"openapi/stripe/spec3.2023-09-12.yaml", "components:"},        // stored compressed
		{"smithy/aws/sts-2011-06-15.json", "{"},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			b, err := os.ReadFile(CorpusFile(t, tc.rel))
			if err != nil || !strings.HasPrefix(string(b), tc.want) {
				t.Fatalf("%v: %.40q", err, b)
			}
		})
	}
	dir := CorpusDir(t, "toolsearch")
	for _, f := range []string{"README.md", "metatool/plugin_des.json", "seal-tools/tool.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	for _, fn := range []func(testing.TB){
		func(tb testing.TB) { CorpusFile(tb, "openapi/nope.yaml") },
		func(tb testing.TB) { CorpusDir(tb, "nope") },
	} {
		if how, _ := GiveUp(t, fn); how != "fatal" {
			t.Errorf("missing data: %q, want fatal", how)
		}
	}
}
