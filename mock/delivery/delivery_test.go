package delivery

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

const body = `{"event":"application_created","key":"appl_8WePUs6tWFsW4h"}`

func newTestSender(t *testing.T, o Options) *Sender {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func send(t *testing.T, s *Sender, target string) Result {
	t.Helper()
	return s.Send(t.Context(), Delivery{Event: "application_created", Target: target, Body: []byte(body)})
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestSender_HeadersAndBody(t *testing.T) {
	type got struct {
		method string
		h      http.Header
		body   string
	}
	ch := make(chan got, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Method, r.Header.Clone(), string(b)}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()

	s := newTestSender(t, Options{UserAgent: "psbox/1.2.3", Headers: http.Header{"Authorization": {"Bearer t0k"}}})
	r := s.Send(t.Context(), Delivery{ID: "dlv_fixed", Event: "application_created", Target: srv.URL + "/hook", Body: []byte(body)})
	if !r.OK || r.Status != 200 || r.Reason != "" || r.Attempts != 1 {
		t.Fatalf("result = %+v, want OK 200 after 1 attempt", r)
	}
	if string(r.ResponseBody) != `{"ok":true}` || r.ResponseHeaders.Get("Content-Type") != "application/json" {
		t.Errorf("response kept = %q %v", r.ResponseBody, r.ResponseHeaders)
	}
	g := <-ch
	want := map[string]string{
		"Content-Type":     "application/json",
		"User-Agent":       "psbox/1.2.3",
		"X-Psbox-Event":    "application_created",
		"X-Psbox-Delivery": "dlv_fixed",
		"Authorization":    "Bearer t0k",
	}
	for k, v := range want {
		if g.h.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, g.h.Get(k), v)
		}
	}
	if g.method != http.MethodPost || g.body != body {
		t.Errorf("got %s %q, want POST %q", g.method, g.body, body)
	}
	if g.h.Get("Webhook-Signature") != "" {
		t.Errorf("unsigned by default, got a signature header")
	}
}

func TestSender_GeneratesDeliveryID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	s := newTestSender(t, Options{})
	a, b := send(t, s, srv.URL), send(t, s, srv.URL)
	if !strings.HasPrefix(a.DeliveryID, "dlv_") || len(a.DeliveryID) != 18 || a.DeliveryID == b.DeliveryID {
		t.Errorf("delivery ids %q %q: want distinct dlv_ + 14 characters", a.DeliveryID, b.DeliveryID)
	}
}

func TestSender_StatusFailures(t *testing.T) {
	for _, tc := range []struct {
		status int
		reason string
	}{
		{200, ""}, {204, ""}, {299, ""},
		{500, recorder.ReasonStatus}, {413, recorder.ReasonStatus}, {429, recorder.ReasonStatus},
		{404, recorder.ReasonStatus}, {410, recorder.ReasonStatus},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			r := send(t, newTestSender(t, Options{}), srv.URL)
			if r.Status != tc.status || r.Reason != tc.reason || r.OK != (tc.reason == "") {
				t.Errorf("got status %d reason %q ok %v, want %d %q", r.Status, r.Reason, r.OK, tc.status, tc.reason)
			}
			if !r.OK && !strings.Contains(r.Err, strconv.Itoa(tc.status)) {
				t.Errorf("error text %q does not name the status", r.Err)
			}
		})
	}
}

func TestSender_RedirectNotFollowed(t *testing.T) {
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/moved", http.StatusFound)
	}))
	defer srv.Close()

	r := send(t, newTestSender(t, Options{Retries: 3, Schedule: Schedule{time.Millisecond}}), srv.URL)
	if r.OK || r.Status != 302 || r.Reason != recorder.ReasonRedirect {
		t.Fatalf("got %+v, want a 302 failure with reason %q", r, recorder.ReasonRedirect)
	}
	if r.Attempts != 1 {
		t.Errorf("attempts = %d: a redirect is not retried", r.Attempts)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the Location target got %d requests, want 0", n)
	}
	if !strings.Contains(r.Err, "/moved") {
		t.Errorf("error %q does not name the Location", r.Err)
	}
}

