package main

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv/lambdarie"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

// TestExample runs the example as a user would, once with its built-in
// handler in-process and once in front of the same handler deployed as a
// real function under the runtime interface emulator, configured only by
// environment: both answer the same.
func TestExample(t *testing.T) {
	modes := []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"in-process", func(*testing.T) []string { return nil }},
		{"emulator", func(t *testing.T) []string {
			e := lambdarie.Start(t, lambdarie.Build(t, "./function"), nil)
			return []string{
				"TOOLGATE_LAMBDA_FUNCTION=" + lambdarie.FunctionName,
				"TOOLGATE_LAMBDA_ENDPOINT=" + e.URL,
				"TOOLGATE_LAMBDA_TOOLS=weather/tools.json",
				"TOOLGATE_TARGET_NAME=forecast",
				"AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
				"AWS_SECRET_ACCESS_KEY=example-secret",
				"AWS_CONFIG_FILE=/dev/null",
				"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
			}
		}},
	}
	var results []string
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			env := m.env(t)
			prefix := "weather"
			if m.name == "emulator" {
				prefix = "forecast"
			}
			url := program.Start(t, "../lambda", env...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c := mcp.NewClient(&mcp.Implementation{Name: "example-test", Version: "0"}, nil)
			cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: prefix + "___get_forecast", Arguments: map[string]any{"city": "Lisbon", "days": 2}})
			if err != nil || res.IsError {
				t.Fatalf("get_forecast: %v %+v", err, res)
			}
			var f struct {
				City string
				Days []struct{ Summary string }
			}
			b, _ := json.Marshal(res.StructuredContent)
			if err := json.Unmarshal(b, &f); err != nil || f.City != "Lisbon" || len(f.Days) != 2 || f.Days[0].Summary == "" {
				t.Fatalf("forecast %s: %v", b, err)
			}
			results = append(results, string(b))
			res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: prefix + "___get_alerts", Arguments: map[string]any{"city": ""}})
			if err != nil || !res.IsError {
				t.Fatalf("an empty city: %v %+v", err, res)
			}
		})
	}
	if len(results) == 2 && results[0] != results[1] {
		t.Errorf("in-process and deployed answers differ:\n%s\n%s", results[0], results[1])
	}
}
