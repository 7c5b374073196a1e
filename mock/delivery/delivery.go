// Package delivery sends webhook deliveries: one event's JSON body POSTed to
// one target, with psbox's headers, an optional signature, a deadline per
// attempt, and retries when asked for. It prints nothing; every delivery
// ends in a Result.
//
//	s, err := delivery.New(delivery.Options{Retries: 2})
//	if err != nil { ... }
//	defer s.Close()
//	r := s.Send(ctx, delivery.Delivery{Event: "application_created", Target: url, Body: body})
//	if !r.OK { fmt.Println(r.Reason, r.Err) }
//
// Choices that are psbox's own (PartnerStack documents none of them): the
// X-Psbox-Event and X-Psbox-Delivery headers, a 10 s deadline per attempt,
// 2xx as the only success, redirects never followed, no retries unless asked
// for, and no signature unless asked for.
package delivery

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/psbox-dev/psbox/internal/h1"
	"github.com/psbox-dev/psbox/internal/handwritten"
	"github.com/psbox-dev/psbox/recorder"
)

// Header names psbox sets on every delivery (psbox's own; PartnerStack
// documents no event or delivery header).
const (
	HeaderEvent    = "X-Psbox-Event"
	HeaderDelivery = "X-Psbox-Delivery"
)

// Defaults, all psbox's choices.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultConnectTimeout = 5 * time.Second
	DefaultRetryAfterCap  = 10 * time.Minute
	DefaultUserAgent      = "psbox"
	// drainBytes is how much of a response beyond MaxBodyBytes is read and
	// thrown away so the connection can be reused; past it the connection
	// is closed instead.
	drainBytes = 4 << 20
)

// Options configure a Sender. The zero value is valid.
type Options struct {
	Timeout         time.Duration                             // total per attempt; default 10s (psbox's choice)
	ConnectTimeout  time.Duration                             // default 5s
	Retries         int                                       // extra attempts after the first; default 0 (no retries)
	Schedule        Schedule                                  // backoff; default 1s doubling to 30s
	RetryAfterCap   time.Duration                             // longest Retry-After honoured; default 10m
	Sign            string                                    // "", "standard-webhooks", "hmac-sha256"
	Secret          string                                    // whsec_... for standard-webhooks; any for hmac-sha256
	SignatureHeader string                                    // for hmac-sha256; default "X-Psbox-Signature"
	Headers         http.Header                               // extra headers (--header); each replaces psbox's own of that name
	Concurrency     int                                       // sizes the pool (MaxIdleConnsPerHost >= it)
	Wrap            func(http.RoundTripper) http.RoundTripper // e.g. the recording transport; it finds recorder.Meta on each request's context
	AllowPrivate    bool                                      // allow link-local/metadata destinations
	InsecureTLS     bool
	UserAgent       string // default "psbox"; the CLI passes "psbox/<version>"
	// OnAttempt, when set, is called after each attempt that is not the
	// delivery's last, before the wait (psbox trigger prints them as they
	// happen). It runs on the sending goroutine: keep it short.
	OnAttempt func(Attempt)
}

// Attempt is one attempt of a delivery that will be tried again.
type Attempt struct {
	DeliveryID, Event, Target string
	N                         int // 1 for the first attempt
	Status                    int // 0 when no answer came
	Reason, Err               string
	Latency                   time.Duration
	Wait                      time.Duration // before the next attempt
}

// Delivery is one event to send to one target.
type Delivery struct {
	ID       string // generated "dlv_..." if empty; the same on every attempt
	Event    string
	Target   string
	Body     []byte
	ReplayOf string // the delivery this one replays, if any
	// Header holds this delivery's own headers (a contract case's
	// "headers"); each replaces the configuration's header of that name.
	Header http.Header

	// Faults a receiver audit sends on purpose (zero: an ordinary delivery).
	SignedAt   time.Time // the signature's timestamp instead of now: a stale, future or byte-identical re-sent delivery
	SignedBody []byte    // the bytes the signature covers instead of Body: a tampered delivery
}

