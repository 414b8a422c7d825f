package callstats

import (
	"math"
	"sort"
	"sync"
	"testing"
	"time"
)

// t0 is the start of a slot, so that offsets from it say which slot a call
// lands in.
var t0 = time.Unix(1_800_000_000, 0)

type rec struct {
	at time.Duration // after t0
	d  time.Duration
	c  Class
}

func TestWindow(t *testing.T) {
	for _, tc := range []struct {
		name      string
		recs      []rec
		at        time.Duration // snapshot time after t0
		lifetime  Counts
		recent    Counts
		span      time.Duration
		perMinute float64
	}{
		{
			name:      "empty",
			at:        5 * time.Second,
			span:      55 * time.Second,
			perMinute: 0,
		},
		{
			name:      "one call per class, same slot",
			recs:      []rec{{0, time.Millisecond, OK}, {1, time.Millisecond, ToolError}, {2, time.Millisecond, Failed}, {3, 0, Throttled}, {4, 0, Refused}},
			at:        10*time.Second - 1,
			lifetime:  Counts{1, 1, 1, 1, 1},
			recent:    Counts{1, 1, 1, 1, 1},
			span:      60*time.Second - 1,
			perMinute: 5 * 60 / (60 - 1e-9),
		},
		{
			name:      "calls 59 s old are in the window while their slot is the sixth",
			recs:      []rec{{0, time.Millisecond, OK}, {0, time.Millisecond, OK}, {55 * time.Second, time.Millisecond, OK}},
			at:        59 * time.Second,
			lifetime:  Counts{3},
			recent:    Counts{3},
			span:      59 * time.Second,
			perMinute: 3 * 60.0 / 59,
		},
		{
			name:      "a slot expires when the window moves past it",
			recs:      []rec{{0, time.Millisecond, OK}, {9 * time.Second, time.Millisecond, Failed}, {30 * time.Second, time.Millisecond, OK}},
			at:        60 * time.Second,
			lifetime:  Counts{2, 0, 1},
			recent:    Counts{1},
			span:      50 * time.Second,
			perMinute: 1 * 60.0 / 50,
		},
		{
			name:      "everything expires after a quiet minute",
			recs:      []rec{{0, time.Millisecond, OK}, {15 * time.Second, time.Millisecond, ToolError}},
			at:        75 * time.Second,
			lifetime:  Counts{1, 1},
			recent:    Counts{},
			span:      55 * time.Second,
			perMinute: 0,
		},
		{
			name: "a reused slot starts empty",
			// 0 s and 60 s share a slot; the second minute's call replaces
			// the first minute's.
			recs:      []rec{{0, time.Millisecond, OK}, {1, time.Millisecond, OK}, {60 * time.Second, time.Millisecond, Failed}},
			at:        65 * time.Second,
			lifetime:  Counts{2, 0, 1},
			recent:    Counts{0, 0, 1},
			span:      55 * time.Second,
			perMinute: 60.0 / 55,
		},
		{
			name:      "a call recorded late, after its slot was reused, counts for life only",
			recs:      []rec{{60 * time.Second, time.Millisecond, OK}, {0, time.Millisecond, Failed}},
			at:        61 * time.Second,
			lifetime:  Counts{1, 0, 1},
			recent:    Counts{1},
			span:      51 * time.Second,
			perMinute: 60.0 / 51,
		},
		{
			name:      "a class outside the constants is ignored",
			recs:      []rec{{0, time.Millisecond, Class(NumClasses)}, {0, time.Millisecond, 200}},
			at:        time.Second,
			span:      51 * time.Second,
			perMinute: 0,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			for _, c := range tc.recs {
				r.Record(t0.Add(c.at), c.d, c.c)
			}
			s := r.Snapshot(t0.Add(tc.at))
			if s.Lifetime != tc.lifetime {
				t.Errorf("Lifetime = %v, want %v", s.Lifetime, tc.lifetime)
			}
			if s.Recent != tc.recent {
				t.Errorf("Recent = %v, want %v", s.Recent, tc.recent)
			}
			if s.Span != tc.span {
				t.Errorf("Span = %v, want %v", s.Span, tc.span)
			}
			if math.Abs(s.PerMinute-tc.perMinute) > 1e-6 {
				t.Errorf("PerMinute = %v, want %v", s.PerMinute, tc.perMinute)
			}
		})
	}
}

