// Command weatherfn is a Lambda function with one tool, get_weather, as an
// AgentCore gateway invokes it: the arguments as the event, the tool's name
// in the client context. Its weather is made up.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	City string `json:"city"`
}

func handle(ctx context.Context, ev event) (map[string]any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	tool := ""
	if lc != nil {
		tool = lc.ClientContext.Custom["bedrockAgentCoreToolName"]
	}
	if ev.City == "" {
		return nil, errors.New("city is required")
	}
	return map[string]any{"city": ev.City, "summary": "sunny", "highC": 21, "tool": tool}, nil
}

func main() { lambda.Start(handle) }
