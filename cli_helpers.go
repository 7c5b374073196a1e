package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/psbox-dev/psbox/internal/cliargs"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/spf13/cobra"
)

// recordTo is the sender's Wrap that records every attempt in rec.
func recordTo(rec *recorder.Store) func(http.RoundTripper) http.RoundTripper {
	return mock.RecordTo(rec)
}

// openRecorder opens the delivery log in the state folder for commands
// that record; warnings (a torn last line cut off) go to stderr. Opening
// reads nothing of the log, so it costs the same for any size of log.
func openRecorder(g *globals, stderr io.Writer) (*recorder.Store, error) {
	return openLog(g, stderr, false)
}

// openAppender opens the delivery log for commands that only add to it
// (trigger, test).
func openAppender(g *globals, stderr io.Writer) (*recorder.Store, error) {
	return openLog(g, stderr, false)
}

// openReader opens the delivery log read-only, for commands that only
// read it: they work on a state folder psbox may not write to, and create
// nothing.
func openReader(g *globals, stderr io.Writer) (*recorder.Store, error) {
	if !stateExists(g) {
		return nil, usageError("%s", noState(g))
	}
	return openLog(g, stderr, true)
}

// stateExists reports whether anything is where the state folder should
// be (a file there is reported when the log is opened): commands that only
// read it never create it.
func stateExists(g *globals) bool {
	_, err := os.Stat(g.state)
	return !errors.Is(err, fs.ErrNotExist)
}

// noState says there is no psbox state where --state points.
func noState(g *globals) string {
	return fmt.Sprintf("there is no psbox state in %s: nothing was recorded there; run psbox trigger, psbox serve or the UI in this folder first, or pass --state (or PSBOX_STATE) with the folder they used", g.state)
}

func openLog(g *globals, stderr io.Writer, readOnly bool) (*recorder.Store, error) {
	maxSize, err := g.logSize()
	if err != nil {
		return nil, err
	}
	s, err := recorder.Open(g.state, recorder.Options{RedactHeaders: g.redact, ReadOnly: readOnly, MaxSize: maxSize, Logf: func(format string, args ...any) {
		fmt.Fprintf(stderr, "psbox: warning: "+format+"\n", args...)
	}})
	if err != nil {
		if readOnly {
			return nil, usageError("%v; pass --state with a folder psbox can read", err)
		}
		return nil, usageError("%v; pass --state with a folder psbox can read and write", err)
	}
	return s, nil
}

// closeRecorder flushes and closes the log, warning on w when the last
// batch could not be saved.
func closeRecorder(rec *recorder.Store, w io.Writer) {
	if err := rec.Close(); err != nil {
		fmt.Fprintf(w, "psbox: warning: the deliveries log was not fully saved: %v\n", err)
	}
}

// noArgs is cliargs.NoArgs as a usage error: cobra.NoArgs in one sentence.
func noArgs(cmd *cobra.Command, args []string) error { return asUsage(cliargs.NoArgs(cmd, args)) }

// flagError is cliargs.FlagError as a usage error: a bad flag in one
// sentence.
func flagError(c *cobra.Command, err error) error { return asUsage(cliargs.FlagError(c, err)) }

// lookupExchange finds an exchange by id or unique prefix, or explains why not.
func lookupExchange(s *recorder.Store, id string) (recorder.Exchange, error) {
	ex, err := s.Lookup(id)
	return ex, lookupError(err)
}

// lookupID resolves what show and replay accept: a delivery id (dlv_...,
// or a unique prefix of one) gives every attempt of that delivery, oldest
// first; an exchange id (ex_..., or a unique prefix) gives that one
// exchange.
func lookupID(s *recorder.Store, id string) ([]recorder.Exchange, error) {
	if strings.HasPrefix(id, delivery.DeliveryIDPrefix) {
		attempts, err := s.LookupDelivery(id)
		return attempts, lookupError(err)
	}
	ex, err := lookupExchange(s, id)
	if err != nil {
		return nil, err
	}
	return []recorder.Exchange{ex}, nil
}

// lookupError is a usage error; an unknown id points to the list.
func lookupError(err error) error {
	var le *recorder.LookupError
	if errors.As(err, &le) && le.NotFound() {
		return usageError("%v; run 'psbox deliveries' to list them", err)
	}
	return asUsage(err)
}
