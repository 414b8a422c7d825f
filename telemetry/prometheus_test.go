package telemetry_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/telemetry"
)

// TestPrometheus: after N calls of a tool, the scraped invocation counter
// of that tool reads N, and the latency histograms are there.
func TestPrometheus(t *testing.T) {
	mp, h, err := telemetry.Prometheus()
	if err != nil {
		t.Fatal(err)
	}
	gw, err := toolgate.New(&toolgate.Options{MeterProvider: mp, Resource: "gw-1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close()
	ctx := context.Background()
	if err := gw.AddTarget(ctx, toolgate.Funcs("m", toolgate.Func("echo", "Echo", func(_ context.Context, in struct {
		S string `json:"s"`
	}) (string, error) {
		return in.S, nil
	}))); err != nil {
		t.Fatal(err)
	}
	const n = 12
	for range n {
		if _, err := gw.Call(ctx, "m___echo", json.RawMessage(`{"s":"x"}`)); err != nil {
			t.Fatal(err)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	m := regexp.MustCompile(`(?m)^Invocations_total\{[^}]*Name="m___echo"[^}]*\} (\d+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no Invocations_total for m___echo in:\n%s", text)
	}
	if got, _ := strconv.Atoi(m[1]); got != n {
		t.Fatalf("Invocations_total = %d, want %d", got, n)
	}
	for _, want := range []string{
		`(?m)^Latency_milliseconds_bucket\{.*Method="tools/call".*le="\+Inf"\} 12$`,
		`(?m)^TargetExecutionTime_milliseconds_count\{.*TargetType="Function".*\} 12$`,
		`(?m)^mcp_server_operation_duration_seconds_count\{.*gen_ai_tool_name="m___echo".*\} 12$`,
		`(?m)^go_goroutines `,
	} {
		if !regexp.MustCompile(want).MatchString(text) {
			t.Errorf("no match for %s in:\n%s", want, text)
		}
	}
}
