package main_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/internal/testenv/awsmock"
	"github.com/toolgate/toolgate/internal/testenv/program"
)

func connect(ctx context.Context, t *testing.T, url string) *mcp.ClientSession {
	t.Helper()
	c := mcp.NewClient(&mcp.Implementation{Name: "examples-test", Version: "0"}, nil)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// TestWeatherModel runs the example with a model outside the corpus (the
// Weather model with HTTP bindings) against a small server.
func TestWeatherModel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/city/Lyon/forecast" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"chanceOfRain": 0.5})
	}))
	defer srv.Close()
	model, _ := filepath.Abs("../../smithy/testdata/weather-http.json")
	url := program.Start(t, "../smithy", "TOOLGATE_SMITHY_MODEL="+model, "TOOLGATE_SMITHY_ENDPOINT="+srv.URL, "TOOLGATE_TARGET_NAME=wx")
	cs := connect(ctx, t, url)
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "wx___GetForecast", Arguments: map[string]any{"cityId": "Lyon"}})
	if err != nil || res.IsError {
		t.Fatalf("GetForecast: %v %+v", err, res)
	}
	if sc, _ := res.StructuredContent.(map[string]any); sc["chanceOfRain"] != 0.5 {
		t.Fatalf("GetForecast: %v", res.StructuredContent)
	}
}

// TestDynamoDBModel runs the example with the corpus DynamoDB model against
// dynalite, with AWS credentials from the environment.
func TestDynamoDBModel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	endpoint := awsmock.Start(t, awsmock.Dynalite)
	model := testenv.CorpusFile(t, "smithy/aws/dynamodb-2012-08-10.json")
	dir := t.TempDir()
	url := program.Start(t, "../smithy",
		"TOOLGATE_SMITHY_MODEL="+model, "TOOLGATE_SMITHY_ENDPOINT="+endpoint,
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=example",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "c"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "k"), "AWS_PROFILE=")
	cs := connect(ctx, t, url)
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "dynamodb___ListTables", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("ListTables: %v %+v", err, res)
	}
	if sc, _ := res.StructuredContent.(map[string]any); sc["TableNames"] == nil {
		t.Fatalf("ListTables: %v", res.StructuredContent)
	}
}

// TestMissingModel checks that the example says what is missing.
func TestMissingModel(t *testing.T) {
	cmd := exec.Command("go", "run", ".")
	cmd.Env = append(os.Environ(), "TOOLGATE_SMITHY_MODEL=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "TOOLGATE_SMITHY_MODEL") {
		t.Fatalf("go run without a model: %v\n%s", err, out)
	}
}
