package config

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
)

// flakyTarget cannot be listed until up is set.
type flakyTarget struct{ up atomic.Bool }

func (t *flakyTarget) Name() string { return "flaky" }
func (t *flakyTarget) ListTools(context.Context) ([]toolgate.Tool, error) {
	if !t.up.Load() {
		return nil, errors.New("connection refused")
	}
	return []toolgate.Tool{{Name: "ping", Description: "Ping", InputSchema: json.RawMessage(`{"type":"object"}`)}}, nil
}
func (t *flakyTarget) CallTool(context.Context, *toolgate.CallRequest) (*toolgate.Result, error) {
	return toolgate.TextResult("pong"), nil
}

// TestPoliciesPending: policies that name the tools of a target not yet
// listed wait for it, every call denied meanwhile, and load once the
// target's tools are known.
func TestPoliciesPending(t *testing.T) {
	f, err := Parse([]byte(`
gateway:
  name: gw
  authorizerType: NONE
  policyEngineConfiguration: {arn: "arn:aws:bedrock-agentcore:us-east-1:123456789012:policy-engine/e-a1b2c3d4e5", mode: ENFORCE}
policies:
  - name: ping
    policyEngineId: e-a1b2c3d4e5
    definition: {cedar: {statement: 'permit(principal, action == AgentCore::Action::"flaky___ping", resource);'}}
`), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := f.Build(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	target := &flakyTarget{}
	b.Targets = []*BuiltTarget{{Name: "flaky", Target: target}}
	gw, err := b.Gateway(ctx)
	if err != nil {
		t.Fatalf("a target not yet listed made the policies fail: %v", err)
	}
	defer gw.Close()
	if got := b.Policy.Policies(); len(got) != 0 {
		t.Fatalf("policies in force before they validate: %v", got)
	}
	target.up.Store(true)
	if err := gw.Refresh(ctx, "flaky"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(b.Policy.Policies(), []string{"ping"}) {
		if time.Now().After(deadline) {
			t.Fatalf("the policies were not loaded after the target was listed: %v", b.Policy.Policies())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := gw.Call(ctx, "flaky___ping", nil); err != nil {
		t.Errorf("call after the policies loaded: %v", err)
	}
}
