package main

import (
	"strings"
	"testing"
)

// TestTrigger_CountBoundedAndOverflowChecked: a --count too large to run,
// or whose product with the events and targets would overflow, is a
// sentence and exit 2, never a panic or an out-of-memory death.
func TestTrigger_CountBoundedAndOverflowChecked(t *testing.T) {
	state := t.TempDir()
	for _, count := range []string{"4611686018427387904", "1099511627776", "9223372036854775807", "1000000001"} {
		code, stdout, stderr := runTriggerCmd(t, state, "application_created", "application_approved",
			"--count", count, "--no-record", "--to", "http://127.0.0.1:1/")
		if code != 2 || !strings.Contains(stderr, "--count") || stdout != "" {
			t.Errorf("--count %s: exit %d, stdout %q, stderr %q; want exit 2 naming --count", count, code, stdout, stderr)
		}
		assertOneSentence(t, stderr)
	}
	// Within the bound per event, but two events make it too many in all.
	code, _, stderr := runTriggerCmd(t, state, "application_created", "application_approved",
		"--count", "600000000", "--no-record", "--to", "http://127.0.0.1:1/")
	if code != 2 || !strings.Contains(stderr, "1200000000 deliveries") {
		t.Errorf("600,000,000 x 2 events: exit %d, stderr %q; want exit 2 counting the deliveries", code, stderr)
	}
}

// TestTrigger_RateOutOfRangeRefused: a --rate too small to mean anything
// (its interval overflows a Duration), NaN, infinite, negative or beyond
// what a run can start is refused with a sentence, not silently unlimited.
func TestTrigger_RateOutOfRangeRefused(t *testing.T) {
	state := t.TempDir()
	for _, rate := range []string{"0.0000000001", "NaN", "Inf", "-Inf", "-1", "1e12"} {
		code, stdout, stderr := runTriggerCmd(t, state, "application_created", "--rate", rate, "--no-record", "--to", "http://127.0.0.1:1/")
		if code != 2 || !strings.Contains(stderr, "--rate") || stdout != "" {
			t.Errorf("--rate %s: exit %d, stdout %q, stderr %q; want exit 2 naming --rate", rate, code, stdout, stderr)
		}
		assertOneSentence(t, stderr)
	}
}
