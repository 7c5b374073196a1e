package audited

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/psbox-dev/psbox/audit"
)

// TestReceiver_PassesAudit runs psbox audit against the example, as
// `psbox audit --target URL --effects URL` would: nothing fails, and only
// the signature checks (no signing here) are skipped.
func TestReceiver_PassesAudit(t *testing.T) {
	rc := New()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /test/effects/{event}/{key}", rc.Effects)
	mux.Handle("/", rc)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := audit.Run(t.Context(), audit.Options{Target: srv.URL + "/webhooks", Effects: srv.URL + "/test/effects/{event}/{key}", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		want := audit.Pass
		if len(r.ID) > 10 && r.ID[:10] == "signature-" {
			want = audit.Skip
		}
		if r.Verdict != want {
			t.Errorf("%s: %s (%s), want %s", r.ID, r.Verdict, r.Reason, want)
		}
	}
}
