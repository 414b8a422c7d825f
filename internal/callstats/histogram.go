package callstats

import (
	"math/bits"
	"time"
)

// bounds are the upper bounds of the histogram's buckets: ten per decade
// (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8), about three per doubling, from 10 µs
// to 10 min. A duration falls in the first bucket whose bound is at least
// the duration; the last bucket, numBuckets-1, holds everything above
// 10 min.
var bounds = [...]time.Duration{
	10 * time.Microsecond, 12 * time.Microsecond, 15 * time.Microsecond, 20 * time.Microsecond, 25 * time.Microsecond,
	30 * time.Microsecond, 40 * time.Microsecond, 50 * time.Microsecond, 60 * time.Microsecond, 80 * time.Microsecond,
	100 * time.Microsecond, 120 * time.Microsecond, 150 * time.Microsecond, 200 * time.Microsecond, 250 * time.Microsecond,
	300 * time.Microsecond, 400 * time.Microsecond, 500 * time.Microsecond, 600 * time.Microsecond, 800 * time.Microsecond,
	1 * time.Millisecond, 1200 * time.Microsecond, 1500 * time.Microsecond, 2 * time.Millisecond, 2500 * time.Microsecond,
	3 * time.Millisecond, 4 * time.Millisecond, 5 * time.Millisecond, 6 * time.Millisecond, 8 * time.Millisecond,
	10 * time.Millisecond, 12 * time.Millisecond, 15 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond,
	30 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond, 60 * time.Millisecond, 80 * time.Millisecond,
	100 * time.Millisecond, 120 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond, 250 * time.Millisecond,
	300 * time.Millisecond, 400 * time.Millisecond, 500 * time.Millisecond, 600 * time.Millisecond, 800 * time.Millisecond,
	1 * time.Second, 1200 * time.Millisecond, 1500 * time.Millisecond, 2 * time.Second, 2500 * time.Millisecond,
	3 * time.Second, 4 * time.Second, 5 * time.Second, 6 * time.Second, 8 * time.Second,
	10 * time.Second, 12 * time.Second, 15 * time.Second, 20 * time.Second, 25 * time.Second,
	30 * time.Second, 40 * time.Second, 50 * time.Second, 60 * time.Second, 80 * time.Second,
	100 * time.Second, 120 * time.Second, 150 * time.Second, 200 * time.Second, 250 * time.Second,
	300 * time.Second, 400 * time.Second, 500 * time.Second, 600 * time.Second,
}

// numBuckets counts the buckets: one per bound, and one above the last.
const numBuckets = len(bounds) + 1

// MaxLatency is the largest latency the histogram tells apart: a quantile
// above it is reported as MaxLatency.
const MaxLatency = 10 * time.Minute

// bucketOf returns the bucket of d: the first bound that is at least d,
// found by a short scan from the first bucket of d's power of two.
func bucketOf(d time.Duration) int {
	if d <= bounds[0] {
		return 0
	}
	i := int(firstOfLen[bits.Len64(uint64(d))])
	for i < len(bounds) && bounds[i] < d {
		i++
	}
	return i
}

// firstOfLen[n] is the bucket of the smallest duration of n bits: where
// bucketOf starts its scan, at most four buckets (one doubling) short.
var firstOfLen = func() (t [65]uint8) {
	for n := range t {
		d := time.Duration(0)
		if n > 0 && n < 64 {
			d = time.Duration(1) << (n - 1)
		} else if n == 64 {
			d = 1 << 62 // larger than every bound anyway
		}
		i := 0
		for i < len(bounds) && bounds[i] < d {
			i++
		}
		t[n] = uint8(i)
	}
	return t
}()

// upper returns the bound reported for bucket b.
func upper(b int) time.Duration {
	if b >= len(bounds) {
		return MaxLatency
	}
	return bounds[b]
}

// quantile returns the upper bound of the bucket holding the q-quantile of
// h by nearest rank (the smallest bucket whose cumulative count reaches
// ceil(q·n)); 0 when h is empty.
func quantile(h *[numBuckets]uint64, q float64) time.Duration {
	var n uint64
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return 0
	}
	rank := uint64(q * float64(n))
	if float64(rank) < q*float64(n) {
		rank++
	}
	rank = max(rank, 1)
	var cum uint64
	for b, c := range h {
		cum += c
		if cum >= rank {
			return upper(b)
		}
	}
	return upper(numBuckets - 1)
}
