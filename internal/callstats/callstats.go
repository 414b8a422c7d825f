// Package callstats counts and times calls: lifetime totals by outcome, and
// the rate and latency quantiles of the last minute. A Recorder is cheap
// enough to sit on every call path (Record is a handful of atomic adds, no
// locks in the common case, no allocations) and is safe for concurrent use.
//
// The last minute is a sliding window of six 10-second slots: the slot
// being filled and the five before it, so between 50 and 60 seconds of
// history. Latencies fall into a fixed log-scale histogram with ten buckets
// per decade (about three per doubling) from 10 µs to 10 min; a quantile is
// reported as the upper bound of the bucket it falls in, that is "at most",
// within 25% of the true value.
package callstats

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Class is the outcome of a call.
type Class uint8

const (
	// OK: the target answered with a result.
	OK Class = iota
	// ToolError: the target answered with an isError result.
	ToolError
	// Failed: the call did not produce the target's answer: the target
	// returned an error, panicked or timed out, or the gateway was shutting
	// down.
	Failed
	// Throttled: refused because too many calls were running.
	Throttled
	// Refused: refused before the target was called, such as by policy.
	Refused

	// NumClasses is the number of classes.
	NumClasses = int(Refused) + 1
)

// String returns the class's name in lower case, as in "tool_error".
func (c Class) String() string {
	switch c {
	case OK:
		return "ok"
	case ToolError:
		return "tool_error"
	case Failed:
		return "failed"
	case Throttled:
		return "throttled"
	case Refused:
		return "refused"
	}
	return "unknown"
}

// timed reports whether calls of class c ran, so that their duration is
// worth recording.
func (c Class) timed() bool { return c <= Failed }

const (
	// SlotWidth is the width of one slot of the window.
	SlotWidth = 10 * time.Second
	// WindowSlots is the number of slots the window adds up: the one being
	// filled and the ones before it.
	WindowSlots = 6
	// Window is the nominal span of the window.
	Window = WindowSlots * SlotWidth
)

// Counts holds a number of calls by class.
type Counts [NumClasses]uint64

// Total returns the sum over every class.
func (c *Counts) Total() uint64 {
	var n uint64
	for _, v := range c {
		n += v
	}
	return n
}

// Of returns the count of class k.
func (c *Counts) Of(k Class) uint64 {
	if int(k) >= NumClasses {
		return 0
	}
	return c[k]
}

// Snapshot is what a Recorder has seen, at one instant.
type Snapshot struct {
	// Lifetime counts every call recorded since New, by class.
	Lifetime Counts
	// Recent counts the calls of the window, by class.
	Recent Counts
	// Span is how much history the window holds: the five full slots
	// before the current one plus the part of the current slot that has
	// elapsed, so between 50 and 60 seconds.
	Span time.Duration
	// PerMinute is the rate of calls over the window (every class), in
	// calls per minute: Recent.Total() scaled from Span to one minute.
	PerMinute float64
	// P50, P90 and P99 are latency quantiles of the calls of the window
	// that ran (OK, ToolError, Failed), each the upper bound of its
	// histogram bucket; 0 when no call of the window ran.
	P50, P90, P99 time.Duration
	// Mean is the mean latency of every call that ran since New; 0 before
	// the first.
	Mean time.Duration
}

// Recorder records calls. The zero value is not ready; use New.
type Recorder struct {
	lifetime [NumClasses]atomic.Uint64
	timed    atomic.Uint64 // calls that ran
	sumNanos atomic.Uint64 // their total duration

	rotate sync.Mutex // serializes the reuse of a slot
	slots  [WindowSlots]slot
}

// slot holds the calls of one SlotWidth interval.
type slot struct {
	// the interval held (its start in SlotWidth units since the Unix
	// epoch); unused (math.MinInt64) until the first call
	tag     atomic.Int64
	counts  [NumClasses]atomic.Uint64
	buckets [numBuckets]atomic.Uint64
}

// unused tags a slot that has held no interval yet.
const unused = math.MinInt64

// New returns an empty Recorder.
func New() *Recorder {
	r := new(Recorder)
	for i := range r.slots {
		r.slots[i].tag.Store(unused)
	}
	return r
}

// Record records one call that ended at now, took d and ended as c.
// Throttled and Refused calls never ran and are counted but not timed, as
// is any call with a negative d. A call whose now is older than the window
// counts in the lifetime totals only. A class outside the constants is
// ignored.
func (r *Recorder) Record(now time.Time, d time.Duration, c Class) {
	if int(c) >= NumClasses {
		return
	}
	r.lifetime[c].Add(1)
	timed := d >= 0 && c.timed()
	if timed {
		r.timed.Add(1)
		r.sumNanos.Add(uint64(d))
	}
	tag := epochOf(now)
	s := &r.slots[slotOf(tag)]
	if cur := s.tag.Load(); cur != tag {
		if cur > tag {
			return // that interval's slot holds a later one now
		}
		r.reuse(s, tag)
	}
	s.counts[c].Add(1)
	if timed {
		s.buckets[bucketOf(d)].Add(1)
	}
}

// reuse empties s for the interval tag, once, whoever gets there first.
// A call recorded concurrently for the interval s held until now (a now
// one minute late) may still land in it.
func (r *Recorder) reuse(s *slot, tag int64) {
	r.rotate.Lock()
	defer r.rotate.Unlock()
	if s.tag.Load() >= tag {
		return
	}
	for i := range s.counts {
		s.counts[i].Store(0)
	}
	for i := range s.buckets {
		s.buckets[i].Store(0)
	}
	s.tag.Store(tag)
}

// Snapshot returns what r has seen, the window ending at now.
func (r *Recorder) Snapshot(now time.Time) Snapshot {
	var sn Snapshot
	for i := range r.lifetime {
		sn.Lifetime[i] = r.lifetime[i].Load()
	}
	if n := r.timed.Load(); n > 0 {
		sn.Mean = time.Duration(r.sumNanos.Load() / n)
	}
	cur := epochOf(now)
	var hist [numBuckets]uint64
	for i := range r.slots {
		s := &r.slots[i]
		tag := s.tag.Load()
		if tag > cur || tag <= cur-WindowSlots {
			continue
		}
		for k := range s.counts {
			sn.Recent[k] += s.counts[k].Load()
		}
		for b := range s.buckets {
			hist[b] += s.buckets[b].Load()
		}
	}
	into := time.Duration(now.UnixNano() - cur*int64(SlotWidth))
	sn.Span = (WindowSlots-1)*SlotWidth + into
	sn.PerMinute = float64(sn.Recent.Total()) * float64(time.Minute) / float64(sn.Span)
	sn.P50 = quantile(&hist, 0.50)
	sn.P90 = quantile(&hist, 0.90)
	sn.P99 = quantile(&hist, 0.99)
	return sn
}

// slotOf returns the index of the slot that holds the interval tag.
func slotOf(tag int64) int {
	i := tag % WindowSlots
	if i < 0 {
		i += WindowSlots
	}
	return int(i)
}

// epochOf returns the SlotWidth interval now falls in.
func epochOf(now time.Time) int64 {
	n := now.UnixNano()
	e := n / int64(SlotWidth)
	if n < 0 && n%int64(SlotWidth) != 0 {
		e-- // round down before 1970 too
	}
	return e
}
