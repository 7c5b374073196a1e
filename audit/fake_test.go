package audit

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// flaws make a test receiver fail one thing real receivers get wrong. The
// zero value is a receiver that earns every check (TestAudit_FakeWithoutFlawsPasses).
type flaws struct {
	rejectEvent        string        // 500 to this event
	delay              time.Duration // before every answer
	hangEvent          string        // never answers this event in time
	noDedupe           bool          // acts on every copy
	dupStatus          int           // answers a duplicate with this (0: 200)
	racyDedupe         bool          // checks, works, then marks: copies at once all act
	forgetAbandoned    bool          // unmarks a delivery whose sender hung up (the side effect stays)
	dropOrphanApproval bool          // approval of an application it has not seen: 200, not acted on
	unknownEventStatus int           // answer to an event no catalog has (0: 200)
	strictFields       bool          // 400 to a top-level field the sample does not have
	nullCrash          bool          // 500 when "approved" is null
	maxBody            int           // bodies over this get bigStatus, or a dropped connection when 0
	bigStatus          int
	malformedStatus    int  // answer to a body that is not a JSON object (0: 400)
	maxInFlight        int  // 503 above this many at once
	verifyIfPresent    bool // a missing signature is accepted
	presenceOnly       bool // any signature is accepted
	dedupeBeforeVerify bool // a known webhook-id is acknowledged before its signature is checked
	noStaleCheck       bool
	noFutureCheck      bool
	replayStatus       int // answer to a webhook-id seen before (0: as a duplicate)
	dieAfter           int // 503 to every delivery after this many
}

// fake is a webhook receiver for tests, written the way a careful
// integrator would, with the flaws switched on one at a time.
type fake struct {
	f        flaws
	key      []byte // Standard Webhooks key; nil verifies nothing
	sample   map[string]bool
	mu       sync.Mutex
	seen     map[[32]byte]bool
	ids      map[string]bool
	counts   map[string]int
	created  map[string]bool
	pending  map[[32]byte]chan struct{} // forgetAbandoned: a first copy whose sender has not closed yet
	inFlight atomic.Int32
	served   atomic.Int32
}

func newFake(f flaws, secret string) *fake {
	k := &fake{f: f, seen: map[[32]byte]bool{}, ids: map[string]bool{}, counts: map[string]int{}, created: map[string]bool{}, sample: map[string]bool{}, pending: map[[32]byte]chan struct{}{}}
	if secret != "" {
		key, err := delivery.DecodeStandardSecret(secret)
		if err != nil {
			panic(err)
		}
		k.key = key
	}
	b, _ := fixtures.Build("application_created", 1)
	var doc map[string]any
	json.Unmarshal(b, &doc)
	for name := range doc {
		k.sample[name] = true
	}
	return k
}

