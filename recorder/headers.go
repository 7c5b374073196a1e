package recorder

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sync/atomic"
)

// headerBlocks caches, per Store, how the last request and response header
// sets were encoded (slot 0 and 1). psbox sends the same headers on every
// delivery and a receiver answers with the same ones, bar a value or two
// (a delivery ID, a Date): sorting the names and escaping every name and
// value again cost more than a quarter of a line. A block is used only
// after it is checked name by name and value by value against the
// message; a value that differs is encoded afresh.
//
// A block never holds a secret: the values of secret headers (the store's
// own list, which includes --redact-header names) are kept as "[redacted]",
// and a block whose text holds a whsec_ token is never kept.
type headerBlocks struct {
	slots [2]atomic.Pointer[headerBlock]
	seen  [2]atomic.Uint64 // hash of the names of the last set that missed
}

// headerBlock is one encoded header set, sorted by name.
type headerBlock struct {
	names  []string
	values [][]string // as encoded: secret values already "[redacted]"
	secret []bool
	enc    [][]byte // `"Name":[values]` for each name
}

var headerSeed = maphash.MakeSeed()

// appendHeaders writes `,"headers":{...}` for a non-empty h, redacting with
// r when r is not nil.
func appendHeaders(b []byte, h map[string][]string, r *lineRedactor, slot int) []byte {
	var blocks *headerBlocks
	if r != nil {
		blocks = r.headers
	}
	if blocks != nil {
		if blk := blocks.slots[slot].Load(); blk != nil {
			if out, ok := blk.append(b, h, r); ok {
				return out
			}
		}
	}
	start := len(b)
	b = append(b, `,"headers":{`...)
	var arr [16]string // most messages have fewer headers: no allocation
	keys := arr[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var spanArr [16][2]int
	spans := spanArr[:0] // where each header is in the block
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		from := len(b) - start
		b = appendHeader(b, k, h[k], r != nil && isSecretName(k, r.names), r)
		spans = append(spans, [2]int{from, len(b) - start})
	}
	b = append(b, '}')
	if blocks != nil {
		blocks.remember(slot, keys, h, spans, b[start:], r)
	}
	return b
}

// appendHeader writes `"k":[vs...]`, each value "[redacted]" when secret.
func appendHeader(b []byte, k string, vs []string, secret bool, r *lineRedactor) []byte {
	b = appendString(b, k)
	b = append(b, ':')
	if vs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for j, v := range vs {
		if j > 0 {
			b = append(b, ',')
		}
		if secret {
			v, r.changed = Redacted, true
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// append writes h with the block's encodings where they fit; false (and b
// unchanged) when h does not have the block's names.
func (blk *headerBlock) append(b []byte, h map[string][]string, r *lineRedactor) ([]byte, bool) {
	if len(h) != len(blk.names) {
		return b, false
	}
	start := len(b)
	b = append(b, `,"headers":{`...)
	for i, k := range blk.names {
		vs, ok := h[k]
		if !ok {
			return b[:start], false
		}
		if i > 0 {
			b = append(b, ',')
		}
		cached := blk.values[i]
		same := (vs == nil) == (cached == nil) && len(vs) == len(cached)
		if blk.secret[i] {
			r.changed = r.changed || len(vs) > 0 // the value differs from "[redacted]" only if it is secret
		} else {
			same = same && slices.Equal(vs, cached)
		}
		if same {
			b = append(b, blk.enc[i]...)
		} else {
			b = appendHeader(b, k, vs, blk.secret[i], r)
		}
	}
	return append(b, '}'), true
}

// remember keeps the header set just encoded (block, with header i at
// block[spans[i][0]:spans[i][1]]) as the slot's block the second time in a row a set with
// these names misses, so sets that never repeat cost only a hash.
func (c *headerBlocks) remember(slot int, keys []string, h map[string][]string, spans [][2]int, block []byte, r *lineRedactor) {
	var hh maphash.Hash
	hh.SetSeed(headerSeed)
	for _, k := range keys {
		hh.WriteString(k)
		hh.WriteByte(0)
	}
	sum := hh.Sum64()
	if c.seen[slot].Swap(sum) != sum || bytes.Contains(block, whsecMarker) {
		return
	}
	blk := &headerBlock{
		names:  slices.Clone(keys),
		values: make([][]string, len(keys)),
		secret: make([]bool, len(keys)),
		enc:    make([][]byte, len(keys)),
	}
	for i, k := range keys {
		blk.secret[i] = isSecretName(k, r.names)
		vs := h[k]
		if blk.secret[i] && vs != nil {
			vs = slices.Repeat([]string{Redacted}, len(vs))
		}
		blk.values[i] = slices.Clone(vs)
		blk.enc[i] = bytes.Clone(block[spans[i][0]:spans[i][1]])
	}
	c.slots[slot].Store(blk)
}
