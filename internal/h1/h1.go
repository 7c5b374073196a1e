// Package h1 is psbox's hand-written HTTP/1.1 client transport: plain-http
// requests over keep-alive connections it holds itself, one request at a
// time per connection, in the calling goroutine. It exists for one measured
// bar (psbox trigger with recording >= 90% of a bare net/http client,
// bench/trigger.sh) and is held to http.Transport by
// FuzzH1MatchesHTTPTransport. Only mock/delivery uses it.
package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/psbox-dev/psbox/internal/httpheader"
)

// Transport sends plain-http requests over keep-alive connections it
// holds itself, one request at a time per connection, in the calling
// goroutine. The bytes on the wire are net/http's: the request is written
// by Request.Write and the answer read by http.ReadResponse. What differs
// from http.Transport is who holds the connection: http.Transport runs a
// reading and a writing goroutine per connection and hands every request
// and answer across them, and on a busy machine those hand-offs cost more
// CPU per delivery than psbox's whole recording of it (bench/trigger.sh).
//
// https targets, and hosts that are not plain ASCII, go to std (an
// *http.Transport, which also speaks HTTP/2 and converts IDNA names).
// A request context's httptrace.ClientTrace gets GotConn, as from
// http.Transport, and WroteRequest from Request.Write (psbox audit abandons
// an attempt that way).
type Transport struct {
	dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	std         *http.Transport
	maxIdle     int           // idle connections kept per host
	maxTotal    int           // idle connections kept in all
	maxIdleTime time.Duration // how long an unused connection is kept (DefaultIdleTimeout)

	mu     sync.Mutex
	idle   map[string][]*conn // by host:port; the most recently used last
	nidle  int
	sweep  *time.Timer // closes connections idle for maxIdleTime; nil while none is idle
	closed bool        // Close was called: connections in use are closed when done
}

const (
	// maxResponseHeaderBytes bounds the status line and headers of an
	// answer (and of the 1xx answers before it).
	maxResponseHeaderBytes = 1 << 20
	// max1xx is how many 1xx answers may come before the final one, as in
	// net/http.
	max1xx = 5
	// DefaultIdleTimeout is how long an unused connection is kept when
	// Options.IdleTimeout is zero, as http.Transport's IdleConnTimeout.
	DefaultIdleTimeout = 90 * time.Second
)

// Options configures a Transport. Dial and Fallback are required.
type Options struct {
	// Dial opens a connection (a net.Dialer's DialContext, with whatever
	// Control and timeouts the caller wants).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Fallback carries what Transport does not: https, and hosts that are
	// not plain ASCII (it also speaks HTTP/2 and converts IDNA names).
	Fallback *http.Transport
	// MaxIdlePerHost and MaxIdle bound the idle connections kept per
	// host and in all; a full pool closes its oldest connection.
	MaxIdlePerHost, MaxIdle int
	// IdleTimeout is how long an unused connection is kept (zero:
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
}

// New returns a Transport; Close it when done.
func New(o Options) *Transport {
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	return &Transport{
		dial: o.Dial, std: o.Fallback,
		maxIdle: max(o.MaxIdlePerHost, 1), maxTotal: max(o.MaxIdle, 1), maxIdleTime: o.IdleTimeout,
	}
}

// conn is one connection and its buffers.
type conn struct {
	addr   string
	c      net.Conn
	lr     io.LimitedReader // c, bounded while headers are read
	br     *bufio.Reader    // reads lr
	bw     *bufio.Writer
	idleAt time.Time
}

func newConn(addr string, c net.Conn) *conn {
	pc := &conn{addr: addr, c: c, bw: bufio.NewWriterSize(c, 4<<10)}
	pc.lr.R = c
	pc.br = bufio.NewReaderSize(&pc.lr, 4<<10)
	return pc
}

// past is a deadline that has passed: setting it ends any read or write
// in progress on a connection.
var past = time.Unix(1, 0)

