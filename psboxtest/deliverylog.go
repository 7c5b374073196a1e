package psboxtest

import (
	"encoding/json"
	"slices"

	"github.com/psbox-dev/psbox/recorder"
)

// deliveryLog is the sandbox's deliveries as read from its log, one record
// at a time (mock API calls are passed over without being decoded): the
// latest attempt of each delivery, and where that attempt is in the log.
type deliveryLog struct {
	byID    map[string]int // delivery id -> index into list
	list    []loggedDelivery
	n       int   // records read
	touched []int // indices into list changed since the last ordered call
}

type loggedDelivery struct {
	d    Delivery
	last int // the record number of its latest attempt
}

// add reads one record of the log.
func (l *deliveryLog) add(line []byte, sm *recorder.Summary) {
	l.n++
	if sm.Kind != recorder.KindDelivery {
		return
	}
	var ex recorder.Exchange
	if json.Unmarshal(line, &ex) != nil {
		return // the recorder has warned about it
	}
	if l.byID == nil {
		l.byID = map[string]int{}
	}
	i, ok := l.byID[ex.DeliveryID]
	if !ok {
		i = len(l.list)
		l.byID[ex.DeliveryID] = i
		l.list = append(l.list, loggedDelivery{})
	}
	l.list[i] = loggedDelivery{d: deliveryOf(&ex), last: l.n}
	l.touched = append(l.touched, i)
}

// changed returns the deliveries whose latest attempt was read since the
// last call, ordered by it (oldest first), and forgets them.
func (l *deliveryLog) changed() []Delivery {
	slices.Sort(l.touched)
	idx := slices.Compact(l.touched)
	out := l.ordered(idx)
	l.touched = l.touched[:0]
	return out
}

// ordered is the deliveries at idx, by the log position of their latest
// attempt: a retried delivery comes where its final attempt is.
func (l *deliveryLog) ordered(idx []int) []Delivery {
	sel := make([]loggedDelivery, len(idx))
	for k, i := range idx {
		sel[k] = l.list[i]
	}
	slices.SortFunc(sel, func(a, b loggedDelivery) int { return a.last - b.last })
	out := make([]Delivery, len(sel))
	for k := range sel {
		out[k] = sel[k].d
	}
	return out
}
