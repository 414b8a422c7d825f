package search

import (
	"encoding/json"
	"testing"

	"github.com/toolgate/toolgate"
)

func TestIdentifierWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"weather___get_forecast", "weather get forecast"},
		{"maxResults", "max results"},
		{"HTTPResponseCode", "http response code"},
		{"get-weread-rank", "get weread rank"},
		{"image4", "image 4"},
		{"Already words", "already words"},
		{"café_résumé", "café résumé"},
		{"cafe\u0301_menu", "cafe\u0301 menu"}, // a combining accent stays in its word
		{"___", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := identifierWords(tt.in); got != tt.want {
			t.Errorf("identifierWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmbedText(t *testing.T) {
	d := Document{
		ToolInfo: toolgate.ToolInfo{Name: "weather___get_forecast", Tool: toolgate.Tool{
			Name:        "weather___get_forecast",
			Title:       "Forecast",
			Description: "Daily forecast for a city.",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"cityName":{"type":"string"},"days_ahead":{"type":"integer"}}}`),
		}},
		TargetDescription: "The weather service",
	}
	want := "weather get forecast (Forecast): Daily forecast for a city.\nParameters: city name, days ahead\nService: The weather service"
	if got := embedText(&d); got != want {
		t.Errorf("embedText = %q, want %q", got, want)
	}
}
