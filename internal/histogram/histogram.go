// Package histogram keeps a summary of many durations in a fixed amount of
// memory: a log-linear histogram whose buckets are under 1% wide, so its
// percentiles are within 1% of the exact ones however many durations it
// has seen.
package histogram

import (
	"math/bits"
	"time"
)

// subBits sets the precision: each power of two is split into 2^subBits
// buckets, so a bucket spans less than 1/2^subBits (0.8%) of its values.
const subBits = 7

const (
	sub     = 1 << subBits
	buckets = (64 - subBits) * sub // enough for any non-negative int64
)

// Histogram counts durations. The zero value is empty and ready; it is
// about 58 KiB and never grows. Not safe for concurrent use.
type Histogram struct {
	counts   [buckets]uint64
	n        uint64
	min, max time.Duration
}

// index is the bucket of v: exact below 2^subBits, then 2^subBits buckets
// per power of two.
func index(v uint64) int {
	if v < sub {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1 // v >> e is in [sub, 2*sub)
	return (e+1)*sub + int(v>>e) - sub
}

// middle is a value near the middle of bucket i.
func middle(i int) time.Duration {
	if i < sub {
		return time.Duration(i)
	}
	e := i/sub - 1
	low := uint64(i%sub+sub) << e
	return time.Duration(low + (uint64(1)<<e)/2)
}

// Add counts d; a negative d counts as 0.
func (h *Histogram) Add(d time.Duration) {
	d = max(d, 0)
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.counts[index(uint64(d))]++
	h.n++
}

// Count is how many durations were added.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest duration added (exact); 0 when empty.
func (h *Histogram) Max() time.Duration { return h.max }

// Percentile is the p-th percentile (nearest rank, 0 < p <= 100) within
// 1%, never below the smallest or above the largest duration added; 0 when
// empty.
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(float64(h.n)*p/100 + 0.9999999)
	rank = min(max(rank, 1), h.n)
	if rank == h.n {
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(max(middle(i), h.min), h.max)
		}
	}
	return h.max
}
