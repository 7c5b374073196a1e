package outside

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/psboxtest"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestDeliveredAndVerified(t *testing.T) {
	srv := httptest.NewServer(Handler(secret))
	defer srv.Close()
	sb := psboxtest.Start(t, psboxtest.WithSigning("standard-webhooks", secret), psboxtest.WithSeed(11))
	sb.Subscribe(t, srv.URL, "application_approved")

	ds := sb.Fire(t, "application_approved", "key=appl_outside00000000042")
	if len(ds) != 1 || ds[0].Status != 200 {
		t.Fatalf("deliveries = %+v", ds)
	}
	d := sb.WaitFor(t, func(d psboxtest.Delivery) bool { return strings.Contains(string(d.Answer), "appl_outside00000000042") }, 5*time.Second)
	if d.ID != ds[0].ID {
		t.Errorf("WaitFor found %s, Fire made %s", d.ID, ds[0].ID)
	}
}

func TestContractCases(t *testing.T) {
	srv := httptest.NewServer(Handler(""))
	defer srv.Close()
	psboxtest.RunCases(t, srv.URL, "cases")
}

func TestHandlerUnit(t *testing.T) {
	rr := httptest.NewRecorder()
	Handler(secret).ServeHTTP(rr, psboxtest.SignedRequest(t, "application_created", "standard-webhooks", secret))
	if rr.Code != 200 {
		t.Errorf("a signed request: %d %s", rr.Code, rr.Body)
	}
	rr = httptest.NewRecorder()
	Handler(secret).ServeHTTP(rr, psboxtest.SignedRequest(t, "application_created", "standard-webhooks", "whsec_"+strings.Repeat("A", 32)))
	if rr.Code != 401 {
		t.Errorf("a request signed with another secret: %d, want 401", rr.Code)
	}
}
