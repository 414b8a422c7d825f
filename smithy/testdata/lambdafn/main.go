// Command lambdafn is a Lambda function for the smithy package's Invoke
// test: it answers {"echo": event, "custom": client context custom values},
// and fails when the event has "fail": true.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func handle(ctx context.Context, event map[string]any) (map[string]any, error) {
	if fail, _ := event["fail"].(bool); fail {
		return nil, errors.New("asked to fail")
	}
	out := map[string]any{"echo": event}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		out["custom"] = lc.ClientContext.Custom
	}
	return out, nil
}

func main() { lambda.Start(handle) }
