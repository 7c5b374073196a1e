package main

import (
	"net/http"

	"github.com/psbox-dev/psbox/internal/desktop"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/recorder"
)

// isTerminal reports whether v is an *os.File on a terminal
// (desktop.IsTerminal).
func isTerminal(v any) bool { return desktop.IsTerminal(v) }

// recordTo is the sender's Wrap that records every attempt in rec.
func recordTo(rec *recorder.Store) func(http.RoundTripper) http.RoundTripper {
	return mock.RecordTo(rec)
}
