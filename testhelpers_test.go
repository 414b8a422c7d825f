package toolgate

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/testenv"
)

type addIn struct {
	A float64 `json:"a" jsonschema:"first addend"`
	B float64 `json:"b" jsonschema:"second addend"`
}

type addOut struct {
	Sum float64 `json:"sum"`
}

func mathTarget() *FuncTarget {
	return Funcs("math",
		Func("add", "Add two numbers", func(_ context.Context, in addIn) (addOut, error) {
			return addOut{Sum: in.A + in.B}, nil
		}),
		Func("echo", "Echo text", func(_ context.Context, in struct {
			Text string `json:"text"`
		}) (string, error) {
			return in.Text, nil
		}),
		Func("fail", "Always fails", func(context.Context, struct{}) (string, error) {
			return "", errors.New("backend said no")
		}),
		Func("boom", "Panics", func(context.Context, struct{}) (string, error) {
			panic("kaboom")
		}),
		RawFunc(Tool{
			Name:        "convert",
			Description: "Convert units",
			InputSchema: json.RawMessage(`{"type":"object","properties":{"value":{"type":"number"},"unit":{"type":"string","enum":["km","mi"]}},"required":["value","unit"],"additionalProperties":false}`),
		}, func(_ context.Context, args json.RawMessage) (*Result, error) {
			var in struct {
				Value float64
				Unit  string
			}
			if err := json.Unmarshal(args, &in); err != nil {
				return nil, err
			}
			return TextResult(strings.ToUpper(in.Unit)), nil
		}),
	)
}

// newTestGateway starts gw over httptest and returns its URL.
func serve(t *testing.T, gw *Gateway) string {
	t.Helper()
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = gw.Close() })
	return srv.URL
}

func mustGateway(t *testing.T, opts *Options, targets ...Target) *Gateway {
	t.Helper()
	if opts == nil {
		opts = &Options{}
	}
	if opts.Logger == nil {
		opts.Logger = discardLogger()
	}
	gw, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if err := gw.AddTarget(context.Background(), tg); err != nil {
			t.Fatal(err)
		}
	}
	return gw
}

func connect(t *testing.T, url string, copts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, copts)
	cs, err := c.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func textOf(r *mcp.CallToolResult) string { return testenv.Text(r) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
