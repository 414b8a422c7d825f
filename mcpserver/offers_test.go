package mcpserver_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
	"github.com/toolgate/toolgate/mcpserver"
)

// addOffers gives the backend a prompt, a resource and a resource
// template, and answers completions.
func addOffers(s *mcp.Server) {
	s.AddPrompt(&mcp.Prompt{Name: "greet", Arguments: []*mcp.PromptArgument{{Name: "who"}}},
		func(_ context.Context, r *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: "hello " + r.Params.Arguments["who"]}}}}, nil
		})
	s.AddResource(&mcp.Resource{URI: "test://note", Name: "note", MIMEType: "text/plain"},
		func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, MIMEType: "text/plain", Text: "a note"}}}, nil
		})
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "test://item/{id}", Name: "item"},
		func(_ context.Context, r *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: r.Params.URI, Text: "item " + strings.TrimPrefix(r.Params.URI, "test://item/")}}}, nil
		})
}

// backendWith serves, over streamable HTTP on 127.0.0.1, a server that
// accepts resource subscriptions, set up by add, and returns it and its URL.
func backendWith(t *testing.T, add func(*mcp.Server)) (*mcp.Server, string) {
	t.Helper()
	s := mcp.NewServer(&mcp.Implementation{Name: "offers", Version: "0"}, &mcp.ServerOptions{
		SubscribeHandler:   func(context.Context, *mcp.SubscribeRequest) error { return nil },
		UnsubscribeHandler: func(context.Context, *mcp.UnsubscribeRequest) error { return nil },
	})
	add(s)
	srv := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

// TestPromptsResourcesThroughGateway: the server's prompts (prefixed, or
// under their own names when Unprefixed), resources, templates and
// completions reach the caller through the gateway; a subscription's
// updates too.
func TestPromptsResourcesThroughGateway(t *testing.T) {
	for _, unprefixed := range []bool{false, true} {
		t.Run(map[bool]string{false: "prefixed", true: "unprefixed"}[unprefixed], func(t *testing.T) {
			s, url := backendWith(t, addOffers)
			tg := newTarget(t, mcpserver.Options{Name: "srv", URL: url, Unprefixed: unprefixed})
			_, gwURL := gateway(t, tg)
			var mu sync.Mutex
			var updated []string
			cs := connect(t, gwURL, &mcp.ClientOptions{ResourceUpdatedHandler: func(_ context.Context, r *mcp.ResourceUpdatedNotificationRequest) {
				mu.Lock()
				updated = append(updated, r.Params.URI)
				mu.Unlock()
			}})
			ctx := callCtx(t)
			prompt := "srv___greet"
			if unprefixed {
				prompt = "greet"
			}
			ps, err := cs.ListPrompts(ctx, nil)
			if err != nil || len(ps.Prompts) != 1 || ps.Prompts[0].Name != prompt {
				t.Fatalf("prompts: %v %+v", err, ps)
			}
			gp, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: prompt, Arguments: map[string]string{"who": "Ada"}})
			if err != nil || gp.Messages[0].Content.(*mcp.TextContent).Text != "hello Ada" {
				t.Fatalf("prompts/get: %v %+v", err, gp)
			}
			rs, err := cs.ListResources(ctx, nil)
			if err != nil || len(rs.Resources) != 1 || rs.Resources[0].URI != "test://note" {
				t.Fatalf("resources: %v %+v", err, rs)
			}
			for uri, want := range map[string]string{"test://note": "a note", "test://item/7": "item 7"} {
				rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
				if err != nil || rr.Contents[0].Text != want {
					t.Fatalf("read %s: %v %+v", uri, err, rr)
				}
			}
			if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "test://note"}); err != nil {
				t.Fatal(err)
			}
			if err := s.ResourceUpdated(ctx, &mcp.ResourceUpdatedNotificationParams{URI: "test://note"}); err != nil {
				t.Fatal(err)
			}
			testenv.WaitFor(t, "the server's resource update at the caller", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(updated) == 1 && updated[0] == "test://note"
			})
		})
	}
}
