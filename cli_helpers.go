package main

import (
	"fmt"
	"net/http"
	"os"
	"time"

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

// latency formats an attempt's latency for a table: "-" for none,
// milliseconds with one decimal under a second.
func latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Millisecond).String()
}
