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

// Running is a Sandbox served on a listener, as psbox serve and the
// terminal UI run it: its store, its dispatcher's sender, its server.
type Running struct {
	*Sandbox
	*Serving
	Store  *Store
	Sender *delivery.Sender // deliveries fired through POST /_psbox/events
}

// RunOptions are what Run serves.
type RunOptions struct {
	Options                     // the API's keys and version
	Store      *Store           // claimed for writing (ClaimWriter); Running.Shutdown leaves it open
	Recorder   *recorder.Store  // every exchange goes there
	Delivery   delivery.Options // the dispatcher's sender; its Wrap records into Recorder
	Listener   net.Listener     // e.g. from Listen
	RequestLog io.Writer        // one line per request (LogRequests); nil: none
	Wait       time.Duration    // how long Shutdown lets requests in flight finish
}

// Run builds the sender and the Sandbox and serves it on o.Listener; the
// error is the sender's (bad delivery options), and then the listener is
// closed.
func Run(o RunOptions) (*Running, error) {
	o.Delivery.Wrap = RecordTo(o.Recorder)
	sender, err := delivery.New(o.Delivery)
	if err != nil {
		o.Listener.Close()
		return nil, err
	}
	sb := NewSandbox(SandboxOptions{Options: o.Options, Store: o.Store, Recorder: o.Recorder, Sender: sender})
	h := sb.Handler
	if o.RequestLog != nil {
		h = LogRequests(h, o.RequestLog)
	}
	return &Running{Sandbox: sb, Serving: Serve(o.Listener, h, o.Wait), Store: o.Store, Sender: sender}, nil
}

// Shutdown stops the server (Serving.Shutdown), then the sender; the
// store stays open for the caller to close once nothing changes it.
func (r *Running) Shutdown() error {
	err := r.Serving.Shutdown()
	r.Sender.Close()
	return err
}
