package mock

import (
	"crypto/rand"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randBytes hands out crypto/rand bytes read 512 at a time (one read per
// ~30 keys).
type randBytes struct {
	buf [512]byte
	n   int // bytes of buf not handed out yet, at its end
}

func (r *randBytes) next() byte {
	if r.n == 0 {
		rand.Read(r.buf[:]) // never fails (crypto/rand panics instead)
		r.n = len(r.buf)
	}
	r.n--
	return r.buf[r.n]
}

// key returns "whook_" and 14 base-62 characters from crypto/rand.
func (r *randBytes) key() string {
	const n = 14
	var out [len("whook_") + n]byte
	copy(out[:], "whook_")
	for i := len("whook_"); i < len(out); {
		if c := r.next(); c < 248 { // 248 = 4*62: no modulo bias
			out[i] = base62[c%62]
			i++
		}
	}
	return string(out[:])
}
