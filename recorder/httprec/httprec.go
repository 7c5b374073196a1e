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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

// Recorder receives finished exchanges; *recorder.Store is one.
type Recorder interface {
	Append(recorder.Exchange) (recorder.Exchange, error)
}

// Classify names the class of a transport error with one of the
// recorder.Reason* constants ("" for nil).
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var (
		dnsErr    *net.DNSError
		netErr    net.Error
		certErr   *tls.CertificateVerificationError
		recErr    tls.RecordHeaderError
		alertErr  tls.AlertError
		unkAuth   x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		echReject *tls.ECHRejectionError
	)
	var blocked interface{ Blocked() bool }
	switch {
	case errors.As(err, &blocked) && blocked.Blocked(),
		strings.Contains(err.Error(), "psbox refuses to connect"):
		return recorder.ReasonBlocked
	case errors.Is(err, context.Canceled):
		return recorder.ReasonCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return recorder.ReasonTimeout
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return recorder.ReasonTimeout
		}
		return recorder.ReasonDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return recorder.ReasonRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return recorder.ReasonReset
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alertErr),
		errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &echReject):
		return recorder.ReasonTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		return recorder.ReasonTimeout
	case strings.Contains(err.Error(), "tls: "), strings.Contains(err.Error(), "x509: "):
		return recorder.ReasonTLS
	}
	return recorder.ReasonNetwork
}

// classifyCtx prefers what the request's context says: a client timeout
// surfaces from the transport as a plain "request canceled".
func classifyCtx(ctx context.Context, err error) string {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) || errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			return recorder.ReasonTimeout
		}
		if c := Classify(context.Cause(ctx)); c != recorder.ReasonNetwork {
			return c
		}
		return recorder.ReasonCanceled
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return recorder.ReasonTimeout // http.Client.Timeout may cancel a moment before ctx says so
	}
	return Classify(err)
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
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, rec: rec}
}

type transport struct {
	base http.RoundTripper
	rec  Recorder
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	ex := recorder.Exchange{
		Kind:   recorder.KindDelivery,
		Target: req.URL.String(),
		Start:  start,
		Request: recorder.Request{
			Method:  req.Method,
			URL:     req.URL.String(),
			Headers: cloneHeader(req.Header),
		},
	}
	if ex.Request.Method == "" {
		ex.Request.Method = http.MethodGet
	}
	if req.Host != "" && req.Host != req.URL.Host {
		ex.Request.Headers["Host"] = []string{req.Host}
	}
	if m, ok := recorder.MetaFrom(req.Context()); ok {
		ex.DeliveryID, ex.Event, ex.Attempt, ex.ReplayOf, ex.InsecureTLS = m.DeliveryID, m.Event, m.Attempt, m.ReplayOf, m.InsecureTLS
	}

	// The request body: a fresh copy from GetBody when there is one (what a
	// sender with a []byte body provides), else a tee of what is sent.
	var reqTee *capture
	send := req
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody != nil {
			if rc, err := req.GetBody(); err == nil {
				ex.Request.Body, ex.Request.Truncated = readCapped(rc, req.ContentLength)
				rc.Close()
			}
		} else {
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
		t.rec.Append(ex)
		return resp, err
	}
	ex.Response = &recorder.Response{Status: resp.StatusCode, Headers: cloneHeader(resp.Header)}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		ex.ErrorReason = recorder.ReasonRedirect
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		ex.ErrorReason = recorder.ReasonStatus
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		ex.Duration = time.Since(start)
		t.rec.Append(ex)
		return resp, nil
	}
	resp.Body = &recordingBody{rc: resp.Body, ctx: req.Context(), ex: ex, rec: t.rec, start: start, contentLength: resp.ContentLength}
	return resp, nil
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
	buf   bytes.Buffer
	extra int64
}

func (c *capture) Write(p []byte) (int, error) {
	room := recorder.MaxBodyBytes - c.buf.Len()
	if room > len(p) {
		room = len(p)
	}
	if room > 0 {
		c.buf.Write(p[:room])
	}
	c.extra += int64(len(p) - room)
	return len(p), nil
}

func (c *capture) body() (recorder.Body, bool) {
	if c.buf.Len() == 0 {
		return nil, c.extra > 0
	}
	return recorder.Body(bytes.Clone(c.buf.Bytes())), c.extra > 0
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
// once, at EOF, on a read error, or on Close.
type recordingBody struct {
	rc            io.ReadCloser
	ctx           context.Context
	ex            recorder.Exchange
	rec           Recorder
	start         time.Time
	contentLength int64
	c             capture
	once          sync.Once
	eof           bool
}

func (b *recordingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.c.Write(p[:n])
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
	b.once.Do(func() {
		ex := b.ex
		ex.Duration = time.Since(b.start)
		body, truncated := b.c.body()
		got := int64(len(body)) + b.c.extra
		if !b.eof && readErr == nil && (b.contentLength < 0 || got < b.contentLength) {
			truncated = true // closed before the end: the rest was never read
		}
		ex.Response.Body, ex.Response.Truncated = body, truncated
		if readErr != nil {
			ex.Error = readErr.Error()
			ex.ErrorReason = classifyCtx(b.ctx, readErr)
		}
		b.rec.Append(ex)
	})
}

func cloneHeader(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
