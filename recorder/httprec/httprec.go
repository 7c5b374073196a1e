// Package httprec records HTTP traffic as recorder.Exchanges without
// changing what goes over the wire: Transport wraps a client's
// http.RoundTripper (psbox's deliveries), Middleware wraps a server's
// http.Handler (calls to psbox's mock API), and DeliveriesHandler serves the
// log over HTTP.
//
//	store, _ := recorder.Open(".psbox", recorder.Options{})
//	client := &http.Client{Transport: httprec.Transport(http.DefaultTransport, store)}
//	handler := httprec.Middleware(store)(apiMux)
package httprec

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

// Recorder receives finished exchanges; *recorder.Store is one.
type Recorder interface {
	Append(recorder.Exchange) (recorder.Exchange, error)
}

// classifyCtx prefers what the request's context says: a client timeout
// surfaces from the transport as a plain "request canceled".
func classifyCtx(ctx context.Context, err error) string {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) || errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			return recorder.ReasonTimeout
		}
		if c := recorder.Classify(context.Cause(ctx)); c != recorder.ReasonNetwork {
			return c
		}
		return recorder.ReasonCanceled
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return recorder.ReasonTimeout // http.Client.Timeout may cancel a moment before ctx says so
	}
	return recorder.Classify(err)
}

// Transport returns a RoundTripper that sends through base (nil means
// http.DefaultTransport) and records each round trip as a KindDelivery
// Exchange, with the attempt's recorder.Meta from the request context.
//
// The caller reads exactly the bytes the server sent: the response body is
// passed through while the first recorder.MaxBodyBytes are copied aside, and
// the Exchange is appended when the caller reaches EOF or closes the body.
// A failed round trip is recorded with its error and reason; a 3xx or
// non-2xx answer is recorded with ReasonRedirect or ReasonStatus.
func Transport(base http.RoundTripper, rec Recorder) http.RoundTripper {
	return TransportKind(base, rec, recorder.KindDelivery)
}

// TransportKind is Transport recording each round trip as the given kind
// (recorder.KindAudit for psbox audit).
func TransportKind(base http.RoundTripper, rec Recorder, kind recorder.Kind) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, rec: rec, kind: kind}
}

type transport struct {
	base http.RoundTripper
	rec  Recorder
	kind recorder.Kind
	last atomic.Pointer[urlText] // the last URL recorded, as text
}

// urlText is a URL and its String().
type urlText struct {
	u url.URL
	s string
}

// urlString is u.String(), remembered for the last URL: a sender makes
// many requests to one target. The whole URL is compared, so a URL changed
// in place is never recorded with stale text.
func (t *transport) urlString(u *url.URL) string {
	if c := t.last.Load(); c != nil && c.u == *u {
		return c.s
	}
	s := u.String()
	t.last.Store(&urlText{u: *u, s: s})
	return s
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	target := t.urlString(req.URL)
	ex := recorder.Exchange{
		Kind:   t.kind,
		Target: target,
		Start:  start,
		Request: recorder.Request{
			Method: req.Method,
			URL:    target,
			// The caller does not change the request until the response
			// body is closed (net/http's rule), and the exchange is
			// appended by then: no copy of the headers is needed.
			Headers: req.Header,
		},
	}
	if ex.Request.Method == "" {
		ex.Request.Method = http.MethodGet
	}
	if req.Host != "" && req.Host != req.URL.Host {
		ex.Request.Headers = recorder.CloneHeaders(req.Header)
		ex.Request.Headers["Host"] = []string{req.Host}
	}
	var sentBody []byte
	m, hasMeta := recorder.MetaFrom(req.Context())
	if hasMeta {
		ex.DeliveryID, ex.Event, ex.Attempt, ex.ReplayOf, ex.InsecureTLS = m.DeliveryID, m.Event, m.Attempt, m.ReplayOf, m.InsecureTLS
		sentBody = m.Body
	}

	// The request body: the bytes the sender says it sends, else a fresh
	// copy from GetBody (what a request with a []byte body provides), else
	// a tee of what is sent.
	var reqTee *capture
	send := req
	if req.Body != nil && req.Body != http.NoBody {
		switch {
		case sentBody != nil && int64(len(sentBody)) == req.ContentLength:
			n := min(len(sentBody), recorder.MaxBodyBytes)
			ex.Request.Body, ex.Request.Truncated = recorder.Body(sentBody[:n:n]), len(sentBody) > n
		case req.GetBody != nil:
			if rc, err := req.GetBody(); err == nil {
				ex.Request.Body, ex.Request.Truncated = readCapped(rc, req.ContentLength)
				rc.Close()
			}
		default:
			reqTee = &capture{}
			send = req.Clone(req.Context())
			send.Body = &teeReadCloser{rc: req.Body, c: reqTee}
		}
	}

	resp, err := t.base.RoundTrip(send)
	if reqTee != nil {
		ex.Request.Body, ex.Request.Truncated = reqTee.body()
	}
	if err != nil {
		ex.Duration = time.Since(start)
		ex.Error = err.Error()
		ex.ErrorReason = classifyCtx(req.Context(), err)
		t.append(ex)
		return resp, err
	}
	ex.Response = &recorder.Response{Status: resp.StatusCode, Headers: resp.Header}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		ex.ErrorReason = recorder.ReasonRedirect
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		ex.ErrorReason = recorder.ReasonStatus
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		ex.Duration = time.Since(start)
		t.append(ex)
		return resp, nil
	}
	rb := &recordingBody{rc: resp.Body, ctx: req.Context(), ex: ex, t: t, start: start, contentLength: resp.ContentLength}
	rb.resp = *ex.Response
	rb.ex.Response = &rb.resp // one allocation for both
	resp.Body = rb
	return resp, nil
}

