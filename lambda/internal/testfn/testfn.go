// Package testfn is the Lambda function the lambda package's tests run
// both in-process and, built by ./bootstrap, under the runtime interface
// emulator. It dispatches on the tool name in the client context, as a
// function written for AgentCore Gateway does.
package testfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/toolgate/toolgate/lambda"
)

// ValidationError is a typed function error: the runtime reports its type
// name as errorType.
type ValidationError struct{ Field string }

func (e *ValidationError) Error() string { return e.Field + " is required" }

// Event is the arguments object of every tool.
type Event struct {
	City  string `json:"city,omitempty"`
	Blob  string `json:"blob,omitempty"`
	Sleep int    `json:"sleepMs,omitempty"`
}

// Handle serves the tools echo, text, fail, mcp, size (the event's size
// in bytes), sleep and panic.
func Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	tool, ok := lambda.ToolName(lc)
	if !ok {
		return nil, errors.New("no tool name in the client context")
	}
	if tool == "size" {
		// The event's size, without decoding 5 MB a second time.
		return map[string]int{"bytes": len(raw)}, nil
	}
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	switch tool {
	case "echo":
		return map[string]any{"event": raw, "custom": lc.ClientContext.Custom, "tool": tool}, nil
	case "text":
		return "hello " + ev.City, nil
	case "fail":
		return nil, &ValidationError{Field: "city"}
	case "mcp":
		return map[string]any{
			"content": []any{map[string]any{"type": "text", "text": "from mcp"}},
			"isError": true,
		}, nil
	case "sleep":
		// Like a function that overruns its timeout, it ignores ctx.
		time.Sleep(time.Duration(ev.Sleep) * time.Millisecond)
		return "slept", nil
	case "panic":
		panic("oops")
	}
	return nil, fmt.Errorf("unknown tool %q", tool)
}
