package delivery

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

func TestParseSchedule(t *testing.T) {
	s := time.Second
	for in, want := range map[string]Schedule{
		"default":           {s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s},
		"standard-webhooks": {5 * s, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour},
		"none":              {0},
		"2s":                {2 * s, 4 * s, 8 * s, 16 * s, 30 * s},
		"45s":               {45 * s},
		"1s, 10s,1m":        {s, 10 * s, time.Minute},
		"250ms":             {250 * time.Millisecond, 500 * time.Millisecond, s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s},
	} {
		got, err := ParseSchedule(in)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", in, err)
			continue
		}
		if !slicesEqual(got, want) {
			t.Errorf("ParseSchedule(%q) = %v, want %v", in, got, want)
		}
	}
	for _, bad := range []string{"", "fast", "1s,x", "-1s"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func slicesEqual(a, b Schedule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSchedule_Wait(t *testing.T) {
	s := Schedule{time.Second, 5 * time.Second}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 5 * time.Second, 3: 5 * time.Second, 9: 5 * time.Second} {
		if got := s.Wait(n); got != want {
			t.Errorf("Wait(%d) = %s, want %s", n, got, want)
		}
	}
	if got := Schedule(nil).Wait(3); got != 4*time.Second {
		t.Errorf("nil schedule Wait(3) = %s, want the default's 4s", got)
	}
	if got := (Schedule{}).Wait(1); got != time.Second {
		t.Errorf("empty schedule Wait(1) = %s, want the default's 1s", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"7":  7 * time.Second,
		"0":  0,
		"-3": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Hour).Format(http.TimeFormat):       0,
	} {
		got, ok := parseRetryAfter(http.Header{"Retry-After": {v}}, now)
		if !ok || got != want {
			t.Errorf("Retry-After %q = %s %v, want %s", v, got, ok, want)
		}
	}
	if _, ok := parseRetryAfter(http.Header{"Retry-After": {"soon"}}, now); ok {
		t.Errorf("an unreadable Retry-After was accepted")
	}
	if _, ok := parseRetryAfter(http.Header{}, now); ok {
		t.Errorf("a missing Retry-After was accepted")
	}
}

// scriptedTransport answers each attempt from a script and records when it
// came and with which headers. It stands in for the network inside a
// synctest bubble, where real sockets cannot be used.
type scriptedTransport struct {
	mu      sync.Mutex
	script  []func() *http.Response
	at      []time.Time
	headers []http.Header
	metas   []recorder.Meta
}

func (s *scriptedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	s.at = append(s.at, time.Now())
	s.headers = append(s.headers, r.Header.Clone())
	m, _ := recorder.MetaFrom(r.Context())
	s.metas = append(s.metas, m)
	i := len(s.at) - 1
	if i >= len(s.script) {
		i = len(s.script) - 1
	}
	resp := s.script[i]()
	resp.Request = r
	return resp, nil
}

func answer(status int, h http.Header) func() *http.Response {
	return func() *http.Response {
		if h == nil {
			h = http.Header{}
		}
		return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader("")), ProtoMajor: 1, ProtoMinor: 1}
	}
}

