// Package psboxtest runs psbox inside go test, in the manner of
// net/http/httptest: the mock PartnerStack Webhooks API, the dispatcher
// and the recorder in-process on 127.0.0.1, with helpers to fire events,
// wait for deliveries, run contract cases as subtests and build signed
// delivery requests for a handler's unit tests.
//
//	func TestReceiver(t *testing.T) {
//		srv := httptest.NewServer(myHandler)
//		defer srv.Close()
//		sb := psboxtest.Start(t)
//		sb.Subscribe(t, srv.URL, "application_created")
//		d := sb.Fire(t, "application_created", "content.email=jane@example.com")[0]
//		if d.Status != 200 {
//			t.Fatalf("receiver answered %d: %s", d.Status, d.Answer)
//		}
//	}
//
// Everything psbox sends is built by psbox's own builder and sender, as
// psbox serve and psbox trigger send it: the same headers, signatures and
// payloads.
package psboxtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
)

// The keys of every Sandbox's mock API.
const (
	publicKey = "pk_psboxtest"
	secretKey = "sk_psboxtest"
)

// userAgent is what deliveries and SignedRequest carry.
const userAgent = "psbox/psboxtest"

// An Option configures Start.
type Option func(*config)

type config struct {
	delivery delivery.Config
	seed     int64
	seedSet  bool
	target   string
}

// WithSigning signs every delivery: scheme is "standard-webhooks" (secret
// whsec_...) or "hmac-sha256" (any secret; the signature goes in
// X-Psbox-Signature), as psbox trigger's --sign and --secret.
func WithSigning(scheme, secret string) Option {
	return func(c *config) { c.delivery.Sign, c.delivery.Secret = scheme, secret }
}

// WithHeader adds a header to every delivery, or replaces psbox's own of
// that name (User-Agent, Content-Type), as psbox trigger's --header.
func WithHeader(name, value string) Option {
	return func(c *config) { c.delivery.Headers = append(c.delivery.Headers, name+": "+value) }
}

// WithSeed makes payloads reproducible: every Fire builds with seed. Without
// it each Sandbox picks a random seed and logs it.
func WithSeed(seed int64) Option {
	return func(c *config) { c.seed, c.seedSet = seed, true }
}

// WithTarget is where an event goes when no subscription matches it;
// without it such a Fire fails the test.
func WithTarget(url string) Option {
	return func(c *config) { c.target = url }
}

// Sandbox is a running psbox: the mock API, the dispatcher and the
// recorder. Start makes one; t.Cleanup closes it.
type Sandbox struct {
	url  string
	seed int64
	rec  *recorder.Store
	sb   *mock.Sandbox
	tick chan struct{} // closed and replaced when an exchange is recorded

	mu sync.Mutex
}

// Start runs a Sandbox for the test: the mock API on 127.0.0.1 at a free
// port, state in t.TempDir(), everything closed by t.Cleanup. A bad option
// (an unknown signing scheme, a malformed header) fails the test.
func Start(t testing.TB, opts ...Option) *Sandbox {
	t.Helper()
	var c config
	for _, o := range opts {
		o(&c)
	}
	if !c.seedSet {
		c.seed = fixtures.RandomSeed()
	}
	if err := c.delivery.Validate(); err != nil {
		t.Fatalf("psboxtest.Start: %v", err)
	}
	if c.target != "" {
		if err := delivery.ValidateTarget(c.target); err != nil {
			t.Fatalf("psboxtest.WithTarget: %v", err)
		}
	}
	dopts, err := c.delivery.Options()
	if err != nil {
		t.Fatalf("psboxtest.Start: %v", err)
	}
	dopts.UserAgent = userAgent
	dir := t.TempDir()
	rec, err := recorder.Open(dir, recorder.Options{Logf: t.Logf})
	if err != nil {
		t.Fatalf("psboxtest.Start: %v", err)
	}
	srv, err := mock.Start(mock.StartOptions{
		Options: mock.Options{PublicKey: publicKey, SecretKey: secretKey, Version: "psboxtest"},
		Dir:     dir, Addr: "127.0.0.1:0", Recorder: rec, Delivery: dopts, Fallback: c.target, Wait: 5 * time.Second,
	})
	if err != nil {
		rec.Close()
		t.Fatalf("psboxtest.Start: %v", err)
	}
	s := &Sandbox{url: srv.URL, seed: c.seed, rec: rec, sb: srv.Sandbox, tick: make(chan struct{})}
	live, unsubscribe := rec.Subscribe()
	go func() {
		for range live {
			s.mu.Lock()
			close(s.tick)
			s.tick = make(chan struct{})
			s.mu.Unlock()
		}
	}()
	if !c.seedSet {
		t.Logf("psboxtest: payload seed %d (psboxtest.WithSeed(%d) repeats this run)", c.seed, c.seed)
	}
	t.Cleanup(func() {
		err := srv.Close()
		unsubscribe()
		if err := errors.Join(err, rec.Close()); err != nil {
			t.Errorf("psboxtest: closing the sandbox: %v", err)
		}
	})
	return s
}

// URL is the mock API's base, http://127.0.0.1:PORT: the PartnerStack API
// under /api/v2, psbox's control routes under /_psbox.
func (s *Sandbox) URL() string { return s.url }

// PublicKey is the mock API's public key (the HTTP Basic user name).
func (s *Sandbox) PublicKey() string { return publicKey }

// SecretKey is the mock API's secret key (the HTTP Basic password).
func (s *Sandbox) SecretKey() string { return secretKey }

// Client returns an HTTP client that authenticates itself to the mock API
// (HTTP Basic with the sandbox's keys) and gives up after 10 seconds.
func (s *Sandbox) Client() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: basicAuth{http.DefaultTransport}}
}

