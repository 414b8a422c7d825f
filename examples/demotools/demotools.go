// Package demotools holds the in-process tools that the examples serve: a
// clock and a unit converter, written as any application would write its
// own tools with toolgate.Func.
package demotools

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	_ "time/tzdata" // time zones without the system's tz database

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/toolgate/toolgate"
)

// NowInput is the input of clock___now.
type NowInput struct {
	Timezone string `json:"timezone" jsonschema:"IANA time zone name, for example Europe/Paris or America/New_York"`
}

// NowOutput is the output of clock___now.
type NowOutput struct {
	Timezone  string `json:"timezone"`
	Time      string `json:"time" jsonschema:"the current time, RFC 3339"`
	Weekday   string `json:"weekday"`
	UTCOffset string `json:"utc_offset" jsonschema:"offset from UTC, +hh:mm"`
}

// Clock returns the "clock" target: the current time in any time zone.
func Clock(now func() time.Time) *toolgate.FuncTarget {
	if now == nil {
		now = time.Now
	}
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: new(bool)}
	return toolgate.Funcs("clock",
		toolgate.Func("now", "Current date and time in an IANA time zone.",
			func(_ context.Context, in NowInput) (NowOutput, error) {
				loc, err := time.LoadLocation(in.Timezone)
				if err != nil || in.Timezone == "" || strings.EqualFold(in.Timezone, "local") {
					return NowOutput{}, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Paris", in.Timezone)
				}
				t := now().In(loc)
				return NowOutput{Timezone: loc.String(), Time: t.Format(time.RFC3339), Weekday: t.Weekday().String(), UTCOffset: t.Format("-07:00")}, nil
			}).WithTitle("Current time").WithAnnotations(readOnly),
	).WithDescription("Clock: the current time in any time zone")
}

// ConvertInput is the input of units___convert.
type ConvertInput struct {
	Value float64 `json:"value" jsonschema:"the quantity to convert"`
	From  string  `json:"from" jsonschema:"unit of value, for example km, mi, kg, lb, C, F"`
	To    string  `json:"to" jsonschema:"unit to convert to (same dimension as from)"`
}

// ConvertOutput is the output of units___convert.
type ConvertOutput struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	Text  string  `json:"text"`
}

type unit struct {
	dim          string
	scale, shift float64 // base = value*scale + shift
}

// units maps a unit to its dimension and its conversion to the base unit
// (meter, kilogram, kelvin, second, liter).
var units = map[string]unit{
	"mm": {"length", 0.001, 0}, "cm": {"length", 0.01, 0}, "m": {"length", 1, 0}, "km": {"length", 1000, 0},
	"in": {"length", 0.0254, 0}, "ft": {"length", 0.3048, 0}, "yd": {"length", 0.9144, 0}, "mi": {"length", 1609.344, 0},
	"g": {"mass", 0.001, 0}, "kg": {"mass", 1, 0}, "t": {"mass", 1000, 0}, "oz": {"mass", 0.028349523125, 0}, "lb": {"mass", 0.45359237, 0},
	"C": {"temperature", 1, 273.15}, "K": {"temperature", 1, 0}, "F": {"temperature", 5.0 / 9, 273.15 - 32*5.0/9},
	"s": {"time", 1, 0}, "min": {"time", 60, 0}, "h": {"time", 3600, 0}, "day": {"time", 86400, 0},
	"ml": {"volume", 0.001, 0}, "l": {"volume", 1, 0}, "gal": {"volume", 3.785411784, 0},
}

// UnitsListOutput is the output of units___list.
type UnitsListOutput struct {
	Dimensions map[string][]string `json:"dimensions"`
}

// Units returns the "units" target: conversions of length, mass,
// temperature, time and volume.
func Units() *toolgate.FuncTarget {
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: new(bool)}
	return toolgate.Funcs("units",
		toolgate.Func("convert", "Convert a quantity between units of length, mass, temperature, time or volume.",
			func(_ context.Context, in ConvertInput) (ConvertOutput, error) {
				from, ok1 := units[in.From]
				to, ok2 := units[in.To]
				switch {
				case !ok1:
					return ConvertOutput{}, fmt.Errorf("unknown unit %q (see units___list)", in.From)
				case !ok2:
					return ConvertOutput{}, fmt.Errorf("unknown unit %q (see units___list)", in.To)
				case from.dim != to.dim:
					return ConvertOutput{}, fmt.Errorf("cannot convert %s (%s) to %s (%s)", in.From, from.dim, in.To, to.dim)
				}
				v := ((in.Value*from.scale + from.shift) - to.shift) / to.scale
				v = math.Round(v*1e9) / 1e9
				return ConvertOutput{Value: v, Unit: in.To, Text: fmt.Sprintf("%g %s = %g %s", in.Value, in.From, v, in.To)}, nil
			}).WithAnnotations(readOnly),
		toolgate.Func("list", "List the units that units___convert understands, by dimension.",
			func(context.Context, struct{}) (UnitsListOutput, error) {
				out := UnitsListOutput{Dimensions: map[string][]string{}}
				for name, u := range units {
					out.Dimensions[u.dim] = append(out.Dimensions[u.dim], name)
				}
				for _, l := range out.Dimensions {
					sort.Strings(l)
				}
				return out, nil
			}).WithAnnotations(readOnly),
	).WithDescription("Units: convert between units of measure")
}