func TestQuantiles(t *testing.T) {
	// spread returns n durations evenly from lo to hi.
	spread := func(n int, lo, hi time.Duration) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = lo + time.Duration(float64(hi-lo)*float64(i)/float64(max(n-1, 1)))
		}
		return out
	}
	repeat := func(n int, d time.Duration) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = d
		}
		return out
	}
	for _, tc := range []struct {
		name          string
		ds            []time.Duration
		p50, p90, p99 time.Duration
		mean          time.Duration
	}{
		{name: "none"},
		{
			name: "one call: every quantile is its bucket",
			ds:   []time.Duration{7 * time.Millisecond},
			p50:  8 * time.Millisecond, p90: 8 * time.Millisecond, p99: 8 * time.Millisecond,
			mean: 7 * time.Millisecond,
		},
		{
			name: "on a bound: the bucket is the bound's",
			ds:   repeat(10, 20*time.Millisecond),
			p50:  20 * time.Millisecond, p90: 20 * time.Millisecond, p99: 20 * time.Millisecond,
			mean: 20 * time.Millisecond,
		},
		{
			name: "uniform 1 ms to 100 ms",
			ds:   spread(100, time.Millisecond, 100*time.Millisecond),
			// the 50th of 100 is 50 ms, a bound; the 90th and 99th are in
			// (80 ms, 100 ms].
			p50: 50 * time.Millisecond, p90: 100 * time.Millisecond, p99: 100 * time.Millisecond,
			mean: 50500 * time.Microsecond,
		},
		{
			name: "bimodal: 95 fast, 5 slow",
			ds:   append(repeat(95, 2*time.Millisecond), repeat(5, 3*time.Second)...),
			p50:  2 * time.Millisecond, p90: 2 * time.Millisecond, p99: 3 * time.Second,
			mean: (95*2*time.Millisecond + 5*3*time.Second) / 100,
		},
		{
			name: "below the first bound and above the last",
			ds:   append(repeat(60, time.Microsecond), repeat(40, time.Hour)...),
			p50:  10 * time.Microsecond, p90: MaxLatency, p99: MaxLatency,
			mean: (60*time.Microsecond + 40*time.Hour) / 100,
		},
		{
			name: "zero duration is timed, in the first bucket",
			ds:   []time.Duration{0, 0},
			p50:  10 * time.Microsecond, p90: 10 * time.Microsecond, p99: 10 * time.Microsecond,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New()
			for i, d := range tc.ds {
				r.Record(t0.Add(time.Duration(i)*time.Millisecond), d, OK)
			}
			s := r.Snapshot(t0.Add(30 * time.Second))
			if s.P50 != tc.p50 || s.P90 != tc.p90 || s.P99 != tc.p99 {
				t.Errorf("p50/p90/p99 = %v/%v/%v, want %v/%v/%v", s.P50, s.P90, s.P99, tc.p50, tc.p90, tc.p99)
			}
			if s.Mean != tc.mean {
				t.Errorf("Mean = %v, want %v", s.Mean, tc.mean)
			}
		})
	}
}

func TestUntimed(t *testing.T) {
	// Throttled and Refused calls never ran, nor did one with a negative
	// duration: they count, but neither the quantiles nor the mean see them.
	r := New()
	r.Record(t0, 4*time.Millisecond, OK)
	r.Record(t0, time.Hour, Throttled)
	r.Record(t0, time.Hour, Refused)
	r.Record(t0, -1, Failed)
	s := r.Snapshot(t0.Add(time.Second))
	if want := (Counts{1, 0, 1, 1, 1}); s.Lifetime != want || s.Recent != want {
		t.Errorf("Lifetime %v, Recent %v, want %v", s.Lifetime, s.Recent, want)
	}
	if s.P99 != 4*time.Millisecond || s.Mean != 4*time.Millisecond {
		t.Errorf("P99 %v, Mean %v, want 4ms", s.P99, s.Mean)
	}
}

