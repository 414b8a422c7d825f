package toolgate

import (
	"time"

	"github.com/toolgate/toolgate/internal/callstats"
)

// CallStats summarises calls: those of one target (TargetStatus.Calls) or
// of the whole gateway. Counts run from when the target was added (or the
// gateway created); the rate and quantiles cover the last minute.
//
// A call is counted once it passed validation and reached the gateway's
// guards, or was refused by policy or a rate limit, in exactly one of
// Calls' classes: answered
// (not counted separately: Calls minus the others), ToolErrors, Failed,
// Throttled or Refused.
type CallStats struct {
	// Calls is the number of calls, whatever their outcome.
	Calls uint64
	// ToolErrors counts calls the target answered with an isError result.
	ToolErrors uint64
	// Failed counts calls that got no answer from the target: it returned
	// an error, panicked or timed out, or the gateway was shutting down.
	Failed uint64
	// Throttled counts calls refused by a concurrency cap (held until the
	// call's time ran out or its caller left) or a per-tool rate limit.
	Throttled uint64
	// Refused counts calls refused before the target was called: the
	// ToolFilter hides the tool from the caller, an interceptor refused
	// the call, or Options.Policy denied it.
	Refused uint64
	// PerMinute is the rate of calls over the last minute (a sliding
	// window of 10-second slots holding 50 to 60 seconds), in calls per
	// minute.
	PerMinute float64
	// P50, P90 and P99 are latency quantiles of the calls of the last
	// minute that reached the target, from the target call to its result.
	// Each is the upper bound of a histogram bucket (ten per decade, from
	// 10 µs to 10 min), so "at most" and within 25% of the true value; 0
	// when no call of the last minute reached the target.
	P50, P90, P99 time.Duration
	// Mean is the mean latency of every call that reached the target; 0
	// before the first.
	Mean time.Duration
}

func callStatsOf(s callstats.Snapshot) CallStats {
	return CallStats{
		Calls:      s.Lifetime.Total(),
		ToolErrors: s.Lifetime.Of(callstats.ToolError),
		Failed:     s.Lifetime.Of(callstats.Failed),
		Throttled:  s.Lifetime.Of(callstats.Throttled),
		Refused:    s.Lifetime.Of(callstats.Refused),
		PerMinute:  s.PerMinute,
		P50:        s.P50,
		P90:        s.P90,
		P99:        s.P99,
		Mean:       s.Mean,
	}
}

// callStats summarises every call of the gateway, builtins included.
func (g *Gateway) callStats(now time.Time) CallStats {
	return callStatsOf(g.stats.Snapshot(now))
}

// recordCall records a call that just ended, took d (negative: it never
// ran) and ended as c: in the target's statistics and the gateway's. A
// builtin's call (ts nil) counts in the gateway's only.
func (g *Gateway) recordCall(ts *targetState, d time.Duration, c callstats.Class) {
	g.recordCallAt(ts, time.Now(), d, c)
}

func (g *Gateway) recordCallAt(ts *targetState, now time.Time, d time.Duration, c callstats.Class) {
	if ts != nil {
		ts.stats.Record(now, d, c)
	}
	g.stats.Record(now, d, c)
}

// recordInvoke records the call of e that invoke ran, however it ended:
// the target was called at start and took d (zero start and negative d if
// it was not called), invoke answered res, and ob is what the call path
// learned (deferred first in invoke, so it runs last).
func (g *Gateway) recordInvoke(e *entry, ob *observation, start time.Time, d time.Duration, res *Result) {
	now := start.Add(d)
	if start.IsZero() {
		now = time.Now()
	}
	var o Outcome
	if ob != nil {
		ob.invoked = true
		o = ob.outcome
	}
	g.recordCallAt(e.ts, now, d, statsClass(o, res))
}

// statsClass is the status page's class of a call that ended as o (""
// while the call path has not said: then by its result).
func statsClass(o Outcome, res *Result) callstats.Class {
	switch o {
	case OutcomeFailed:
		return callstats.Failed
	case OutcomeThrottled:
		return callstats.Throttled
	case OutcomeRefusedPolicy, OutcomeRefusedAuth, OutcomeInvalid:
		return callstats.Refused
	case OutcomeToolError:
		return callstats.ToolError
	case OutcomeOK:
		return callstats.OK
	}
	if res != nil && res.IsError {
		return callstats.ToolError
	}
	return callstats.OK
}
