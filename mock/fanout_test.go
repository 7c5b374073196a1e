package mock

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fire posts body to the dispatcher's handler and returns the answer.
func fire(t *testing.T, d *Dispatcher, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "/_psbox/events", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	d.Handler().ServeHTTP(w, r)
	return w
}

// TestFire_AnswersWithinItsBound: 20 subscriptions whose receivers stall
// longer than the bound: the answer still comes at the bound (not after
// rounds of maxFanOut stalled deliveries), each unfinished delivery saying
// it was cut by the bound.
func TestFire_AnswersWithinItsBound(t *testing.T) {
	defer func(d time.Duration) { FireBound = d }(FireBound)
	FireBound = 300 * time.Millisecond
	release := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer stall.Close()
	defer close(release)
	d, store := newDispatcher(t)
	for range 20 {
		if _, err := store.Create(stall.URL+"/hook", []string{"application_created"}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	w := fire(t, d, `{"event":"application_created","seed":1}`)
	took := time.Since(start)
	if took > FireBound+time.Second {
		t.Errorf("the answer took %s, want about the %s bound", took, FireBound)
	}
	var env struct {
		Data    fireResponse `json:"data"`
		Message string       `json:"message"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || w.Code != 200 || len(env.Data.Deliveries) != 20 {
		t.Fatalf("answer %d %s (%v); want 200 with 20 deliveries", w.Code, w.Body, err)
	}
	for _, r := range env.Data.Deliveries {
		if r.OK || !strings.Contains(r.Err, "not finished within") || r.DeliveryID == "" {
			t.Errorf("delivery %+v: want it cut by the bound, with its id", r)
		}
	}
	if !strings.Contains(env.Message, "0 delivered, 20 failed") {
		t.Errorf("message %q", env.Message)
	}
}

// TestFire_AnswerHoldsNoResponseBodies: the answer says how each delivery
// ended, not what each receiver sent back (that is in the log), so it does
// not grow with subscriptions x response size, and no receiver header
// (Set-Cookie, X-Api-Key) reaches it.
func TestFire_AnswerHoldsNoResponseBodies(t *testing.T) {
	big := strings.Repeat("x", 512<<10)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Set-Cookie", "sid=cookie-5e1d")
		io.WriteString(w, big)
	}))
	defer rcv.Close()
	d, store := newDispatcher(t)
	for range 12 {
		if _, err := store.Create(rcv.URL+"/hook?token=qt-77", []string{"application_created"}); err != nil {
			t.Fatal(err)
		}
	}
	w := fire(t, d, `{"event":"application_created","seed":1}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"status":200`) {
		t.Fatalf("answer %d %.300s", w.Code, w.Body)
	}
	if n := w.Body.Len(); n > 16<<10 {
		t.Errorf("the answer to 12 deliveries of 512 KiB answers is %d bytes, want a few KiB", n)
	}
	for _, leak := range []string{"cookie-5e1d", "qt-77", "xxxxxxxx"} {
		if strings.Contains(w.Body.String(), leak) {
			t.Errorf("the answer holds %q", leak)
		}
	}
}
