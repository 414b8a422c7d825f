package toolgate

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/toolgate/toolgate/internal/httpx"
)

//go:embed statuspage.html
var statusPageFS embed.FS

// StatusHandler returns a read-only status page for operators: the
// gateway's name, version, uptime and call statistics, and for each target
// its health, tool count, last listing error, last refresh and call
// statistics (see Status and CallStats), then the sections added by
// AddStatusSection (the search tool's, say). It renders HTML on the server (no
// script; the page reloads itself every 10 seconds) and answers JSON
// instead for ?format=json or a request whose Accept header prefers
// application/json; docs/operations.md describes the JSON's fields. It
// answers GET and HEAD, and 405 to any other method.
//
// The page does not authenticate anyone: it shows target names,
// descriptions and listing errors (a URL in an error loses its user
// information and query values), which may tell an outsider more than an
// application wants. Mount it behind the application's own access
// control, for example on an internal listener or after an admin check:
//
//	mux.Handle("/status", requireAdmin(gw.StatusHandler()))
func (g *Gateway) StatusHandler() http.Handler {
	page := template.Must(template.New("statuspage.html").Funcs(template.FuncMap{
		"latency":  latencyText,
		"rate":     rateText,
		"duration": durationText,
		"ago": func(now, t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return durationText(now.Sub(t).Seconds()) + " ago"
		},
		"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	}).ParseFS(statusPageFS, "statuspage.html"))
	return &statusHandler{g: g, page: page}
}

type statusHandler struct {
	g    *Gateway
	page *template.Template
}

// statusView is the status page's data: the HTML page shows it and the
// JSON form is it. Its JSON field names are stable (docs/operations.md).
type statusView struct {
	Name           string        `json:"name"`
	Version        string        `json:"version"`
	Now            time.Time     `json:"now"`
	Started        time.Time     `json:"started"`
	UptimeSeconds  float64       `json:"uptime_seconds"`
	HealthyTargets int           `json:"healthy_targets"`
	Calls          callStatsView `json:"calls"`
	Targets        []targetView  `json:"targets"`
	Sections       []sectionView `json:"sections"`
}

// sectionView is a StatusSection on the page.
type sectionView struct {
	Name     string     `json:"name"`
	Title    string     `json:"title"`
	Healthy  bool       `json:"healthy"`
	Items    []itemView `json:"items"`
	Problems []string   `json:"problems"`
}

type itemView struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Value string `json:"value"`
}

type targetView struct {
	Name        string        `json:"name"`
	Description string        `json:"description"`
	Healthy     bool          `json:"healthy"`
	Tools       int           `json:"tools"`
	LastError   string        `json:"last_error"`
	LastRefresh time.Time     `json:"last_refresh"`
	Problems    []string      `json:"problems"`
	Calls       callStatsView `json:"calls"`
}

// callStatsView is CallStats with latencies in milliseconds.
type callStatsView struct {
	Calls      uint64  `json:"calls"`
	ToolErrors uint64  `json:"tool_errors"`
	Failed     uint64  `json:"failed"`
	Throttled  uint64  `json:"throttled"`
	Refused    uint64  `json:"refused"`
	PerMinute  float64 `json:"per_minute"`
	P50ms      float64 `json:"p50_ms"`
	P90ms      float64 `json:"p90_ms"`
	P99ms      float64 `json:"p99_ms"`
	MeanMs     float64 `json:"mean_ms"`
}

func callStatsViewOf(c CallStats) callStatsView {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return callStatsView{
		Calls: c.Calls, ToolErrors: c.ToolErrors, Failed: c.Failed, Throttled: c.Throttled, Refused: c.Refused,
		PerMinute: c.PerMinute,
		P50ms:     ms(c.P50), P90ms: ms(c.P90), P99ms: ms(c.P99), MeanMs: ms(c.Mean),
	}
}

// view gathers what the page shows, at now.
func (g *Gateway) statusView(now time.Time) *statusView {
	v := &statusView{
		Name:          g.opts.Name,
		Version:       g.opts.Version,
		Now:           now.UTC(),
		Started:       g.started.UTC(),
		UptimeSeconds: now.Sub(g.started).Seconds(),
		Calls:         callStatsViewOf(g.callStats(now)),
		Targets:       []targetView{},
		Sections:      []sectionView{},
	}
	for _, st := range g.Status() {
		if st.Healthy {
			v.HealthyTargets++
		}
		problems := st.Problems
		if problems == nil {
			problems = []string{}
		}
		v.Targets = append(v.Targets, targetView{
			Name:        st.Name,
			Description: st.Description,
			Healthy:     st.Healthy,
			Tools:       st.Tools,
			LastError:   httpx.RedactURLs(st.LastError),
			LastRefresh: st.LastRefresh.UTC(),
			Problems:    problems,
			Calls:       callStatsViewOf(st.Calls),
		})
	}
	for _, sec := range g.StatusSections() {
		sv := sectionView{Name: sec.Name, Title: sec.Title, Healthy: len(sec.Problems) == 0, Items: []itemView{}, Problems: []string{}}
		for _, it := range sec.Items {
			sv.Items = append(sv.Items, itemView(it))
		}
		for _, p := range sec.Problems {
			sv.Problems = append(sv.Problems, httpx.RedactURLs(p))
		}
		v.Sections = append(v.Sections, sv)
	}
	return v
}

func (h *statusHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed: the status page is read-only", http.StatusMethodNotAllowed)
		return
	}
	asJSON := false
	switch f := r.URL.Query().Get("format"); f {
	case "":
		asJSON = prefersJSON(r.Header.Values("Accept"))
	case "json":
		asJSON = true
	case "html":
	default:
		http.Error(w, "format must be html or json", http.StatusBadRequest)
		return
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Vary", "Accept")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")

	v := h.g.statusView(time.Now())
	var buf bytes.Buffer
	if asJSON {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			h.fail(w, err)
			return
		}
		hdr.Set("Content-Type", "application/json")
	} else {
		if err := h.page.Execute(&buf, v); err != nil {
			h.fail(w, err)
			return
		}
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	}
	hdr.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method == http.MethodGet {
		_, _ = w.Write(buf.Bytes())
	}
}

