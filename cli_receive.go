package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/receiver"
)

// receiveOptions are the flags of psbox receive.
type receiveOptions struct {
	addr string
	receiver.Options
}

func (o receiveOptions) validate() error {
	if _, port, err := net.SplitHostPort(o.addr); err != nil || port == "" {
		return fmt.Errorf("--addr %q is not host:port; use e.g. --addr %s", o.addr, defaultReceiverAddr)
	}
	return o.Options.Validate()
}

func newReceiveCmd(g *globals) *cobra.Command {
	o := receiveOptions{}
	cmd := &cobra.Command{
		Use:   "receive",
		Short: "Run a built-in webhook receiver that logs each payload and answers 200",
		Long: `Run a minimal webhook receiver: every request is logged (time, event from the
X-Psbox-Event header or the body's "event" field, delivery id, key fields and
the pretty-printed JSON body) and answered 200 {"received": true}.

--status and --delay simulate a failing or slow receiver (psbox's additions,
handy to watch retries and timeouts). Bodies over 1 MiB get 413. Ctrl-C stops
it cleanly.`,
		Example: `  psbox receive
  psbox receive --addr 127.0.0.1:9000 --status 503 --delay 2s
  psbox trigger application_created --to http://127.0.0.1:8485/webhooks`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReceive(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr(), nil)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", defaultReceiverAddr, "address to listen on")
	f.IntVar(&o.Status, "status", http.StatusOK, "HTTP status to answer with (psbox's addition: simulate failures)")
	f.DurationVar(&o.Delay, "delay", 0, "wait this long before answering (psbox's addition: simulate a slow receiver)")
	return cmd
}

// runReceive serves until ctx ends. ready, when not nil, gets the listening
// address once the receiver accepts connections.
func runReceive(ctx context.Context, o receiveOptions, stdout, stderr io.Writer, ready chan<- string) error {
	if err := o.validate(); err != nil {
		return asUsage(err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return usageError("%s is already in use; stop what listens there or pick another with --addr 127.0.0.1:0", o.addr)
		}
		return usageError("cannot listen on %s: %v; pick another with --addr", o.addr, err)
	}
	srv := mock.NewHTTPServer(ln.Addr().String(), receiver.New(stdout, o.Options))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/webhooks"
	fmt.Fprintf(stderr, "psbox receive: listening on %s (any path works); Ctrl-C to stop\n", url)
	fmt.Fprintf(stderr, "  try: psbox trigger application_created --to %s\n", url)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-done:
		return fmt.Errorf("the receiver stopped: %v", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-done
	fmt.Fprintln(stderr, "psbox receive: stopped")
	return nil
}
