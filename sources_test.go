package toolgate

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/toolgate/toolgate/internal/testenv"
)

// offerTarget offers one tool, and prompts and resources as set.
type offerTarget struct {
	name      string
	prio      int // 0: states none
	mu        sync.Mutex
	prompts   []*mcp.Prompt
	resources []*mcp.Resource
	templates []*mcp.ResourceTemplate
	subs      []string // subscriptions passed on: +uri, -uri
	updated   func(uri string)
}

func (o *offerTarget) OnResourceUpdated(f func(uri string)) { o.updated = f }

func (o *offerTarget) Name() string { return o.name }
func (o *offerTarget) ListTools(context.Context) ([]Tool, error) {
	return []Tool{{Name: "noop"}}, nil
}
func (o *offerTarget) CallTool(context.Context, *CallRequest) (*Result, error) {
	return TextResult("ok"), nil
}
func (o *offerTarget) ListPrompts(context.Context) ([]*mcp.Prompt, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.prompts), nil
}
func (o *offerTarget) GetPrompt(ctx context.Context, name string, args map[string]string) (*mcp.GetPromptResult, error) {
	return &mcp.GetPromptResult{Description: o.name, Messages: []*mcp.PromptMessage{{Role: "user",
		Content: &mcp.TextContent{Text: fmt.Sprintf("%s/%s topic=%s caller=%s", o.name, name, args["topic"], PrincipalFrom(ctx))}}}}, nil
}
func (o *offerTarget) ListResources(context.Context) ([]*mcp.Resource, error) {
	return o.resources, nil
}
func (o *offerTarget) ListResourceTemplates(context.Context) ([]*mcp.ResourceTemplate, error) {
	return o.templates, nil
}
func (o *offerTarget) ReadResource(_ context.Context, uri string) (*mcp.ReadResourceResult, error) {
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: "text/plain", Text: o.name + " serves " + uri}}}, nil
}

func (o *offerTarget) Complete(_ context.Context, p *mcp.CompleteParams) (*mcp.CompleteResult, error) {
	ref := p.Ref.Name + p.Ref.URI
	return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{o.name + ":" + ref + ":" + p.Argument.Name + "=" + p.Argument.Value + "..."}}}, nil
}

func (o *offerTarget) Subscribe(_ context.Context, uri string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.subs = append(o.subs, "+"+uri)
	return nil
}
func (o *offerTarget) Unsubscribe(_ context.Context, uri string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.subs = append(o.subs, "-"+uri)
	return nil
}
func (o *offerTarget) subscriptions() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.subs, " ")
}

// prioTarget is an offerTarget that states its resource priority.
type prioTarget struct{ *offerTarget }

func (p prioTarget) ResourcePriority() int { return p.prio }

