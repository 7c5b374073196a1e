package psboxtest

import (
	"encoding/json"
	"testing"

	"github.com/psbox-dev/psbox/recorder"
)

// A retried delivery is listed once, as its latest attempt, where that
// attempt is in the log; API calls are not deliveries; changed gives what
// was read since the last call only.
func TestDeliveryLog_LatestAttemptInLogOrder(t *testing.T) {
	var l deliveryLog
	add := func(ex recorder.Exchange) {
		line, err := json.Marshal(ex)
		if err != nil {
			t.Fatal(err)
		}
		sm := recorder.SummaryOf(&ex)
		l.add(line, &sm)
	}
	attempt := func(id string, n, status int) recorder.Exchange {
		return recorder.Exchange{ID: "ex_" + id + string(rune('0'+n)), Kind: recorder.KindDelivery, DeliveryID: id, Attempt: n, Response: &recorder.Response{Status: status}}
	}
	add(attempt("dlv_a", 1, 503))
	add(recorder.Exchange{ID: "ex_api", Kind: recorder.KindAPI, Request: recorder.Request{Method: "GET"}, Response: &recorder.Response{Status: 200}})
	add(attempt("dlv_b", 1, 200))
	add(attempt("dlv_a", 2, 200))
	got := l.changed()
	if len(got) != 2 || got[0].ID != "dlv_b" || got[1].ID != "dlv_a" || got[1].Status != 200 {
		t.Fatalf("deliveries %+v; want dlv_b, then dlv_a as its final attempt (200)", got)
	}
	if more := l.changed(); len(more) != 0 {
		t.Fatalf("nothing new read, changed gave %+v", more)
	}
	add(attempt("dlv_b", 2, 500))
	if got := l.changed(); len(got) != 1 || got[0].ID != "dlv_b" || got[0].Status != 500 {
		t.Fatalf("after dlv_b's retry: %+v", got)
	}
}
