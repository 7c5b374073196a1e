package recorder

import (
	"errors"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []string
	for _, dlv := range []string{"dlv_aa1", "dlv_aa2", "dlv_aa2"} {
		ex, err := s.Append(Exchange{Kind: KindDelivery, DeliveryID: dlv, Target: "http://r/"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ex.ID)
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if ex, err := s.Lookup(ids[1]); err != nil || ex.ID != ids[1] {
		t.Errorf("Lookup(%s) = %s, %v", ids[1], ex.ID, err)
	}
	var le *LookupError
	if _, err := s.Lookup("ex_"); !errors.As(err, &le) || le.NotFound() || !strings.Contains(err.Error(), "matches several recorded exchanges") {
		t.Errorf("Lookup(ex_) = %v; want several", err)
	}
	if _, err := s.Lookup("ex_zzzz"); !errors.As(err, &le) || !le.NotFound() || err.Error() != `no recorded exchange has the id "ex_zzzz"` {
		t.Errorf("Lookup(ex_zzzz) = %v; want none", err)
	}
	if a, err := s.LookupDelivery("dlv_aa2"); err != nil || len(a) != 2 || a[0].ID != ids[1] {
		t.Errorf("LookupDelivery(dlv_aa2) = %d attempts, %v; want 2, oldest first", len(a), err)
	}
	if _, err := s.LookupDelivery("dlv_aa"); err == nil || !strings.Contains(err.Error(), "matches several recorded deliveries (dlv_aa2, dlv_aa1)") {
		t.Errorf("LookupDelivery(dlv_aa) = %v; want both, newest first", err)
	}
	if h := s.RecentIDs("dlv_aa", 10); len(h) != 2 || h[0].ID != "dlv_aa2" || h[1].ID != "dlv_aa1" {
		t.Errorf("RecentIDs(dlv_aa) = %v; want each delivery once, newest first", h)
	}
	if h := s.RecentIDs("", 1); len(h) != 2 || h[0].ID != ids[2] {
		t.Errorf("RecentIDs of the newest = %v; want its exchange and delivery ids", h)
	}
	if _, err := s.LookupDelivery("dlv_b"); !errors.As(err, &le) || !le.NotFound() {
		t.Errorf("LookupDelivery(dlv_b) = %v; want none", err)
	}
}

func TestExport_UnknownFormat(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var b strings.Builder
	if n, err := Export(&b, s, Filter{}, "csv", "t"); err == nil || n != 0 || b.Len() != 0 {
		t.Errorf("Export csv = %d, %v, wrote %q; want an error and nothing", n, err, b.String())
	}
	if _, err := Export(&b, s, Filter{}, "har", "t"); err != nil || !strings.Contains(b.String(), `"version": "1.2"`) && !strings.Contains(b.String(), `"version":"1.2"`) {
		t.Errorf("Export har = %v, %q", err, b.String())
	}
}
