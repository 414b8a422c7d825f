// Command function is the weather handler as an AWS Lambda function (the
// provided.al2023 runtime). Build and deploy it with, for example:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/lambda/function
//	zip function.zip bootstrap
//	aws lambda create-function --function-name weather --runtime provided.al2023 \
//	    --architectures arm64 --handler bootstrap --zip-file fileb://function.zip --role ROLE_ARN
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/toolgate/toolgate/examples/lambda/weather"
)

func main() { lambda.Start(weather.Handle) }
