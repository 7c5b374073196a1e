package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestWriteFile_ReplacesWholeAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "webhooks.json")
	if err := WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("content %q, want new", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("folder holds %d entries, want only the file (no temp left)", len(ents))
	}
}

func TestWrite_FailedWriteKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cases.json")
	if err := WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := Write(path, 0o640, func(w io.Writer) error { w.Write([]byte("half")); return boom }); err != boom {
		t.Fatalf("err %v, want the writer's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("content %q after a failed write, want old", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("a temp file was left behind: %d entries", len(ents))
	}
	if p := KeepPerm(path, 0o644); p != 0o640 {
		t.Errorf("KeepPerm = %v, want the file's 0640", p)
	}
	if p := KeepPerm(filepath.Join(dir, "none"), 0o644); p != 0o644 {
		t.Errorf("KeepPerm of a missing file = %v, want the default", p)
	}
}

func TestWrite_MissingFolderSaysWhy(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "no", "x.har"), nil, 0o600)
	if err == nil || !strings.Contains(err.Error(), "no such file or directory") || strings.Contains(err.Error(), ".tmp-") {
		t.Errorf("err %v: want the cause without the temp file's name", err)
	}
}

// A process killed mid-write (kill -9 during an export) leaves its temp
// file; the next Write to the same file removes it, but not the temp file
// of a process still writing, nor files that only look alike.
func TestWrite_CleansStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "deliveries.har")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, ".deliveries.har.tmp-"+strconv.Itoa(dead.Process.Pid)+"-123")
	live := filepath.Join(dir, ".deliveries.har.tmp-"+strconv.Itoa(os.Getppid())+"-456")
	other := filepath.Join(dir, ".other.har.tmp-"+strconv.Itoa(dead.Process.Pid)+"-789")
	mine := filepath.Join(dir, "deliveries.har.tmp-1-1") // not hidden: not ours
	for _, p := range []string{stale, live, other, mine} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the dead writer's temp file is still there (%v)", err)
	}
	for _, p := range []string{live, other, mine} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	CleanStale(dir, "")
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("CleanStale(dir, \"\") left %s", filepath.Base(other))
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("CleanStale removed a live writer's temp file: %v", err)
	}
}
