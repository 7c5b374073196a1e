package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/spf13/cobra"
)

// Defaults of `psbox serve`, psbox's choices.
const (
	defaultServeAddr = "127.0.0.1:8484"
	defaultPublicKey = "pk_psbox_test"
	defaultSecretKey = "sk_psbox_test"
)

// serveShutdownWait is how long in-flight requests may finish after Ctrl-C
// (a variable so that a test can cut one without waiting 5 s).
var serveShutdownWait = 5 * time.Second

// serveOptions are the flags of `psbox serve`.
type serveOptions struct {
	addr      string
	publicKey string
	secretKey string
	keysGiven bool // the secret key came from --secret-key or PSBOX_SECRET_KEY
	// freeIfBusy: listen on a free loopback port when addr is taken (the
	// TUI without --addr) instead of failing (psbox serve).
	freeIfBusy bool
	// delivery configures every delivery the dispatcher makes (POST
	// /_psbox/events and, in the UI, each fired event).
	delivery delivery.Config
	// quiet: psbox serve prints no line per request.
	quiet bool
	// requestLog receives one line per request; nil prints none (the UI).
	requestLog io.Writer
}

// validate checks the options before anything listens.
func (o *serveOptions) validate() error {
	host, port, err := net.SplitHostPort(o.addr)
	if err != nil {
		return usageError("--addr %q is not host:port; use e.g. --addr %s", o.addr, defaultServeAddr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return usageError("--addr %q has no valid port (0-65535); use e.g. --addr %s", o.addr, defaultServeAddr)
	}
	if o.publicKey == "" || o.secretKey == "" {
		return usageError("--public-key and --secret-key must not be empty; omit them to use the defaults %s / %s", defaultPublicKey, defaultSecretKey)
	}
	if !mock.IsLoopbackHost(host) && (!o.keysGiven || o.secretKey == defaultSecretKey) {
		return usageError("refusing to listen on %s with the default keys, which anyone who can reach it could use; pass your own --public-key and --secret-key (or PSBOX_PUBLIC_KEY and PSBOX_SECRET_KEY), or listen on 127.0.0.1", o.addr)
	}
	return asUsage(o.delivery.Validate())
}

// addKeyFlags defines --public-key and --secret-key. Unset, they come from
// PSBOX_PUBLIC_KEY / PSBOX_SECRET_KEY, else psbox's loopback-only defaults
// (resolveKeys); --help never shows a key taken from the environment.
func (o *serveOptions) addKeyFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.publicKey, "public-key", defaultPublicKey, "mock API public key: the HTTP Basic user name (env PSBOX_PUBLIC_KEY)")
	f.StringVar(&o.secretKey, "secret-key", defaultSecretKey, "mock API secret key: the HTTP Basic password, also accepted as a Bearer token (env PSBOX_SECRET_KEY)")
}

// resolveKeys applies the environment to keys not given as flags and
// records whether the user chose the secret key, which listening off
// loopback requires.
func (o *serveOptions) resolveKeys(cmd *cobra.Command) {
	if v := os.Getenv("PSBOX_PUBLIC_KEY"); v != "" && !cmd.Flags().Changed("public-key") {
		o.publicKey = v
	}
	if v := os.Getenv("PSBOX_SECRET_KEY"); v != "" && !cmd.Flags().Changed("secret-key") {
		o.secretKey = v
	}
	o.keysGiven = cmd.Flags().Changed("secret-key") || os.Getenv("PSBOX_SECRET_KEY") != ""
}

func newServeCmd(g *globals) *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the mock PartnerStack Webhooks API (headless)",
		Long: `Run the mock of the PartnerStack Webhooks API until Ctrl-C:

  GET    /api/v2/webhooks          list, newest first (limit 1-250, default 10;
                                   starting_after / ending_before by key)
  POST   /api/v2/webhooks          create {"target": URL, "events": [names]}
  GET    /api/v2/webhooks/{key}    retrieve
  PATCH  /api/v2/webhooks/{key}    change only the fields sent
  DELETE /api/v2/webhooks/{key}    archive
  GET    /_psbox/health            no auth; for readiness checks

Auth is HTTP Basic with the public key as user and the secret key as
password, as PartnerStack's API uses.

Subscriptions survive restarts. A create, update or archive is answered
after the change is in <state>/webhooks.journal: it is visible to other
psbox commands at once (psbox trigger run right after a create sees it)
and survives the server being killed. The journal is fsynced in the
background within about 100 ms (group commit) and compacted into
<state>/webhooks.json on shutdown. One psbox serve or UI writes a state
folder at a time (<state>/webhooks.lock); a second one is refused.

psbox's own choices, where PartnerStack's behaviour is not documented:
  - Authorization: Bearer <secret key> is accepted too.
  - DELETE archives: the webhook stays in list and retrieve answers with
    "archived": true and never receives events again; it cannot be updated.
  - Keys look like whook_ + 14 letters and digits.
  - The default keys pk_psbox_test / sk_psbox_test only work on a loopback
    address; listening elsewhere needs your own keys.

Each request is printed once answered, one line: time, method, path
(without the query), status and latency; --quiet turns that off. Every
exchange is also recorded in <state>/deliveries.jsonl (psbox deliveries -f).

Every delivery to a subscription (POST /_psbox/events) uses the delivery
flags below.

` + delivery.Help,
		Example: `  psbox serve
  psbox serve --addr 127.0.0.1:9000 --secret-key sk_local_123
  PSBOX_PUBLIC_KEY=pk_ci PSBOX_SECRET_KEY=sk_ci psbox serve --addr 0.0.0.0:8484
  curl -u pk_psbox_test:sk_psbox_test http://127.0.0.1:8484/api/v2/webhooks`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.resolveKeys(cmd)
			if err := o.validate(); err != nil {
				return err
			}
			if !o.quiet {
				o.requestLog = cmd.OutOrStdout()
			}
			return runServe(cmd.Context(), g, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", defaultServeAddr, "address to listen on (loopback by default; elsewhere needs your own keys)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print no line per request (by default: time, method, path, status, latency)")
	o.addKeyFlags(cmd)
	o.delivery.AddFlags(f)
	return cmd
}

