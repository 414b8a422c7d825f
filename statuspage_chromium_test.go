//go:build unix

package toolgate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
	"github.com/toolgate/toolgate/search"
)

const chromiumBin = "/usr/bin/chromium"

// TestStatusPageChromium renders the status page of a gateway with three
// real targets (two of Go functions, one MCP server that is down) in
// headless Chromium: the DOM must name every target, show the one that is
// down as unhealthy and show the calls made; a screenshot is kept as a
// test artifact ($TOOLGATE_ARTIFACTS, else .artifacts/ at the repository's
// root).
func TestStatusPageChromium(t *testing.T) {
	if _, err := os.Stat(chromiumBin); err != nil {
		testenv.Unavailable(t, "scripts/setup/chromium.sh", "headless Chromium is not installed at %s", chromiumBin)
	}
	gw := statusPageGateway(t)
	srv := httptest.NewServer(gw.StatusHandler())
	t.Cleanup(srv.Close)

	dom := runChromium(t, "--dump-dom", srv.URL)
	for _, tc := range []struct {
		target string
		want   []string // in the target's row
	}{
		{"weather", []string{"healthy", `data-stat="calls">7<`, `data-stat="tool-errors">2<`, `data-stat="failed">0<`}},
		{"units", []string{"healthy", `data-stat="calls">4<`, `data-stat="failed">1<`, "Metric and imperial"}},
		{"inventory", []string{"unhealthy", `data-stat="calls">0<`}},
	} {
		row := targetRow(dom, tc.target)
		if row == "" {
			t.Errorf("no row for target %q in the DOM:\n%s", tc.target, dom)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(row, w) {
				t.Errorf("row of %q lacks %q:\n%s", tc.target, w, row)
			}
		}
		if tc.target != "inventory" && strings.Contains(row, "unhealthy") {
			t.Errorf("healthy target %q shown unhealthy:\n%s", tc.target, row)
		}
	}
	if !strings.Contains(dom, `id="calls">11<`) {
		t.Errorf("the gateway's 11 calls are not shown:\n%s", dom)
	}
	for _, w := range []string{`data-section="search"`, "working", `<tr data-item="tools"><th scope="row">Tools indexed</th><td>4</td></tr>`, `<tr data-item="searches"><th scope="row">Searches</th><td>2</td></tr>`} {
		if !strings.Contains(dom, w) {
			t.Errorf("the search section lacks %q:\n%s", w, dom)
		}
	}
	if !strings.Contains(dom, "Last listing error:") || strings.Contains(dom, "s3cret") {
		t.Errorf("inventory's listing error is missing or shows its token:\n%s", dom)
	}

	dir := os.Getenv("TOOLGATE_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(testenv.RepoRoot(), ".artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "statuspage.png")
	_ = os.Remove(shot)
	runChromium(t, "--screenshot="+shot, "--window-size=1280,900", srv.URL)
	b, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot %s: %v", shot, err)
	}
	if sz := img.Bounds().Size(); sz.X < 1000 || sz.Y < 600 || len(b) < 20_000 || colours(img) < 50 {
		t.Errorf("screenshot %s looks empty: %v, %d bytes, %d colours", shot, sz, len(b), colours(img))
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(b))
}

// statusPageGateway returns a gateway with two targets of Go functions,
// called a few times, and an MCP server target whose server is down.
func statusPageGateway(t *testing.T) *toolgate.Gateway {
	t.Helper()
	ctx := context.Background()
	gw, err := toolgate.New(&toolgate.Options{Name: "acme-tools", Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gw.Close() })

	type city struct {
		City string `json:"city" jsonschema:"a city name"`
	}
	type forecast struct {
		City  string  `json:"city"`
		TempC float64 `json:"temp_c"`
	}
	weather := toolgate.Funcs("weather",
		toolgate.Func("forecast", "Tomorrow's forecast for a city", func(_ context.Context, in city) (forecast, error) {
			return forecast{City: in.City, TempC: 21.5}, nil
		}),
		toolgate.RawFunc(toolgate.Tool{
			Name:        "alerts",
			Description: "Weather alerts for a region",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"region":{"type":"string"}},"required":["region"]}`),
		}, func(_ context.Context, args json.RawMessage) (*toolgate.Result, error) {
			return toolgate.ErrorResult("unknown region: " + string(args)), nil
		}),
	).WithDescription("Forecasts and alerts from the weather service")
	type conv struct {
		Value float64 `json:"value"`
		From  string  `json:"from" jsonschema:"km or mi"`
	}
	units := toolgate.Funcs("units",
		toolgate.Func("convert", "Convert km to mi and back", func(_ context.Context, in conv) (float64, error) {
			if in.From == "km" {
				return in.Value / 1.609344, nil
			}
			return in.Value * 1.609344, nil
		}),
		toolgate.Func("currency", "Convert currencies", func(context.Context, conv) (float64, error) {
			return 0, errors.New("rates feed unavailable")
		}),
	).WithDescription("Metric and imperial unit conversions")
	for _, tg := range []toolgate.Target{weather, units} {
		if err := gw.AddTarget(ctx, tg); err != nil {
			t.Fatal(err)
		}
	}

	// An MCP server that is down: a port nothing listens on any more.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	inv, err := mcpserver.New(&mcpserver.Options{
		Name:           "inventory",
		Description:    "Stock levels, from the warehouse's MCP server",
		URL:            "http://" + addr + "/mcp?token=s3cret",
		ConnectTimeout: 2 * time.Second,
		MinBackoff:     time.Minute,
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inv.Close() })
	if err := gw.AddTarget(ctx, inv); err == nil {
		t.Fatal("listing a server that is down succeeded")
	}

	call := func(name, args string, n int) {
		for range n {
			if _, err := gw.Call(ctx, name, json.RawMessage(args)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	call("weather___forecast", `{"city":"Lyon"}`, 5)
	call("weather___alerts", `{"region":"Atlantis"}`, 2)
	call("units___convert", `{"value":10,"from":"km"}`, 3)
	call("units___currency", `{"value":10,"from":"EUR"}`, 1)

	// The search tool, which adds its section to the page.
	svc, err := search.Enable(gw, &search.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	for _, q := range []string{"forecast for Lyon", "convert miles"} {
		if _, _, err := svc.Search(ctx, q, 0); err != nil {
			t.Fatal(err)
		}
	}
	return gw
}

// runChromium runs headless Chromium on args and returns its standard
// output, bounded by a timeout.
func runChromium(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Not t.TempDir: Chromium's helpers may still be writing there as it
	// exits, which would fail the test's cleanup.
	home, err := os.MkdirTemp("", "toolgate-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(home)
	cmd := exec.CommandContext(ctx, chromiumBin, append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(home, "profile"),
	}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+home, "XDG_CACHE_HOME="+home)
	// Chromium starts helper processes: end them all with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v (%v)\n%s", strings.Join(args, " "), err, ctx.Err(), stderr.String())
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers left behind, if any
	return stdout.String()
}

// targetRow returns the HTML of the table row of the named target.
func targetRow(dom, name string) string {
	i := strings.Index(dom, fmt.Sprintf(`<tr data-target="%s"`, name))
	if i < 0 {
		return ""
	}
	j := strings.Index(dom[i:], "</tr>")
	if j < 0 {
		return ""
	}
	return dom[i : i+j]
}

// colours counts the distinct colours of img, up to 1000.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
