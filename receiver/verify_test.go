package receiver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/testutil"
	"github.com/psbox-dev/psbox/mock/delivery"
)

const stdSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// TestStandardVerifier_SpecVector: the Standard Webhooks specification's
// own example verifies, and every change to it does not.
func TestStandardVerifier_SpecVector(t *testing.T) {
	v, err := newVerifier(Options{Verify: delivery.SignStandardWebhooks, Secret: stdSecret})
	if err != nil {
		t.Fatal(err)
	}
	const ts = 1614265330
	at := time.Unix(ts, 0)
	h := func(id, ts, sig string) http.Header {
		return http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {sig}}
	}
	body := []byte(`{"test": 2432232314}`)
	good := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	if err := v.verify(h("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), body, at); err != nil {
		t.Fatalf("the spec's example: %v", err)
	}
	if err := v.verify(h("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,bm9wZQ== "+good), body, at); err != nil {
		t.Errorf("one of several signatures matching: %v", err)
	}
	for _, tc := range []struct {
		name string
		h    http.Header
		body string
		now  time.Time
		want string
	}{
		{"missing", http.Header{}, string(body), at, "no Standard Webhooks signature"},
		{"other body", h("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), `{"test": 2432232315}`, at, "does not match"},
		{"other id", h("msg_other", "1614265330", good), string(body), at, "does not match"},
		{"v2 scheme", h("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", strings.Replace(good, "v1,", "v2,", 1)), string(body), at, "does not match"},
		{"stale", h("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), string(body), at.Add(6 * time.Minute), "stale"},
		{"future", h("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", good), string(body), at.Add(-6 * time.Minute), "future"},
		{"bad timestamp", h("msg_p5jXN8AQM9LWM0D4loKWxJek", "soon", good), string(body), at, "not a Unix time"},
	} {
		err := v.verify(tc.h, []byte(tc.body), tc.now)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestOptions_ValidateVerify(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Verify: "md5"}, `--verify "md5"`},
		{Options{Verify: delivery.SignStandardWebhooks}, "--verify standard-webhooks needs --secret"},
		{Options{Verify: delivery.SignStandardWebhooks, Secret: "nope"}, "whsec_"},
		{Options{Verify: delivery.SignHMACSHA256}, "needs a secret"},
		{Options{Secret: "s"}, "without --verify"},
	} {
		if err := tc.o.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}

// send posts body signed by psbox's own sender (or not, with sign "").
func send(t *testing.T, url, sign, secret string, d delivery.Delivery) delivery.Result {
	t.Helper()
	s, err := delivery.New(delivery.Options{Sign: sign, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d.Target = url
	return s.Send(t.Context(), d)
}

// TestReceiver_VerifiesSignatures: with --verify, what psbox signs is
// acted on and everything else is answered 401 and not acted on.
func TestReceiver_VerifiesSignatures(t *testing.T) {
	var log testutil.Buffer
	rc := New(&log, Options{Verify: delivery.SignStandardWebhooks, Secret: stdSecret})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	body := []byte(`{"key":"appl_1","event":"application_created"}`)
	d := delivery.Delivery{Event: "application_created", Body: body}

	if r := send(t, srv.URL, delivery.SignStandardWebhooks, stdSecret, d); r.Status != 200 {
		t.Fatalf("signed: %d %s", r.Status, r.ResponseBody)
	}
	other := []byte(`{"key":"appl_2","event":"application_created"}`)
	for name, r := range map[string]delivery.Result{
		"unsigned":     send(t, srv.URL, "", "", delivery.Delivery{Event: "application_created", Body: other}),
		"wrong secret": send(t, srv.URL, delivery.SignStandardWebhooks, "whsec_"+strings.Repeat("A", 32), delivery.Delivery{Event: "application_created", Body: other}),
		"tampered":     send(t, srv.URL, delivery.SignStandardWebhooks, stdSecret, delivery.Delivery{Event: "application_created", Body: other, SignedBody: body}),
		"stale":        send(t, srv.URL, delivery.SignStandardWebhooks, stdSecret, delivery.Delivery{Event: "application_created", Body: other, SignedAt: time.Now().Add(-10 * time.Minute)}),
		"future":       send(t, srv.URL, delivery.SignStandardWebhooks, stdSecret, delivery.Delivery{Event: "application_created", Body: other, SignedAt: time.Now().Add(10 * time.Minute)}),
	} {
		if r.Status != 401 || !strings.Contains(string(r.ResponseBody), `"error"`) {
			t.Errorf("%s: %d %s, want 401 saying why", name, r.Status, r.ResponseBody)
		}
	}
	if n := rc.Count("application_created", "appl_2"); n != 0 {
		t.Errorf("acted %d times on refused deliveries", n)
	}
	if n := rc.Count("application_created", "appl_1"); n != 1 {
		t.Errorf("acted %d times on the signed one, want 1", n)
	}
	if !strings.Contains(flushed(&log, "refused 401"), "refused 401") {
		t.Errorf("the log does not show the refusals:\n%s", log.String())
	}

	hm := New(io.Discard, Options{Verify: delivery.SignHMACSHA256, Secret: "s3cret"})
	hsrv := httptest.NewServer(hm)
	defer hsrv.Close()
	if r := send(t, hsrv.URL, delivery.SignHMACSHA256, "s3cret", d); r.Status != 200 {
		t.Errorf("hmac signed: %d", r.Status)
	}
	if r := send(t, hsrv.URL, delivery.SignHMACSHA256, "other", d); r.Status != 401 {
		t.Errorf("hmac wrong secret: %d", r.Status)
	}
}

// TestReceiver_ActsOnceAndCounts: duplicates, even at once, are
// acknowledged and acted on once; the effects endpoint says so.
func TestReceiver_ActsOnceAndCounts(t *testing.T) {
	rc := New(io.Discard, Options{})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	body := `{"key":"appl_9","event":"application_approved"}`
	var wg sync.WaitGroup
	dups := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			resp, b := postTo(t, srv.URL, "application_approved", body)
			if resp.StatusCode != 200 {
				dups <- fmt.Sprint(resp.StatusCode)
			}
			if strings.Contains(b, "duplicate") {
				dups <- "dup"
			}
		})
	}
	wg.Wait()
	close(dups)
	n := 0
	for s := range dups {
		if s != "dup" {
			t.Errorf("a copy answered %s", s)
		}
		n++
	}
	if n != 7 {
		t.Errorf("%d copies said duplicate, want 7 of 8", n)
	}
	postTo(t, srv.URL, "application_approved", `{"key":"appl_9","event":"application_approved","approved":true}`)

	resp, err := http.Get(srv.URL + EffectsPath + "application_approved/appl_9")
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Count int }
	json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if resp.StatusCode != 200 || got.Count != 2 {
		t.Errorf("effects: %d count %d; want 200 and 2 (two different bodies)", resp.StatusCode, got.Count)
	}
	resp, _ = http.Get(srv.URL + EffectsPath + "nokey")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("effects without a key: %d, want 404", resp.StatusCode)
	}
	if resp, _ := postTo(t, srv.URL, "x", `[1,2]`); resp.StatusCode != 400 {
		t.Errorf("a JSON array: %d, want 400", resp.StatusCode)
	}
	// A failing simulated status acts on nothing.
	f := New(io.Discard, Options{Status: 503})
	fsrv := httptest.NewServer(f)
	defer fsrv.Close()
	postTo(t, fsrv.URL, "application_created", `{"key":"appl_3"}`)
	if n := f.Count("application_created", "appl_3"); n != 0 {
		t.Errorf("acted %d times while answering 503", n)
	}
}

// TestEffects_Bounded: past the limit the oldest bodies are forgotten and
// their counts with them.
func TestEffects_Bounded(t *testing.T) {
	e := effects{limit: 3}
	for i := range 5 {
		if !e.add([]byte(strconv.Itoa(i)), "ev", "k"+strconv.Itoa(i%2)) {
			t.Fatalf("body %d seen as a duplicate", i)
		}
	}
	if len(e.seen) != 3 || len(e.order) != 3 {
		t.Errorf("remembers %d bodies (%d in order), want 3", len(e.seen), len(e.order))
	}
	// Kept: 2, 3, 4 -> k0 twice (2, 4), k1 once (3).
	if e.count("ev", "k0") != 2 || e.count("ev", "k1") != 1 {
		t.Errorf("counts k0=%d k1=%d, want 2 and 1", e.count("ev", "k0"), e.count("ev", "k1"))
	}
	if e.add([]byte("4"), "ev", "k0") {
		t.Error("a remembered body acted on again")
	}
	if !e.add([]byte("0"), "ev", "k0") {
		t.Error("a forgotten body not acted on")
	}
}