func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil || req.URL.Scheme != "http" || !isASCII(req.URL.Host) {
		return t.std.RoundTrip(req)
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	if err := checkHeader(req.Header); err != nil {
		closeBody(req) // as http.Transport: nothing is sent
		return nil, err
	}
	// The context's deadline is the connection's; a cancel ends whatever
	// read or write is in progress.
	d, _ := ctx.Deadline()
	addr := hostPort(req.URL)
	pc := t.get(addr, d)
	reused := true
	if pc == nil {
		c, err := t.dial(ctx, "tcp", addr)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		c.SetDeadline(d) // zero: none
		pc = newConn(addr, c)
		reused = false
	}
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: pc.c, Reused: reused})
	}
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, func() { pc.c.SetDeadline(past) })
	}

	werr := req.Write(pc.bw) // closes req.Body
	if werr == nil {
		werr = pc.bw.Flush()
	}
	// Even when the write failed the receiver may have answered (a 413
	// before reading a large body, then a close): that answer is the one
	// to report.
	resp, rerr := pc.readResponse(req)
	if rerr != nil {
		pc.c.Close()
		if stop != nil {
			stop()
		}
		if werr != nil {
			return nil, ctxErr(ctx, werr)
		}
		return nil, ctxErr(ctx, rerr)
	}
	// After a 101 the connection speaks another protocol; an answer with
	// an odd code below 200 is not trusted either (as net/http).
	reuse := werr == nil && !resp.Close && !req.Close && resp.StatusCode >= 200
	if resp.Body == http.NoBody || resp.Body == nil {
		t.release(pc, stop, reuse)
		return resp, nil
	}
	resp.Body = &respBody{rc: resp.Body, t: t, pc: pc, ctx: ctx, stop: stop, reuse: reuse}
	return resp, nil
}

// readResponse reads the final answer to req, skipping 1xx answers, with
// the headers bounded.
func (pc *conn) readResponse(req *http.Request) (*http.Response, error) {
	pc.lr.N = maxResponseHeaderBytes
	for range max1xx + 1 {
		resp, err := http.ReadResponse(pc.br, req)
		if err != nil {
			if pc.lr.N <= 0 {
				return nil, fmt.Errorf("the receiver's answer has more than %d bytes of headers", maxResponseHeaderBytes)
			}
			return nil, err
		}
		// Only 1xx answers other than 101 come before the final one (an
		// odd code such as 000 is final, as net/http has it).
		if c := resp.StatusCode; c < 100 || c > 199 || c == http.StatusSwitchingProtocols {
			pc.lr.N = math.MaxInt64 // the body is bounded by its reader
			return resp, nil
		}
	}
	return nil, fmt.Errorf("the receiver sent more than %d 1xx answers", max1xx)
}

// release ends pc's use by one request: stop is the context's AfterFunc
// (nil without one); the connection goes back to the pool when reuse says
// it may and the context did not end it, else it is closed.
func (t *Transport) release(pc *conn, stop func() bool, reuse bool) {
	if stop != nil && !stop() {
		reuse = false // the context ended: the deadline is in the past
	}
	if reuse {
		t.put(pc)
		return
	}
	pc.c.Close()
}

// get takes the most recently used idle connection to addr with the
// deadline d set, or returns nil. Each is checked before reuse: the
// receiver may have closed it (a keep-alive timeout, a restart) or sent
// something unasked, and a request written to it would fail or read the
// wrong answer. The check is one non-blocking system call; http.Transport
// keeps a goroutine reading every idle connection instead.
func (t *Transport) get(addr string, d time.Time) *conn {
	for {
		t.mu.Lock()
		list := t.idle[addr]
		if len(list) == 0 {
			t.mu.Unlock()
			return nil
		}
		pc := list[len(list)-1]
		list[len(list)-1] = nil
		t.idle[addr] = list[:len(list)-1]
		t.nidle--
		t.mu.Unlock()
		// The deadline first: the check fails on a past one.
		idle := time.Since(pc.idleAt)
		if idle < t.maxIdleTime && pc.c.SetDeadline(d) == nil && connAlive(pc.c, idle) {
			return pc
		}
		pc.c.Close()
	}
}

// put keeps pc for reuse, unless the receiver sent more than its answer
// (which would be read as the next answer). A full pool makes room by
// closing its oldest connection.
func (t *Transport) put(pc *conn) {
	if pc.br.Buffered() > 0 {
		pc.c.Close()
		return
	}
	pc.idleAt = time.Now()
	var evict *conn
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		pc.c.Close()
		return
	}
	if t.idle == nil {
		t.idle = map[string][]*conn{}
	}
	if list := t.idle[pc.addr]; len(list) >= t.maxIdle {
		evict = list[0]
		t.idle[pc.addr] = append(list[:0], list[1:]...)
		t.nidle--
	} else if t.nidle >= t.maxTotal {
		evict = t.removeOldest()
	}
	t.idle[pc.addr] = append(t.idle[pc.addr], pc)
	t.nidle++
	if t.sweep == nil {
		t.sweep = time.AfterFunc(t.maxIdleTime, t.closeExpired)
	}
	t.mu.Unlock()
	if evict != nil {
		evict.c.Close()
	}
}

