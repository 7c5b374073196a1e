package receiver

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/psboxtest"
)

// TestContract fires every case in testdata/ at the receiver, one subtest
// per case, failing with psbox's diff (-want +got) when an answer differs.
func TestContract(t *testing.T) {
	psboxtest.RunCasesHandler(t, Handler(), "testdata")
}

// TestSubscribedDeliveries runs the mock PartnerStack API in-process: the
// receiver subscribes through it, psbox delivers an event, and the test
// checks what the receiver answered.
func TestSubscribedDeliveries(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	sb := psboxtest.Start(t)
	sb.Subscribe(t, srv.URL, "application_approved")

	sb.Fire(t, "application_approved", "key=appl_example000000042")
	d := sb.WaitFor(t, func(d psboxtest.Delivery) bool { return d.Event == "application_approved" }, 5*time.Second)
	var answer struct {
		Received bool
		Key      string
	}
	if err := json.Unmarshal(d.Answer, &answer); err != nil || d.Status != 200 || !answer.Received || answer.Key != "appl_example000000042" {
		t.Errorf("receiver answered %d %s", d.Status, d.Answer)
	}
}

// TestHandlerUnit calls the handler directly with a delivery psbox would
// send, signed.
func TestHandlerUnit(t *testing.T) {
	rr := httptest.NewRecorder()
	Handler().ServeHTTP(rr, psboxtest.SignedRequest(t, "application_created", "hmac-sha256", "s3cret", "-key"))
	if rr.Code != 400 {
		t.Errorf("a payload without a key: %d, want 400", rr.Code)
	}
}
