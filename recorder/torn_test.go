package recorder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// TestStore_AppendOnly: an append-only Store reads nothing of the log, yet
// what it appends after a torn last line starts on a fresh line, and a
// normal Open then finds the old exchanges and the new ones, skipping only
// the torn line.
func TestStore_AppendOnly(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := s.Append(sampleExchange(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"id":"ex_torn","kind":"deli`); err != nil {
		t.Fatal(err)
	}
	f.Close()

	a, err := Open(dir, Options{AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for i := 2; i < 5; i++ {
		ex, err := a.Append(sampleExchange(i))
		if err != nil {
			t.Fatal(err)
		}
		added = append(added, ex.ID)
	}
	if got := a.Len(); got != 3 {
		t.Errorf("append-only Len = %d, want the 3 it appended", got)
	}
	if got := a.List(Filter{}); len(got) != 0 {
		t.Errorf("append-only List found %d exchanges, want none (it keeps no index)", len(got))
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	var warns []string
	r, err := Open(dir, Options{Logf: func(f string, args ...any) { warns = append(warns, fmt.Sprintf(f, args...)) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Len(); got != 5 {
		t.Fatalf("reopened log has %d exchanges, want 2 old + 3 appended", got)
	}
	for _, id := range added {
		if _, ok := r.Get(id); !ok {
			t.Errorf("exchange %s appended by the append-only Store is missing", id)
		}
	}
	if len(warns) != 1 || !strings.Contains(warns[0], "line 3") {
		t.Errorf("warnings = %q, want one about the torn line 3", warns)
	}
}