func scriptedSender(t *testing.T, o Options, st *scriptedTransport) *Sender {
	o.Wrap = func(http.RoundTripper) http.RoundTripper { return st }
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func gaps(at []time.Time) []time.Duration {
	var g []time.Duration
	for i := 1; i < len(at); i++ {
		g = append(g, at[i].Sub(at[i-1]))
	}
	return g
}

// TestSender_RetrySchedule runs the Standard Webhooks schedule (about 27.5
// hours of waits) in a synctest bubble: the waits between attempts are the
// schedule's, the delivery id stays, the timestamp and signature are fresh.
func TestSender_RetrySchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		st := &scriptedTransport{script: []func() *http.Response{answer(503, nil)}}
		s := scriptedSender(t, Options{
			Retries: 7, Schedule: StandardWebhooksSchedule,
			Sign: SignStandardWebhooks, Secret: secret,
		}, st)
		defer s.Close()

		r := s.Send(context.Background(), Delivery{ID: "dlv_retry", Event: "application_created", Target: "http://receiver.test/hook", Body: []byte(body)})
		if r.OK || r.Attempts != 8 || r.Status != 503 || r.Reason != recorder.ReasonStatus {
			t.Fatalf("got %+v, want 8 failed attempts ending in 503", r)
		}
		if got := gaps(st.at); !slicesEqual(got, StandardWebhooksSchedule) {
			t.Errorf("waits = %v, want %v", got, StandardWebhooksSchedule)
		}
		var sum time.Duration
		for _, d := range StandardWebhooksSchedule {
			sum += d
		}
		if r.Total != sum {
			t.Errorf("total = %s, want %s", r.Total, sum)
		}
		seenTS := map[string]bool{}
		for i, h := range st.headers {
			if h.Get("Webhook-Id") != "dlv_retry" || h.Get(HeaderDelivery) != "dlv_retry" {
				t.Errorf("attempt %d: id %q / %q, want dlv_retry", i+1, h.Get("Webhook-Id"), h.Get(HeaderDelivery))
			}
			ts := h.Get("Webhook-Timestamp")
			if seenTS[ts] {
				t.Errorf("attempt %d reused timestamp %s", i+1, ts)
			}
			seenTS[ts] = true
			if want, _ := strconv.ParseInt(ts, 10, 64); want != st.at[i].Unix() {
				t.Errorf("attempt %d: timestamp %s, want the attempt's time %d", i+1, ts, st.at[i].Unix())
			}
			if err := verifyStandard(secret, h, []byte(body)); err != nil {
				t.Errorf("attempt %d: signature: %v", i+1, err)
			}
			if m := st.metas[i]; m.Attempt != i+1 || m.DeliveryID != "dlv_retry" || m.Event != "application_created" {
				t.Errorf("attempt %d: recorder meta %+v", i+1, m)
			}
		}
	})
}

func TestSender_RetryAfterHonoured(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &scriptedTransport{}
		// Seconds, then an HTTP date 42 s ahead of the third attempt, then
		// one far beyond the cap, then success.
		st.script = []func() *http.Response{
			answer(429, http.Header{"Retry-After": {"7"}}),
			func() *http.Response {
				return answer(503, http.Header{"Retry-After": {time.Now().Add(42 * time.Second).UTC().Format(http.TimeFormat)}})()
			},
			answer(503, http.Header{"Retry-After": {"86400"}}),
			answer(200, nil),
		}
		s := scriptedSender(t, Options{Retries: 5, Schedule: Schedule{time.Second}, RetryAfterCap: time.Minute}, st)
		defer s.Close()
		r := s.Send(context.Background(), Delivery{Event: "application_created", Target: "http://receiver.test/", Body: []byte(body)})
		if !r.OK || r.Attempts != 4 {
			t.Fatalf("got ok=%v after %d attempts, want OK after 4", r.OK, r.Attempts)
		}
		// HTTP dates have whole-second precision: the date wait may be up to 1 s short.
		g := gaps(st.at)
		if g[0] != 7*time.Second || g[1] < 41*time.Second || g[1] > 42*time.Second || g[2] != time.Minute {
			t.Errorf("waits = %v, want [7s ~42s 1m0s (capped)]", g)
		}
	})
}

func TestSender_DefaultScheduleAndNoRetryByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &scriptedTransport{script: []func() *http.Response{answer(500, nil)}}
		s := scriptedSender(t, Options{}, st)
		r := s.Send(context.Background(), Delivery{Target: "http://receiver.test/", Body: []byte(body)})
		if r.Attempts != 1 || len(st.at) != 1 {
			t.Errorf("no Retries: %d attempts, want 1", r.Attempts)
		}
		st2 := &scriptedTransport{script: []func() *http.Response{answer(500, nil)}}
		s2 := scriptedSender(t, Options{Retries: 7}, st2)
		s2.Send(context.Background(), Delivery{Target: "http://receiver.test/", Body: []byte(body)})
		want := Schedule{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
		if got := gaps(st2.at); !slicesEqual(got, want) {
			t.Errorf("default waits = %v, want %v", got, want)
		}
	})
}

func TestSender_CancelDuringWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := &scriptedTransport{script: []func() *http.Response{answer(500, nil)}}
		s := scriptedSender(t, Options{Retries: 3, Schedule: Schedule{time.Hour}}, st)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(10 * time.Minute)
			cancel()
		}()
		start := time.Now()
		r := s.Send(ctx, Delivery{Target: "http://receiver.test/", Body: []byte(body)})
		if r.Attempts != 1 || time.Since(start) != 10*time.Minute {
			t.Errorf("after cancel: %d attempts, %s, want 1 attempt, stopped at 10m", r.Attempts, time.Since(start))
		}
		if r.Reason != recorder.ReasonStatus || !strings.Contains(r.Err, "stopping") {
			t.Errorf("result %+v: want the last failure and a note that psbox stopped", r)
		}
	})
}
