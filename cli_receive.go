package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/events"
	"github.com/psbox-dev/psbox/recorder"
)

// maxReceiveDelay bounds --delay: longer than any sender's timeout is
// pointless, and the server's write timeout would cut it anyway.
const maxReceiveDelay = 25 * time.Second

// receiveOptions are the flags of psbox receive.
type receiveOptions struct {
	addr   string
	status int
	delay  time.Duration
}

func (o receiveOptions) validate() error {
	if _, port, err := net.SplitHostPort(o.addr); err != nil || port == "" {
		return fmt.Errorf("--addr %q is not host:port; use e.g. --addr %s", o.addr, defaultReceiverAddr)
	}
	if o.status < 200 || o.status > 599 {
		return fmt.Errorf("--status %d: give an HTTP status from 200 to 599", o.status)
	}
	if o.delay < 0 || o.delay > maxReceiveDelay {
		return fmt.Errorf("--delay %s: give a duration from 0 to %s", o.delay, maxReceiveDelay)
	}
	return nil
}

// newReceiver is the built-in receiver's handler: it reads each delivery
// (at most 1 MiB, else 413), logs it readably to out (time, event, delivery
// id, key fields, the pretty JSON body), waits o.delay and answers o.status
// with {"received": true} (false when the status is not 2xx).
func newReceiver(out io.Writer, o receiveOptions) http.Handler {
	var mu sync.Mutex // one log entry at a time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, recorder.MaxBodyBytes))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			mock.WriteError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", recorder.MaxBodyBytes))
			return
		}
		entry := formatReceived(time.Now(), r, body)
		mu.Lock()
		io.WriteString(out, entry)
		mu.Unlock()

		if o.delay > 0 {
			t := time.NewTimer(o.delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(o.status)
		if o.status >= 200 && o.status <= 299 {
			io.WriteString(w, `{"received": true}`+"\n")
		} else {
			fmt.Fprintf(w, `{"received": false, "simulated_status": %d}`+"\n", o.status)
		}
	})
}

// formatReceived renders one delivery for the log.
func formatReceived(at time.Time, r *http.Request, body []byte) string {
	var b strings.Builder
	var doc map[string]any
	isJSON := json.Unmarshal(body, &doc) == nil
	event := r.Header.Get(events.HeaderEvent)
	if event == "" && isJSON {
		event, _ = doc["event"].(string)
	}
	if event == "" {
		event = "(event not named)"
	}
	fmt.Fprintf(&b, "%s  %s %s  %s", at.Format("15:04:05.000"), r.Method, r.URL.RequestURI(), event)
	if id := r.Header.Get(events.HeaderDelivery); id != "" {
		fmt.Fprintf(&b, "  %s", id)
	}
	if isJSON {
		for _, f := range keyFields(doc) {
			fmt.Fprintf(&b, "  %s", f)
		}
	}
	b.WriteString("\n")
	var pretty bytes.Buffer
	switch {
	case len(body) == 0:
		b.WriteString("  (empty body)\n")
	case json.Indent(&pretty, body, "  ", "  ") == nil:
		b.WriteString("  ")
		b.Write(pretty.Bytes())
		b.WriteString("\n")
	default:
		fmt.Fprintf(&b, "  %s (%d bytes, not JSON)\n", strconv.Quote(clipText(body, 200)), len(body))
	}
	return b.String()
}

// keyFields picks the fields a person looks for first: the object key and
// an email, at the top level, under "data" or under "content".
func keyFields(doc map[string]any) []string {
	scopes := []map[string]any{doc}
	for _, k := range []string{"data", "content"} {
		if m, ok := doc[k].(map[string]any); ok {
			scopes = append(scopes, m)
		}
	}
	var out []string
	for _, name := range []string{"key", "email"} {
		for _, s := range scopes {
			if v, ok := s[name].(string); ok && v != "" {
				out = append(out, name+"="+v)
				break
			}
		}
	}
	return out
}

func clipText(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
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
	f.IntVar(&o.status, "status", http.StatusOK, "HTTP status to answer with (psbox's addition: simulate failures)")
	f.DurationVar(&o.delay, "delay", 0, "wait this long before answering (psbox's addition: simulate a slow receiver)")
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
	srv := mock.NewHTTPServer(ln.Addr().String(), newReceiver(stdout, o))
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
