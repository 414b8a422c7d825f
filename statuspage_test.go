package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// hostileTarget describes itself and fails its listing with markup and a
// URL that carries credentials.
type hostileTarget struct{}

func (hostileTarget) Name() string { return "evil" }
func (hostileTarget) Description() string {
	return `<script>alert("description")</script> & "quotes"`
}
func (hostileTarget) ListTools(context.Context) ([]Tool, error) {
	return nil, errors.New(`<img src=x onerror=alert(1)> from https://admin:hunter2@api.example.com/v1?api_key=sk_live_1&page=2`)
}
func (hostileTarget) CallTool(context.Context, *CallRequest) (*Result, error) { return nil, nil }

func statusTestGateway(t *testing.T) *Gateway {
	t.Helper()
	gw := mustGateway(t, &Options{Name: "gw<b>", Version: "1.2.3"}, mathTarget())
	t.Cleanup(func() { _ = gw.Close() })
	if err := gw.AddTarget(context.Background(), hostileTarget{}); err == nil {
		t.Fatal("hostile target listed")
	}
	gw.AddStatusSection(func() StatusSection {
		return StatusSection{Name: "parts", Title: "<em>parts</em>",
			Items:    []StatusItem{{Name: "thing", Label: "<i>Thing</i>", Value: "<u>v</u>"}},
			Problems: []string{"the embedder at https://ops:s3cret@emb.example.com/v1/embeddings?key=k_live_9 failed"}}
	})
	for _, c := range []struct{ name, args string }{
		{"math___add", `{"a":1,"b":2}`}, {"math___add", `{"a":3,"b":4}`}, {"math___fail", `{}`},
	} {
		if _, err := gw.Call(context.Background(), c.name, json.RawMessage(c.args)); err != nil {
			t.Fatal(err)
		}
	}
	return gw
}

func TestStatusHandler(t *testing.T) {
	gw := statusTestGateway(t)
	h := gw.StatusHandler()
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
	for _, tc := range []struct {
		name, method, target, accept string
		status                       int
		kind                         string // "html", "json" or "" (an error)
	}{
		{"plain GET", "GET", "/", "", 200, "html"},
		{"a browser", "GET", "/", browser, 200, "html"},
		{"curl", "GET", "/", "*/*", 200, "html"},
		{"Accept: application/json", "GET", "/", "application/json", 200, "json"},
		{"JSON preferred by weight", "GET", "/", "text/html;q=0.5, application/json", 200, "json"},
		{"HTML preferred by weight", "GET", "/", "application/json;q=0.5, text/html", 200, "html"},
		{"a tie: the first listed", "GET", "/", "application/json, text/html", 200, "json"},
		{"JSON refused", "GET", "/", "application/json;q=0", 200, "html"},
		{"?format=json", "GET", "/?format=json", "", 200, "json"},
		{"?format=html beats Accept", "GET", "/?format=html", "application/json", 200, "html"},
		{"unknown format", "GET", "/?format=xml", "", 400, ""},
		{"HEAD", "HEAD", "/", "", 200, "html"},
		{"HEAD of JSON", "HEAD", "/?format=json", "", 200, "json"},
		{"POST", "POST", "/", "", 405, ""},
		{"PUT", "PUT", "/?format=json", "application/json", 405, ""},
		{"DELETE", "DELETE", "/", "", 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			resp := rec.Result()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow: %q", resp.Header.Get("Allow"))
			}
			ct := resp.Header.Get("Content-Type")
			switch tc.kind {
			case "html":
				if ct != "text/html; charset=utf-8" || resp.Header.Get("Content-Security-Policy") == "" {
					t.Errorf("Content-Type %q, CSP %q", ct, resp.Header.Get("Content-Security-Policy"))
				}
				if tc.method == "GET" && !strings.Contains(string(body), `<tr data-target="math"`) {
					t.Errorf("no row for math:\n%s", body)
				}
			case "json":
				if ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if tc.method == "GET" && !json.Valid(body) {
					t.Errorf("not JSON: %s", body)
				}
			}
			if tc.kind != "" && resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
			}
			if tc.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD answered a body of %d bytes", len(body))
			}
		})
	}
}

