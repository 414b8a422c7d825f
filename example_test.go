package toolgate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
)

type greetIn struct {
	Name string `json:"name" jsonschema:"who to greet"`
}

type greetOut struct {
	Greeting string `json:"greeting"`
}

// A gateway serving one in-process tool, called by an MCP client over
// HTTP.
func Example() {
	ctx := context.Background()
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	hello := toolgate.Funcs("hello",
		toolgate.Func("greet", "Greet someone by name", func(_ context.Context, in greetIn) (greetOut, error) {
			return greetOut{Greeting: "Hello, " + in.Name + "!"}, nil
		}))
	if err := gw.AddTarget(ctx, hello); err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(gw) // in an application: mux.Handle("/mcp", gw)
	defer srv.Close()

	client := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "hello___greet", Arguments: map[string]any{"name": "Ada"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output: {"greeting":"Hello, Ada!"}
}

// Arguments are validated against the tool's schema before the function
// runs; the error names the field, for the model to correct itself.
func ExampleGateway_Call() {
	gw, _ := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	_ = gw.AddTarget(context.Background(), toolgate.Funcs("hello",
		toolgate.Func("greet", "Greet someone", func(_ context.Context, in greetIn) (string, error) {
			return "Hello, " + in.Name, nil
		})))
	res, _ := gw.Call(context.Background(), "hello___greet", json.RawMessage(`{"name": 42}`))
	fmt.Println(res.IsError, res.Content[0].(*mcp.TextContent).Text)
	// Output: true invalid arguments for tool "hello___greet": /name: got number, want string
}

// Listable looks tools up as the caller's tools/list would show them: here
// a ToolFilter keeps the admin tool from everyone but admins.
func ExampleGateway_Listable() {
	gw, _ := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler),
		ToolFilter: func(_ context.Context, p *toolgate.Principal, t *toolgate.ToolInfo) bool {
			return t.Tool.Name != "purge" || p.HasScope("admin")
		}})
	nop := func(context.Context, struct{}) (string, error) { return "", nil }
	_ = gw.AddTarget(context.Background(), toolgate.Funcs("cache",
		toolgate.Func("get", "Get a cached value", nop), toolgate.Func("purge", "Empty the cache", nop)))
	for _, p := range []*toolgate.Principal{{Subject: "ann"}, {Subject: "root", Scopes: []string{"admin"}}} {
		listable := gw.Listable(toolgate.WithPrincipal(context.Background(), p))
		_, get := listable("cache___get")
		_, purge := listable("cache___purge")
		fmt.Println(p.Subject, get, purge)
	}
	// Output:
	// ann true false
	// root true true
}

// RawFunc serves a tool described by a hand-written JSON Schema.
func ExampleRawFunc() {
	shout := toolgate.RawFunc(toolgate.Tool{
		Name:        "shout",
		Description: "Upper-case a text",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`),
	}, func(_ context.Context, args json.RawMessage) (*toolgate.Result, error) {
		var in struct{ Text string }
		if err := json.Unmarshal(args, &in); err != nil {
			return nil, err
		}
		return toolgate.TextResult(strings.ToUpper(in.Text)), nil
	})
	gw, _ := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	_ = gw.AddTarget(context.Background(), toolgate.Funcs("text", shout))
	res, _ := gw.Call(context.Background(), "text___shout", json.RawMessage(`{"text":"quiet"}`))
	fmt.Println(res.Content[0].(*mcp.TextContent).Text)
	// Output: QUIET
}

// The status page, mounted next to the MCP endpoint behind the
// application's own access control (it authenticates no one itself), read
// in its JSON form as a monitoring script would.
func ExampleGateway_StatusHandler() {
	ctx := context.Background()
	gw, err := toolgate.New(&toolgate.Options{Authorizer: auth.None(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer gw.Close()
	_ = gw.AddTarget(ctx, toolgate.Funcs("hello",
		toolgate.Func("greet", "Greet someone", func(_ context.Context, in greetIn) (string, error) {
			return "Hello, " + in.Name, nil
		})))
	for _, name := range []string{"Ada", "Grace"} {
		_, _ = gw.Call(ctx, "hello___greet", json.RawMessage(`{"name":"`+name+`"}`))
	}

	// localOnly stands for the application's access control: here, only
	// requests from this machine see the page.
	localOnly := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/mcp", gw)
	mux.Handle("/status", localOnly(gw.StatusHandler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/status?format=json") // a browser gets HTML
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Name    string `json:"name"`
		Targets []struct {
			Name    string `json:"name"`
			Healthy bool   `json:"healthy"`
			Tools   int    `json:"tools"`
			Calls   struct {
				Calls  uint64 `json:"calls"`
				Failed uint64 `json:"failed"`
			} `json:"calls"`
		} `json:"targets"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		log.Fatal(err)
	}
	for _, t := range page.Targets {
		fmt.Printf("%s/%s: healthy=%v tools=%d calls=%d failed=%d\n", page.Name, t.Name, t.Healthy, t.Tools, t.Calls.Calls, t.Calls.Failed)
	}
	// Output: toolgate/hello: healthy=true tools=1 calls=2 failed=0
}