func (h *statusHandler) fail(w http.ResponseWriter, err error) {
	h.g.log.Error("toolgate: rendering the status page", "err", err)
	http.Error(w, "the status page could not be rendered", http.StatusInternalServerError)
}

// prefersJSON reports whether an Accept header ranks application/json
// above text/html (on a tie, the one listed first wins). Wildcards rank
// neither: a browser gets HTML, curl's */* too.
func prefersJSON(accept []string) bool {
	qJSON, qHTML := 0.0, 0.0
	posJSON, posHTML := -1, -1
	pos := 0
	for _, line := range accept {
		for _, part := range strings.Split(line, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil || q < 0 || q > 1 {
					continue
				}
			}
			switch mt {
			case "application/json":
				if q > qJSON || posJSON < 0 {
					qJSON, posJSON = q, pos
				}
			case "text/html":
				if q > qHTML || posHTML < 0 {
					qHTML, posHTML = q, pos
				}
			}
			pos++
		}
	}
	switch {
	case qJSON <= 0:
		return false
	case qJSON != qHTML:
		return qJSON > qHTML
	}
	return posJSON < posHTML
}

// latencyText formats a latency given in milliseconds: "—" for none, else
// three significant digits in µs, ms, s or min.
func latencyText(ms float64) string {
	switch {
	case ms <= 0:
		return "—"
	case ms < 1:
		return sig3(ms*1000) + " µs"
	case ms < 1000:
		return sig3(ms) + " ms"
	case ms < 100_000:
		return sig3(ms/1000) + " s"
	}
	return sig3(ms/60_000) + " min"
}

func sig3(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// rateText formats calls per minute: one decimal below 100.
func rateText(perMinute float64) string {
	switch {
	case perMinute == 0:
		return "0"
	case perMinute < 100:
		return strconv.FormatFloat(perMinute, 'f', 1, 64)
	}
	return strconv.FormatFloat(perMinute, 'f', 0, 64)
}

// durationText formats seconds as the two largest units: "42 s",
// "3 min 05 s", "2 h 07 min", "3 d 4 h".
func durationText(seconds float64) string {
	s := int64(seconds)
	if s < 0 {
		s = 0
	}
	d, h, m := s/86400, s/3600%24, s/60%60
	s %= 60
	switch {
	case d > 0:
		return strconv.FormatInt(d, 10) + " d " + strconv.FormatInt(h, 10) + " h"
	case h > 0:
		return strconv.FormatInt(h, 10) + " h " + pad2(m) + " min"
	case m > 0:
		return strconv.FormatInt(m, 10) + " min " + pad2(s) + " s"
	}
	return strconv.FormatInt(s, 10) + " s"
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}
