package load

import (
	"io"
	"math"
	"runtime"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
)

// TestPrinter_MemoryDoesNotGrowWithCount: the latency summary is a
// fixed-size histogram, so a printer for 16 million deliveries costs what
// one for 2 does, and counting deliveries (each printed, as when stdout is
// not a terminal) allocates nothing.
func TestPrinter_MemoryDoesNotGrowWithCount(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := NewPrinter(PrintOptions{Out: io.Discard, Err: io.Discard, All: true, Stats: true})
	p.total = 1 << 24
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("a printer for 2^24 deliveries allocated %d bytes, want under 1 MiB", grew)
	}
	r := delivery.Result{OK: true, Status: 200, Latency: 3 * time.Millisecond}
	buf := p.add(r, nil)
	if a := testing.AllocsPerRun(10000, func() { buf = p.add(r, buf) }); a > 0 {
		t.Errorf("counting a delivery allocates %v times, want 0", a)
	}
}

// TestStartOffset_Saturates: the slowest rate over the most jobs waits
// "forever" rather than wrapping round to a start in the past.
func TestStartOffset_Saturates(t *testing.T) {
	slowest := time.Duration(float64(time.Second) / MinRate)
	if got := startOffset(MaxDeliveries, slowest); got != math.MaxInt64 {
		t.Errorf("startOffset(%d, %s) = %s, want the largest Duration", MaxDeliveries, slowest, got)
	}
	if got := startOffset(3, time.Second); got != 3*time.Second {
		t.Errorf("startOffset(3, 1s) = %s", got)
	}
}

func TestDeliveryLine(t *testing.T) {
	for _, tc := range []struct {
		r    delivery.Result
		want string
	}{
		{delivery.Result{Event: "application_created", Target: "http://x/h", OK: true, Status: 200, Latency: 1500 * time.Microsecond, Attempts: 1, DeliveryID: "dlv_1"},
			"application_created  http://x/h  200  1.5ms  1 attempt  dlv_1\n"},
		{delivery.Result{Event: "e", Target: "http://x/h", Status: 503, Reason: recorder.ReasonStatus, Err: "the receiver answered 503", Latency: 2 * time.Second, Attempts: 3, DeliveryID: "dlv_2"},
			"e  http://x/h  failed: 503 (http_status)  2.0s  3 attempts  dlv_2\n"},
		{delivery.Result{Event: "e", Target: "http://x/h", Reason: recorder.ReasonRefused, Err: "connection refused", Attempts: 1, DeliveryID: "dlv_3"},
			"e  http://x/h  failed: connection_refused (connection refused)  -  1 attempt  dlv_3\n"},
	} {
		if got := string(DeliveryLine(tc.r)); got != tc.want {
			t.Errorf("DeliveryLine = %q, want %q", got, tc.want)
		}
	}
}
