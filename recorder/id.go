package recorder

import (
	"math/bits"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// idAlphabet is Crockford's base 32 in lower case: its characters sort in
// the same order as the values they stand for, so IDs sort by time.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// IDPrefix starts every exchange ID.
const IDPrefix = "ex_"

// idGen makes ULID-like IDs: 48 bits of milliseconds then 80 random bits,
// 26 characters. Within one millisecond the random part counts up, so IDs
// made by one process are strictly increasing (for at least half a million IDs
// within one millisecond).
type idGen struct {
	mu     sync.Mutex
	lastMS int64
	hi     uint16 // top 16 of the 80 random bits
	lo     uint64 // low 64
}

func (g *idGen) next(now time.Time) string {
	g.mu.Lock()
	ms := now.UnixMilli()
	if ms <= g.lastMS {
		// Same millisecond: step up by a random amount, so IDs made
		// together still differ early enough for short prefixes.
		ms = g.lastMS
		var carry uint64
		g.lo, carry = bits.Add64(g.lo, rand.Uint64()>>4|1<<56, 0)
		g.hi += uint16(carry)
	} else {
		g.lastMS = ms
		g.hi = uint16(rand.Uint32()) >> 1 // leave room to count up
		g.lo = rand.Uint64()
	}
	hi, lo := g.hi, g.lo
	g.mu.Unlock()

	var b [26]byte
	// 10 characters of time (50 bits, top 2 zero).
	for i := 9; i >= 0; i-- {
		b[i] = idAlphabet[ms&31]
		ms >>= 5
	}
	// 16 characters of the 80-bit random part, 5 bits each, high first.
	for i := 25; i >= 10; i-- {
		b[i] = idAlphabet[lo&31]
		lo = lo>>5 | uint64(hi&31)<<59
		hi >>= 5
	}
	return IDPrefix + string(b[:])
}

// normalizeID lower-cases a user-typed ID or prefix and adds IDPrefix when
// it is missing.
func normalizeID(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if id != "" && !strings.HasPrefix(id, IDPrefix) && !strings.HasPrefix(IDPrefix, id) {
		id = IDPrefix + id
	}
	return id
}