// TestSender_StalledReceiverFreesWorker: a handler that never answers, and
// one that answers 1 byte a second, both end at the deadline plus at most
// 100 ms with reason timeout.
func TestSender_StalledReceiverFreesWorker(t *testing.T) {
	const deadline = 300 * time.Millisecond
	// stop ends a handler the client has left: the server only notices a
	// client leaving once the request body has been read.
	var stop chan struct{}
	handlers := map[string]http.HandlerFunc{
		"stalled": func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		},
		"slow body": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			for {
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-stop:
					return
				case <-time.After(time.Second):
				}
			}
		},
		"slow reader": func(w http.ResponseWriter, r *http.Request) {
			b := make([]byte, 1)
			for {
				if _, err := r.Body.Read(b); err != nil {
					break
				}
				select {
				case <-r.Context().Done():
					return
				case <-stop:
					return
				case <-time.After(time.Second):
				}
			}
		},
	}
	for name, h := range handlers {
		t.Run(name, func(t *testing.T) {
			stop = make(chan struct{})
			srv := httptest.NewServer(h)
			defer srv.Close()
			defer close(stop)
			s := newTestSender(t, Options{Timeout: deadline})
			start := time.Now()
			r := send(t, s, srv.URL)
			took := time.Since(start)
			if r.OK || r.Reason != recorder.ReasonTimeout {
				t.Errorf("got ok=%v reason %q (%s), want reason %q", r.OK, r.Reason, r.Err, recorder.ReasonTimeout)
			}
			if took > deadline+100*time.Millisecond {
				t.Errorf("worker freed after %s, want within %s", took, deadline+100*time.Millisecond)
			}
			if r.Latency < deadline-10*time.Millisecond {
				t.Errorf("latency %s shorter than the deadline %s", r.Latency, deadline)
			}
		})
	}
}

func TestSender_ConnectionReset(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST instead of FIN
		}
		conn.Close()
	}))
	defer srv.Close()
	r := send(t, newTestSender(t, Options{}), srv.URL)
	if r.OK || r.Reason != recorder.ReasonReset || r.Status != 0 {
		t.Errorf("got %+v, want reason %q", r, recorder.ReasonReset)
	}
}

func TestSender_Refused(t *testing.T) {
	r := send(t, newTestSender(t, Options{}), "http://"+closedPort(t)+"/hook")
	if r.OK || r.Reason != recorder.ReasonRefused {
		t.Errorf("got %+v, want reason %q", r, recorder.ReasonRefused)
	}
	if !strings.Contains(r.Err, "refused") {
		t.Errorf("error %q does not say refused", r.Err)
	}
}

func TestSender_TLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	r := send(t, newTestSender(t, Options{}), srv.URL)
	if r.OK || r.Reason != recorder.ReasonTLS {
		t.Errorf("self-signed certificate: got %+v, want reason %q", r, recorder.ReasonTLS)
	}
	r = send(t, newTestSender(t, Options{InsecureTLS: true}), srv.URL)
	if !r.OK {
		t.Errorf("with InsecureTLS: got %+v, want OK", r)
	}
}

func TestClassify(t *testing.T) {
	bg := context.Background()
	canceled, cancel := context.WithCancel(bg)
	cancel()
	for _, tc := range []struct {
		name   string
		parent context.Context
		err    error
		want   string
	}{
		{"dns", bg, &net.OpError{Op: "dial", Err: &net.DNSError{Name: "nowhere.invalid", Err: "no such host", IsNotFound: true}}, recorder.ReasonDNS},
		{"canceled", canceled, context.Canceled, recorder.ReasonCanceled},
		{"eof", bg, io.EOF, recorder.ReasonReset},
		{"other", bg, errors.New("something odd"), recorder.ReasonNetwork},
	} {
		reason, text := classify(tc.parent, bg, tc.err, time.Second)
		if reason != tc.want || text == "" {
			t.Errorf("%s: classify = %q %q, want %q", tc.name, reason, text, tc.want)
		}
	}
}

func TestSender_TruncatesLargeResponse(t *testing.T) {
	big := strings.Repeat("a", 2<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, big) }))
	defer srv.Close()
	r := send(t, newTestSender(t, Options{}), srv.URL)
	if !r.OK || !r.Truncated || len(r.ResponseBody) != recorder.MaxBodyBytes {
		t.Errorf("ok=%v truncated=%v kept=%d, want OK, truncated, %d bytes kept", r.OK, r.Truncated, len(r.ResponseBody), recorder.MaxBodyBytes)
	}
}

