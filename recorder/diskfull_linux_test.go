package recorder

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/psbox-dev/psbox/internal/smalldisk"
)

// TestStore_DiskFull fills a real 1 MiB filesystem: Close says how many of
// the appended exchanges were not recorded and why, every line in the log
// is whole (a batch cut short is cut back to the last complete line), and
// the count of lines plus the count lost is what was appended.
func TestStore_DiskFull(t *testing.T) {
	dir := smalldisk.Mount(t, "1m")
	s, err := Open(filepath.Join(dir, "state"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const total = 3000 // about 3 MiB of lines
	for i := range total {
		if _, err := s.Append(sampleExchange(i)); err != nil {
			t.Fatal(err)
		}
		if i%100 == 99 {
			s.Flush()
		}
	}
	err = s.Close()
	var nr *NotRecordedError
	if !errors.As(err, &nr) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close on a full disk: %v, want a *NotRecordedError for ENOSPC", err)
	}
	b, rerr := os.ReadFile(filepath.Join(dir, "state", FileName))
	if rerr != nil {
		t.Fatal(rerr)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatalf("the log does not end in a whole line: ...%q", b[max(0, len(b)-80):])
	}
	lines := bytes.Count(b, []byte("\n"))
	if nr.Total != total || nr.Lost == 0 || uint64(lines)+nr.Lost != total {
		t.Errorf("%d lines in the log, %d of %d reported lost; want lines + lost = %d", lines, nr.Lost, nr.Total, total)
	}
	if msg := err.Error(); !strings.Contains(msg, "were not recorded") || !strings.Contains(msg, "no space left") {
		t.Errorf("message %q", msg)
	}
	// The log reads back whole.
	r, err := Open(filepath.Join(dir, "state"), Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.List(Filter{}); len(got) != lines {
		t.Errorf("List: %d exchanges, want %d", len(got), lines)
	}
}
