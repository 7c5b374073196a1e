package recorder

import (
	"testing"
	"time"
)

func TestIDs_SortableUniqueAndDistinctEarly(t *testing.T) {
	var g idGen
	now := time.Now()
	prev := g.next(now.Add(-time.Millisecond))
	for i := range 100_000 {
		id := g.next(now) // all in one millisecond
		if len(id) != 29 || id <= prev {
			t.Fatalf("id %d: %q after %q", i, id, prev)
		}
		// Two IDs made together differ within their first 20 characters,
		// so a 20-character prefix finds one.
		if i > 0 && id[:20] == prev[:20] {
			t.Fatalf("ids %q and %q share a 20-character prefix", prev, id)
		}
		prev = id
	}
	if a, b := g.next(now.Add(time.Second)), g.next(now.Add(2*time.Second)); a[3:13] >= b[3:13] {
		t.Fatalf("time part not increasing: %s %s", a, b)
	}
}
