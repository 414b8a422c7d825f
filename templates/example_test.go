package templates_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/credentials"
	"github.com/toolgate/toolgate/templates"
)

func ExampleNames() {
	fmt.Println(templates.Names())
	// Output: [asana github jira slack stripe twilio]
}

func ExampleGet() {
	tpl, err := templates.Get("slack")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tpl.Title, tpl.Licence, len(tpl.Operations), "curated operations")
	fmt.Println(tpl.Operations[:3])
	// Output:
	// Slack MIT 36 curated operations
	// [chat_postMessage chat_update chat_delete]
}

// Lookup takes the names a configuration may use, among them AgentCore's
// integration provider names.
func ExampleLookup() {
	for _, id := range []string{"Jira", "GITHUB", "salesforce"} {
		tpl, err := templates.Lookup(id)
		if err != nil {
			fmt.Println(id, "->", err)
			continue
		}
		fmt.Printf("%s -> %s (AgentCore %q)\n", id, tpl.Name, tpl.AgentCore)
	}
	// Output:
	// Jira -> jira (AgentCore "Jira")
	// GITHUB -> github (AgentCore "")
	// salesforce -> templates: "salesforce": unknown template (have asana, github, jira, slack, stripe, twilio)
}

// A Slack target posts a message; a local server stands in for
// https://slack.com/api. In production leave BaseURL empty and take the
// token from the environment or a file: credentials.FromEnv("SLACK_BOT_TOKEN").
func ExampleTemplate_Target() {
	slackAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Authorization"))
		fmt.Println(string(body))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true,"channel":"C0123","ts":"1700000000.000100"}`)
	}))
	defer slackAPI.Close()

	ctx := context.Background()
	tpl, err := templates.Get("slack")
	if err != nil {
		log.Fatal(err)
	}
	slack, err := tpl.Target(ctx, &templates.Options{
		Token:   credentials.Literal("xoxb-example-token"),
		BaseURL: slackAPI.URL + "/api",
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	tools, _ := slack.ListTools(ctx)
	fmt.Println(len(tools), "tools")

	// The gateway would publish this tool as "slack___chat_postMessage".
	res, err := slack.CallTool(ctx, &toolgate.CallRequest{
		Tool:      "chat_postMessage",
		Arguments: json.RawMessage(`{"body":{"channel":"C0123","text":"Deploy finished"}}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	out, _ := json.Marshal(res.StructuredContent)
	fmt.Println(res.IsError, strings.TrimSpace(string(out)))
	// Output:
	// 36 tools
	// POST /api/chat.postMessage Bearer xoxb-example-token
	// channel=C0123&text=Deploy%20finished
	// false {"ok":true,"channel":"C0123","ts":"1700000000.000100"}
}

// With every operation of the spec instead of the curated ones.
func ExampleOptions_allOperations() {
	tpl, _ := templates.Get("twilio")
	twilio, err := tpl.Target(context.Background(), &templates.Options{
		Username:      "AC0123456789abcdef0123456789abcdef",
		Password:      credentials.Literal("auth-token"),
		AllOperations: true,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	tools, _ := twilio.ListTools(context.Background())
	fmt.Println(len(tools), "tools")
	// Output: 197 tools
}
