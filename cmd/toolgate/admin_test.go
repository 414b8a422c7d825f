package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/toolgate/toolgate/internal/testenv/program"
)

// adminGet returns the body of path on proc's admin listener
// (toolgate.adminListen, whose address the log gives).
func adminGet(t *testing.T, proc *program.Process, path string) []byte {
	t.Helper()
	_, body := adminDo(t, proc, "GET", path)
	return body
}

// adminDo makes a request of method on path of proc's admin listener and
// returns the answer's status and body.
func adminDo(t *testing.T, proc *program.Process, method, path string) (int, []byte) {
	t.Helper()
	admin := regexp.MustCompile(`admin=(127\.0\.0\.1:\d+)`).FindStringSubmatch(proc.Stderr.String())
	if admin == nil {
		t.Fatalf("no admin address in the log:\n%s", proc.Stderr)
	}
	req, err := http.NewRequest(method, "http://"+admin[1]+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// searchItems returns the items of the search tool's section of proc's
// status page, by name, whether the section is healthy, and the page.
func searchItems(t *testing.T, proc *program.Process) (items map[string]string, healthy bool, page []byte) {
	t.Helper()
	page = adminGet(t, proc, "/status?format=json")
	var status struct {
		Sections []struct {
			Name    string
			Healthy bool
			Items   []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal(page, &status); err != nil {
		t.Fatalf("/status: %v: %s", err, page)
	}
	items = map[string]string{}
	for _, sec := range status.Sections {
		if sec.Name == "search" {
			healthy = sec.Healthy
			for _, it := range sec.Items {
				items[it.Name] = it.Value
			}
		}
	}
	return items, healthy, page
}
