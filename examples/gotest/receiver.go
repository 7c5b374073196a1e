// Package receiver is an example PartnerStack webhook receiver whose own
// `go test` runs psbox contract cases against it (see receiver_test.go):
// the cases in testdata/ are fired at the handler on an httptest server and
// any difference from what they expect fails the test with the diff.
//
//	cases, err := fixtures.LoadCases("testdata/cases.json")
//	results := fixtures.Run(ctx, cases, deliver, fixtures.RunOptions{})
//	for _, r := range results {
//		if !r.Pass {
//			t.Errorf("%s:\n%s", r.Case.Name, r.Diff)
//		}
//	}
package receiver

import (
	"encoding/json"
	"net/http"
)

// Handler acknowledges PartnerStack application and partnership events:
// 200 with {"received": true, "key": <the payload's key>}, 400 for a body
// that is not JSON or has no key, 405 for anything but POST.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": "POST only"})
			return
		}
		var p struct {
			Key string `json:"key"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&p); err != nil || p.Key == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "want a JSON payload with a key"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"received": true, "key": p.Key})
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
