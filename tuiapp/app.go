package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/desktop"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/receiver"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/ui"
)

// defaultReceiverAddr is where the TUI's built-in receiver listens when no
// --target is given (psbox's choice; a free port is used when it is busy).
const defaultReceiverAddr = "127.0.0.1:8485"

// tuiOptions are the flags of the bare `psbox` command.
type tuiOptions struct {
	serve  serveOptions
	target string
	cases  string
	seed   int64
}

// validate checks the flags before anything listens.
func (o *tuiOptions) validate() error {
	if err := o.serve.validate(); err != nil {
		return err
	}
	if o.target != "" {
		if err := delivery.ValidateTarget(o.target); err != nil {
			return usageError("--target: %v", err)
		}
	}
	if o.cases != "" {
		fi, err := os.Stat(o.cases)
		if err != nil {
			return usageError("--cases %s: no such file or folder; pass the folder holding your case files", o.cases)
		}
		if !fi.IsDir() && !strings.HasSuffix(fi.Name(), ".json") {
			return usageError("--cases %s is neither a folder nor a .json case file", o.cases)
		}
	}
	return nil
}

// addTUI makes the bare `psbox` command open the terminal UI.
func addTUI(root *cobra.Command, g *globals) {
	o := &tuiOptions{}
	root.Long += `

The terminal UI starts the mock API (--addr) and, without --target, a
built-in receiver on 127.0.0.1:8485 (a free port when that one is busy) that
answers 200 to every delivery. Screens: 1 Events, 2 Webhooks, 3 Deliveries,
4 Diff; tab switches, ? shows every key, q quits.

psbox's choices: Enter on an event delivers it to every active webhook
subscribed to it; when none is, to the target. Payloads are built from the
seed shown (s changes it), so the same seed sends the same bytes. e edits the
payload in $VISUAL or $EDITOR (inline when neither is set) before sending.
y copies a payload with a clipboard command (pbcopy, wl-copy, xclip, xsel)
or, failing that, the terminal's OSC 52. NO_COLOR turns colours off.

Every delivery the UI makes (a fired event, a replay, a contract case) uses
the delivery flags (--header, --sign, --secret, --timeout, --retries...), as
psbox serve does for POST /_psbox/events.`
	root.RunE = func(cmd *cobra.Command, args []string) error {
		o.serve.resolveKeys(cmd)
		o.serve.freeIfBusy = !cmd.Flags().Changed("addr") // psbox serve may already be on the default port
		if err := o.validate(); err != nil {
			return err
		}
		return runTUI(cmd.Context(), g, *o, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	o.addFlags(root)
}

// addFlags defines the UI's flags on cmd: the mock API's address and keys,
// the target, the cases, the first seed and the delivery flags.
func (o *tuiOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.serve.addr, "addr", defaultServeAddr, "address of the mock API (loopback by default; a free port when the default one is busy)")
	f.StringVar(&o.target, "target", "", "receiver URL to deliver to (default: a built-in receiver on "+defaultReceiverAddr+")")
	f.StringVar(&o.cases, "cases", "", "folder (or .json file) of contract cases for the Diff screen (default ./psbox-cases/ when it exists)")
	o.serve.addKeyFlags(cmd)
	f.Int64Var(&o.seed, "seed", 1, "first payload seed (the Events screen's s changes it)")
	o.serve.delivery.AddFlags(f)
}

// tuiMemoryLimit is the UI's soft memory limit (GOMEMLIMIT overrides it).
const tuiMemoryLimit = 192 << 20

// runTUI starts the mock API, the receiver and the recorder, runs the UI
// until it quits, then shuts everything down.
func runTUI(ctx context.Context, g *globals, o tuiOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if !isTerminal(stdout) || !isTerminal(stdin) {
		return usageError("the terminal UI needs an interactive terminal; without one use `psbox serve` for the mock API and `psbox trigger EVENT --to URL` to send events")
	}
	if os.Getenv("NO_COLOR") != "" {
		lipgloss.SetColorProfile(termenv.Ascii)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// Reading the history of a large log makes garbage (each summary's
		// strings, the list's growth) faster than the default GC pacing
		// returns it; a soft limit keeps the UI near what it holds (about
		// 150 MB for a million rows) at some CPU while the list fills.
		debug.SetMemoryLimit(tuiMemoryLimit)
	}

	var warnings warnLog
	sess, err := openTUISession(g, o, warnings.add)
	if err != nil {
		return err
	}
	defer sess.close(stderr)
	api, d, target := sess.api, sess.deps, sess.deps.target
	d.stderr = stderr
	cat := d.cat

	uiCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	opts := ui.Options{
		Context:   uiCtx,
		Firer:     d,
		Builder:   d,
		Exchanges: recorder.NewLogView(sess.rec),
		Replayer:  d,
		Webhooks:  webhookAdapter{api.Store},
		Clipboard: d,
		Editor:    d,
		Seed:      o.seed,
		Catalog:   cat.Events(),
		Status: ui.Status{
			APIAddr:   strings.TrimPrefix(api.URL, "http://"),
			PublicKey: o.serve.publicKey,
			SecretKey: o.serve.secretKey,
			Target:    target,
		},
	}
	opts.Status.Moved, opts.Status.TemporaryTarget = sess.moved(o)
	if o.cases == "" {
		if fi, err := os.Stat(defaultCaseDir); err == nil && fi.IsDir() {
			o.cases = defaultCaseDir
		}
	}
	if o.cases != "" {
		opts.Cases = &tuiCases{dir: o.cases, sender: d.sender, target: target, cat: cat}
	}

	p := tea.NewProgram(ui.New(opts), tea.WithAltScreen(), tea.WithContext(uiCtx),
		tea.WithInput(stdin), tea.WithOutput(stdout))
	final, err := p.Run()
	cancel()
	for _, w := range warnings.list() {
		fmt.Fprintln(stderr, "psbox: "+w)
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("the terminal UI stopped: %v", err)
	}
	if m, ok := final.(ui.Model); ok && m.Err() != nil {
		return checkFailed("%v", m.Err())
	}
	return nil
}

// tuiSession is what the UI runs over: the log, the mock API, the built-in
// receiver (without --target) and the adapters the UI calls.
type tuiSession struct {
	rec  *recorder.Store
	api  *mock.Running
	recv *tuiReceiver // nil with --target
	deps *tuiDeps
}

// openTUISession opens the log, starts the mock API and, without a target,
// the built-in receiver. Every delivery the UI makes goes through the mock
// API's sender, configured by the delivery flags.
func openTUISession(g *globals, o tuiOptions, logf func(string, ...any)) (*tuiSession, error) {
	maxSize, err := g.logSize()
	if err != nil {
		return nil, err
	}
	rec, err := recorder.Open(g.state, recorder.Options{RedactHeaders: g.redact, MaxSize: maxSize, Logf: logf})
	if err != nil {
		return nil, usageError("cannot open the delivery log in %s: %v; pass a writable folder with --state", g.state, err)
	}
	api, err := startMockAPI(g, o.serve, rec)
	if err != nil {
		rec.Close()
		return nil, err
	}
	s := &tuiSession{rec: rec, api: api}
	target := o.target
	if target == "" {
		r, err := startReceiver(defaultReceiverAddr)
		if err != nil {
			s.close(io.Discard)
			return nil, err
		}
		s.recv, target = r, r.url
	}
	s.deps = &tuiDeps{rec: rec, hooks: api.Store, sender: api.Sender, target: target, stderr: io.Discard, cat: api.Store.Catalog()}
	return s, nil
}

// moved names the default ports that were busy and where psbox listens
// instead; temporary says the target is such a port (the receiver).
func (s *tuiSession) moved(o tuiOptions) (notes []string, temporary bool) {
	if api := strings.TrimPrefix(s.api.URL, "http://"); o.serve.freeIfBusy && api != o.serve.addr {
		notes = append(notes, fmt.Sprintf("%s busy, mock API on %s", portOf(o.serve.addr), api))
	}
	if s.recv != nil && s.recv.moved {
		notes = append(notes, fmt.Sprintf("%s busy, receiver on %s", portOf(defaultReceiverAddr), strings.TrimSuffix(strings.TrimPrefix(s.recv.url, "http://"), "/webhooks")))
		temporary = true
	}
	return notes, temporary
}

func portOf(addr string) string {
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}

// close stops the receiver and the mock API, then writes the subscriptions
// and closes the log.
func (s *tuiSession) close(stderr io.Writer) {
	if s.recv != nil {
		s.recv.shutdown()
	}
	s.api.Shutdown()
	// After Shutdown: no request changes the store any more.
	if err := s.api.Store.Close(); err != nil {
		fmt.Fprintln(stderr, "psbox: "+err.Error())
	}
	closeRecorder(s.rec, stderr)
}

// warnLog collects the recorder's warnings while the UI owns the terminal.
type warnLog struct {
	mu sync.Mutex
	w  []string
}

func (l *warnLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.w) < 20 {
		l.w = append(l.w, fmt.Sprintf(format, args...))
	}
}

