package histogram

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"
	"unsafe"
)

// exact is the nearest-rank percentile of sorted.
func exact(sorted []time.Duration, p float64) time.Duration {
	rank := int(float64(len(sorted))*p/100 + 0.9999999)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func TestHistogram_PercentilesWithinOnePercent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for name, draw := range map[string]func() time.Duration{
		"uniform 0-10ms": func() time.Duration { return time.Duration(r.Int64N(int64(10 * time.Millisecond))) },
		"log-spread":     func() time.Duration { return time.Duration(r.ExpFloat64() * float64(time.Millisecond) * 50) },
		"tiny":           func() time.Duration { return time.Duration(r.Int64N(300)) },
		"two humps": func() time.Duration {
			if r.IntN(10) == 0 {
				return 2*time.Second + time.Duration(r.Int64N(int64(time.Second)))
			}
			return time.Duration(r.Int64N(int64(time.Millisecond)))
		},
	} {
		var h Histogram
		var all []time.Duration
		for range 20000 {
			d := draw()
			h.Add(d)
			all = append(all, d)
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		for _, p := range []float64{1, 50, 90, 99, 99.9, 100} {
			got, want := h.Percentile(p), exact(all, p)
			diff := got - want
			if diff < 0 {
				diff = -diff
			}
			if float64(diff) > float64(want)*0.01 {
				t.Errorf("%s: p%g = %s, exact %s: off by more than 1%%", name, p, got, want)
			}
		}
		if h.Max() != all[len(all)-1] || h.Count() != uint64(len(all)) {
			t.Errorf("%s: max %s count %d, want %s %d", name, h.Max(), h.Count(), all[len(all)-1], len(all))
		}
	}
}

func TestHistogram_ExtremesAndEmpty(t *testing.T) {
	var h Histogram
	if h.Percentile(50) != 0 || h.Max() != 0 {
		t.Error("an empty histogram should give 0")
	}
	h.Add(-5)
	h.Add(1<<63 - 1)
	if got := h.Percentile(50); got != 0 {
		t.Errorf("p50 of {0, max} = %s, want 0", got)
	}
	if got := h.Percentile(100); got != 1<<63-1 {
		t.Errorf("p100 = %d, want the largest int64", got)
	}
}

// TestHistogram_FixedSize: the summary is the same size for one duration
// or for billions; adding never allocates.
func TestHistogram_FixedSize(t *testing.T) {
	var h Histogram
	if size := unsafe.Sizeof(h); size > 64<<10 {
		t.Errorf("Histogram is %d bytes, want at most 64 KiB", size)
	}
	if a := testing.AllocsPerRun(1000, func() { h.Add(time.Duration(rand.Int64())) }); a != 0 {
		t.Errorf("Add allocates %v times, want 0", a)
	}
}
