// Command interceptor is testfn.Intercept as a Lambda function.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/toolgate/toolgate/lambda/internal/testfn"
)

func main() { lambda.Start(testfn.Intercept) }
