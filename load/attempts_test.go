package load

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psbox-dev/psbox/mock/delivery"
)

// answers plays a fixed list of statuses, one per request, and notes when
// each came.
type answers struct {
	mu       sync.Mutex
	statuses []int
	at       []time.Time
}

func (a *answers) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.statuses[min(len(a.at), len(a.statuses)-1)]
	a.at = append(a.at, time.Now())
	h := http.Header{}
	if len(a.at) == 2 {
		h.Set("Retry-After", "5")
	}
	return &http.Response{StatusCode: st, Header: h, Body: io.NopCloser(strings.NewReader("")), ProtoMajor: 1, ProtoMinor: 1, Request: r}, nil
}

// With --retries, trigger prints each attempt to be retried as it happens:
// its status and the wait before the next (the schedule's, or Retry-After);
// the waits are real ones, run on synctest's clock. --quiet prints only
// the summary.
func TestRun_PrintsEachRetriedAttempt(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			var cfg delivery.Config
			cfg.Retries, cfg.RetryBackoff = 3, "2s"
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			rt := &answers{statuses: []int{503, 500, 200}}
			var stdout, stderr bytes.Buffer
			p := NewPrinter(PrintOptions{Out: &stdout, Err: &stderr, All: !quiet, Quiet: quiet, Attempts: true})
			sender, err := cfg.NewSender(delivery.Options{Concurrency: 1, Wrap: func(http.RoundTripper) http.RoundTripper { return rt }, OnAttempt: p.AttemptFunc()})
			if err != nil {
				t.Fatal(err)
			}
			defer sender.Close()
			start := time.Now()
			round := []delivery.Delivery{{Event: "application_created", Target: "http://receiver.test/hook", Body: []byte(`{}`)}}
			sum, err := Run(context.Background(), Job{Sender: sender, Round: round, Count: 1, Concurrency: 1}, p)
			if err != nil || sum.Problem() != "" {
				t.Fatalf("Run: %v, %q", err, sum.Problem())
			}
			if took := time.Since(start); took != 7*time.Second {
				t.Errorf("took %s, want 7s: 2s, then Retry-After 5s", took)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if quiet {
				if stderr.Len() != 0 || strings.Contains(stdout.String(), "attempt") || !strings.Contains(stdout.String(), "1 delivered, 0 failed") {
					t.Errorf("--quiet printed stderr %q stdout %q; want only the summary", stderr.String(), stdout.String())
				}
				return
			}
			if len(lines) != 2 ||
				!strings.Contains(lines[0], "attempt 1: 503 in") || !strings.Contains(lines[0], "retrying in 2s") ||
				!strings.Contains(lines[1], "attempt 2: 500 in") || !strings.Contains(lines[1], "retrying in 5s") {
				t.Errorf("attempt lines:\n%s", stderr.String())
			}
			if !strings.Contains(stdout.String(), "200") || !strings.Contains(stdout.String(), "3 attempts") {
				t.Errorf("delivery line: %q", stdout.String())
			}
		})
	}
}

func TestAttemptLine_NoAnswer(t *testing.T) {
	got := AttemptLine(eventsAttempt())
	if want := "customer_created  http://r/  attempt 1: connection_refused (dial tcp: refused) in -; retrying in 1s  dlv_1\n"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func eventsAttempt() delivery.Attempt {
	return delivery.Attempt{DeliveryID: "dlv_1", Event: "customer_created", Target: "http://r/", N: 1, Reason: "connection_refused", Err: "dial tcp: refused", Wait: time.Second}
}
