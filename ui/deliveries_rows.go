package ui

import (
	"time"

	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/render"
)

// add appends one exchange, keeping the selection on the same exchange
// unless it was on the newest (then it follows the newest).
func (s *deliveriesScreen) add(sm *recorder.Summary) {
	r := s.all.push(s.toRow(sm))
	if r.failed {
		s.failed++
	}
	if !s.filter.empty() {
		if !s.filter.match(r) {
			return
		}
		s.matches = append(s.matches, int32(s.all.len()-1))
	}
	if s.cursor > 0 {
		s.cursor++
		s.offset++
		s.unseen++
	}
	s.cursor, s.offset = window(s.cursor, s.offset, s.listHeight(), s.rows())
}

// reset forgets every row: the log was rewritten and is read again.
func (s *deliveriesScreen) reset() {
	s.all.clear()
	s.loading.clear()
	s.failed, s.loadingFailed, s.unseen = 0, 0, 0
	s.pageNewest, s.pageReached = "", false
	s.matches = s.matches[:0]
	s.cursor, s.offset = 0, 0
}

// firstPage shows the newest exchanges (newest first) while the history
// is read, unless the history is already complete.
func (s *deliveriesScreen) firstPage(list []recorder.Summary) {
	if s.caughtUp || len(list) == 0 {
		return
	}
	for i := len(list) - 1; i >= 0; i-- {
		s.add(&list[i])
	}
	// The history replaces the page once it holds the page's newest
	// exchange; it may be read before that exchange reached the file.
	s.pageNewest = list[0].ID
	for i := s.loading.len() - 1; i >= 0 && !s.pageReached; i-- {
		s.pageReached = s.loading.get(i).id >= s.pageNewest
	}
}

// follow takes one batch read from the log. Until the reading catches up
// with the end of the log and with the first page, the rows go to
// loading; then they replace the first page, the selection staying on the
// same exchange.
func (s *deliveriesScreen) follow(b recorder.Batch) {
	if b.Reset {
		s.reset()
	}
	if s.caughtUp {
		for i := range b.Summaries {
			s.add(&b.Summaries[i])
		}
		return
	}
	for i := range b.Summaries {
		r := s.loading.push(s.toRow(&b.Summaries[i]))
		if r.failed {
			s.loadingFailed++
		}
		// IDs grow with time: a row at or past the page's newest means
		// the history has reached the page.
		if s.pageNewest != "" && r.id >= s.pageNewest {
			s.pageReached = true
		}
	}
	if !b.CaughtUp || (s.pageNewest != "" && !s.pageReached) {
		return
	}
	s.caughtUp = true
	sel, hadSel := s.selected()
	cursorRow := s.cursor - s.offset
	s.all, s.failed = s.loading, s.loadingFailed
	s.loading.clear()
	s.applyFilter(s.filter)
	if hadSel && !s.detail && cursorRow >= 0 {
		for r := 0; r < s.rows(); r++ {
			if s.all.get(s.at(r)).id == sel {
				s.cursor, s.offset = window(r, r-cursorRow, s.listHeight(), s.rows())
				break
			}
		}
	}
}

// toRow summarises an exchange, sharing repeated strings.
func (s *deliveriesScreen) toRow(sm *recorder.Summary) row {
	event, target := render.EventTarget(sm)
	return row{
		id: sm.ID, deliveryID: sm.DeliveryID, event: s.share(event), target: s.share(target),
		reason: s.share(sm.ErrorReason), start: sm.Start, duration: sm.Duration,
		status: int32(sm.Status), attempt: int32(sm.Attempt), failed: sm.Failed(),
		replay: sm.ReplayOf != "", api: sm.Kind == recorder.KindAPI,
	}
}

func (s *deliveriesScreen) share(v string) string {
	if w, ok := s.intern[v]; ok {
		return w
	}
	if len(s.intern) < 10_000 {
		s.intern[v] = v
	}
	return v
}

// row is what the list keeps of one exchange: about 150 bytes, so a
// million of them fit; the full exchange is read from the log on demand.
type row struct {
	id, deliveryID, event, target string // a mock API call: event "api", target "METHOD /path"
	reason                        string
	start                         time.Time
	duration                      time.Duration
	status, attempt               int32
	failed, api, replay           bool
}

// code is the status column: the status, or the reason a failure had no
// answer ("refused", "timeout").
func (r *row) code() string { return render.Code(int(r.status), r.reason) }
