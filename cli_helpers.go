package main

import (
	"net/http"
	"os"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/recorder"
)

// isTerminal reports whether v is an *os.File on a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// recordTo is the sender's Wrap that records every attempt in rec.
func recordTo(rec *recorder.Store) func(http.RoundTripper) http.RoundTripper {
	return mock.RecordTo(rec)
}
