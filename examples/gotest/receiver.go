// Package receiver is an example PartnerStack webhook receiver whose own
// `go test` uses package psboxtest (see receiver_test.go): the contract
// cases in testdata/ run as subtests against the handler, failing with the
// diff, and the mock API runs in-process to deliver events to it.
//
//	func TestContract(t *testing.T) {
//		psboxtest.RunCasesHandler(t, Handler(), "testdata")
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
