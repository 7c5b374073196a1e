package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/receiver"
)

// receiveOptions are the flags of psbox receive.
type receiveOptions struct {
	addr string
	receiver.Options
}

func (o *receiveOptions) validate() error {
	if o.Verify != "" && o.Secret == "" {
		o.Secret = os.Getenv(delivery.SecretEnv)
	}
	if _, err := checkAddr(o.addr, receiver.DefaultAddr); err != nil {
		return err
	}
	return asUsage(o.Options.Validate())
}

func newReceiveCmd(g *globals) *cobra.Command {
	o := receiveOptions{}
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "Run a built-in webhook receiver that logs each payload and answers 200",
		Long: `Run a minimal webhook receiver: every request is logged (time, event from the
X-Psbox-Event header or the body's "event" field, delivery id, key fields and
the pretty-printed JSON body) and answered 200 {"received": true}.

It is also the reference receiver for psbox audit:
  - it acts on each delivery once: a byte-identical body it has seen (a
    duplicate or a retry) is answered 200 {"received": true, "duplicate": true}
    and not acted on again (the last 100,000 bodies are remembered);
  - GET /_psbox/effects/{event}/{key} answers {"count": N}, the times it acted
    on that event for that entity key (give it to psbox audit --effects);
  - a body that is not a JSON object is answered 400;
  - with --verify standard-webhooks|hmac-sha256 and --secret (or $PSBOX_SIGNING_SECRET),
    a delivery with a missing or wrong signature, or (Standard Webhooks) a
    timestamp more than 5 minutes old or ahead, is answered 401.

--status and --delay simulate a failing or slow receiver (psbox's additions,
handy to watch retries and timeouts); with --status outside 2xx nothing is
acted on. Bodies over 1 MiB get 413. Ctrl-C stops it cleanly.

Output is buffered; when more than 20 deliveries arrive in a second, the rest
of that second is one line with counts by event, so the receiver keeps up with
a load test. --quiet prints nothing per delivery.`,
		Example: `  psbox receive
  psbox receive --addr 127.0.0.1:9000 --status 503 --delay 2s
  psbox receive --verify standard-webhooks --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  psbox trigger application_created --to http://127.0.0.1:8485/webhooks`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReceive(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr(), nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", receiver.DefaultAddr, "address to listen on")
	f.IntVar(&o.Status, "status", http.StatusOK, "HTTP status to answer with (psbox's addition: simulate failures)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing per delivery, only the count when stopped (for load tests)")
	f.DurationVar(&o.Delay, "delay", 0, "wait this long before answering (psbox's addition: simulate a slow receiver)")
	f.StringVar(&o.Verify, "verify", "", "answer 401 unless each delivery carries a valid signature: standard-webhooks or hmac-sha256")
	f.StringVar(&o.Secret, "secret", "", "the secret --verify checks with (whsec_... for standard-webhooks); default $"+delivery.SecretEnv)
	f.StringVar(&o.SignatureHeader, "signature-header", delivery.DefaultSignatureHeader, "header carrying the hmac-sha256 signature")
	return cmd
}

// runReceive serves until ctx ends. ready, when not nil, gets the listening
// address once the receiver accepts connections.
func runReceive(ctx context.Context, o receiveOptions, stdout, stderr io.Writer, ready chan<- string) error {
	if err := o.validate(); err != nil {
		return err
	}
	ln, err := mock.Listen(o.addr, false)
	if err != nil {
		return listenError(o.addr, receiver.DefaultAddr, err)
	}
	rc := receiver.New(stdout, o.Options)
	srv := mock.Serve(ln, rc, 5*time.Second)
	url := srv.URL + "/webhooks"
	fmt.Fprintf(stderr, "psbox receive: listening on %s (any path works); Ctrl-C to stop\n", url)
	fmt.Fprintf(stderr, "  try: psbox trigger application_created --to %s\n", url)
	audit := "psbox audit --target " + url + " --effects '" + srv.URL + receiver.EffectsPath + "{event}/{key}'"
	if o.Verify != "" {
		audit += " --sign " + o.Verify + " --secret ..."
	}
	fmt.Fprintf(stderr, "  or:  %s\n", audit)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case <-srv.Stopped():
		return fmt.Errorf("the receiver stopped: %v", srv.Err())
	case <-ctx.Done():
	}
	srv.Shutdown()
	fmt.Fprintf(stderr, "psbox receive: stopped after %d deliveries\n", rc.Close())
	return nil
}
