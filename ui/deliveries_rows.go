package ui

import (
	"strings"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

// add appends one exchange, keeping the selection on the same exchange
// unless it was on the newest (then it follows the newest).
func (s *deliveriesScreen) add(sm *recorder.Summary) {
	s.all = append(s.all, s.toRow(sm))
	r := &s.all[len(s.all)-1]
	if r.failed {
		s.failed++
	}
	if !s.filter.empty() {
		if !s.filter.match(r) {
			return
		}
		s.matches = append(s.matches, int32(len(s.all)-1))
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
	s.all, s.failed, s.unseen, s.loading = s.all[:0], 0, 0, nil
	s.matches = s.matches[:0]
	s.cursor, s.offset = 0, 0
}

// firstPage shows the newest exchanges (newest first) while the history
// is read, unless the history is already complete.
func (s *deliveriesScreen) firstPage(list []recorder.Summary) {
	if s.caughtUp {
		return
	}
	for i := len(list) - 1; i >= 0; i-- {
		s.add(&list[i])
	}
}

// follow takes one batch read from the log. Until the reading catches up
// with the end of the log, the rows go to loading; then they replace the
// first page, the selection staying on the same exchange.
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
		s.loading = append(s.loading, s.toRow(&b.Summaries[i]))
	}
	if !b.CaughtUp {
		return
	}
	s.caughtUp = true
	sel, hadSel := s.selected()
	cursorRow := s.cursor - s.offset
	s.all, s.loading = s.loading, nil
	s.failed = 0
	for i := range s.all {
		if s.all[i].failed {
			s.failed++
		}
	}
	s.applyFilter(s.filter)
	if hadSel && !s.detail && cursorRow >= 0 {
		for r := 0; r < s.rows(); r++ {
			if s.all[s.at(r)].id == sel {
				s.cursor, s.offset = window(r, r-cursorRow, s.listHeight(), s.rows())
				break
			}
		}
	}
}

// toRow summarises an exchange, sharing repeated strings.
func (s *deliveriesScreen) toRow(sm *recorder.Summary) row {
	r := row{
		id: sm.ID, deliveryID: sm.DeliveryID, event: s.share(sm.Event), target: s.share(sm.Target),
		reason: s.share(sm.ErrorReason), start: sm.Start, duration: sm.Duration,
		status: int32(sm.Status), attempt: int32(sm.Attempt), failed: sm.Failed(), replay: sm.ReplayOf != "",
	}
	if sm.Kind == recorder.KindAPI {
		r.api = true
		r.event = "api"
		r.target = s.share(sm.Method + " " + urlPath(sm.Target))
	}
	return r
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
func (r *row) code() string {
	if r.status != 0 {
		return itoa(int(r.status))
	}
	return shortReason(r.reason)
}

// shortReason names a failure class in at most colStatus cells.
func shortReason(reason string) string {
	switch reason {
	case "":
		return "ERR"
	case recorder.ReasonRefused:
		return "refused"
	case recorder.ReasonReset:
		return "reset"
	case recorder.ReasonBlocked:
		return "blocked"
	case recorder.ReasonCanceled:
		return "cancel"
	case recorder.ReasonNetwork:
		return "network"
	}
	return reason // timeout, dns, tls
}

// urlPath is the path and query of a URL.
func urlPath(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[i+3+j:]
		}
		return "/"
	}
	return u
}
