package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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
	host, err := checkAddr(o.addr, defaultServeAddr)
	if err != nil {
		return err
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

// startMockAPI serves the mock API on o.addr over the store in the state
// folder (mock.Start), recording every API call and delivery into rec.
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
	m, err := mock.Start(mock.StartOptions{
		Options: mock.Options{PublicKey: o.publicKey, SecretKey: o.secretKey, Version: version},
		Dir:     g.state, Catalog: cat, Addr: o.addr, FreeIfBusy: o.freeIfBusy,
		Recorder: rec, Delivery: dopts, RequestLog: o.requestLog, Wait: serveShutdownWait,
	})
	var le *mock.ListenError
	if errors.As(err, &le) {
		return nil, listenError(o.addr, defaultServeAddr, le.Err)
	}
	return m, asUsage(err)
}

// runServe serves the mock API until ctx is cancelled (Ctrl-C), then
// writes the subscriptions and flushes the log.
func runServe(ctx context.Context, g *globals, o serveOptions, out io.Writer) error {
	rec, err := startRecording(g, out, nil)
	if err != nil {
		return err
	}
	defer rec.close()
	m, err := startMockAPI(g, o, rec.Store)
	if err != nil {
		return err
	}
	printServeBanner(out, m, o)
	var stopped error // why the server stopped by itself
	select {
	case <-ctx.Done():
	case <-m.Stopped():
		stopped = m.Err()
	}
	closeErr := m.Close()
	cutOff := errors.Is(closeErr, mock.ErrCutOff)
	if cutOff {
		closeErr = nil
	}
	if stopped != nil {
		if closeErr != nil {
			return checkFailed("mock API stopped: %v; %v", stopped, closeErr)
		}
		return checkFailed("mock API stopped: %v", stopped)
	}
	recErr := rec.finish("exchanges")
	switch {
	case closeErr != nil && recErr != nil:
		return checkFailed("%v; and %v", closeErr, recErr)
	case closeErr != nil:
		return checkFailed("%v", closeErr)
	case recErr != nil:
		return recErr
	case cutOff:
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
