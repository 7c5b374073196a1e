package load

import "fmt"

// Validate checks what a user gives (the flags of psbox trigger): Count,
// Concurrency, Rate and Faults within the bounds of a run, and, once Round
// is set, Count rounds of it no more than MaxDeliveries.
func (j Job) Validate() error {
	switch {
	case j.Count < 1 || j.Count > MaxDeliveries:
		return fmt.Errorf("--count %d: give 1 to %d", j.Count, MaxDeliveries)
	case j.Concurrency < 1:
		return fmt.Errorf("--concurrency %d: give 1 or more", j.Concurrency)
	case j.Rate != 0 && !(j.Rate >= MinRate && j.Rate <= MaxRate): // also NaN
		return fmt.Errorf("--rate %g: give deliveries per second from %g to %g, or 0 for no limit", j.Rate, MinRate, float64(MaxRate))
	case len(j.Round) > 0 && j.Count > MaxDeliveries/len(j.Round):
		return fmt.Errorf("--count %d: with %d events and targets that is %d deliveries, more than the %d one run makes; lower --count",
			j.Count, len(j.Round), int64(j.Count)*int64(len(j.Round)), MaxDeliveries)
	}
	return j.Faults.Validate()
}