func TestBuckets(t *testing.T) {
	for i := 1; i < len(bounds); i++ {
		if bounds[i] <= bounds[i-1] {
			t.Fatalf("bounds[%d] = %v after %v", i, bounds[i], bounds[i-1])
		}
		// about three buckets per doubling: no step wider than 1.34×
		if r := float64(bounds[i]) / float64(bounds[i-1]); r > 1.34 {
			t.Errorf("bounds[%d]/bounds[%d] = %.2f", i, i-1, r)
		}
	}
	if bounds[0] != 10*time.Microsecond || bounds[len(bounds)-1] != MaxLatency {
		t.Errorf("bounds run from %v to %v", bounds[0], bounds[len(bounds)-1])
	}
	// The scan from firstOfLen agrees with a search of every bound.
	search := func(d time.Duration) int {
		return sort.Search(len(bounds), func(i int) bool { return bounds[i] >= d })
	}
	for _, b := range bounds {
		for _, d := range []time.Duration{b - 1, b, b + 1, b / 2, b * 3 / 2} {
			if got, want := bucketOf(d), search(d); got != want {
				t.Errorf("bucketOf(%v) = %d, search says %d", d, got, want)
			}
		}
	}
	for d := time.Duration(1); d > 0 && d < math.MaxInt64/3; d = d*3/2 + 1 {
		if got, want := bucketOf(d), search(d); got != want {
			t.Errorf("bucketOf(%v) = %d, search says %d", d, got, want)
		}
	}
	for _, tc := range []struct {
		d    time.Duration
		want int
	}{
		{-1, 0}, {0, 0}, {10 * time.Microsecond, 0}, {10*time.Microsecond + 1, 1},
		{time.Millisecond, 20}, {time.Millisecond + 1, 21},
		{MaxLatency, len(bounds) - 1}, {MaxLatency + 1, len(bounds)}, {math.MaxInt64, len(bounds)},
	} {
		if got := bucketOf(tc.d); got != tc.want {
			t.Errorf("bucketOf(%v) = %d, want %d", tc.d, got, tc.want)
		}
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[Class]string{OK: "ok", ToolError: "tool_error", Failed: "failed", Throttled: "throttled", Refused: "refused", 9: "unknown"} {
		if got := c.String(); got != want {
			t.Errorf("Class(%d).String() = %q, want %q", c, got, want)
		}
	}
}

func TestBeforeUnixEpoch(t *testing.T) {
	r := New()
	at := time.Unix(-95, 0)
	r.Record(at, time.Millisecond, OK)
	if s := r.Snapshot(at.Add(time.Second)); s.Recent.Total() != 1 || s.Span != 56*time.Second {
		t.Errorf("Recent %v, Span %v", s.Recent, s.Span)
	}
}

func TestConcurrent(t *testing.T) {
	// Writers on every class across two slots, snapshots alongside: run
	// with -race. The totals come out exact.
	const writers, each = 8, 2000
	r := New()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_ = r.Snapshot(t0.Add(15 * time.Second))
			}
		}
	}()
	var ww sync.WaitGroup
	for w := range writers {
		ww.Add(1)
		go func() {
			defer ww.Done()
			for i := range each {
				at := t0.Add(time.Duration(i%2) * 10 * time.Second)
				r.Record(at, time.Duration(i)*time.Microsecond, Class((w+i)%NumClasses))
			}
		}()
	}
	ww.Wait()
	close(stop)
	wg.Wait()
	s := r.Snapshot(t0.Add(15 * time.Second))
	if got := s.Lifetime.Total(); got != writers*each {
		t.Errorf("lifetime total %d, want %d", got, writers*each)
	}
	if got := s.Recent.Total(); got != writers*each {
		t.Errorf("recent total %d, want %d", got, writers*each)
	}
	for c := range NumClasses {
		if got := s.Lifetime.Of(Class(c)); got != uint64(writers*each/NumClasses) {
			t.Errorf("class %v: %d, want %d", Class(c), got, writers*each/NumClasses)
		}
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	r := New()
	now := t0
	if n := testing.AllocsPerRun(1000, func() {
		now = now.Add(3 * time.Millisecond)
		r.Record(now, 2*time.Millisecond, OK)
	}); n != 0 {
		t.Errorf("Record allocates %v times per call", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	r := New()
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Record(now, time.Duration(i&0xffff)*time.Microsecond, OK)
	}
}

// BenchmarkRecordNow includes reading the clock, as the gateway does.
func BenchmarkRecordNow(b *testing.B) {
	r := New()
	b.ReportAllocs()
	for b.Loop() {
		r.Record(time.Now(), 3*time.Millisecond, OK)
	}
}

// BenchmarkRecordParallel records from every P into one Recorder, as the
// gateway-wide recorder is used.
func BenchmarkRecordParallel(b *testing.B) {
	r := New()
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			r.Record(now, time.Duration(i&0xffff)*time.Microsecond, Class(i%3))
		}
	})
}

func BenchmarkSnapshot(b *testing.B) {
	r := New()
	now := time.Now()
	for i := range 1000 {
		r.Record(now.Add(-time.Duration(i)*50*time.Millisecond), time.Duration(i)*time.Millisecond, OK)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = r.Snapshot(now)
	}
}
