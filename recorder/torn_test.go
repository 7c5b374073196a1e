package recorder

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestScanSummary_EveryPrefixOfALineIsRejected: a crash can cut the last
// line anywhere. No proper prefix of a record as the Store writes it may
// pass for a record, or a torn tail would be loaded as an exchange instead
// of being skipped with a warning.
func TestScanSummary_EveryPrefixOfALineIsRejected(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := s.Append(sampleExchange(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(lines) != 3 {
		t.Fatalf("%d lines in the log, want 3", len(lines))
	}
	for _, line := range lines {
		var whole summary
		if err := scanSummary(line, &whole); err != nil || whole.ID == "" {
			t.Fatalf("a whole line does not scan (%v): %s", err, line)
		}
		for n := 1; n < len(line); n++ {
			var sm summary
			if err := scanSummary(line[:n], &sm); err == nil {
				t.Fatalf("a prefix of %d of %d bytes scans as a record: %s", n, len(line), line[:n])
			}
		}
	}
}