// TestStatusPageEscapes checks that what targets say reaches the page as
// text, never markup, and that credentials in URLs do not reach it.
func TestStatusPageEscapes(t *testing.T) {
	gw := statusTestGateway(t)
	h := gw.StatusHandler()
	for _, format := range []string{"html", "json"} {
		t.Run(format, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/?format="+format, nil))
			body := rec.Body.String()
			for _, bad := range []string{"<script>", "<img", "<b>", "hunter2", "sk_live_1", "page=2", "<em>", "<i>", "<u>", "s3cret", "k_live_9"} {
				if strings.Contains(body, bad) {
					t.Errorf("the page holds %q:\n%s", bad, body)
				}
			}
			want := []string{"&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "gw&lt;b&gt;", "api.example.com/v1?api_key=REDACTED",
				"&lt;em&gt;parts", "&lt;i&gt;Thing", "&lt;u&gt;v", "emb.example.com/v1/embeddings?key=REDACTED"}
			if format == "json" {
				want = []string{`\u003cscript\u003e`, `\u003cimg src=x onerror=alert(1)\u003e`, `gw\u003cb\u003e`, "api.example.com/v1?api_key=REDACTED",
					`\u003cem\u003eparts`, `\u003ci\u003eThing`, `\u003cu\u003ev`, "emb.example.com/v1/embeddings?key=REDACTED"}
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					t.Errorf("the page lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

// TestStatusJSON pins the JSON's field names and checks its values.
func TestStatusJSON(t *testing.T) {
	gw := statusTestGateway(t)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	gw.StatusHandler().ServeHTTP(rec, req)

	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]json.RawMessage) []string { return slices.Sorted(maps.Keys(m)) }
	if got, want := keys(raw), []string{"calls", "healthy_targets", "name", "now", "sections", "started", "targets", "uptime_seconds", "version"}; !slices.Equal(got, want) {
		t.Errorf("top-level fields %v, want %v", got, want)
	}
	var calls, target map[string]json.RawMessage
	var targets []map[string]json.RawMessage
	_ = json.Unmarshal(raw["calls"], &calls)
	_ = json.Unmarshal(raw["targets"], &targets)
	if len(targets) != 2 {
		t.Fatalf("%d targets", len(targets))
	}
	target = targets[0]
	callFields := []string{"calls", "failed", "mean_ms", "p50_ms", "p90_ms", "p99_ms", "per_minute", "refused", "throttled", "tool_errors"}
	if got := keys(calls); !slices.Equal(got, callFields) {
		t.Errorf("call fields %v, want %v", got, callFields)
	}
	if got, want := keys(target), []string{"calls", "description", "healthy", "last_error", "last_refresh", "name", "problems", "tools"}; !slices.Equal(got, want) {
		t.Errorf("target fields %v, want %v", got, want)
	}

	var sections []map[string]json.RawMessage
	_ = json.Unmarshal(raw["sections"], &sections)
	if len(sections) != 1 {
		t.Fatalf("%d sections", len(sections))
	}
	if got, want := keys(sections[0]), []string{"healthy", "items", "name", "problems", "title"}; !slices.Equal(got, want) {
		t.Errorf("section fields %v, want %v", got, want)
	}
	var items []map[string]json.RawMessage
	_ = json.Unmarshal(sections[0]["items"], &items)
	if len(items) != 1 {
		t.Fatalf("%d items", len(items))
	}
	if got, want := keys(items[0]), []string{"label", "name", "value"}; !slices.Equal(got, want) {
		t.Errorf("item fields %v, want %v", got, want)
	}

	var v statusView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v.Name != "gw<b>" || v.Version != "1.2.3" || v.HealthyTargets != 1 || v.UptimeSeconds <= 0 || v.Started.After(v.Now) {
		t.Errorf("gateway: %+v", v)
	}
	if v.Calls.Calls != 3 || v.Calls.Failed != 1 || v.Calls.PerMinute <= 0 || v.Calls.P50ms <= 0 {
		t.Errorf("gateway calls: %+v", v.Calls)
	}
	evil, math := v.Targets[0], v.Targets[1]
	if evil.Name != "evil" || evil.Healthy || evil.LastError == "" || evil.Tools != 0 || evil.Problems == nil {
		t.Errorf("evil: %+v", evil)
	}
	if math.Name != "math" || !math.Healthy || math.LastError != "" || math.Tools == 0 || time.Since(math.LastRefresh) > time.Minute {
		t.Errorf("math: %+v", math)
	}
	if math.Calls.Calls != 3 || math.Calls.Failed != 1 || math.Calls.ToolErrors != 0 || math.Calls.MeanMs <= 0 {
		t.Errorf("math calls: %+v", math.Calls)
	}
}

func TestStatusPageFormats(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{latencyText(0), "—"},
		{latencyText(0.01), "10 µs"},
		{latencyText(0.25), "250 µs"},
		{latencyText(1.2), "1.2 ms"},
		{latencyText(1.23456), "1.23 ms"},
		{latencyText(150), "150 ms"},
		{latencyText(2500), "2.5 s"},
		{latencyText(80_000), "80 s"},
		{latencyText(600_000), "10 min"},
		{rateText(0), "0"},
		{rateText(11.34), "11.3"},
		{rateText(1234.4), "1234"},
		{durationText(-3), "0 s"},
		{durationText(42.9), "42 s"},
		{durationText(185), "3 min 05 s"},
		{durationText(2*3600 + 7*60), "2 h 07 min"},
		{durationText(3*86400 + 4*3600 + 59), "3 d 4 h"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
