//go:build unix

package config_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate/internal/testenv"
)

// TestCommandTarget: an mcpServer target given as a command (the local
// extension) runs the stdio test server with its environment, a secret
// from the gateway's own environment included, and with
// processPerSession a process for each client session.
func TestCommandTarget(t *testing.T) {
	bin := testenv.StdioServer(t)
	t.Setenv("TG_SERVER_TOKEN", "tok-123")
	f, err := loadString(t, `gateway: {name: g, authorizerType: NONE}
targets:
  - name: std
    targetConfiguration:
      mcp:
        mcpServer:
          command: ["`+bin+`"]
          environment: {SERVER_TOKEN: "${TG_SERVER_TOKEN}", MODE: test}
          workingDirectory: "`+t.TempDir()+`"
          processPerSession: true
          maxProcesses: 4
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, gw := build(t, f, nil)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	call := func(cs *mcp.ClientSession, tool string, args map[string]any) string {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "std___" + tool, Arguments: args})
		if err != nil || res.IsError {
			t.Fatalf("%s: %v %+v", tool, err, res)
		}
		return testenv.Text(res)
	}
	var sessions []*mcp.ClientSession
	for range 2 {
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "0"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: srv.URL}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cs.Close() })
		sessions = append(sessions, cs)
	}
	for name, want := range map[string]string{"SERVER_TOKEN": "tok-123", "MODE": "test", "TG_SERVER_TOKEN": "(unset)"} {
		if got := call(sessions[0], "getenv", map[string]any{"text": name}); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if a, b := call(sessions[0], "pid", nil), call(sessions[1], "pid", nil); a == b {
		t.Errorf("both sessions on process %s", a)
	}
	if st := gw.Status(); len(st) != 1 || !st[0].Healthy {
		t.Errorf("status %+v", st)
	}
}

// TestCommandTargetValidate: validating a configuration does not start a
// command target's program, and reports an environment value it could
// not give it.
func TestCommandTargetValidate(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "started")
	for _, tc := range []struct {
		name, env, want string
	}{
		{"valid", "{MODE: test}", ""},
		{"empty value", `{EMPTY: ""}`, `targets[0].targetConfiguration.mcp.mcpServer.environment.EMPTY (target "std"): `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := loadString(t, `gateway: {name: g, authorizerType: NONE}
targets:
  - name: std
    targetConfiguration:
      mcp:
        mcpServer:
          command: [/bin/sh, -c, "touch `+marker+`; sleep 5"]
          environment: `+tc.env+`
`, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = f.Validate(context.Background())
			got := errorTexts(err)
			if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want)) {
				t.Fatalf("Validate: %q, want %q", got, tc.want)
			}
			time.Sleep(300 * time.Millisecond) // a started program would have run by now
			if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the program was started: %v", err)
			}
		})
	}
}