// TestPromptsAndResources aggregates the prompts and resources of two
// targets and drives them with the go-sdk client: prompts published with
// the target's prefix and routed back under their own names; resources
// keeping their URIs, a shared URI served by the lower priority, reads
// through a template; pages; list changes.
func TestPromptsAndResources(t *testing.T) {
	docs := &offerTarget{name: "docs",
		prompts:   []*mcp.Prompt{{Name: "summarize", Description: "Summarize a topic", Arguments: []*mcp.PromptArgument{{Name: "topic", Required: true}}}, {Name: "explain"}},
		resources: []*mcp.Resource{{URI: "file:///shared.txt", Name: "shared"}, {URI: "file:///docs.txt", Name: "docs"}},
		templates: []*mcp.ResourceTemplate{{URITemplate: "docs://page/{id}", Name: "page"}},
	}
	wiki := prioTarget{&offerTarget{name: "wiki", prio: 5,
		prompts:   []*mcp.Prompt{{Name: "summarize"}},
		resources: []*mcp.Resource{{URI: "file:///shared.txt", Name: "shared, from the wiki"}},
	}}
	gw := mustGateway(t, &Options{PageSize: 2, Authorizer: AuthorizerFunc(func(*http.Request) (*Principal, error) {
		return &Principal{Subject: "alice"}, nil
	})}, docs, wiki)
	var mu sync.Mutex
	changes := 0
	var updated []string
	cs := connect(t, serve(t, gw), &mcp.ClientOptions{
		PromptListChangedHandler: func(context.Context, *mcp.PromptListChangedRequest) {
			mu.Lock()
			changes++
			mu.Unlock()
		},
		ResourceUpdatedHandler: func(_ context.Context, r *mcp.ResourceUpdatedNotificationRequest) {
			mu.Lock()
			updated = append(updated, r.Params.URI)
			mu.Unlock()
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// prompts/list, every page (two per page).
	var names []string
	for p, err := range cs.Prompts(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "docs___explain docs___summarize wiki___summarize" {
		t.Fatalf("prompts: %s", got)
	}
	// prompts/get reaches the owner under its own name, with the caller.
	gp, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "docs___summarize", Arguments: map[string]string{"topic": "go"}})
	if err != nil || gp.Messages[0].Content.(*mcp.TextContent).Text != "docs/summarize topic=go caller=alice" {
		t.Fatalf("prompts/get: %v %+v", err, gp)
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "nope___x"}); err == nil || !strings.Contains(err.Error(), `unknown prompt "nope___x"`) {
		t.Fatalf("unknown prompt: %v", err)
	}

	// resources/list: URIs as given, the shared one once, from the wiki
	// (priority 5 beats the default 1000).
	var uris []string
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, r.URI+"="+r.Name)
	}
	if got := strings.Join(uris, " "); got != "file:///docs.txt=docs file:///shared.txt=shared, from the wiki" {
		t.Fatalf("resources: %s", got)
	}
	read := func(uri string) string {
		t.Helper()
		rr, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil {
			return "error: " + err.Error()
		}
		return rr.Contents[0].Text
	}
	for uri, want := range map[string]string{
		"file:///shared.txt": "wiki serves file:///shared.txt",
		"file:///docs.txt":   "docs serves file:///docs.txt",
		"docs://page/42":     "docs serves docs://page/42", // through docs' template
		"file:///nope":       "error:",
	} {
		if got := read(uri); !strings.HasPrefix(got, want) {
			t.Errorf("read %s: %q, want %q", uri, got, want)
		}
	}
	tpls, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tpls.ResourceTemplates) != 1 || tpls.ResourceTemplates[0].URITemplate != "docs://page/{id}" {
		t.Fatalf("templates: %v %+v", err, tpls)
	}

	// completion/complete reaches the owner of the prompt (own name) or of
	// the template.
	for _, tc := range []struct {
		ref  *mcp.CompleteReference
		want string
	}{
		{&mcp.CompleteReference{Type: "ref/prompt", Name: "docs___summarize"}, "docs:summarize:topic=g..."},
		{&mcp.CompleteReference{Type: "ref/resource", URI: "docs://page/{id}"}, "docs:docs://page/{id}:topic=g..."},
		{&mcp.CompleteReference{Type: "ref/resource", URI: "docs://other/{x}"}, ""},
	} {
		cr, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: tc.ref, Argument: mcp.CompleteParamsArgument{Name: "topic", Value: "g"}})
		if err != nil || strings.Join(cr.Completion.Values, "") != tc.want {
			t.Errorf("complete %+v: %v %+v, want %q", tc.ref, err, cr, tc.want)
		}
	}
	if _, err := cs.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "nope"}, Argument: mcp.CompleteParamsArgument{Name: "a"}}); err == nil {
		t.Error("completion of an unknown prompt succeeded")
	}

	// Subscriptions reach the owner of the URI; its updates reach the
	// subscribed client.
	if err := cs.Subscribe(ctx, &mcp.SubscribeParams{URI: "file:///docs.txt"}); err != nil {
		t.Fatal(err)
	}
	docs.updated("file:///docs.txt") // as the target learns of a change
	if err := cs.Unsubscribe(ctx, &mcp.UnsubscribeParams{URI: "file:///docs.txt"}); err != nil {
		t.Fatal(err)
	}
	if got := docs.subscriptions(); got != "+file:///docs.txt -file:///docs.txt" {
		t.Fatalf("subscriptions passed to the owner: %q", got)
	}
	testenv.WaitFor(t, "notifications/resources/updated", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(updated) == 1 && updated[0] == "file:///docs.txt"
	})

	// A refresh that changes the prompts tells the client.
	docs.mu.Lock()
	docs.prompts = docs.prompts[:1]
	docs.mu.Unlock()
	if err := gw.Refresh(ctx, "docs"); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, "notifications/prompts/list_changed after a refresh changed the prompts", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return changes > 0
	})
	res, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(res.Prompts) != 2 || res.Prompts[0].Name != "docs___summarize" {
		t.Fatalf("after the refresh: %v %+v", err, res)
	}
	// Removing a target removes what it offered: the shared URI falls back
	// to the other owner.
	gw.RemoveTarget("wiki")
	if got := read("file:///shared.txt"); got != "docs serves file:///shared.txt" {
		t.Fatalf("after removing the wiki: %q", got)
	}
}

// unprefixedOffers is an offerTarget published without its prefix.
type unprefixedOffers struct{ *offerTarget }

func (unprefixedOffers) Unprefixed() bool { return true }

// TestPromptNameTaken: a prompt whose name is taken is published with a
// suffix, as a tool would be, and Status says so.
func TestPromptNameTaken(t *testing.T) {
	a := unprefixedOffers{&offerTarget{name: "a", prompts: []*mcp.Prompt{{Name: "greet"}}}}
	b := unprefixedOffers{&offerTarget{name: "b", prompts: []*mcp.Prompt{{Name: "greet"}}}}
	gw := mustGateway(t, nil, a, b)
	cs := connect(t, serve(t, gw), nil)
	ctx := context.Background()
	res, err := cs.ListPrompts(ctx, nil)
	if err != nil || len(res.Prompts) != 2 || res.Prompts[0].Name != "greet" || res.Prompts[1].Name != "greet_2" {
		t.Fatalf("prompts: %v %+v", err, res)
	}
	gp, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "greet_2"})
	if err != nil || !strings.HasPrefix(gp.Messages[0].Content.(*mcp.TextContent).Text, "b/greet ") {
		t.Fatalf("greet_2 reaches b's greet: %v %+v", err, gp)
	}
	// (b's tool "noop" is renamed too: both targets are unprefixed.)
	if st := gw.Status(); len(st[1].Problems) != 2 || !strings.Contains(st[1].Problems[1], `prompt "greet" published as "greet_2"`) {
		t.Fatalf("status: %+v", st)
	}
}
