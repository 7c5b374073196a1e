// Package tuiapp runs the terminal UI over the real pieces: the delivery
// log, the mock API's subscriptions and sender, the catalog, the contract
// cases and, without a target, a built-in receiver. It implements the
// interfaces of ui/deps.go with them; ui itself does no I/O.
package tuiapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/desktop"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/receiver"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/ui"
)

// memoryLimit is the UI's soft memory limit (GOMEMLIMIT overrides it).
const memoryLimit = 192 << 20

// shutdownWait bounds how long the built-in receiver lets requests in
// flight finish when the UI quits.
const shutdownWait = 5 * time.Second

// Options are what the UI runs over. Log, Hooks, Sender and Catalog are
// the running mock API's; the session closes none of them.
type Options struct {
	Log     *recorder.Store
	Hooks   *mock.Store
	Sender  *delivery.Sender // every delivery the UI makes (fire, replay, cases)
	Catalog *fixtures.Catalog

	APIAddr string // host:port the mock API listens on
	// APIDefault is the address the mock API was to take when psbox may
	// move it off a busy port ("" when the user chose the address).
	APIDefault           string
	PublicKey, SecretKey string

	Target string // receiver URL; "" starts the built-in receiver
	Cases  string // folder or .json file of contract cases; "" for none
	Seed   int64  // the first payload seed

	In       io.Reader
	Out, Err io.Writer // Out is the terminal; Err is where OSC 52 goes
}

// FailedError is what the UI reported when it quit: a failed check.
type FailedError struct{ Err error }

func (e *FailedError) Error() string { return e.Err.Error() }
func (e *FailedError) Unwrap() error { return e.Err }

// Session is what the UI runs over: the adapters of ui/deps.go over
// Options' pieces and, without a target, the built-in receiver. Its Fire,
// Build and Replay are the UI's.
type Session struct {
	*deps
	o      Options
	recv   *builtinReceiver // nil with a target
	status ui.Status
}

// Open starts the built-in receiver when Options has no target.
func Open(o Options) (*Session, error) {
	s := &Session{o: o}
	s.status = ui.Status{APIAddr: o.APIAddr, PublicKey: o.PublicKey, SecretKey: o.SecretKey, Target: o.Target}
	if o.APIDefault != "" && o.APIAddr != o.APIDefault {
		s.status.Moved = append(s.status.Moved, fmt.Sprintf("%s busy, mock API on %s", portOf(o.APIDefault), o.APIAddr))
	}
	if o.Target == "" {
		r, err := startReceiver(receiver.DefaultAddr)
		if err != nil {
			return nil, err
		}
		s.recv, s.status.Target = r, r.url
		if r.moved {
			s.status.Moved = append(s.status.Moved, fmt.Sprintf("%s busy, receiver on %s", portOf(receiver.DefaultAddr), strings.TrimSuffix(strings.TrimPrefix(r.url, "http://"), "/webhooks")))
			s.status.TemporaryTarget = true
		}
	}
	s.deps = &deps{rec: o.Log, hooks: o.Hooks, sender: o.Sender, target: s.status.Target, stderr: o.Err, cat: o.Catalog}
	if s.deps.stderr == nil {
		s.deps.stderr = io.Discard
	}
	return s, nil
}

// Catalog is the catalog the UI lists and builds from.
func (s *Session) Catalog() *fixtures.Catalog { return s.o.Catalog }

// Close stops the built-in receiver.
func (s *Session) Close() {
	if s.recv != nil {
		s.recv.Shutdown()
	}
}

// Run runs the UI on the terminal (Options' In and Out) until it quits or
// ctx ends.
func (s *Session) Run(ctx context.Context) error {
	if desktop.NoColor() {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// Reading the history of a large log makes garbage (each summary's
		// strings, the list's growth) faster than the default GC pacing
		// returns it; a soft limit keeps the UI near what it holds (about
		// 150 MB for a million rows) at some CPU while the list fills.
		debug.SetMemoryLimit(memoryLimit)
	}
	o, d := s.o, s.deps
	uiCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := ui.Options{
		Context:   uiCtx,
		Firer:     d,
		Builder:   d,
		Exchanges: recorder.NewLogView(o.Log),
		Replayer:  d,
		Webhooks:  webhookAdapter{o.Hooks},
		Clipboard: d,
		Editor:    d,
		Seed:      o.Seed,
		Catalog:   o.Catalog.Events(),
		Status:    s.status,
	}
	if o.Cases != "" {
		opts.Cases = &cases{dir: o.Cases, sender: o.Sender, target: d.target, cat: o.Catalog}
	}
	p := tea.NewProgram(ui.New(opts), tea.WithAltScreen(), tea.WithContext(uiCtx),
		tea.WithInput(o.In), tea.WithOutput(o.Out))
	final, err := p.Run()
	cancel()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("the terminal UI stopped: %v", err)
	}
	if m, ok := final.(ui.Model); ok && m.Err() != nil {
		return &FailedError{m.Err()}
	}
	return nil
}

func portOf(addr string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}

// Warnings collects the log's warnings while the UI owns the terminal, to
// print them once it has quit. Add has the shape of recorder.Options.Logf.
type Warnings struct {
	mu sync.Mutex
	w  []string
}

// Add keeps one warning (the first 20).
func (l *Warnings) Add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.w) < 20 {
		l.w = append(l.w, fmt.Sprintf(format, args...))
	}
}

// List returns the warnings kept, oldest first.
func (l *Warnings) List() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.w...)
}

// builtinReceiver is the receiver the UI targets without a target.
type builtinReceiver struct {
	*mock.Serving
	url   string
	moved bool // its default port was busy: this port is only for this run
}

// startReceiver listens on addr, or on a free loopback port when addr is
// busy.
func startReceiver(addr string) (*builtinReceiver, error) {
	ln, err := mock.Listen(addr, true)
	if err != nil {
		return nil, fmt.Errorf("cannot start the built-in receiver: %v; pass your own receiver with --target URL", err)
	}
	srv := mock.Serve(ln, receiver.New(io.Discard, receiver.Options{Status: http.StatusOK, Quiet: true}), shutdownWait)
	return &builtinReceiver{Serving: srv, url: srv.URL + "/webhooks", moved: ln.Addr().String() != addr}, nil
}
