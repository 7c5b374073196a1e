// Package audited is an example webhook receiver that passes psbox audit:
// it answers at once, refuses what is not a JSON object, acts on each
// delivery once however often it comes, and, in its test build, serves the
// effects endpoint psbox audit reads (see receiver_test.go).
package audited

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// Receiver acts on PartnerStack events once each.
type Receiver struct {
	mu     sync.Mutex
	seen   map[[32]byte]bool // bodies acted on: a retry or duplicate has the same bytes
	counts map[string]int    // event + "/" + key -> times acted on
}

func New() *Receiver { return &Receiver{seen: map[[32]byte]bool{}, counts: map[string]int{}} }

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	// With signing on, verify the signature here and answer 401 when it
	// is missing, wrong, or its timestamp is more than 5 minutes off.
	var p struct{ Event, Key string } // names match case-insensitively
	if json.Unmarshal(body, &p) != nil {
		http.Error(w, "not a JSON object", http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256(body)
	rc.mu.Lock()
	if !rc.seen[sum] { // check and mark under one lock: copies at once act once
		rc.seen[sum] = true
		rc.counts[p.Event+"/"+p.Key]++ // act: e.g. queue the work
	}
	rc.mu.Unlock()
	w.WriteHeader(http.StatusOK) // 2xx for every event, known or not
}

// Effects answers GET .../{event}/{key} with {"count": N}; mount it only in
// a test build.
func (rc *Receiver) Effects(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	n := rc.counts[r.PathValue("event")+"/"+r.PathValue("key")]
	rc.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]int{"count": n})
}