func (l *warnLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.w...)
}

// tuiReceiver is the built-in receiver the TUI targets without --target.
type tuiReceiver struct {
	url   string
	moved bool // its default port was busy: this port is only for this run
	srv   *http.Server
	done  chan error
}

// startReceiver listens on addr, or on a free loopback port when addr is
// busy.
func startReceiver(addr string) (*tuiReceiver, error) {
	ln, err := mock.Listen(addr, true)
	if err != nil {
		return nil, fmt.Errorf("cannot start the built-in receiver: %v; pass your own receiver with --target URL", err)
	}
	srv := mock.NewHTTPServer(ln.Addr().String(), receiver.New(io.Discard, receiver.Options{Status: http.StatusOK, Quiet: true}))
	r := &tuiReceiver{url: "http://" + mock.Dialable(ln.Addr()) + "/webhooks", moved: ln.Addr().String() != addr, srv: srv, done: make(chan error, 1)}
	go func() { r.done <- srv.Serve(ln) }()
	return r, nil
}

func (r *tuiReceiver) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), serveShutdownWait)
	defer cancel()
	if r.srv.Shutdown(ctx) != nil {
		r.srv.Close()
	}
	<-r.done
}

// tuiDeps implements the UI's interfaces over the real pieces.
type tuiDeps struct {
	rec    *recorder.Store
	hooks  *mock.Store
	sender *delivery.Sender
	target string
	stderr io.Writer
	cat    *fixtures.Catalog
}

