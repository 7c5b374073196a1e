package delivery

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// MaxJitter bounds Faults.Jitter: a wait longer than any receiver's
// patience only slows a soak down.
const MaxJitter = time.Hour

// Faults are what an at-least-once sender does to a receiver, done on
// purpose so that a receiver can be soaked under them (psbox trigger
// --duplicates, --shuffle, --jitter). All of them derive from Seed: the
// same seed gives the same duplicates, order and waits.
type Faults struct {
	Duplicates float64       // fraction of deliveries sent twice, 0 to 1: the copy has the same id, body and signature
	Shuffle    bool          // each round of events in a random order, never the order given
	Jitter     time.Duration // a random wait from 0 to this before each delivery
	Seed       int64
}

// Validate names the flag that is out of range.
func (f Faults) Validate() error {
	if !(f.Duplicates >= 0 && f.Duplicates <= 1) { // also NaN
		return fmt.Errorf("--duplicates %g: give a fraction from 0 to 1, e.g. 0.1 to send one delivery in ten twice", f.Duplicates)
	}
	if f.Jitter < 0 || f.Jitter > MaxJitter {
		return fmt.Errorf("--jitter %s: give a duration from 0 to %s", f.Jitter, MaxJitter)
	}
	return nil
}

// mix is SplitMix64: a well-spread 64-bit value for (seed, n), so that
// each job's draw needs no shared generator.
func mix(seed int64, n uint64) uint64 {
	z := uint64(seed) + (n+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit is a uniform draw in [0, 1) for (seed, n).
func unit(seed int64, n uint64) float64 { return float64(mix(seed, n)>>11) / (1 << 53) }

// offset spreads the duplicates: where in the stride they fall.
func (f Faults) offset() float64 { return unit(f.Seed, math.MaxUint64) }

// Duplicate says whether job i is sent twice. Duplicates are spread
// evenly, starting at a seeded offset: exactly DuplicatesIn(n) of the first n.
func (f Faults) Duplicate(i int) bool {
	if f.Duplicates <= 0 {
		return false
	}
	u := f.offset()
	return math.Floor(float64(i+1)*f.Duplicates+u) > math.Floor(float64(i)*f.Duplicates+u)
}

// DuplicatesIn is how many of the first n jobs are sent twice.
func (f Faults) DuplicatesIn(n int) int {
	if f.Duplicates <= 0 {
		return 0
	}
	return int(math.Floor(float64(n)*f.Duplicates + f.offset()))
}

// Wait is the jitter before job i: from 0 to Jitter.
func (f Faults) Wait(i int) time.Duration {
	if f.Jitter <= 0 {
		return 0
	}
	return time.Duration(unit(f.Seed^0x6a6974746572, uint64(i)) * float64(f.Jitter+1)) // "jitter"
}

// Order is the order round r sends its n events in: the identity without
// Shuffle, else a permutation from the seed that is never the identity
// (for n > 1).
func (f Faults) Order(r, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	if !f.Shuffle || n < 2 {
		return p
	}
	rng := rand.New(rand.NewPCG(uint64(f.Seed), uint64(r)))
	rng.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	identity := true
	for i, v := range p {
		identity = identity && v == i
	}
	if identity {
		p[0], p[1] = p[1], p[0]
	}
	return p
}
