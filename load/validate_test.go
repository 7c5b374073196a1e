package load

import (
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/mock/delivery"
)

// TestJob_Validate: each bound of a run is refused naming its flag, and a
// count within the bound per event but beyond it for the whole round is
// refused once the round is known.
func TestJob_Validate(t *testing.T) {
	ok := Job{Count: 1, Concurrency: 1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("a plain job: %v", err)
	}
	for _, tc := range []struct {
		j    Job
		want string
	}{
		{Job{Count: 0, Concurrency: 1}, "--count 0"},
		{Job{Count: MaxDeliveries + 1, Concurrency: 1}, "--count"},
		{Job{Count: 1, Concurrency: 0}, "--concurrency 0"},
		{Job{Count: 1, Concurrency: 1, Rate: MinRate / 10}, "--rate"},
		{Job{Count: 1, Concurrency: 1, Rate: MaxRate * 10}, "--rate"},
		{Job{Count: 600_000_000, Concurrency: 1, Round: make([]delivery.Delivery, 2)}, "1200000000 deliveries"},
		{Job{Count: 1, Concurrency: 1, Faults: delivery.Faults{Duplicates: 2}}, "--duplicates"},
	} {
		if err := tc.j.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error with %q", tc.j, err, tc.want)
		}
	}
}