func TestNew_RejectsBadOptions(t *testing.T) {
	short := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 10))
	long := "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 65))
	for name, o := range map[string]Options{
		"no secret":        {Sign: SignStandardWebhooks},
		"no prefix":        {Sign: SignStandardWebhooks, Secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
		"not base64":       {Sign: SignStandardWebhooks, Secret: "whsec_!!!"},
		"too short":        {Sign: SignStandardWebhooks, Secret: short},
		"too long":         {Sign: SignStandardWebhooks, Secret: long},
		"hmac no secret":   {Sign: SignHMACSHA256},
		"unknown scheme":   {Sign: "rsa"},
		"secret, no sign":  {Secret: "whsec_x"},
		"negative retries": {Retries: -1},
		"bad header name":  {Headers: http.Header{"Bad Name": {"x"}}},
		"bad header value": {Headers: http.Header{"X-Team": {"a\r\nInjected: 1"}}},
		"bad sig header":   {Sign: SignHMACSHA256, Secret: "s", SignatureHeader: "X Sig"},
	} {
		_, err := New(o)
		if err == nil {
			t.Errorf("%s: New accepted %+v", name, o)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want one sentence, got %q", name, err)
		}
	}
}

func TestSender_RetriesOverRealNetwork(t *testing.T) {
	var n atomic.Int32
	ids := make(chan string, 5)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ids <- r.Header.Get(HeaderDelivery)
		if n.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	s := newTestSender(t, Options{Retries: 4, Schedule: Schedule{5 * time.Millisecond}})
	r := send(t, s, srv.URL)
	if !r.OK || r.Attempts != 3 {
		t.Fatalf("got ok=%v after %d attempts, want OK after 3", r.OK, r.Attempts)
	}
	first := <-ids
	for range 2 {
		if id := <-ids; id != first {
			t.Errorf("retry carried delivery id %q, want %q", id, first)
		}
	}
	if r.Total < 10*time.Millisecond {
		t.Errorf("total %s shorter than the two waits", r.Total)
	}
}

func TestSender_NoRetryOn4xx(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	r := send(t, newTestSender(t, Options{Retries: 3, Schedule: NoWaitSchedule}), srv.URL)
	if r.Attempts != 1 || n.Load() != 1 {
		t.Errorf("400 made %d attempts (%d requests), want 1", r.Attempts, n.Load())
	}
}

// TestSender_ConnectionReuse: 2,000 deliveries at concurrency 8 to a
// keep-alive receiver open about as many connections as workers.
func TestSender_ConnectionReuse(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"received":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	const total, workers = 2000, 8
	s := newTestSender(t, Options{Concurrency: workers})
	jobs := make(chan int)
	var failed atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				if r := send(t, s, srv.URL); !r.OK {
					failed.Add(1)
				}
			}
		})
	}
	for i := range total {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if failed.Load() != 0 {
		t.Errorf("%d deliveries failed", failed.Load())
	}
	if c := conns.Load(); c > 10 {
		t.Errorf("%d deliveries at concurrency %d opened %d connections, want at most 10", total, workers, c)
	}
}

func TestResult_JSONRoundTrip(t *testing.T) {
	r := Result{DeliveryID: "dlv_1", Event: "application_created", Target: "http://x", OK: false, Status: 500,
		Reason: recorder.ReasonStatus, Err: "boom", Attempts: 2, Latency: 1500 * time.Microsecond, Total: 3 * time.Millisecond,
		ResponseBody: []byte(`{"error":"x"}`)}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"duration_ns":1500000`) || !strings.Contains(string(b), `"response_body":"{\"error\":\"x\"}"`) {
		t.Errorf("JSON = %s: want duration_ns and a text body", b)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.DeliveryID != r.DeliveryID || back.Latency != r.Latency || string(back.ResponseBody) != string(r.ResponseBody) || back.Reason != r.Reason {
		t.Errorf("round trip: %+v, want %+v", back, r)
	}
}
