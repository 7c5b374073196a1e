package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/recorder"
)

// recording is the delivery log of a command that records what it sends
// (serve, the UI, trigger, test, audit, replay).
type recording struct {
	*recorder.Store
	stderr io.Writer
	closed bool // by finish or close
}

// startRecording opens the log in the state folder for appending. Its
// warnings (a torn last line cut off) go to logf, or to stderr when logf is
// nil. Opening reads nothing of the log, so it costs the same for any size
// of log.
func startRecording(g *globals, stderr io.Writer, logf func(string, ...any)) (*recording, error) {
	if logf == nil {
		logf = warnTo(stderr)
	}
	s, err := openLog(g, logf, false)
	if err != nil {
		return nil, err
	}
	return &recording{Store: s, stderr: stderr}, nil
}

// wrap is a sender's Wrap that records every attempt.
func (r *recording) wrap() func(http.RoundTripper) http.RoundTripper { return mock.RecordTo(r.Store) }

// close closes the log unless finish did, with a warning when the last
// batch could not be saved; every command that records defers it.
func (r *recording) close() {
	if r.closed {
		return
	}
	r.closed = true
	if err := r.Store.Close(); err != nil {
		fmt.Fprintf(r.stderr, "psbox: warning: the deliveries log was not fully saved: %v\n", err)
	}
}

// finish closes the log of a command whose result depends on the
// recording (trigger, serve) and turns a log that could not record
// everything (a full disk) into a failed check: "N of M <what> were not
// recorded: <cause>". The lines that were written are whole; the rest are
// gone.
func (r *recording) finish(what string) error {
	r.closed = true
	err := r.Store.Close()
	if err == nil {
		return nil
	}
	var nr *recorder.NotRecordedError
	if !errors.As(err, &nr) {
		return checkFailed("the deliveries log was not fully saved: %v", err)
	}
	cause := nr.Err
	var pe *os.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err // "no space left on device", without the path said below
	}
	return checkFailed("%d of %d %s were not recorded: %v; free space in %s (the lines recorded are whole)",
		nr.Lost, nr.Total, what, cause, r.Dir())
}

// openReader opens the delivery log read-only, for commands that only
// read it: they work on a state folder psbox may not write to, and create
// nothing.
func openReader(g *globals, stderr io.Writer) (*recorder.Store, error) {
	if !stateExists(g) {
		return nil, usageError("%s", noState(g))
	}
	return openLog(g, warnTo(stderr), true)
}

func openLog(g *globals, logf func(string, ...any), readOnly bool) (*recorder.Store, error) {
	maxSize, err := g.logSize()
	if err != nil {
		return nil, err
	}
	s, err := recorder.Open(g.state, recorder.Options{RedactHeaders: g.redact, ReadOnly: readOnly, MaxSize: maxSize, Logf: logf})
	if err != nil {
		if readOnly {
			return nil, usageError("%v; pass --state with a folder psbox can read", err)
		}
		return nil, usageError("%v; pass --state with a folder psbox can read and write", err)
	}
	return s, nil
}

// warnTo is a Logf that prints each warning on w as one line
// "psbox: warning: ...".
func warnTo(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) { fmt.Fprintf(w, "psbox: warning: "+format+"\n", args...) }
}