// removeOldest takes the connection idle the longest out of the pool.
// Callers hold mu and the pool is not empty.
func (t *Transport) removeOldest() *conn {
	var oldest string
	for addr, list := range t.idle {
		if len(list) > 0 && (oldest == "" || list[0].idleAt.Before(t.idle[oldest][0].idleAt)) {
			oldest = addr
		}
	}
	list := t.idle[oldest]
	pc := list[0]
	if len(list) == 1 {
		delete(t.idle, oldest)
	} else {
		t.idle[oldest] = append(list[:0], list[1:]...)
	}
	t.nidle--
	return pc
}

// closeExpired closes the connections idle for t.maxIdleTime, so a
// long-running psbox holds no connection its receiver has long closed,
// and runs again while any stays idle.
func (t *Transport) closeExpired() {
	var expired []*conn
	t.mu.Lock()
	t.sweep = nil
	for addr, list := range t.idle {
		n := 0
		for n < len(list) && time.Since(list[n].idleAt) >= t.maxIdleTime {
			n++
		}
		expired = append(expired, list[:n]...)
		if n == len(list) {
			delete(t.idle, addr)
		} else if n > 0 {
			t.idle[addr] = append(list[:0], list[n:]...)
		}
		t.nidle -= n
	}
	if t.nidle > 0 && !t.closed {
		t.sweep = time.AfterFunc(t.maxIdleTime, t.closeExpired)
	}
	t.mu.Unlock()
	for _, pc := range expired {
		pc.c.Close()
	}
}

// CloseIdleConnections closes the connections not in use, of both
// transports.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle, t.nidle = nil, 0
	if t.sweep != nil {
		t.sweep.Stop()
		t.sweep = nil
	}
	t.mu.Unlock()
	for _, list := range idle {
		for _, pc := range list {
			pc.c.Close()
		}
	}
	t.std.CloseIdleConnections()
}

// Close closes the idle connections and, from now on, each connection in
// use once its request is done.
func (t *Transport) Close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.CloseIdleConnections()
}

// respBody is an answer's body: the connection returns to the pool when the
// body has been read to its end, and is closed when the body is closed
// before that or fails.
type respBody struct {
	rc    io.ReadCloser // http.ReadResponse's body, reading pc
	t     *Transport
	pc    *conn
	ctx   context.Context
	stop  func() bool
	reuse bool

	mu  sync.Mutex
	end error // once the body is done: io.EOF, the read error, or errBodyClosed
}

var errBodyClosed = errors.New("http: read on closed response body")

func (b *respBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	end := b.end
	b.mu.Unlock()
	if end != nil {
		return 0, end
	}
	n, err := b.rc.Read(p)
	if err != nil {
		if err != io.EOF {
			err = ctxErr(b.ctx, err)
		}
		b.finish(err, err == io.EOF && b.reuse)
	}
	return n, err
}

// Close closes the connection unless the body was read to its end, as
// http.Transport does: what is left of it is never read.
func (b *respBody) Close() error {
	b.finish(errBodyClosed, false)
	return nil
}

func (b *respBody) finish(end error, reuse bool) {
	b.mu.Lock()
	if b.end != nil {
		b.mu.Unlock()
		return
	}
	b.end = end
	b.mu.Unlock()
	b.t.release(b.pc, b.stop, reuse)
}

// ctxErr reports err as the context's error when the context ended it:
// a cancel, or the deadline (which the connection's deadline may reach a
// moment before the context notices).
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			return context.DeadlineExceeded
		}
	}
	return err
}

// hostPort is u's host with the port, 80 when u names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// checkHeader refuses what http.Transport refuses: a header name that is
// not a token, or a value with a control character (Request.Write would
// turn a line break into a space and send it).
func checkHeader(h http.Header) error {
	switch name, _, badName, found := httpheader.Invalid(h); {
	case !found:
		return nil
	case badName:
		return fmt.Errorf("net/http: invalid header field name %q", name)
	default:
		return fmt.Errorf("net/http: invalid header field value for %q", name)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
