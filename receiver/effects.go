package receiver

import (
	"crypto/sha256"
	"sync"
)

// MaxRemembered bounds what the receiver remembers: the bodies it acted on
// (to recognise a duplicate) and their counts. Past it the oldest are
// forgotten, so memory stays bounded however long it runs.
const MaxRemembered = 100_000

// effects counts what the receiver acted on, per event and entity, and
// recognises a delivery it has acted on already by its body: a sender's
// duplicate or retry carries the same bytes.
type effects struct {
	limit  int // MaxRemembered when 0
	mu     sync.Mutex
	seen   map[[sha256.Size]byte]string // body hash -> its count key
	counts map[string]int               // event + "\x00" + entity key -> times acted on
	order  [][sha256.Size]byte          // ring of the remembered hashes, oldest at next
	next   int
}

func countKey(event, key string) string { return event + "\x00" + key }

// add acts on one delivery: false when its body was acted on already.
func (e *effects) add(body []byte, event, key string) bool {
	h := sha256.Sum256(body)
	ck := countKey(event, key)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen, e.counts = map[[sha256.Size]byte]string{}, map[string]int{}
	}
	if _, dup := e.seen[h]; dup {
		return false
	}
	limit := e.limit
	if limit == 0 {
		limit = MaxRemembered
	}
	if len(e.order) < limit {
		e.order = append(e.order, h)
	} else {
		old := e.order[e.next]
		if k := e.seen[old]; e.counts[k] <= 1 {
			delete(e.counts, k)
		} else {
			e.counts[k]--
		}
		delete(e.seen, old)
		e.order[e.next] = h
		e.next = (e.next + 1) % limit
	}
	e.seen[h] = ck
	e.counts[ck]++
	return true
}

func (e *effects) count(event, key string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts[countKey(event, key)]
}