// append hands ex to the recorder. A *recorder.Store keeps no reference to
// ex's headers or bodies once Append returns; any other Recorder gets its
// own copy, since those belong to the caller.
func (t *transport) append(ex recorder.Exchange) {
	if _, ok := t.rec.(*recorder.Store); !ok {
		ex = ex.Clone()
	}
	t.rec.Append(ex)
}

// readCapped reads up to MaxBodyBytes of r and reports whether more was
// there; size (when known) sizes the buffer up front.
func readCapped(r io.Reader, size int64) (recorder.Body, bool) {
	n := recorder.MaxBodyBytes + 1
	if size >= 0 && size < int64(n) {
		n = int(size) + 1 // +1 sees EOF without growing
	}
	buf := make([]byte, 0, n)
	for len(buf) <= recorder.MaxBodyBytes {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):min(cap(buf), recorder.MaxBodyBytes+1)])
		buf = buf[:len(buf)+m]
		if err != nil {
			break
		}
	}
	if len(buf) > recorder.MaxBodyBytes {
		return recorder.Body(buf[:recorder.MaxBodyBytes]), true
	}
	if len(buf) == 0 {
		return nil, false
	}
	return recorder.Body(buf), false
}

// capture keeps the first MaxBodyBytes written to it and counts the rest.
type capture struct {
	buf   *bytes.Buffer // from bufPool, taken on the first write
	extra int64
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (c *capture) len() int {
	if c.buf == nil {
		return 0
	}
	return c.buf.Len()
}

func (c *capture) Write(p []byte) (int, error) {
	room := min(recorder.MaxBodyBytes-c.len(), len(p))
	if room > 0 {
		if c.buf == nil {
			c.buf = bufPool.Get().(*bytes.Buffer)
		}
		c.buf.Write(p[:room])
	}
	c.extra += int64(len(p) - room)
	return len(p), nil
}

// body returns a copy of what was kept.
func (c *capture) body() (recorder.Body, bool) {
	b, truncated := c.bytes()
	return recorder.Body(bytes.Clone(b)), truncated
}

// bytes returns what was kept, valid until release.
func (c *capture) bytes() ([]byte, bool) {
	if c.len() == 0 {
		return nil, c.extra > 0
	}
	return c.buf.Bytes(), c.extra > 0
}

// release returns the buffer to the pool; the capture is empty after.
func (c *capture) release() {
	if c.buf != nil && c.buf.Cap() <= 64<<10 {
		c.buf.Reset()
		bufPool.Put(c.buf)
	}
	c.buf = nil
}

type teeReadCloser struct {
	rc io.ReadCloser
	c  *capture
	mu sync.Mutex
}

func (t *teeReadCloser) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 {
		t.mu.Lock()
		t.c.Write(p[:n])
		t.mu.Unlock()
	}
	return n, err
}

func (t *teeReadCloser) Close() error { return t.rc.Close() }

// recordingBody passes the response body through and appends the Exchange
// once: as soon as the whole announced body has been read (recorded
// straight from the caller's buffer when it came in one read), at EOF, on
// a read error, or on Close.
type recordingBody struct {
	rc            io.ReadCloser
	ctx           context.Context
	ex            recorder.Exchange
	resp          recorder.Response // ex.Response points here
	t             *transport
	start         time.Time
	contentLength int64
	c             capture
	once          sync.Once
	done          bool // recorded; only the reading goroutine looks
	eof           bool
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if b.done {
		return n, err
	}
	if n > 0 {
		if b.c.len() == 0 && b.c.extra == 0 && int64(n) == b.contentLength && n <= recorder.MaxBodyBytes {
			// The whole body in one read: record it from p before the
			// caller sees it, without a copy.
			b.once.Do(func() { b.record(p[:n:n], false, nil) })
			return n, err
		}
		b.c.Write(p[:n])
		if b.contentLength >= 0 && int64(b.c.len())+b.c.extra == b.contentLength {
			b.eof = true
			b.finish(nil)
			return n, err
		}
	}
	if err == io.EOF {
		b.eof = true
		b.finish(nil)
	} else if err != nil {
		b.finish(err)
	}
	return n, err
}

func (b *recordingBody) Close() error {
	err := b.rc.Close()
	b.finish(nil)
	return err
}

func (b *recordingBody) finish(readErr error) {
	b.once.Do(func() { b.finishOnce(readErr) })
}

func (b *recordingBody) finishOnce(readErr error) {
	body, truncated := b.c.bytes()
	got := int64(len(body)) + b.c.extra
	if !b.eof && readErr == nil && (b.contentLength < 0 || got < b.contentLength) {
		truncated = true // closed before the end: the rest was never read
	}
	b.record(body, truncated, readErr)
	b.c.release()
}

// record appends the exchange; it runs once, under b.once.
func (b *recordingBody) record(body []byte, truncated bool, readErr error) {
	b.done = true
	ex := b.ex
	ex.Duration = time.Since(b.start)
	b.resp.Body, b.resp.Truncated = body, truncated
	if readErr != nil {
		ex.Error = readErr.Error()
		ex.ErrorReason = classifyCtx(b.ctx, readErr)
	}
	b.t.append(ex)
}
