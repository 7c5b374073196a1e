// Package outside is a PartnerStack webhook receiver that verifies
// Standard Webhooks signatures, tested with psboxtest from another module.
package outside

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/psbox-dev/psbox/psboxtest"
)

// Handler answers {"received": KEY} to a delivery whose signature verifies
// with secret (every delivery when secret is empty), 401 otherwise.
func Handler(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		if secret != "" {
			if err := psboxtest.Verify("standard-webhooks", secret, r.Header, body); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
		}
		var p struct{ Key string }
		if json.Unmarshal(body, &p) != nil || p.Key == "" {
			http.Error(w, "want a payload with a key", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"received": p.Key})
	})
}