func answerJSON(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"status": %d}`+"\n", status)
}

func (k *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/effects/"); ok {
		ev, key, _ := strings.Cut(rest, "/")
		k.mu.Lock()
		n := k.counts[ev+"/"+key]
		k.mu.Unlock()
		fmt.Fprintf(w, `{"count": %d}`, n)
		return
	}
	if n := k.inFlight.Add(1); k.f.maxInFlight > 0 && int(n) > k.f.maxInFlight {
		k.inFlight.Add(-1)
		answerJSON(w, 503)
		return
	}
	defer k.inFlight.Add(-1)
	if k.f.dieAfter > 0 && int(k.served.Add(1)) > k.f.dieAfter {
		answerJSON(w, 503)
		return
	}
	if k.f.delay > 0 {
		time.Sleep(k.f.delay)
	}
	if k.f.maxBody > 0 && r.ContentLength > int64(k.f.maxBody) {
		if k.f.bigStatus == 0 {
			panic(http.ErrAbortHandler) // the connection is dropped
		}
		answerJSON(w, k.f.bigStatus)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		return
	}
	event := r.Header.Get(delivery.HeaderEvent)
	if event == k.f.hangEvent && event != "" {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	id := r.Header.Get("Webhook-Id")
	if k.key != nil {
		k.mu.Lock()
		known := k.ids[id]
		k.mu.Unlock()
		if k.f.dedupeBeforeVerify && known {
			answerJSON(w, 200)
			return
		}
		if status := k.verify(r.Header, body); status != 0 {
			answerJSON(w, status)
			return
		}
		if known && k.f.replayStatus != 0 {
			answerJSON(w, k.f.replayStatus)
			return
		}
		k.mu.Lock()
		k.ids[id] = true
		k.mu.Unlock()
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil || doc == nil {
		status := k.f.malformedStatus
		if status == 0 {
			status = 400
		}
		answerJSON(w, status)
		return
	}
	if _, ok := fixtures.Lookup(event); !ok && k.f.unknownEventStatus != 0 {
		answerJSON(w, k.f.unknownEventStatus)
		return
	}
	if event == k.f.rejectEvent {
		answerJSON(w, 500)
		return
	}
	if k.f.nullCrash && event == "application_created" && doc["approved"] == nil {
		answerJSON(w, 500)
		return
	}
	if k.f.strictFields && event == "application_created" {
		for name := range doc {
			if !k.sample[name] {
				answerJSON(w, 400)
				return
			}
		}
	}
	key := fixtures.EntityKey(body)
	h := sha256.Sum256(body)
	act := func() {
		k.counts[event+"/"+key]++
		if event == "application_created" {
			k.created[key] = true
		}
	}
	k.mu.Lock()
	for k.f.forgetAbandoned && k.pending[h] != nil { // an earlier copy's fate is not known yet
		wait := k.pending[h]
		k.mu.Unlock()
		<-wait
		k.mu.Lock()
	}
	dup := k.seen[h] && !k.f.noDedupe
	var fate chan struct{}
	if k.f.forgetAbandoned && !dup {
		fate = make(chan struct{})
		k.pending[h] = fate
	}
	switch {
	case dup:
	case k.f.dropOrphanApproval && event == "application_approved" && !k.created[key]:
		k.seen[h] = true // acknowledged, nothing to update
	case k.f.racyDedupe && event == "customer_created": // its slow path
		k.mu.Unlock()
		time.Sleep(300 * time.Millisecond) // the work, between the check and the mark: long enough for every copy to arrive on a busy machine
		k.mu.Lock()
		k.seen[h] = true
		act()
	default:
		k.seen[h] = true
		act()
	}
	k.mu.Unlock()
	if dup && k.f.dupStatus != 0 {
		answerJSON(w, k.f.dupStatus)
		return
	}
	if fate != nil {
		hungUp := answerWatching(w)
		k.mu.Lock()
		if hungUp { // "processed" is rolled back, the effect is not
			delete(k.seen, h)
		}
		delete(k.pending, h)
		k.mu.Unlock()
		close(fate)
		return
	}
	answerJSON(w, 200)
}

// answerWatching answers 200 on the connection itself and reports whether
// the sender hung up without reading the answer. The answer says
// Connection: close, and the fake reads until the sender closes its end:
// a sender that read the whole answer closes cleanly; one that hung up
// before reading it leaves the answer unread, and its system resets the
// connection. The fate is the sender's close, not a moment the fake
// picks: copies of the delivery wait for it (pending).
func answerWatching(w http.ResponseWriter) (hungUp bool) {
	c, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return false
	}
	defer c.Close()
	// Only a bound: a sender reads or drops an answer at once.
	c.SetDeadline(time.Now().Add(30 * time.Second))
	const body = `{"status": 200}` + "\n"
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	if err := buf.Flush(); err != nil {
		return true
	}
	if _, err := io.Copy(io.Discard, c); err != nil {
		return !errors.Is(err, os.ErrDeadlineExceeded) // reset: the answer was dropped unread
	}
	// EOF: the sender closed, before or after reading. Had it closed
	// before, the answer reached a closed socket, whose reset has come
	// back by now; a write tells which.
	_, err = c.Write([]byte("\n"))
	return err != nil
}

// verify checks a Standard Webhooks signature with the flaws; 0 is valid.
func (k *fake) verify(h http.Header, body []byte) int {
	id, ts, sigs := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	if sigs == "" {
		if k.f.verifyIfPresent {
			return 0
		}
		return 401
	}
	if k.f.presenceOnly {
		return 0
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return 401
	}
	at := time.Unix(sec, 0)
	if !k.f.noStaleCheck && time.Since(at) > 5*time.Minute {
		return 401
	}
	if !k.f.noFutureCheck && time.Until(at) > 5*time.Minute {
		return 401
	}
	want := delivery.StandardSignature(k.key, id, sec, body)
	for _, s := range strings.Fields(sigs) {
		if s == want {
			return 0
		}
	}
	return 401
}
