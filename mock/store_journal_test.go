package mock

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/psbox-dev/psbox/internal/crashtest"
)

// crashChildEnv makes the test binary run crashChild instead of the tests:
// the kill -9 test re-executes itself as the process it kills.
const crashChildEnv = "PSBOX_MOCK_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	crashtest.Main(m, map[string]func(string){crashChildEnv: crashChild})
}

// crashChild creates webhooks as fast as it can, printing each key once
// Create has returned (when the API would answer 200), until it is killed.
func crashChild(dir string) {
	st, err := OpenStore(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	stop := time.Now().Add(10 * time.Second) // never outlive a broken parent
	for i := 0; time.Now().Before(stop); i++ {
		w, err := st.Create(fmt.Sprintf("https://x.test/%d", i), []string{"application_created"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintln(out, w.Key)
		out.Flush()
	}
	st.Close()
	os.Exit(0)
}

// Every create acknowledged before a kill -9 is in the store the next
// process opens, and that process carries on appending to the journal.
func TestStore_AcknowledgedChangesSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	var acked []string
	for round := range 3 {
		c := crashtest.Start(t, crashChildEnv+"="+dir)
		sc := c.Lines
		for n := 0; n < 200*(round+1) && sc.Scan(); n++ {
			acked = append(acked, sc.Text())
		}
		c.Kill9()
		for sc.Scan() { // keys printed before the signal landed
			acked = append(acked, sc.Text())
		}
		if stderr := c.Wait(); stderr != "" {
			t.Fatalf("round %d: child failed: %s", round, stderr)
		}

		st := openTestStore(t, dir)
		for _, k := range acked {
			if _, ok := st.Get(k); !ok {
				t.Fatalf("round %d: acknowledged webhook %s lost after kill -9 (%d acknowledged, %d in the store)", round, k, len(acked), st.Len())
			}
		}
		if st.Len() > len(acked)+round+1 {
			t.Errorf("round %d: %d webhooks, want the %d acknowledged and at most one unanswered per kill", round, st.Len(), len(acked))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, StoreFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a killed server wrote webhooks.json (%v); only Close compacts", err)
	}
}

// Appends share fsyncs: at most one per syncInterval, and the journal is
// fsynced soon after a change.
func TestStore_GroupCommit(t *testing.T) {
	st := openTestStore(t, t.TempDir())
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := st.Create("https://x.test", []string{"application_created"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for st.fsyncs() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	n := st.fsyncs()
	elapsed := time.Since(start)
	if n == 0 {
		t.Fatal("the journal was not fsynced within 2 s of 400 creates")
	}
	if limit := uint64(elapsed/syncInterval) + 2; n > limit {
		t.Errorf("%d fsyncs in %v for 400 creates, want at most %d (one per %v)", n, elapsed, limit, syncInterval)
	}
}

// Every change is visible to another OpenStore as soon as the method
// returns, without Close: the journal is replayed.
func TestStore_JournalReplayWithoutClose(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, dir)
	want := mutateSome(t, st)
	if _, err := os.Stat(st.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("webhooks.json exists before Close (%v); changes belong in the journal", err)
	}

	other := openTestStore(t, dir)
	got := other.List()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("reopened store differs (-want +got):\n%s", diff)
	}
	// Spelled out: newest first, the update and archive applied with their
	// own updated_at, created_at untouched.
	if got[0].Target != "https://c.test?x=1&y=2" || !got[0].Archived || got[0].UpdatedAt != got[0].CreatedAt+2000 {
		t.Errorf("archived webhook after replay: %+v", got[0])
	}
	if got[1].Target != "https://b2.test/hooks" || !slices.Equal(got[1].Events, []string{"customer_created", "deal.created"}) ||
		got[1].Archived || got[1].UpdatedAt != got[1].CreatedAt+2000 {
		t.Errorf("updated webhook after replay: %+v", got[1])
	}
	if got[2].Target != "https://a.test" || got[2].UpdatedAt != got[2].CreatedAt {
		t.Errorf("untouched webhook after replay: %+v", got[2])
	}
	if subs := other.Subscribed("application_created"); len(subs) != 1 || subs[0].Key != got[2].Key {
		t.Errorf("Subscribed after replay = %+v, want only %s", subs, got[2].Key)
	}
}

// hookLine is a journal line written by hand.
func hookLine(seq int, key, target string) string {
	return fmt.Sprintf(`{"seq":%d,"webhook":{"key":%q,"target":%q,"events":["application_created"],"archived":false,"created_at":%d,"updated_at":%d}}`+"\n",
		seq, key, target, seq, seq)
}

func TestStore_TornLastLineIgnoredAndCutBeforeAppending(t *testing.T) {
	for name, tail := range map[string]string{
		"no newline":           `{"seq":3,"webhook":{"key":"whook_CCCCCCC`,
		"zero-filled, newline": "\x00\x00\x00\n",
		"zero-filled":          "\x00\x00\x00\x00",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			good := hookLine(1, "whook_AAAAAAAAAAAAAA", "https://a.test") + hookLine(2, "whook_BBBBBBBBBBBBBB", "https://b.test")
			if err := os.WriteFile(journalPath(dir), []byte(good+tail), 0o600); err != nil {
				t.Fatal(err)
			}
			st := openTestStore(t, dir)
			if st.Len() != 2 {
				t.Fatalf("store holds %d webhooks, want the 2 complete lines", st.Len())
			}
			if b, _ := os.ReadFile(journalPath(dir)); string(b) != good+tail {
				t.Error("OpenStore changed the journal; it must only read")
			}
			// The next writer cuts the torn line off, so its own line does
			// not glue onto it, and continues the seq.
			w, err := st.Create("https://c.test", []string{"application_created"})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(journalPath(dir))
			if !strings.HasPrefix(string(b), good) || !strings.HasPrefix(string(b[len(good):]), `{"seq":3,"webhook":{"key":"`+w.Key) {
				t.Errorf("journal after the next create:\n%s", b)
			}
			again := openTestStore(t, dir)
			if again.Len() != 3 {
				t.Errorf("reopened store holds %d webhooks, want 3", again.Len())
			}
		})
	}
}

func TestStore_CorruptJournalLineIsAClearError(t *testing.T) {
	dir := t.TempDir()
	content := hookLine(1, "whook_AAAAAAAAAAAAAA", "https://a.test") +
		`{"seq":2,"webhook":{"key":"whook_BB` + "\n" +
		hookLine(3, "whook_CCCCCCCCCCCCCC", "https://c.test")
	path := journalPath(dir)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenStore(dir)
	var ce *CorruptStoreError
	if !errors.As(err, &ce) || ce.Line != 2 || ce.Path != path {
		t.Fatalf("OpenStore on a journal with a bad middle line: %v, want *CorruptStoreError at %s line 2", err, path)
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "line 2") || !strings.Contains(msg, "move the file away") {
		t.Errorf("message %q does not name the file, the line and the fix", msg)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Error("the corrupt journal was changed")
	}
}

// Lines already in the snapshot (seq not above its seq) are skipped: a
// journal left behind by a Close that could not remove it changes nothing.
func TestStore_JournalLinesInTheSnapshotAreSkipped(t *testing.T) {
	dir := t.TempDir()
	snap := `{"version":1,"seq":2,"webhooks":[` +
		`{"key":"whook_AAAAAAAAAAAAAA","target":"https://a-final.test","events":["application_created"],"archived":true,"created_at":1,"updated_at":2}]}`
	if err := os.WriteFile(filepath.Join(dir, StoreFile), []byte(snap), 0o600); err != nil {
		t.Fatal(err)
	}
	journal := hookLine(1, "whook_AAAAAAAAAAAAAA", "https://a-stale.test") +
		hookLine(2, "whook_AAAAAAAAAAAAAA", "https://a-stale2.test") +
		hookLine(3, "whook_BBBBBBBBBBBBBB", "https://b.test")
	if err := os.WriteFile(journalPath(dir), []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, dir)
	want := []Webhook{
		{Key: "whook_BBBBBBBBBBBBBB", Target: "https://b.test", Events: []string{"application_created"}, CreatedAt: 3, UpdatedAt: 3},
		{Key: "whook_AAAAAAAAAAAAAA", Target: "https://a-final.test", Events: []string{"application_created"}, Archived: true, CreatedAt: 1, UpdatedAt: 2},
	}
	if diff := cmp.Diff(want, st.List()); diff != "" {
		t.Errorf("store (-want +got):\n%s", diff)
	}
	// The seq continues from the highest seen.
	if _, err := st.Create("https://c.test", []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(journalPath(dir))
	if !strings.HasPrefix(string(b[len(journal):]), `{"seq":4,`) {
		t.Errorf("next line %q, want seq 4", b[len(journal):])
	}
}

func TestStore_ConcurrentCreatesAllReplayed(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, dir)
	const workers, each = 16, 25
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				w, err := st.Create(fmt.Sprintf("https://x.test/%d/%d", g, i), []string{"customer_created"})
				if err != nil {
					t.Error(err)
					return
				}
				if i%5 == 0 {
					if _, err := st.Archive(w.Key); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	want := st.List()
	check := func(label string, got []Webhook) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s differs (-want +got):\n%s", label, diff)
		}
		seen := map[string]bool{}
		for _, w := range got {
			if seen[w.Key] {
				t.Errorf("%s: key %s twice", label, w.Key)
			}
			seen[w.Key] = true
		}
		if len(seen) != workers*each {
			t.Errorf("%s: %d webhooks, want %d", label, len(seen), workers*each)
		}
	}
	check("replayed journal", openTestStore(t, dir).List())
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	check("snapshot", openTestStore(t, dir).List())
}

