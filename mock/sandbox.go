package mock

import (
	"net/http"
	"strings"

	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/httprec"
)

// Sandbox is the whole mock as psbox serve runs it: the PartnerStack API
// over a store, the control routes POST /_psbox/events and
// GET /_psbox/deliveries, and the recording of every API call and every
// delivery. psbox serve, the terminal UI and package psboxtest all build it
// here.
type Sandbox struct {
	Server     *Server
	Dispatcher *Dispatcher
	// Handler serves every route; API calls and POST /_psbox/events are
	// recorded (health checks and reads of the log are not, so they do not
	// drown the exchanges a user cares about).
	Handler http.Handler
}

// SandboxOptions are what a Sandbox is built from.
type SandboxOptions struct {
	Options                   // the API's keys and version
	Store    *Store           // the subscriptions; its catalog is the one the events are built from
	Recorder *recorder.Store  // where every exchange goes
	Sender   *delivery.Sender // built with RecordTo(Recorder) as its Wrap
	Fallback string           // where an event no webhook subscribes to goes; "" for nowhere
}

// NewSandbox mounts the control routes on a new Server and wraps it in
// the recording middleware.
func NewSandbox(o SandboxOptions) *Sandbox {
	api := NewServer(o.Store, o.Options)
	// The store's catalog: what a webhook may subscribe to is what fires.
	d := &Dispatcher{Subs: o.Store, Sender: o.Sender, Catalog: o.Store.Catalog(), Fallback: o.Fallback}
	api.Handle("POST /_psbox/events", d.Handler())
	api.Handle("GET /_psbox/deliveries", DeliveriesHandler(o.Recorder))
	recorded := httprec.Middleware(o.Recorder)(api)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/_psbox/events" {
			recorded.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	return &Sandbox{Server: api, Dispatcher: d, Handler: h}
}

// RecordTo is a sender's Wrap that records every attempt in rec.
func RecordTo(rec *recorder.Store) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper { return httprec.Transport(rt, rec) }
}
