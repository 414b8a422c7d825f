package toolgate

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
)

// TestStreamedRelayTypeScriptClient has the official TypeScript SDK
// client, which declares sampling, call a tool that asks its model,
// directly or through a tool that calls it (Tool.CallsTool): the fast path
// answers the call with a stream of its own, and the client's answer, or
// its refusal as a JSON-RPC error, reaches the tool as it does through
// go-sdk's server.
func TestStreamedRelayTypeScriptClient(t *testing.T) {
	client := filepath.Join(testenv.MCPScripts(t), "client.sh")
	ask := relayTool("ask", func(ctx context.Context, s *Session) (string, error) {
		res, err := s.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 9,
			Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: "capital of France?"}}}})
		if err != nil {
			return "", err
		}
		return "the model says " + res.Content.(*mcp.TextContent).Text, nil
	})
	cases := []struct{ name, answer, want string }{
		{"answered", "Paris", `"text":"the model says Paris"`},
		{"refused", "error:no model here", `no model here`},
	}
	for _, c := range cases {
		for _, through := range []string{"", "fwd"} {
			t.Run(c.name+" "+through, func(t *testing.T) { tsClientSample(t, client, through, c.answer, c.want, ask) })
		}
	}
}

// tsClientSample is one case of TestStreamedRelayTypeScriptClient: the
// client calls r___ask, directly or through the builtin through
// (forwardTool), answering its model's request with answer.
func tsClientSample(t *testing.T, client, through, answer, want string, ask FuncTool) {
	tool, args := "r___ask", "{}"
	if through != "" {
		tool, args = through, `{"name":"r___ask"}`
	}
	var results [2]string
	for i, noFast := range []bool{true, false} {
		gw := mustGateway(t, &Options{DisableFastPath: noFast}, Funcs("r", ask))
		if through != "" {
			forwardTool(t, gw, through)
		}
		url := serve(t, gw)
		before := gw.fast.Calls()
		out, _ := exec.Command(client, url, "--tool", tool, "--args", args, "--sample", answer).CombinedOutput()
		_, result, ok := strings.Cut(string(out), "tools/call "+tool+" "+args+" -> ")
		if !ok || !strings.Contains(string(out), `sampling/createMessage: [{"role":"user","content":{"type":"text","text":"capital of France?"}}]`) {
			t.Fatalf("noFast=%v: the client did not call, or was not asked:\n%s", noFast, out)
		}
		results[i], _, _ = strings.Cut(result, "\n")
		if fast := gw.fast.Calls() - before; fast != map[bool]uint64{true: 0, false: 1}[noFast] {
			t.Errorf("noFast=%v: the fast path answered %d calls", noFast, fast)
		}
	}
	if results[0] != results[1] {
		t.Errorf("the client got, through go-sdk:\n %s\nthrough the fast path:\n %s", results[0], results[1])
	}
	if !strings.Contains(results[1], want) {
		t.Errorf("result %s, want it to hold %s", results[1], want)
	}
}