type basicAuth struct{ next http.RoundTripper }

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.SetBasicAuth(publicKey, secretKey)
	}
	return b.next.RoundTrip(r)
}

// Subscribe creates a webhook for events with target through the mock API,
// as a PartnerStack integration would, and returns its key.
func (s *Sandbox) Subscribe(t testing.TB, target string, events ...string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"target": target, "events": events})
	resp, err := s.Client().Post(s.url+"/api/v2/webhooks", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("psboxtest.Subscribe: %v", err)
	}
	defer resp.Body.Close()
	var env struct {
		Data    struct{ Key string }
		Message string
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&env); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("psboxtest.Subscribe(%s, %v): %d %s", target, events, resp.StatusCode, env.Message)
	}
	return env.Data.Key
}

// Delivery is one delivery psbox made: its final attempt when there were
// retries.
type Delivery struct {
	ID     string // the delivery id (dlv_...), the same on every attempt
	Event  string
	Target string
	Status int    // the receiver's status; 0 when nothing answered
	Err    string // why the delivery failed; empty on success
	Body   []byte // what was sent
	Answer []byte // what came back (at most 1 MiB)
}

// Fire builds event and delivers it as POST /_psbox/events does: to every
// webhook subscribed to it, else to WithTarget's URL. Each edit is
// PATH=VALUE (VALUE as JSON when it is valid JSON, else a string; +PATH
// adds a field) or -PATH to remove one, as psbox trigger's --set and
// --unset. Bad input, or no one to deliver to, fails the test; a failed
// delivery does not: its Status and Err say how it ended.
func (s *Sandbox) Fire(t testing.TB, event string, edits ...string) []Delivery {
	t.Helper()
	ed, err := parseEdits(edits)
	if err != nil {
		t.Fatalf("psboxtest.Fire(%s): %v", event, err)
	}
	results, err := s.sb.Dispatcher.Fire(context.Background(), event, s.seed, ed, "")
	if err != nil {
		t.Fatalf("psboxtest.Fire(%s): %v", event, err)
	}
	out := make([]Delivery, len(results))
	for i, r := range results {
		if d, ok := s.delivery(r.DeliveryID); ok {
			out[i] = d
			continue
		}
		out[i] = Delivery{ID: r.DeliveryID, Event: r.Event, Target: r.Target, Status: r.Status, Err: r.Err, Answer: r.ResponseBody}
	}
	return out
}

// parseEdits turns Fire's and SignedRequest's edits (PATH=VALUE, or -PATH)
// into builder edits through psbox's one --set/--unset parser.
func parseEdits(edits []string) ([]fixtures.Edit, error) {
	var sets, unsets []string
	for _, e := range edits {
		if p, ok := strings.CutPrefix(e, "-"); ok {
			unsets = append(unsets, p)
		} else {
			sets = append(sets, e)
		}
	}
	return fixtures.ParseEdits(sets, unsets)
}

// delivery reads one delivery's final attempt from the log.
func (s *Sandbox) delivery(id string) (Delivery, bool) {
	exs := s.rec.List(recorder.Filter{Kind: recorder.KindDelivery, DeliveryID: id, Limit: 1})
	if len(exs) == 0 {
		return Delivery{}, false
	}
	return deliveryOf(&exs[0]), true
}

func deliveryOf(ex *recorder.Exchange) Delivery {
	d := Delivery{ID: ex.DeliveryID, Event: ex.Event, Target: ex.Target, Status: ex.Status(),
		Err: ex.Error, Body: []byte(ex.Request.Body)}
	if ex.Response != nil {
		d.Answer = []byte(ex.Response.Body)
	}
	if d.Err == "" && ex.Failed() {
		if d.Status != 0 {
			d.Err = fmt.Sprintf("the receiver answered %d", d.Status)
		} else {
			d.Err = "no answer (" + ex.ErrorReason + ")"
		}
	}
	return d
}

// Deliveries returns every delivery the sandbox made, by Fire or by
// POST /_psbox/events, oldest first; a retried delivery appears once, as
// its final attempt. The log is read one record at a time: memory is that
// of the deliveries returned.
func (s *Sandbox) Deliveries() []Delivery {
	var l deliveryLog
	s.rec.Scan(recorder.Filter{Kind: recorder.KindDelivery}, func(line []byte, sm *recorder.Summary) error {
		l.add(line, sm)
		return nil
	})
	return l.changed()
}

// WaitFor returns the first delivery that match accepts, waiting up to
// timeout for one to be made (by Fire in another goroutine, or by a
// POST /_psbox/events the code under test sends). It fails the test when
// none comes in time. It reads the log once, following it: each wait
// reads only what was recorded since the last, and match sees each new
// attempt once.
func (s *Sandbox) WaitFor(t testing.TB, match func(Delivery) bool, timeout time.Duration) Delivery {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	fl, err := recorder.Follow(s.rec.Dir(), false, t.Logf)
	if err != nil {
		t.Fatalf("psboxtest.WaitFor: %v", err)
	}
	defer fl.Close()
	var l deliveryLog
	for {
		s.mu.Lock()
		tick := s.tick
		s.mu.Unlock()
		s.rec.Flush() // what was recorded before the tick is in the file
		if _, err := fl.Records(0, l.add); err != nil {
			t.Logf("psboxtest.WaitFor: %v", err)
		}
		for _, d := range l.changed() {
			if match(d) {
				return d
			}
		}
		select {
		case <-tick:
		case <-deadline.C:
			t.Fatalf("psboxtest.WaitFor: no matching delivery within %s (%d deliveries made)", timeout, len(l.list))
			return Delivery{}
		}
	}
}
