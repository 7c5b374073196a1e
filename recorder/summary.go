package recorder

import (
	"strings"
	"time"
)

// Summary is the part of an exchange a list shows: what the loader reads
// of each line without decoding headers or bodies.
type Summary struct {
	ID          string
	Kind        Kind
	DeliveryID  string
	Event       string
	Attempt     int
	ReplayOf    string
	Target      string
	ErrorReason string
	Method      string // the request's, read for mock API calls only
	Start       time.Time
	Duration    time.Duration
	Status      int // 0 when no answer came
}

// Failed reports whether the exchange did not end in a 2xx answer.
func (s *Summary) Failed() bool {
	return s.ErrorReason != "" || s.Status < 200 || s.Status > 299
}

// SummaryOf is the summary of ex.
func SummaryOf(ex *Exchange) Summary {
	sm := Summary{ID: ex.ID, Kind: ex.Kind, DeliveryID: ex.DeliveryID, Event: ex.Event, Attempt: ex.Attempt,
		ReplayOf: ex.ReplayOf, Target: ex.Target, ErrorReason: ex.ErrorReason, Start: ex.Start,
		Duration: ex.Duration, Status: ex.Status()}
	if ex.Kind == KindAPI {
		sm.Method = ex.Request.Method
	}
	return sm
}

func (s *Summary) matches(f *Filter) bool {
	return (f.Event == "" || s.Event == f.Event) &&
		(!f.Failed || s.Failed()) &&
		(f.Kind == "" || s.Kind == f.Kind) &&
		(f.DeliveryID == "" || s.DeliveryID == f.DeliveryID) &&
		(f.DeliveryPrefix == "" || strings.HasPrefix(s.DeliveryID, f.DeliveryPrefix))
}
