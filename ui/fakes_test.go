package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/recorder"
)

// baseTime makes every recorded time in the tests fixed, for goldens.
var baseTime = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// testLog is a real delivery log in a temporary folder: a Store appends to
// it, as the firer and other psbox processes do, and the UI follows it
// through a recorder.LogView, as it does in psbox.
type testLog struct {
	dir   string
	store *recorder.Store
	view  *recorder.LogView
}

func newTestLog(t testing.TB) *testLog {
	t.Helper()
	dir := t.TempDir()
	s, err := recorder.Open(dir, recorder.Options{FlushInterval: 5 * time.Millisecond, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testLog{dir: dir, store: s, view: recorder.NewLogView(s)}
}

// record appends an exchange to the log.
func (l *testLog) record(ex recorder.Exchange) {
	if _, err := l.store.Append(ex); err != nil {
		panic(err)
	}
}

// followed is the message the UI gets when these exchanges are read from
// the log, for tests that drive Update directly.
func followed(exs ...recorder.Exchange) exchangesFollowedMsg {
	b := recorder.Batch{CaughtUp: true}
	for i := range exs {
		b.Summaries = append(b.Summaries, recorder.SummaryOf(&exs[i]))
	}
	return exchangesFollowedMsg{batch: b}
}

// exchange makes a recorded delivery attempt number n.
func exchange(n int, event string, status int, body string) recorder.Exchange {
	ex := recorder.Exchange{
		ID:         fmt.Sprintf("ex_%08d", n),
		Kind:       recorder.KindDelivery,
		DeliveryID: fmt.Sprintf("dlv_%08d", n),
		Event:      event,
		Attempt:    1,
		Target:     "http://127.0.0.1:8485/webhooks",
		Request: recorder.Request{
			Method: "POST",
			URL:    "http://127.0.0.1:8485/webhooks",
			Headers: map[string][]string{
				"Content-Type": {"application/json"},
				"User-Agent":   {"psbox/test"},
			},
			Body: recorder.Body(body),
		},
		Start:    baseTime.Add(time.Duration(n) * time.Second),
		Duration: time.Duration(3+n%40) * time.Millisecond,
	}
	if status == 0 {
		ex.ErrorReason = recorder.ReasonRefused
		ex.Error = "dial tcp 127.0.0.1:8485: connect: connection refused"
		return ex
	}
	ex.Response = &recorder.Response{
		Status:  status,
		Headers: map[string][]string{"Content-Type": {"application/json"}},
		Body:    recorder.Body(`{"ok":true}`),
	}
	return ex
}

// fakeBuilder builds a small deterministic payload.
type fakeBuilder struct{}

func (fakeBuilder) Build(event string, seed int64) ([]byte, error) {
	if _, ok := fixtures.Lookup(event); !ok {
		return nil, fixtures.UnknownEventError(event)
	}
	return []byte(fmt.Sprintf(`{"event":%q,"seed":%d,"data":{"key":"appl_%06d","email":"jane@example.com"}}`, event, seed, seed)), nil
}

// fakeFirer records a delivery to the fake source, as the real dispatcher
// does through the recording transport.
type fakeFirer struct {
	src    *testLog
	status int

	mu    sync.Mutex
	n     int
	fired []string // event:body
}

func (f *fakeFirer) Fire(ctx context.Context, event string, seed int64, body []byte) ([]FireResult, error) {
	if body == nil {
		body, _ = fakeBuilder{}.Build(event, seed)
	}
	f.mu.Lock()
	f.n++
	n := f.n
	f.fired = append(f.fired, event+":"+string(body))
	f.mu.Unlock()
	ex := exchange(n, event, f.status, string(body))
	f.src.record(ex)
	return []FireResult{{Target: ex.Target, DeliveryID: ex.DeliveryID, OK: !ex.Failed(), Status: ex.Status(), Reason: ex.ErrorReason, Latency: ex.Duration}}, nil
}

func (f *fakeFirer) firedList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.fired...)
}

// fakeWebhooks validates like the mock's store does, in miniature.
type fakeWebhooks struct {
	mu    sync.Mutex
	hooks []Webhook
}

func (f *fakeWebhooks) List(context.Context) ([]Webhook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Webhook(nil), f.hooks...), nil
}

func (f *fakeWebhooks) check(target string, events []string) error {
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("target %q is not an http(s) URL", target)
	}
	for _, e := range events {
		if _, ok := fixtures.Lookup(e); !ok {
			return fixtures.UnknownEventError(e)
		}
	}
	return nil
}

func (f *fakeWebhooks) Create(_ context.Context, target string, events []string) (Webhook, error) {
	if err := f.check(target, events); err != nil {
		return Webhook{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	h := Webhook{Key: fmt.Sprintf("whook_%014d", len(f.hooks)+1), Target: target, Events: events, CreatedAt: baseTime}
	f.hooks = append(f.hooks, h)
	return h, nil
}

func (f *fakeWebhooks) UpdateEvents(_ context.Context, key string, events []string) (Webhook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.hooks {
		if f.hooks[i].Key == key {
			if err := f.check(f.hooks[i].Target, events); err != nil {
				return Webhook{}, err
			}
			f.hooks[i].Events = events
			return f.hooks[i], nil
		}
	}
	return Webhook{}, errors.New("no webhook " + key)
}

func (f *fakeWebhooks) Archive(_ context.Context, key string) (Webhook, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.hooks {
		if f.hooks[i].Key == key {
			f.hooks[i].Archived = true
			return f.hooks[i], nil
		}
	}
	return Webhook{}, errors.New("no webhook " + key)
}

// fakeCases returns fixed results and records what was accepted.
type fakeCases struct {
	results []CaseResult

	mu       sync.Mutex
	accepted []string
	problems error // the case files cannot be loaded while set
}

func (f *fakeCases) Run(context.Context) ([]CaseResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.problems != nil {
		return nil, f.problems
	}
	return append([]CaseResult(nil), f.results...), nil
}

func (f *fakeCases) setProblems(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.problems = err
}

func (f *fakeCases) Accept(_ context.Context, r CaseResult) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accepted = append(f.accepted, r.Name)
	return r.File + ":2: " + r.Name + ": expect.body changed", nil
}

func (f *fakeCases) acceptedList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.accepted...)
}

// fakeClipboard keeps what was copied.
type fakeClipboard struct {
	mu   sync.Mutex
	text string
}

func (f *fakeClipboard) Copy(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.text = s
	return nil
}

func (f *fakeClipboard) copied() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.text
}

// sampleDiff is what the contract runner reports for a receiver that
// answered {"ok": false} where the case expects {"ok": true}.
var sampleDiff = fixtures.Compare(
	fixtures.Case{Name: "approved is acknowledged", Expect: fixtures.Expect{Status: 200, Body: []byte(`{"ok":true,"received":"application_approved"}`)}},
	fixtures.Answer{Status: 200, Body: []byte(`{"ok":false,"received":"application_approved"}`)})
