//go:build linux

package mock

import (
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A failed background fsync is not lost: the next changes are refused with
// it, and Close reports it after writing every change to webhooks.json.
// The journal's descriptor is swapped for a pipe, where writes succeed and
// fsync fails (EINVAL), as a failing disk would make it.
func TestStore_FailedFsyncIsReported(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create("https://a.test", []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	go io.Copy(io.Discard, r)
	st.journalMu.Lock()
	err = syscall.Dup3(int(w.Fd()), int(st.journal.Fd()), 0)
	st.journalMu.Unlock()
	if err != nil {
		t.Fatal(err)
	}

	var refused error
	deadline := time.Now().Add(3 * time.Second)
	for refused == nil && time.Now().Before(deadline) {
		_, refused = st.Create("https://b.test", []string{"application_created"})
		time.Sleep(5 * time.Millisecond)
	}
	if refused == nil || !strings.Contains(refused.Error(), "cannot save") || !strings.Contains(refused.Error(), JournalFile) {
		t.Fatalf("changes after a failed fsync: %v, want a refusal naming the journal", refused)
	}
	want := st.Len()
	cerr := st.Close()
	if cerr == nil || !strings.Contains(cerr.Error(), "cannot save") || !strings.Contains(cerr.Error(), StoreFile) {
		t.Errorf("Close after a failed fsync: %v, want the fsync error and that webhooks.json holds every change", cerr)
	}
	if got := openTestStore(t, dir).Len(); got != want {
		t.Errorf("reopened: %d webhooks, want the %d the store held", got, want)
	}
}