// Result is how a delivery ended.
type Result struct {
	DeliveryID      string
	Event           string
	Target          string
	ReplayOf        string        // the delivery this one replayed, if any
	OK              bool          // final attempt answered 2xx
	Status          int           // final attempt's status, 0 if none
	Reason          string        // recorder.Reason* of the final failure, "" if OK
	Err             string        // human text of the final failure
	Attempts        int           // attempts made
	Latency         time.Duration // final attempt
	Total           time.Duration // all attempts incl. waits
	ResponseHeaders http.Header
	ResponseBody    []byte // at most recorder.MaxBodyBytes
	Truncated       bool
}

// resultJSON is Result on the wire, with the names the delivery log uses
// for the same things (error_reason, error, duration_ns; docs/json.md):
// durations in nanoseconds, the body as text (recorder.Body).
type resultJSON struct {
	DeliveryID      string        `json:"delivery_id"`
	Event           string        `json:"event"`
	Target          string        `json:"target"`
	ReplayOf        string        `json:"replay_of,omitempty"`
	OK              bool          `json:"ok"`
	Status          int           `json:"status"`
	Reason          string        `json:"error_reason,omitempty"`
	Err             string        `json:"error,omitempty"`
	Attempts        int           `json:"attempts"`
	DurationNS      time.Duration `json:"duration_ns"`
	TotalNS         time.Duration `json:"total_ns"`
	ResponseHeaders http.Header   `json:"response_headers,omitempty"`
	ResponseBody    recorder.Body `json:"response_body,omitempty"`
	Truncated       bool          `json:"truncated,omitempty"`
}

