// Command echo is a Lambda function that returns its event and client
// context.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func main() {
	lambda.Start(func(ctx context.Context, ev json.RawMessage) (any, error) {
		lc, _ := lambdacontext.FromContext(ctx)
		return map[string]any{"event": ev, "custom": lc.ClientContext.Custom}, nil
	})
}
