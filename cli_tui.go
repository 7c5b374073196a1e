package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/psbox-dev/psbox/internal/desktop"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/receiver"
	"github.com/psbox-dev/psbox/tuiapp"
	"github.com/spf13/cobra"
)

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
	f.StringVar(&o.target, "target", "", "receiver URL to deliver to (default: a built-in receiver on "+receiver.DefaultAddr+")")
	f.StringVar(&o.cases, "cases", "", "folder (or .json file) of contract cases for the Diff screen (default ./psbox-cases/ when it exists)")
	o.serve.addKeyFlags(cmd)
	f.Int64Var(&o.seed, "seed", 1, "first payload seed (the Events screen's s changes it)")
	o.serve.delivery.AddFlags(f)
}

// runTUI opens the log, the mock API and the UI's session, runs the UI
// until it quits, then shuts everything down.
func runTUI(ctx context.Context, g *globals, o tuiOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if !desktop.IsTerminal(stdout) || !desktop.IsTerminal(stdin) {
		return usageError("the terminal UI needs an interactive terminal; without one use `psbox serve` for the mock API and `psbox trigger EVENT --to URL` to send events")
	}
	if o.cases == "" {
		if fi, err := os.Stat(defaultCaseDir); err == nil && fi.IsDir() {
			o.cases = defaultCaseDir
		}
	}
	var warnings tuiapp.Warnings
	sess, err := openTUISession(g, o, warnings.Add, stdin, stdout, stderr)
	if err != nil {
		return err
	}
	defer sess.close(stderr)
	err = sess.deps.Run(ctx)
	for _, w := range warnings.List() {
		fmt.Fprintln(stderr, "psbox: "+w)
	}
	var failed *tuiapp.FailedError
	if errors.As(err, &failed) {
		return checkFailed("%v", failed.Err)
	}
	return err
}

// tuiSession is what the UI runs over: the log, the mock API and the UI's
// session (with the built-in receiver when there is no --target).
type tuiSession struct {
	rec  *recording
	api  *mock.Running
	deps *tuiapp.Session
}

// openTUISession opens the log, starts the mock API and opens the UI's
// session over them. Every delivery the UI makes goes through the mock
// API's sender, configured by the delivery flags. The log's warnings go to
// logf: the terminal is the UI's.
func openTUISession(g *globals, o tuiOptions, logf func(string, ...any), stdin io.Reader, stdout, stderr io.Writer) (*tuiSession, error) {
	rec, err := startRecording(g, stderr, logf)
	if err != nil {
		return nil, err
	}
	api, err := startMockAPI(g, o.serve, rec.Store)
	if err != nil {
		rec.close()
		return nil, err
	}
	s := &tuiSession{rec: rec, api: api}
	to := tuiapp.Options{
		Log: rec.Store, Hooks: api.Store, Sender: api.Sender, Catalog: api.Store.Catalog(),
		APIAddr: strings.TrimPrefix(api.URL, "http://"), PublicKey: o.serve.publicKey, SecretKey: o.serve.secretKey,
		Target: o.target, Cases: o.cases, Seed: o.seed, In: stdin, Out: stdout, Err: stderr,
	}
	if o.serve.freeIfBusy {
		to.APIDefault = o.serve.addr
	}
	if s.deps, err = tuiapp.Open(to); err != nil {
		s.close(io.Discard)
		return nil, err
	}
	return s, nil
}

// close stops the receiver and the mock API, writes the subscriptions
// (mock.Running.Close) and closes the log.
func (s *tuiSession) close(stderr io.Writer) {
	if s.deps != nil {
		s.deps.Close()
	}
	if err := s.api.Close(); err != nil && !errors.Is(err, mock.ErrCutOff) {
		fmt.Fprintln(stderr, "psbox: "+err.Error())
	}
	s.rec.close()
}