// MarshalJSON writes the shape of docs/json.md: duration_ns/total_ns and
// the response body as text.
func (r Result) MarshalJSON() ([]byte, error) {
	return json.Marshal(resultJSON{
		DeliveryID: r.DeliveryID, Event: r.Event, Target: r.Target, ReplayOf: r.ReplayOf, OK: r.OK,
		Status: r.Status, Reason: r.Reason, Err: r.Err, Attempts: r.Attempts,
		DurationNS: r.Latency, TotalNS: r.Total,
		ResponseHeaders: r.ResponseHeaders, ResponseBody: recorder.Body(r.ResponseBody),
		Truncated: r.Truncated,
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *Result) UnmarshalJSON(b []byte) error {
	var j resultJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Result{
		DeliveryID: j.DeliveryID, Event: j.Event, Target: j.Target, ReplayOf: j.ReplayOf, OK: j.OK,
		Status: j.Status, Reason: j.Reason, Err: j.Err, Attempts: j.Attempts,
		Latency: j.DurationNS, Total: j.TotalNS,
		ResponseHeaders: j.ResponseHeaders, ResponseBody: []byte(j.ResponseBody),
		Truncated: j.Truncated,
	}
	return nil
}

// Sender sends deliveries over one pooled transport. It is safe for
// concurrent use.
type Sender struct {
	o Options
	// closeBase closes the base transport: internal/h1 (plain http itself,
	// https through an *http.Transport), or net/http's in a build with
	// handwritten.H1 off.
	closeBase func()
	// rt is the base transport, wrapped when Options.Wrap says so. Attempts call its
	// RoundTrip directly: an http.Client would only add a copy of every
	// request's headers (kept for redirects, which psbox never follows)
	// and a redirect loop.
	rt      http.RoundTripper
	signer  signer
	static  http.Header // Content-Type, User-Agent and the extra headers
	targets targetCache
}

// targetCache holds targets parsed and checked once: psbox makes many
// attempts to few targets. The URLs are shared by requests, which net/http
// only reads.
type targetCache struct {
	mu sync.RWMutex
	m  map[string]*url.URL
}

// get parses and checks raw, or returns it as it did before.
func (c *targetCache) get(raw string) (*url.URL, error) {
	c.mu.RLock()
	u := c.m[raw]
	c.mu.RUnlock()
	if u != nil {
		return u, nil
	}
	u, err := parseTarget(raw)
	if err != nil {
		return nil, err
	}
	// As http.NewRequest: a host ending in ':' (an empty port) loses it.
	if strings.LastIndex(u.Host, ":") > strings.LastIndex(u.Host, "]") {
		u.Host = strings.TrimSuffix(u.Host, ":")
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*url.URL{}
	}
	if len(c.m) < 1024 { // bounded: a long fan-out parses the rest each time
		c.m[raw] = u
	}
	c.mu.Unlock()
	return u, nil
}

// New validates o and returns a Sender. Close it when done.
func New(o Options) (*Sender, error) {
	sg, err := o.check()
	if err != nil {
		return nil, err
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ConnectTimeout == 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.ConnectTimeout > o.Timeout {
		o.ConnectTimeout = o.Timeout
	}
	if o.RetryAfterCap == 0 {
		o.RetryAfterCap = DefaultRetryAfterCap
	}
	if len(o.Schedule) == 0 {
		o.Schedule = DefaultSchedule
	}
	dialer := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		dialer.Control = dialGuard
	}
	idle := max(o.Concurrency, 4)
	tr := &http.Transport{
		Proxy:               nil, // deliveries go straight to the target: psbox's choice
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: o.ConnectTimeout,
		MaxIdleConns:        max(100, 2*idle),
		MaxIdleConnsPerHost: idle,
		// With a cap, a request waits for a connection being returned to
		// the pool instead of dialing a new one: N workers keep N
		// connections open, not N plus the ones dialed in that race.
		MaxConnsPerHost:       o.Concurrency,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: 0,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
	}
	if o.InsecureTLS {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // explicit --insecure
	}
	var rt http.RoundTripper = tr
	closeBase := tr.CloseIdleConnections
	if handwritten.On(handwritten.H1) {
		h := h1.New(h1.Options{Dial: dialer.DialContext, Fallback: tr, MaxIdlePerHost: idle, MaxIdle: max(100, 2*idle)})
		rt, closeBase = h, h.Close
	}
	if o.Wrap != nil {
		rt = o.Wrap(rt)
	}
	ua := o.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	// psbox's own headers first; an extra header of the same name
	// replaces them (--header 'User-Agent: ...').
	static := http.Header{"Content-Type": {"application/json"}, "User-Agent": {ua}}
	for k, vs := range o.Headers {
		static[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	for k, vs := range static {
		static[k] = vs[:len(vs):len(vs)]
	}
	return &Sender{
		o:         o,
		closeBase: closeBase,
		rt:        rt,
		signer:    sg,
		static:    static,
	}, nil
}

// Close closes the idle connections, and each one in use once its request
// is done.
func (s *Sender) Close() { s.closeBase() }

// Send delivers d, retrying as the options say, and reports how it ended.
// It returns early (Reason "canceled" if no attempt finished) when ctx ends.
func (s *Sender) Send(ctx context.Context, d Delivery) Result {
	if d.ID == "" {
		d.ID = NewDeliveryID()
	}
	res := Result{DeliveryID: d.ID, Event: d.Event, Target: d.Target, ReplayOf: d.ReplayOf}
	if d.Target == "" {
		err := ValidateTarget(d.Target)
		res.Reason, res.Err = recorder.Classify(err), err.Error()
		return res
	}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		a := s.attempt(ctx, d, attempt)
		res.Attempts = attempt
		res.OK, res.Status, res.Reason, res.Err = a.ok, a.status, a.reason, a.err
		res.Latency = a.latency
		res.ResponseHeaders, res.ResponseBody, res.Truncated = a.headers, a.body, a.truncated
		res.Total = time.Since(start)
		if a.ok || !a.retryable || attempt > s.o.Retries {
			return res
		}
		wait := s.o.Schedule.Wait(attempt)
		if ra, ok := parseRetryAfter(a.headers, time.Now()); ok {
			wait = min(ra, s.o.RetryAfterCap)
		}
		if s.o.OnAttempt != nil {
			s.o.OnAttempt(Attempt{DeliveryID: d.ID, Event: d.Event, Target: d.Target, N: attempt,
				Status: a.status, Reason: a.reason, Err: a.err, Latency: a.latency, Wait: wait})
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			res.Err += " (no further retry: psbox is stopping)"
			res.Total = time.Since(start)
			return res
		case <-t.C:
		}
	}
}

// attemptResult is one attempt's outcome.
type attemptResult struct {
	ok        bool
	status    int
	reason    string
	err       string
	retryable bool
	latency   time.Duration
	headers   http.Header
	body      []byte
	truncated bool
}

// header is the header of an attempt of d made at now: psbox's own
// headers, the extra ones, the event and delivery id, and the signature.
func (s *Sender) header(d Delivery, now time.Time) http.Header {
	// One map sized for every header, sharing the template's values (cut
	// to their length, so an Add never writes into them).
	h := make(http.Header, len(s.static)+5)
	for k, vs := range s.static {
		h[k] = vs
	}
	for k, vs := range d.Header {
		h[http.CanonicalHeaderKey(k)] = vs[:len(vs):len(vs)]
	}
	if d.Event != "" {
		h[HeaderEvent] = []string{d.Event}
	}
	h[HeaderDelivery] = []string{d.ID}
	if s.signer != nil {
		at, signed := d.SignedAt, d.Body
		if at.IsZero() {
			at = now
		}
		if d.SignedBody != nil {
			signed = d.SignedBody
		}
		s.signer.sign(h, d.ID, at.Unix(), signed)
	}
	return h
}

// Request returns the request the first attempt of d would send, signed
// now, without sending it: for a handler's unit test (httptest.NewRecorder)
// or a look at exactly what psbox sends. A d without an ID gets one.
func (s *Sender) Request(ctx context.Context, d Delivery) (*http.Request, error) {
	if d.ID == "" {
		d.ID = NewDeliveryID()
	}
	u, err := s.targets.get(d.Target)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(d.Body))
	if err != nil {
		return nil, err
	}
	h := s.header(d, time.Now())
	req.Header = make(http.Header, len(h))
	for k, vs := range h {
		req.Header[k] = append([]string(nil), vs...)
	}
	return req, nil
}

func (s *Sender) attempt(ctx context.Context, d Delivery, n int) (a attemptResult) {
	actx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	rctx := actx
	if s.o.Wrap != nil {
		// For the wrapping transport (the recorder): what the request
		// itself does not carry.
		rctx = recorder.WithMeta(actx, recorder.Meta{
			DeliveryID: d.ID, Event: d.Event, Attempt: n, ReplayOf: d.ReplayOf, InsecureTLS: s.o.InsecureTLS,
			Body: d.Body, // sent as is: the transport records it without reading a copy
		})
	}
	u, err := s.targets.get(d.Target)
	if err != nil {
		return attemptResult{reason: recorder.Classify(err), err: err.Error()}
	}
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, "", bytes.NewReader(d.Body))
	if err != nil {
		return attemptResult{reason: recorder.ReasonBlocked, err: err.Error()}
	}
	req.URL, req.Host = u, u.Host // shared: net/http only reads them
	req.Header = s.header(d, time.Now())

	start := time.Now()
	defer func() { a.latency = time.Since(start) }()
	resp, err := s.rt.RoundTrip(req) // a 3xx comes back as is: redirects are never followed
	if err == nil && resp == nil {
		err = errors.New("the transport returned no response")
	}
	if err != nil {
		a.reason, a.err = classify(ctx, actx, err, s.o.Timeout)
		a.retryable = a.reason != recorder.ReasonBlocked && a.reason != recorder.ReasonCanceled
		return a
	}
	a.status, a.headers = resp.StatusCode, resp.Header
	if resp.Body != nil {
		a.body, a.truncated, err = readBody(resp.Body, resp.ContentLength)
		resp.Body.Close()
	}
	switch {
	case err != nil:
		a.reason, a.err = classify(ctx, actx, err, s.o.Timeout)
		a.err = fmt.Sprintf("reading the %d response: %s", resp.StatusCode, a.err)
		a.retryable = a.reason != recorder.ReasonCanceled
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		a.ok = true
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		a.reason = recorder.ReasonRedirect
		a.err = fmt.Sprintf("the receiver answered %d (redirects are not followed)", resp.StatusCode)
		if loc := resp.Header.Get("Location"); loc != "" {
			a.err += "; Location: " + loc
		}
	default:
		a.reason = recorder.ReasonStatus
		a.err = fmt.Sprintf("the receiver answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		a.retryable = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	}
	return a
}

// readBody keeps at most recorder.MaxBodyBytes, drains up to drainBytes more
// so the connection can be reused, and reports whether anything was dropped.
// size is the announced Content-Length (-1 when unknown).
func readBody(r io.Reader, size int64) ([]byte, bool, error) {
	if size >= 0 && size <= recorder.MaxBodyBytes {
		b := make([]byte, size)
		n, err := io.ReadFull(r, b)
		return b[:n], false, err
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, recorder.MaxBodyBytes+1))
	if err != nil {
		return buf.Bytes(), false, err
	}
	if n <= recorder.MaxBodyBytes {
		return buf.Bytes(), false, nil
	}
	b := buf.Bytes()[:recorder.MaxBodyBytes]
	_, err = io.Copy(io.Discard, io.LimitReader(r, drainBytes))
	return b, true, err
}

// parentEnded reports whether the caller's context ended. Past its
// deadline it has, even when the connection's own deadline (set from it)
// fired first and the context's timer has not run yet: wait for it.
func parentEnded(parent context.Context) bool {
	if parent.Err() != nil {
		return true
	}
	if dl, ok := parent.Deadline(); ok && !time.Now().Before(dl) {
		<-parent.Done()
		return true
	}
	return false
}

// classify names a transport error's failure class (recorder.Classify,
// the one classification) and gives readable text. parent ending first
// means psbox is stopping, or the caller's own bound (its cause) passed;
// actx's deadline passing is this attempt's --timeout.
func classify(parent, actx context.Context, err error, timeout time.Duration) (reason, text string) {
	if parentEnded(parent) {
		if cause := context.Cause(parent); cause != parent.Err() {
			return recorder.ReasonCanceled, "canceled: " + cause.Error() // the caller's own reason, e.g. a bound
		}
		return recorder.ReasonCanceled, "canceled: psbox was stopping"
	}
	var blocked recorder.Blocker
	if errors.As(err, &blocked) && blocked.Blocked() {
		return recorder.ReasonBlocked, blocked.Error()
	}
	if errors.Is(actx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return recorder.ReasonTimeout, fmt.Sprintf("no complete answer within %s", timeout)
	}
	reason = recorder.Classify(err)
	var dnsErr *net.DNSError
	switch reason {
	case recorder.ReasonDNS:
		if errors.As(err, &dnsErr) {
			return reason, fmt.Sprintf("host %q did not resolve", dnsErr.Name)
		}
	case recorder.ReasonRefused:
		return reason, "connection refused: is the receiver running?"
	case recorder.ReasonTLS:
		return reason, "TLS failed: " + unwrapText(err)
	case recorder.ReasonTimeout:
		return reason, "timed out: " + unwrapText(err)
	case recorder.ReasonReset:
		return reason, "the receiver closed the connection before answering in full"
	case recorder.ReasonCanceled:
		return recorder.ReasonNetwork, unwrapText(err) // canceled by something other than psbox stopping
	}
	return reason, unwrapText(err)
}

// unwrapText drops the `Post "URL": ` prefix url.Error adds.
func unwrapText(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil && strings.HasPrefix(err.Error(), "Post ") {
			return inner.Error()
		}
	}
	return err.Error()
}

// Replay is the delivery that sends a recorded one again: the same event
// and body (as recorded, so redacted secrets stay redacted), a new
// delivery id, ReplayOf naming the original delivery, to the original
// target unless target says otherwise. The original's headers are not
// copied; the sender's configuration supplies them. A call to the mock
// API is no delivery and is not replayed.
func Replay(ex *recorder.Exchange, target string) (Delivery, error) {
	if ex.Kind == recorder.KindAPI {
		return Delivery{}, fmt.Errorf("%s is a call to the mock API, not a webhook delivery; only deliveries can be replayed", ex.ID)
	}
	if target == "" {
		target = ex.Target
	}
	of := ex.DeliveryID
	if of == "" {
		of = ex.ID
	}
	return Delivery{Event: ex.Event, Target: target, Body: ex.Request.Body, ReplayOf: of}, nil
}

// DeliveryIDPrefix starts every delivery id.
const DeliveryIDPrefix = "dlv_"

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewDeliveryID returns "dlv_" and 14 random base-62 characters. The
// randomness is math/rand/v2's (ChaCha8, seeded by the runtime): ids must
// be unique, not secret, and this costs no system call.
func NewDeliveryID() string {
	var out [18]byte
	copy(out[:], DeliveryIDPrefix)
	for i := 4; i < len(out); i++ {
		out[i] = base62[rand.IntN(len(base62))]
	}
	return string(out[:])
}