func (d *tuiDeps) Build(event string, seed int64) ([]byte, error) {
	return d.cat.Build(event, seed)
}

// Fire delivers to every active webhook subscribed to event, or to the
// target when none is.
func (d *tuiDeps) Fire(ctx context.Context, event string, seed int64, body []byte) ([]ui.FireResult, error) {
	if body == nil {
		var err error
		if body, err = d.cat.Build(event, seed); err != nil {
			return nil, err
		}
	}
	// Who receives it is mock.Recipients' rule, with the target as the
	// fallback when no webhook subscribes.
	dispatch := &mock.Dispatcher{Subs: d.hooks, Sender: d.sender, Fallback: d.target, Catalog: d.cat}
	results, err := dispatch.Deliver(ctx, event, body, "")
	if err != nil {
		return nil, err
	}
	out := make([]ui.FireResult, len(results))
	for i, r := range results {
		out[i] = fireResult(r)
	}
	return out, nil
}

func fireResult(r delivery.Result) ui.FireResult {
	return ui.FireResult{Target: r.Target, DeliveryID: r.DeliveryID, OK: r.OK, Status: r.Status,
		Reason: r.Reason, Err: r.Err, Latency: r.Latency}
}

// Replay sends a recorded delivery's body again to the same target.
func (d *tuiDeps) Replay(ctx context.Context, ex recorder.Exchange) (ui.FireResult, error) {
	if ex.Kind == recorder.KindAPI {
		return ui.FireResult{}, fmt.Errorf("exchange %s is a call to the mock API, not a delivery: only deliveries can be replayed", ex.ID)
	}
	r := d.sender.Send(ctx, delivery.Replay(&ex, ""))
	return fireResult(r), nil
}

func toUIWebhook(w mock.Webhook) ui.Webhook {
	return ui.Webhook{Key: w.Key, Target: w.Target, Events: w.Events, Archived: w.Archived, CreatedAt: time.UnixMilli(w.CreatedAt)}
}

