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
		var whole Summary
		if err := scanSummary(line, &whole); err != nil || whole.ID == "" {
			t.Fatalf("a whole line does not scan (%v): %s", err, line)
		}
		for n := 1; n < len(line); n++ {
			var sm Summary
			if err := scanSummary(line[:n], &sm); err == nil {
				t.Fatalf("a prefix of %d of %d bytes scans as a record: %s", n, len(line), line[:n])
			}
		}
	}
}

// TestStore_TornTailRepairedByNextWriter: a torn last line (a crash
// mid-write) is skipped by readers with a warning that says where it will
// go; the next Store that opens the log for writing cuts it off, keeps
// the fragment in deliveries.torn, and from then on no read warns.
func TestStore_TornTailRepairedByNextWriter(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	for i := range 2 {
		if _, err := s.Append(sampleExchange(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, FileName)
	frag := `{"id":"ex_torn","kind":"deli`
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(frag); err != nil {
		t.Fatal(err)
	}
	f.Close()
	torn := filepath.Join(dir, TornFileName)

	var log logSink
	r := openT(t, dir, Options{ReadOnly: true, Logf: log.logf})
	if n := r.Len(); n != 2 {
		t.Fatalf("a reader sees %d exchanges, want 2", n)
	}
	if w := log.all(); len(w) != 1 || !strings.Contains(w[0], "torn last record") || !strings.Contains(w[0], torn) {
		t.Fatalf("reader warnings = %q, want one about the torn record naming %s", w, torn)
	}

	log = logSink{}
	a := openT(t, dir, Options{Logf: log.logf})
	if w := log.all(); len(w) != 1 || !strings.Contains(w[0], fmt.Sprintf("torn record of %d bytes", len(frag))) || !strings.Contains(w[0], torn) {
		t.Fatalf("writer warnings = %q, want one saying the fragment is in %s", w, torn)
	}
	if b, err := os.ReadFile(torn); err != nil || string(b) != frag+"\n" {
		t.Fatalf("%s holds %q (%v), want the fragment", torn, b, err)
	}
	var added []string
	for i := 2; i < 5; i++ {
		ex, err := a.Append(sampleExchange(i))
		if err != nil {
			t.Fatal(err)
		}
		added = append(added, ex.ID)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if n := bytes.Count(b, []byte("\n")); n != 5 || bytes.Contains(b, []byte("ex_torn")) {
		t.Fatalf("the log has %d lines (fragment kept: %v), want the 5 whole records", n, bytes.Contains(b, []byte("ex_torn")))
	}

	log = logSink{}
	r = openT(t, dir, Options{ReadOnly: true, Logf: log.logf})
	if got := r.Len(); got != 5 {
		t.Fatalf("reopened log has %d exchanges, want 2 old + 3 appended", got)
	}
	for _, id := range added {
		if _, ok := r.Get(id); !ok {
			t.Errorf("exchange %s is missing", id)
		}
	}
	if w := log.all(); len(w) != 0 {
		t.Errorf("warnings after the repair: %q", w)
	}
}
