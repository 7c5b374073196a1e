package delivery

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestFaults_DuplicatesExactFraction(t *testing.T) {
	for _, p := range []float64{0, 0.1, 0.25, 0.5, 1} {
		f := Faults{Duplicates: p, Seed: 7}
		for _, n := range []int{1, 3, 10, 1000} {
			got := 0
			for i := range n {
				if f.Duplicate(i) {
					got++
				}
			}
			if got != f.DuplicatesIn(n) || math.Abs(float64(got)-p*float64(n)) >= 1 {
				t.Errorf("p=%g n=%d: %d duplicates, DuplicatesIn says %d, want within 1 of %g", p, n, got, f.DuplicatesIn(n), p*float64(n))
			}
		}
	}
}

func TestFaults_ShuffleNeverKeepsTheOrder(t *testing.T) {
	f := Faults{Shuffle: true, Seed: 3}
	seen := map[string]bool{}
	for r := range 200 {
		p := f.Order(r, 3)
		if slices.Equal(p, []int{0, 1, 2}) {
			t.Fatalf("round %d kept the order", r)
		}
		sorted := slices.Sorted(slices.Values(p))
		if !slices.Equal(sorted, []int{0, 1, 2}) {
			t.Fatalf("round %d: %v is not a permutation", r, p)
		}
		seen[string(rune('0'+p[0]))+string(rune('0'+p[1]))] = true
		if !slices.Equal(p, f.Order(r, 3)) {
			t.Fatal("the same seed and round give another order")
		}
	}
	if len(seen) < 3 {
		t.Errorf("only %d different orders in 200 rounds", len(seen))
	}
	if !slices.Equal((Faults{}).Order(0, 3), []int{0, 1, 2}) || !slices.Equal(f.Order(0, 1), []int{0}) {
		t.Error("without --shuffle, or with one event, the order is kept")
	}
}

func TestFaults_JitterBoundedAndSpread(t *testing.T) {
	f := Faults{Jitter: 100 * time.Millisecond, Seed: 1}
	var lo, hi int
	for i := range 1000 {
		w := f.Wait(i)
		if w < 0 || w > f.Jitter {
			t.Fatalf("job %d waits %s, outside 0-%s", i, w, f.Jitter)
		}
		if w < 20*time.Millisecond {
			lo++
		}
		if w > 80*time.Millisecond {
			hi++
		}
	}
	if lo < 100 || hi < 100 {
		t.Errorf("waits not spread: %d under 20ms, %d over 80ms of 1000", lo, hi)
	}
	if (Faults{}).Wait(5) != 0 {
		t.Error("no jitter: want no wait")
	}
}

func TestFaults_Validate(t *testing.T) {
	for _, f := range []Faults{{Duplicates: -0.1}, {Duplicates: 1.5}, {Duplicates: math.NaN()}, {Jitter: -time.Second}, {Jitter: 2 * time.Hour}} {
		if f.Validate() == nil {
			t.Errorf("%+v: no error", f)
		}
	}
	if err := (Faults{Duplicates: 0.3, Jitter: time.Second, Shuffle: true}).Validate(); err != nil {
		t.Error(err)
	}
}
