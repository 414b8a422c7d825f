package deploy_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/toolgate/toolgate/config"
)

// TestManifests reads every Kubernetes manifest: each parses, the
// Deployment probes /healthz and /readyz and reads the config the
// ConfigMap holds, and that configuration loads without an error (its
// keys come from the Secret's variables).
func TestManifests(t *testing.T) {
	docs := map[string]map[string]any{}
	files, _ := filepath.Glob("kubernetes/*.yaml")
	if len(files) < 6 {
		t.Fatalf("manifests: %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		d := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc map[string]any
			if err := d.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			kind, _ := doc["kind"].(string)
			docs[kind] = doc
		}
	}
	for _, kind := range []string{"Deployment", "Service", "HorizontalPodAutoscaler", "ConfigMap", "Secret", "Kustomization"} {
		if docs[kind] == nil {
			t.Errorf("no %s", kind)
		}
	}
	dep := dig(docs["Deployment"], "spec", "template", "spec", "containers").([]any)[0].(map[string]any)
	if p := dig(dep, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("liveness probe %v", p)
	}
	if p := dig(dep, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("readiness probe %v", p)
	}
	if args := strings.Join(toStrings(dep["args"]), " "); args != "serve --config /etc/toolgate/toolgate.yaml" {
		t.Errorf("args %q", args)
	}

	// The configuration, with the Secret's variables set and its file
	// reference pointing where the ConfigMap's files are mounted.
	dir := t.TempDir()
	data := docs["ConfigMap"]["data"].(map[string]any)
	for name, v := range data {
		text := strings.ReplaceAll(v.(string), "file:///etc/toolgate/", "file://"+dir+"/")
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range docs["Secret"]["stringData"].(map[string]any) {
		t.Setenv(k, v.(string))
	}
	f, err := config.Load(filepath.Join(dir, "toolgate.yaml"))
	if err != nil {
		t.Fatalf("the ConfigMap's configuration: %v", err)
	}
	if w := f.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
}

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