// Copy puts text on the clipboard (internal/desktop).
func (d *tuiDeps) Copy(text string) error { return desktop.Copy(text, d.stderr, isTerminal(d.stderr)) }

// Prepare opens the payload in $VISUAL/$EDITOR (internal/desktop).
func (d *tuiDeps) Prepare(text string) (tea.ExecCommand, func() (string, error), error) {
	cmd, result, err := desktop.EditCommand(text)
	if cmd == nil || err != nil {
		return nil, nil, err
	}
	return editorCmd{cmd}, result, nil
}

// editorCmd is an *exec.Cmd as tea.Exec runs it: the terminal's streams
// for the ones the command does not set.
type editorCmd struct{ *exec.Cmd }

func (c editorCmd) SetStdin(r io.Reader) {
	if c.Stdin == nil {
		c.Stdin = r
	}
}

func (c editorCmd) SetStdout(w io.Writer) {
	if c.Stdout == nil {
		c.Stdout = w
	}
}

func (c editorCmd) SetStderr(w io.Writer) {
	if c.Stderr == nil {
		c.Stderr = w
	}
}

// webhookAdapter gives mock.Store the UI's WebhookStore shape.
type webhookAdapter struct{ s *mock.Store }

func (a webhookAdapter) List(context.Context) ([]ui.Webhook, error) {
	list := a.s.List()
	out := make([]ui.Webhook, len(list))
	for i, w := range list {
		out[i] = toUIWebhook(w)
	}
	return out, nil
}

func (a webhookAdapter) Create(_ context.Context, target string, events []string) (ui.Webhook, error) {
	w, err := a.s.Create(target, events)
	return toUIWebhook(w), err
}

func (a webhookAdapter) UpdateEvents(_ context.Context, key string, events []string) (ui.Webhook, error) {
	w, err := a.s.Update(key, nil, events)
	return toUIWebhook(w), err
}

func (a webhookAdapter) Archive(_ context.Context, key string) (ui.Webhook, error) {
	w, err := a.s.Archive(key)
	return toUIWebhook(w), err
}

// tuiCases runs the contract cases in dir against the target, loading the
// files on every run so edits are picked up.
type tuiCases struct {
	dir    string
	sender *delivery.Sender
	target string
	cat    *fixtures.Catalog
}

func (c *tuiCases) Run(ctx context.Context) ([]ui.CaseResult, error) {
	cases, err := c.cat.LoadCases(c.dir)
	if err != nil {
		return nil, oneLineErr(caseFileError(err))
	}
	results := fixtures.Run(ctx, cases, c.sender.DeliverCases(c.target), fixtures.RunOptions{Concurrency: 4})
	out := make([]ui.CaseResult, len(results))
	for i, r := range results {
		out[i] = ui.CaseResult{Name: r.Case.Name, Event: r.Case.Event, File: r.Case.File, Pass: r.Pass, Diff: r.Diff, Ref: r}
		if !r.Pass && r.Answer.Status == 0 && r.Answer.Reason != "" {
			out[i].Err = fmt.Sprintf("no answer from %s (%s): %s", c.target, r.Answer.Reason, r.Answer.Err)
		}
	}
	return out, nil
}

// Accept writes the case's actual answer into its file, as `psbox test
// --update` does, and says where (file:line) and what changed. The file
// is read again first: accepting one case rewrites it, and another case
// of the same file accepted next must be found where it now is.
func (c *tuiCases) Accept(ctx context.Context, r ui.CaseResult) (string, error) {
	res, ok := r.Ref.(fixtures.Result)
	if !ok {
		return "", fmt.Errorf("case %q has no answer to accept; run the cases first", r.Name)
	}
	if res.Case.File != "" {
		cases, err := c.cat.LoadCases(res.Case.File)
		if err != nil {
			return "", oneLineErr(caseFileError(err))
		}
		found := false
		for _, fresh := range cases {
			if fresh.Name == res.Case.Name {
				res.Case, found = fresh, true
				break
			}
		}
		if !found {
			return "", fmt.Errorf("case %q is no longer in %s; press r to run the cases again", r.Name, res.Case.File)
		}
	}
	changes, err := fixtures.UpdateFiles([]fixtures.Result{res})
	return strings.Join(changes, "; "), err
}

func oneLineErr(err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.err
	}
	return err
}
