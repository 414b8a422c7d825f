// Package weather is an AgentCore-style Lambda function: one handler that
// serves several tools, chosen by the tool name in the client context. The
// same code runs deployed on AWS Lambda (../function) and in-process behind
// toolgate (..).
package weather

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/toolgate/toolgate"
	"github.com/toolgate/toolgate/lambda"
)

// toolsJSON holds the function's tool definitions in AgentCore's
// inline-payload shape.
//
//go:embed tools.json
var toolsJSON []byte

// Tools returns the tools the handler serves, from tools.json: the file a
// gateway in front of the deployed function reads.
func Tools() ([]toolgate.Tool, error) { return lambda.ParseTools(toolsJSON) }

// Event is the arguments object of both tools.
type Event struct {
	City string `json:"city"`
	Days int    `json:"days"`
}

// Day is one day of a forecast.
type Day struct {
	Day     int    `json:"day"`
	Summary string `json:"summary"`
	HighC   int    `json:"highC"`
}

// Forecast is get_forecast's result.
type Forecast struct {
	City string `json:"city"`
	Days []Day  `json:"days"`
}

// Handle is the Lambda handler. Its forecasts are made up, but stable: the
// same city gives the same forecast.
func Handle(ctx context.Context, ev Event) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	tool, ok := lambda.ToolName(lc)
	if !ok {
		return nil, errors.New("not invoked as a tool: no bedrockAgentCoreToolName in the client context")
	}
	if ev.City == "" {
		return nil, errors.New("city is required")
	}
	h := fnv.New32a()
	h.Write([]byte(ev.City))
	seed := int(h.Sum32())
	switch tool {
	case "get_forecast":
		if ev.Days == 0 {
			ev.Days = 3
		}
		summaries := []string{"sunny", "cloudy", "rain", "showers", "windy"}
		f := Forecast{City: ev.City}
		for d := range ev.Days {
			f.Days = append(f.Days, Day{Day: d + 1, Summary: summaries[(seed+d)%len(summaries)], HighC: 10 + (seed>>3+d*3)%20})
		}
		return f, nil
	case "get_alerts":
		if seed%3 == 0 {
			return fmt.Sprintf("Wind warning for %s until tomorrow evening.", ev.City), nil
		}
		return fmt.Sprintf("No active alerts for %s.", ev.City), nil
	}
	return nil, fmt.Errorf("unknown tool %q", tool)
}