// If the journal cannot be written, the method fails and the store is as
// it was.
func TestStore_FailedJournalWriteChangesNothing(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := st.Create("https://a.test", []string{"application_created"})
	if err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	st.journal.Close() // every later write fails
	st.mu.Unlock()
	if _, err := st.Create("https://b.test", []string{"application_created"}); err == nil || !strings.Contains(err.Error(), JournalFile) {
		t.Errorf("Create with a broken journal: %v, want an error naming the journal", err)
	}
	nt := "https://a2.test"
	if _, err := st.Update(w.Key, &nt, nil); err == nil {
		t.Error("Update with a broken journal succeeded")
	}
	if _, err := st.Archive(w.Key); err == nil {
		t.Error("Archive with a broken journal succeeded")
	}
	if diff := cmp.Diff([]Webhook{w}, st.List()); diff != "" {
		t.Errorf("store changed by failed mutations (-want +got):\n%s", diff)
	}
	st.Close() // reports the closed journal; the snapshot is still written
	again := openTestStore(t, dir)
	if diff := cmp.Diff([]Webhook{w}, again.List()); diff != "" {
		t.Errorf("reopened store (-want +got):\n%s", diff)
	}
}

// Concurrent mutations share journal writes; when such a shared write
// fails, every change in it and every change made on top of it while it
// was written is undone and reports the error, and what was answered as
// done before is all that remains, in memory and on disk.
func TestStore_FailedSharedWriteUndoesEveryChangeInIt(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close() // reports the closed journal
	base, err := st.Create("https://base.test", []string{"application_created"})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		done []Webhook // answered as done
		wg   sync.WaitGroup
	)
	for g := range 16 {
		wg.Go(func() {
			for i := range 40 {
				if g == 0 && i == 20 {
					st.journalMu.Lock() // between two shared writes
					st.journal.Close()
					st.journalMu.Unlock()
				}
				w, err := st.Create(fmt.Sprintf("https://x.test/%d/%d", g, i), []string{"customer_created"})
				if err == nil && i%3 == 0 {
					nt := w.Target + "/moved"
					if moved, uerr := st.Update(w.Key, &nt, nil); uerr == nil {
						w = moved
					} else {
						err = uerr // the create stands, the update does not
						mu.Lock()
						done = append(done, w)
						mu.Unlock()
					}
				}
				if err != nil {
					if !strings.Contains(err.Error(), JournalFile) {
						t.Errorf("error %v does not name the journal", err)
					}
					continue
				}
				mu.Lock()
				done = append(done, w)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(done) == 0 || len(done) == 16*40 {
		t.Fatalf("%d creates answered as done; the journal closed halfway, so some but not all should be", len(done))
	}
	byKey := func(ws []Webhook) map[string]Webhook {
		m := map[string]Webhook{}
		for _, w := range ws {
			m[w.Key] = w
		}
		return m
	}
	want := byKey(append(done, base))
	if diff := cmp.Diff(want, byKey(st.List())); diff != "" {
		t.Errorf("in memory: what was answered done (-) vs what the store holds (+):\n%s", diff)
	}
	if diff := cmp.Diff(want, byKey(openTestStore(t, dir).List())); diff != "" {
		t.Errorf("on disk: what was answered done (-) vs the replayed journal (+):\n%s", diff)
	}
}

// A journal left by a server that never closed its store is folded into
// webhooks.json by the next owner's ClaimWriter, and nothing is lost; a reader's
// OpenStore alone never compacts.
func TestStore_ClaimWriterFoldsALeftoverJournal(t *testing.T) {
	dir := t.TempDir()
	crashed, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := crashed.Create(fmt.Sprintf("https://x.test/%d", i), []string{"application_created"}); err != nil {
			t.Fatal(err)
		}
	}
	want := crashed.List()
	// The process dies here: no Close. (Stop its background fsync without the
	// compaction Close would do, by closing it after copying the files.)
	jb, err := os.ReadFile(filepath.Join(dir, JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	crashed.Close()
	os.Remove(filepath.Join(dir, StoreFile))
	if err := os.WriteFile(filepath.Join(dir, JournalFile), jb, 0o600); err != nil {
		t.Fatal(err)
	}

	reader := openTestStore(t, dir)
	if _, err := os.Stat(filepath.Join(dir, StoreFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a reader's OpenStore wrote %s (stat: %v)", StoreFile, err)
	}
	if diff := cmp.Diff(want, reader.List()); diff != "" {
		t.Errorf("replayed journal (-want +got):\n%s", diff)
	}

	owner := openTestStore(t, dir)
	if err := owner.ClaimWriter(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, JournalFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("journal still there after ClaimWriter (stat: %v)", err)
	}
	if diff := cmp.Diff(want, openTestStore(t, dir).List()); diff != "" {
		t.Errorf("after ClaimWriter (-want +got):\n%s", diff)
	}
	if _, err := owner.Create("https://after.test", []string{"application_created"}); err != nil {
		t.Fatalf("create after ClaimWriter: %v", err)
	}
	if got := openTestStore(t, dir).Len(); got != 4 {
		t.Errorf("after a create following ClaimWriter: %d webhooks, want 4", got)
	}
}

// One writer per state folder: a second ClaimWriter fails with the holder's pid
// and a way out, until the first store is closed.
func TestStore_OwnIsExclusive(t *testing.T) {
	dir := t.TempDir()
	first := openTestStore(t, dir)
	if err := first.ClaimWriter(); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Create("https://a.test", []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	second := openTestStore(t, dir)
	err := second.ClaimWriter()
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.PID != os.Getpid() || !strings.Contains(err.Error(), "--state") {
		t.Fatalf("second ClaimWriter: %v, want an *InUseError naming pid %d and --state", err, os.Getpid())
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	third := openTestStore(t, dir)
	if err := third.ClaimWriter(); err != nil {
		t.Fatalf("ClaimWriter after the owner closed: %v", err)
	}
	if got := third.Len(); got != 1 {
		t.Errorf("the new owner sees %d webhooks, want 1", got)
	}
}