// startMockAPI opens the store in the state folder as its one writer and
// serves the mock API (mock.Run) on o.addr, recording every API call and
// every delivery into rec.
func startMockAPI(g *globals, o serveOptions, rec *recorder.Store) (*mock.Running, error) {
	cat, err := g.catalog()
	if err != nil {
		return nil, err
	}
	dopts, err := o.delivery.Options()
	if err != nil {
		return nil, asUsage(err)
	}
	dopts.UserAgent = "psbox/" + version
	store, err := mock.OpenStore(g.state)
	if err != nil {
		return nil, asUsage(err)
	}
	store.UseCatalog(cat)
	if err := store.ClaimWriter(); err != nil {
		var inUse *mock.InUseError
		if errors.As(err, &inUse) {
			return nil, usageError("%v", err)
		}
		return nil, err
	}
	ln, err := mock.Listen(o.addr, o.freeIfBusy)
	if err != nil {
		store.Close() // nothing changed yet: writes nothing
		return nil, listenError(o.addr, defaultServeAddr, err)
	}
	m, err := mock.Run(mock.RunOptions{
		Options: mock.Options{PublicKey: o.publicKey, SecretKey: o.secretKey, Version: version},
		Store:   store, Recorder: rec, Delivery: dopts, Listener: ln, RequestLog: o.requestLog, Wait: serveShutdownWait,
	})
	if err != nil {
		store.Close()
		return nil, asUsage(err)
	}
	return m, nil
}

// runServe serves the mock API until ctx is cancelled (Ctrl-C).
func runServe(ctx context.Context, g *globals, o serveOptions, out io.Writer) error {
	rec, err := openRecorder(g, out)
	if err != nil {
		return err
	}
	finished := false // finishRecording closed it and said what was lost
	defer func() {
		if !finished {
			closeRecorder(rec, out)
		}
	}()
	m, err := startMockAPI(g, o, rec)
	if err != nil {
		return err
	}
	printServeBanner(out, m, o)
	select {
	case <-ctx.Done():
	case <-m.Stopped():
		err := m.Err()
		m.Shutdown()
		if cerr := m.Store.Close(); cerr != nil {
			return checkFailed("mock API stopped: %v; %v", err, cerr)
		}
		return checkFailed("mock API stopped: %v", err)
	}
	serr := m.Shutdown()
	// The server is down, so no request changes the store any more: write
	// webhooks.json and remove the journal; then flush the log.
	stErr := m.Store.Close()
	recErr := finishRecording(rec, "exchanges")
	finished = true
	switch {
	case stErr != nil && recErr != nil:
		return checkFailed("%v; and %v", stErr, recErr)
	case stErr != nil:
		return checkFailed("%v", stErr)
	case recErr != nil:
		return recErr
	}
	if serr != nil {
		return checkFailed("mock API did not stop within %s of Ctrl-C, so the requests still in flight were cut off (the subscriptions are saved)", serveShutdownWait)
	}
	fmt.Fprintln(out, "psbox: mock API stopped")
	return nil
}

func printServeBanner(out io.Writer, m *mock.Running, o serveOptions) {
	secret, curlSecret := o.secretKey, o.secretKey
	if o.secretKey != defaultSecretKey {
		// Never echo a real secret: it would end up in terminal scrollback and CI logs.
		secret, curlSecret = "(hidden; the one you passed)", "$PSBOX_SECRET_KEY"
	}
	// One write, so that a reader that sees the first line sees the whole banner.
	var b strings.Builder
	fmt.Fprintf(&b, "psbox mock PartnerStack API listening on %s/api/v2\n", m.URL)
	fmt.Fprintf(&b, "  state       %s\n", m.Store.Path())
	fmt.Fprintf(&b, "  public key  %s\n", o.publicKey)
	fmt.Fprintf(&b, "  secret key  %s\n", secret)
	fmt.Fprintf(&b, "  deliveries  %s\n", o.delivery.Summary())
	fmt.Fprintf(&b, "  try         curl -u \"%s:%s\" %s/api/v2/webhooks\n", o.publicKey, curlSecret, m.URL)
	b.WriteString("Press Ctrl-C to stop.\n")
	io.WriteString(out, b.String())
}

// listenError turns a failed listen on --addr into one sentence with the
// fix; example is an address to suggest.
func listenError(addr, example string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return usageError("%s is already in use; stop the program using it or pick another port with --addr", addr)
	case errors.Is(err, syscall.EACCES):
		return usageError("not allowed to listen on %s; use a port above 1023 with --addr", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return usageError("%s is not an address of this machine; use e.g. --addr %s", addr, example)
	}
	return usageError("cannot listen on %s: %v; pick another address with --addr", addr, err)
}
