package lambda_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/auth"
	"github.com/toolgate/toolgate/lambda"
)

type forecastIn struct {
	City string `json:"city"`
	Days int    `json:"days,omitempty"`
}

type forecastOut struct {
	City  string `json:"city"`
	Days  int    `json:"days"`
	HighC int    `json:"highC"`
}

func forecast(_ context.Context, in forecastIn) (forecastOut, error) {
	return forecastOut{City: in.City, Days: in.Days, HighC: 21}, nil
}

// BenchmarkCall compares one tool call through Gateway.Call (validation,
// interceptor chain, guards) to the same function served two ways: as a
// plain in-process Go tool (toolgate.Func) and as an aws-lambda-go handler
// run in-process by a Lambda target (client context, lambdacontext,
// the handler's JSON decoding and encoding, result mapping). The
// difference is the Lambda target's overhead. With a Timeout the handler
// runs on a goroutine of its own, so that the call can end at the
// deadline.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	args := json.RawMessage(`{"city":"Lisbon","days":3}`)
	tool, err := lambda.ToolFor[forecastIn]("forecast", "Forecast.")
	if err != nil {
		b.Fatal(err)
	}
	lt, err := lambda.NewInProcess(forecast, &lambda.Options{Name: "fn", Tools: []toolgate.Tool{tool}, Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	ltTimeout, err := lambda.NewInProcess(forecast, &lambda.Options{Name: "fn", Tools: []toolgate.Tool{tool}, Logger: quiet, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		target toolgate.Target
	}{
		{"go-func", toolgate.Funcs("fn", toolgate.Func("forecast", "Forecast.", forecast))},
		{"lambda-in-process", lt},
		{"lambda-in-process-timeout", ltTimeout},
	} {
		gw, err := toolgate.New(&toolgate.Options{Logger: quiet, Authorizer: auth.None()})
		if err != nil {
			b.Fatal(err)
		}
		if err := gw.AddTarget(ctx, tc.target); err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := gw.Call(ctx, "fn___forecast", args)
				if err != nil || r.IsError {
					b.Fatalf("%v %+v", err, r)
				}
			}
		})
		gw.Close()
	}
}
