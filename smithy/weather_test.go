package smithy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/smithy"
)

// weatherServer is a small implementation of the smithy-lang Weather
// service (the quickstart model with the @http bindings of its published
// OpenAPI: GET /city, /city/{cityId}, /city/{cityId}/forecast,
// /current-time).
func weatherServer(w http.ResponseWriter, r *http.Request) {
	cities := map[string][2]float64{"Seattle": {47.6, -122.3}, "New York": {40.7, -74.0}}
	w.Header().Set("Content-Type", "application/json")
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case r.Method != http.MethodGet:
		w.WriteHeader(http.StatusMethodNotAllowed)
	case r.URL.Path == "/current-time":
		_ = json.NewEncoder(w).Encode(map[string]any{"time": 1700000000})
	case r.URL.Path == "/city":
		items := []any{}
		for _, id := range []string{"New York", "Seattle"} {
			items = append(items, map[string]any{"cityId": id, "name": id})
		}
		if r.URL.Query().Get("pageSize") == "1" {
			_ = json.NewEncoder(w).Encode(map[string]any{"items": items[:1], "nextToken": "2"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
	case len(parts) >= 2 && parts[0] == "city":
		c, ok := cities[parts[1]]
		if !ok {
			w.Header().Set("X-Amzn-Errortype", "NoSuchResource")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(map[string]any{"resourceType": "City", "message": "no city " + parts[1]})
			return
		}
		if len(parts) == 3 && parts[2] == "forecast" {
			_ = json.NewEncoder(w).Encode(map[string]any{"chanceOfRain": 0.25})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"name": parts[1], "coordinates": map[string]any{"latitude": c[0], "longitude": c[1]}})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// TestWeather serves the Weather model (non-AWS, no protocol trait, no
// auth) through the gateway against a small server, from an MCP client.
func TestWeather(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	be := newBackend(t, weatherServer)
	m, err := smithy.LoadFile("testdata/weather-http.json")
	if err != nil {
		t.Fatal(err)
	}
	tg, err := smithy.New(ctx, m, &smithy.Options{Endpoint: be.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if tg.Name() != "weather" || tg.Protocol() != smithy.RestJSON1 {
		t.Fatalf("target %q speaking %s", tg.Name(), tg.Protocol())
	}
	cs := connect(ctx, t, tg)

	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s is not read-only", tool.Name)
		}
	}
	if got := strings.Join(names, ","); got != "weather___GetCity,weather___GetCurrentTime,weather___GetForecast,weather___ListCities" {
		t.Fatalf("tools %s", got)
	}

	res, sc, text := call(ctx, t, cs, "weather___GetCity", map[string]any{"cityId": "New York"})
	mustOK(t, "GetCity", res, text)
	if be.request().rawPath != "/city/New%20York" || path(sc, "coordinates", "latitude") != 40.7 {
		t.Errorf("GetCity %s: %s", be.request().rawPath, text)
	}
	res, sc, text = call(ctx, t, cs, "weather___GetForecast", map[string]any{"cityId": "Seattle"})
	mustOK(t, "GetForecast", res, text)
	if path(sc, "chanceOfRain") != 0.25 {
		t.Errorf("GetForecast: %s", text)
	}
	res, sc, text = call(ctx, t, cs, "weather___ListCities", map[string]any{"pageSize": 1})
	mustOK(t, "ListCities", res, text)
	if be.request().query != "pageSize=1" || path(sc, "nextToken") != "2" || path(sc, "items", 0, "cityId") != "New York" {
		t.Errorf("ListCities ?%s: %s", be.request().query, text)
	}
	res, sc, text = call(ctx, t, cs, "weather___GetCurrentTime", map[string]any{})
	mustOK(t, "GetCurrentTime", res, text)
	if path(sc, "time") != float64(1700000000) {
		t.Errorf("GetCurrentTime: %s", text)
	}
	res, _, text = call(ctx, t, cs, "weather___GetCity", map[string]any{"cityId": "Atlantis"})
	if !res.IsError || text != "NoSuchResource: no city Atlantis (HTTP 404 Not Found)" {
		t.Errorf("GetCity of an unknown city: isError=%v %q", res.IsError, text)
	}
	// The model's @pattern on CityId is enforced before the call.
	before := be.request()
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "weather___GetCity", Arguments: map[string]any{"cityId": "../etc"}})
	if err == nil && !res.IsError {
		t.Errorf("a cityId breaking the pattern was accepted")
	}
	if be.request().rawPath != before.rawPath {
		t.Errorf("an invalid call reached the server")
	}
}
