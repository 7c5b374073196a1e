//go:build linux

package mock

import (
	"io"
	"os"
	"slices"
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

// Changes queued while a write is in flight are built on the changes in
// it: when that write fails they are undone with it and their lines are
// never written, even once the journal takes writes again. The journal's
// descriptor is swapped for a full pipe, so a create's write blocks while
// two more queue behind it; closing the pipe's reader fails the write.
func TestStore_ChangesQueuedBehindAFailedWriteAreNeverWritten(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, dir)
	if _, err := st.Create("https://a.test", []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	// A's fsync first: an fsync of the pipe would fail and refuse every change.
	for deadline := time.Now().Add(5 * time.Second); st.fsyncs() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first create was not fsynced within 5 s")
		}
	}
	fd := int(st.journal.Fd())
	saved, err := syscall.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(saved)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	t.Cleanup(func() { r.Close() }) // before closeAtEnd: a blocked write never outlives a failed test
	size, _, errno := syscall.Syscall(syscall.SYS_FCNTL, w.Fd(), syscall.F_SETPIPE_SZ, 4096)
	if errno != 0 {
		t.Skipf("cannot size a pipe: %v", errno)
	}
	if _, err := w.Write(make([]byte, size)); err != nil { // full: the next write blocks
		t.Fatal(err)
	}
	if err := syscall.Dup3(int(w.Fd()), fd, 0); err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}

	errs := make(chan error, 3)
	create := func(target string) {
		_, err := st.Create(target, []string{"application_created"})
		errs <- err
	}
	waitFor := func(what string, cond func() bool) {
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	go create("https://b.test") // its write blocks on the full pipe
	waitFor("the blocked write", func() bool { return st.writes.Load() == 2 })
	go create("https://c.test") // these two queue behind it
	go create("https://d.test")
	waitFor("two changes queued behind the write", func() bool {
		st.mu.RLock()
		defer st.mu.RUnlock()
		return st.ticket == 4
	})
	r.Close() // the blocked write fails (EPIPE)
	for range 3 {
		if err := <-errs; err == nil {
			t.Error("a create answered as done, though its write failed or was built on one that did")
		}
	}
	if err := syscall.Dup3(saved, fd, 0); err != nil { // the journal takes writes again
		t.Fatal(err)
	}
	if _, err := st.Create("https://e.test", []string{"application_created"}); err != nil {
		t.Fatalf("a create after the journal recovered: %v", err)
	}
	var want []string
	for _, h := range st.List() {
		want = append(want, h.Target)
	}
	b, err := os.ReadFile(journalPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	reopened, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range reopened.List() {
		got = append(got, h.Target)
	}
	if !slices.Equal(got, []string{"https://e.test", "https://a.test"}) || !slices.Equal(got, want) {
		t.Errorf("the journal replays %v (memory holds %v), want e and a only; journal:\n%s", got, want, b)
	}
}
