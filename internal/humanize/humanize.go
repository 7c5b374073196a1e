// Package humanize is the one rule of how psbox writes a latency for a
// person: every table, status line and report (psbox deliveries, trigger,
// serve's request log, psbox test, the terminal UI) calls it, so the same
// attempt reads the same everywhere.
package humanize

import (
	"strconv"
	"time"
)

// Latency formats an attempt's latency: "-" for none, milliseconds with one
// decimal under a second (0.4ms, 12.3ms, 999.9ms), seconds with one
// decimal from there (1.2s, 30.0s).
//
// One unit below a second keeps a column comparable at a glance (850µs
// beside 12ms reads as the larger number), and the decimal is what tells
// receivers apart on loopback, where most answer in 0.3 to 5 ms. The widest
// value under a second, 999.9ms, fits the UI's 7-cell column.
func Latency(d time.Duration) string { return string(AppendLatency(nil, d)) }

// AppendLatency appends Latency(d) to b, for writers that format many
// lines without allocating.
func AppendLatency(b []byte, d time.Duration) []byte {
	switch {
	case d <= 0:
		return append(b, '-')
	case d < time.Second-50*time.Microsecond:
		return append(strconv.AppendFloat(b, float64(d)/float64(time.Millisecond), 'f', 1, 64), "ms"...)
	}
	return append(strconv.AppendFloat(b, d.Seconds(), 'f', 1, 64), 's')
}

// Plural is one when n is 1, else many: "1 delivery", "2 deliveries".
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
