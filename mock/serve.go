package mock

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
)

// Listen listens on addr; when it is taken and freeIfBusy is set, on a
// free loopback port instead.
func Listen(addr string, freeIfBusy bool) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if freeIfBusy && errors.Is(err, syscall.EADDRINUSE) {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	return ln, err
}

// Dialable turns a listener address into one a local client can reach:
// an unspecified IP (0.0.0.0, ::) becomes 127.0.0.1.
func Dialable(a net.Addr) string {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if t.IP == nil || t.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(t.Port))
	}
	return t.String()
}

// IsLoopbackHost reports whether host only accepts local connections. An
// empty host means every interface.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Serving is an HTTP server (NewHTTPServer's bounds) answering on a
// listener until Shutdown.
type Serving struct {
	URL    string // http:// and a dialable address (Dialable)
	srv    *http.Server
	wait   time.Duration
	exited chan struct{} // closed when Serve returned
	err    error         // Serve's result
}

// Serve serves h on ln in the background. Shutdown lets requests in
// flight finish for up to wait.
func Serve(ln net.Listener, h http.Handler, wait time.Duration) *Serving {
	s := &Serving{
		URL:    "http://" + Dialable(ln.Addr()),
		srv:    NewHTTPServer(ln.Addr().String(), h),
		wait:   wait,
		exited: make(chan struct{}),
	}
	go func() { s.err = s.srv.Serve(ln); close(s.exited) }()
	return s
}

// Stopped is closed when the server stopped by itself (the listener
// failed) or was shut down; Err then says why.
func (s *Serving) Stopped() <-chan struct{} { return s.exited }

// Err is why the server stopped, once Stopped is closed.
func (s *Serving) Err() error { <-s.exited; return s.err }

// Shutdown stops accepting requests, lets those in flight finish for up
// to the wait given to Serve, then closes what is left; an error says
// that some were cut off.
func (s *Serving) Shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.wait)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
	}
	<-s.exited
	return err
}

// Running is a Sandbox served on a listener, as psbox serve, the terminal
// UI and package psboxtest run it: its store, its dispatcher's sender, its
// server.
type Running struct {
	*Sandbox
	*Serving
	Store  *Store
	Sender *delivery.Sender // deliveries fired through POST /_psbox/events
}

// StartOptions are what Start opens and serves.
type StartOptions struct {
	Options                      // the API's keys and version
	Dir        string            // the state folder the store is in (OpenStore)
	Catalog    *fixtures.Catalog // what webhooks subscribe to and what fires; nil: the built-in events
	Addr       string            // where to listen
	FreeIfBusy bool              // a free loopback port when Addr is taken (Listen)
	Recorder   *recorder.Store   // every exchange goes there; the caller closes it after Close
	Delivery   delivery.Options  // the dispatcher's sender; Start sets its Wrap to record into Recorder
	Fallback   string            // where an event no webhook subscribes to goes; "" for nowhere
	RequestLog io.Writer         // one line per request (LogRequests); nil: none
	Wait       time.Duration     // how long Close lets requests in flight finish
}

// ListenError is Start's answer when it cannot listen on the address.
type ListenError struct {
	Addr string
	Err  error
}

func (e *ListenError) Error() string { return "cannot listen on " + e.Addr + ": " + e.Err.Error() }
func (e *ListenError) Unwrap() error { return e.Err }

// Start opens the store in o.Dir and makes it the folder's one writer
// (ClaimWriter: an *InUseError while another process writes it), listens
// on o.Addr (a *ListenError when it cannot) and serves the Sandbox there.
// Whatever it opened is closed again when it fails.
func Start(o StartOptions) (*Running, error) {
	store, err := OpenStore(o.Dir)
	if err != nil {
		return nil, err
	}
	if o.Catalog != nil {
		store.UseCatalog(o.Catalog)
	}
	if err := store.ClaimWriter(); err != nil {
		store.Close()
		return nil, err
	}
	o.Delivery.Wrap = RecordTo(o.Recorder)
	sender, err := delivery.New(o.Delivery)
	if err != nil {
		store.Close() // nothing changed yet: writes nothing
		return nil, err
	}
	ln, err := Listen(o.Addr, o.FreeIfBusy)
	if err != nil {
		sender.Close()
		store.Close()
		return nil, &ListenError{Addr: o.Addr, Err: err}
	}
	sb := NewSandbox(SandboxOptions{Options: o.Options, Store: store, Recorder: o.Recorder, Sender: sender, Fallback: o.Fallback})
	h := sb.Handler
	if o.RequestLog != nil {
		h = LogRequests(h, o.RequestLog)
	}
	return &Running{Sandbox: sb, Serving: Serve(ln, h, o.Wait), Store: store, Sender: sender}, nil
}

// ErrCutOff is Close's answer when requests still in flight after the wait
// were cut off (the store was closed all the same).
var ErrCutOff = errors.New("requests still in flight were cut off")

// Close stops the server (letting requests in flight finish for up to the
// wait), then the sender, then closes the store, which writes
// webhooks.json: after the server, so that no request changes the store
// any more. The store's error comes first; else ErrCutOff when requests
// were cut off.
func (r *Running) Close() error {
	serr := r.Serving.Shutdown()
	r.Sender.Close()
	if err := r.Store.Close(); err != nil {
		return err
	}
	if serr != nil {
		return ErrCutOff
	}
	return nil
}
