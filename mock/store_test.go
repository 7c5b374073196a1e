package mock

import (
	"encoding/json"
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
)

func openTestStore(t testing.TB, dir string) *Store {
	t.Helper()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, st)
	return st
}

// closeAtEnd closes st when the test ends (after its servers, which were
// registered later), so its background fsync never outlives the test.
func closeAtEnd(t testing.TB, st *Store) {
	t.Helper()
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
}

func journalPath(dir string) string { return filepath.Join(dir, JournalFile) }

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestStore_CreatesFolderAndFilesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "nested")
	st := openTestStore(t, dir)
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("opening wrote %v before any change", names)
	}
	if _, err := st.Create("https://x.test", []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	di, err := os.Stat(dir)
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v (%v), want 0700", di.Mode().Perm(), err)
	}
	fi, err := os.Stat(journalPath(dir))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err = os.Stat(st.Path())
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if st.Path() != filepath.Join(dir, "webhooks.json") {
		t.Errorf("Path() = %s", st.Path())
	}
}

func TestStore_CorruptFileIsAClearError(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":       "this is not json",
		"truncated":     `{"version":1,"webhooks":[{"key":"whook_a`,
		"empty":         "",
		"wrong shape":   `{"version":1,"webhooks":{"key":"x"}}`,
		"unknown field": `{"version":1,"hooks":[]}`,
		"bad key":       `{"version":1,"webhooks":[{"key":"abc","target":"https://x.test","events":[]}]}`,
		"trailing":      `{"version":1,"webhooks":[]} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "webhooks.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenStore(dir)
			var ce *CorruptStoreError
			if !errors.As(err, &ce) {
				t.Fatalf("OpenStore on a corrupt file: %v, want *CorruptStoreError", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "move it away") {
				t.Errorf("message %q does not name the file and the fix", msg)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Error("the corrupt file was changed; psbox must never reset it silently")
			}
		})
	}
}

func TestStore_CloseLeavesOnlyTheSnapshot(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, dir)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			w, err := st.Create(fmt.Sprintf("https://x.test/%d", i), []string{"application_created"})
			if err != nil {
				t.Error(err)
				return
			}
			if i%3 == 0 {
				if _, err := st.Archive(w.Key); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"webhooks.json"}) {
		t.Errorf("state folder holds %v after Close, want only webhooks.json", names)
	}
	again := openTestStore(t, dir)
	if got := again.List(); len(got) != 40 {
		t.Fatalf("reopened store holds %d webhooks, want 40", len(got))
	}
	archived := 0
	for _, w := range again.List() {
		if w.Archived {
			archived++
		}
	}
	if archived != 14 {
		t.Errorf("%d archived after reopen, want 14", archived)
	}
}

func TestStore_ConcurrentUseKeepsKeysUnique(t *testing.T) {
	st := openTestStore(t, t.TempDir())
	var wg sync.WaitGroup
	keys := make([]string, 64)
	for i := range keys {
		wg.Go(func() {
			w, err := st.Create("https://x.test", []string{"customer_created"})
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = w.Key
			st.List()
			st.Subscribed("customer_created")
		})
	}
	wg.Wait()
	slices.Sort(keys)
	if len(slices.Compact(keys)) != 64 {
		t.Error("duplicate keys")
	}
	for _, k := range keys {
		if !keyRE.MatchString(k) {
			t.Errorf("key %q is not whook_ + 14 base-62 characters", k)
		}
	}
}

func TestStore_ListNewestFirstSubscribedOldestFirst(t *testing.T) {
	st := openTestStore(t, t.TempDir())
	a, _ := st.Create("https://a.test", []string{"application_created", "customer_created"})
	b, _ := st.Create("https://b.test", []string{"customer_created"})
	c, _ := st.Create("https://c.test", []string{"application_created"})
	st.Archive(c.Key)
	var list []string
	for _, w := range st.List() {
		list = append(list, w.Key)
	}
	if !slices.Equal(list, []string{c.Key, b.Key, a.Key}) {
		t.Errorf("List order %v", list)
	}
	var subs []string
	for _, w := range st.Subscribed("customer_created") {
		subs = append(subs, w.Key)
	}
	if !slices.Equal(subs, []string{a.Key, b.Key}) {
		t.Errorf("Subscribed(customer_created) = %v, want oldest first", subs)
	}
	if got := st.Subscribed("application_created"); len(got) != 1 || got[0].Key != a.Key {
		t.Errorf("Subscribed(application_created) = %+v, want only the active one", got)
	}
	if got := st.Subscribed("deal.created"); len(got) != 0 {
		t.Errorf("Subscribed(deal.created) = %+v", got)
	}
}

func TestStore_UpdateAndArchiveErrors(t *testing.T) {
	st := openTestStore(t, t.TempDir())
	w, _ := st.Create("https://a.test", []string{"application_created"})
	if _, err := st.Update("whook_missing", nil, []string{"customer_created"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Update unknown key: %v, want ErrNotFound", err)
	}
	if _, err := st.Archive("whook_missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Archive unknown key: %v, want ErrNotFound", err)
	}
	bad := "ftp://a.test"
	var fe *FieldError
	if _, err := st.Update(w.Key, &bad, nil); !errors.As(err, &fe) || fe.Field != "target" {
		t.Errorf("Update bad target: %v, want a target FieldError", err)
	}
	if _, err := st.Update(w.Key, nil, []string{}); !errors.As(err, &fe) || fe.Field != "events" {
		t.Errorf("Update empty events: %v, want an events FieldError", err)
	}
	st.Archive(w.Key)
	if _, err := st.Update(w.Key, nil, []string{"customer_created"}); !errors.Is(err, ErrArchived) {
		t.Errorf("Update archived: %v, want ErrArchived", err)
	}
}

// stepClock is a fake clock that moves one second per call.
func stepClock(start int64) func() time.Time {
	var mu sync.Mutex
	ms := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		ms += 1000
		return time.UnixMilli(ms)
	}
}

// mutateSome creates three webhooks, updates the second (target and
// events) and archives the third, on a clock that moves one second per
// change.
func mutateSome(t *testing.T, st *Store) []Webhook {
	t.Helper()
	st.now = stepClock(1_700_000_000_000)
	var hooks []Webhook
	for _, target := range []string{"https://a.test", "https://b.test", "https://c.test?x=1&y=2"} {
		w, err := st.Create(target, []string{"application_created"})
		if err != nil {
			t.Fatal(err)
		}
		hooks = append(hooks, w)
	}
	nt := "https://b2.test/hooks"
	if _, err := st.Update(hooks[1].Key, &nt, []string{"customer_created", "deal.created"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Archive(hooks[2].Key); err != nil {
		t.Fatal(err)
	}
	return st.List()
}

func TestStore_CloseCompactsAndReopenIsIdentical(t *testing.T) {
	dir := t.TempDir()
	st := openTestStore(t, dir)
	want := mutateSome(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(journalPath(dir)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("journal still there after Close (%v)", err)
	}
	b, err := os.ReadFile(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	var f storeFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Version != 1 || f.Seq != 5 || len(f.Webhooks) != 3 {
		t.Errorf("snapshot version %d seq %d with %d webhooks, want version 1, seq 5 (five changes), 3 webhooks", f.Version, f.Seq, len(f.Webhooks))
	}
	if err := st.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := st.Create("https://late.test", []string{"application_created"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Create after Close: %v, want ErrClosed", err)
	}

	again := openTestStore(t, dir)
	if diff := cmp.Diff(want, again.List()); diff != "" {
		t.Errorf("reopened store differs (-want +got):\n%s", diff)
	}
	// A store that only read writes nothing when closed.
	if err := again.Close(); err != nil {
		t.Fatal(err)
	}
	if b2, _ := os.ReadFile(st.Path()); string(b2) != string(b) {
		t.Error("closing a store that changed nothing rewrote webhooks.json")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"webhooks.json"}) {
		t.Errorf("state folder holds %v, want only webhooks.json", names)
	}
}

// A snapshot written by an older psbox has no seq: it loads as seq 0.
func TestStore_SnapshotWithoutSeqLoads(t *testing.T) {
	dir := t.TempDir()
	old := `{"version":1,"webhooks":[{"key":"whook_AAAAAAAAAAAAAA","target":"https://a.test","events":["application_created"],"archived":false,"created_at":1,"updated_at":2}]}`
	if err := os.WriteFile(filepath.Join(dir, StoreFile), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	st := openTestStore(t, dir)
	if got := st.List(); len(got) != 1 || got[0].Key != "whook_AAAAAAAAAAAAAA" || got[0].UpdatedAt != 2 {
		t.Fatalf("List() = %+v", got)
	}
	if _, err := st.Create("https://b.test", []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(journalPath(dir)); !strings.HasPrefix(string(b), `{"seq":1,"webhook":{"key":"whook_`) {
		t.Errorf("first journal line %q, want seq 1", b)
	}
}

// A read-only user (psbox trigger) opens, reads and closes: nothing is
// written and no goroutine starts.
func TestStore_ReadOnlyUseWritesNothing(t *testing.T) {
	dir := t.TempDir()
	journal := hookLine(1, "whook_AAAAAAAAAAAAAA", "https://a.test")
	if err := os.WriteFile(journalPath(dir), []byte(journal), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Subscribed("application_created"); len(got) != 1 {
		t.Errorf("Subscribed = %+v, want the journal's webhook", got)
	}
	if st.syncer != nil {
		t.Error("reading started the background fsync")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{JournalFile}) {
		t.Errorf("state folder holds %v, want the journal alone, untouched", names)
	}
	if b, _ := os.ReadFile(journalPath(dir)); string(b) != journal {
		t.Error("a read-only store changed the journal")
	}
}

func TestStore_ReturnsCopies(t *testing.T) {
	st := openTestStore(t, t.TempDir())
	events := []string{"application_created"}
	w, _ := st.Create("https://a.test", events)
	events[0] = "changed"
	w.Events[0] = "changed"
	st.List()[0].Events[0] = "changed"
	got, _ := st.Get(w.Key)
	if got.Events[0] != "application_created" {
		t.Errorf("store shares its slices with callers: %v", got.Events)
	}
}

// encodeHook must write the very bytes encoding/json writes (HTML escaping
// off): webhooks.json and the journal hold what answers carry.
func TestEncodeHook_SameBytesAsEncodingJSON(t *testing.T) {
	for _, w := range []Webhook{
		{Key: "whook_AAAAAAAAAAAAAA", Target: "https://a.test/x?y=1&z=<2>", Events: []string{"application_created", "deal.created"}, CreatedAt: 1, UpdatedAt: 1_700_000_000_000},
		{Key: "whook_B", Target: "http://b.test/\"quoted\"\\back\nline\ttab\x01\x7f", Events: []string{}, Archived: true, CreatedAt: -5},
		{Key: "whook_C", Target: "https://c.test/\u2028\u2029é漢字\xff\xfe", Events: []string{"a\u2028b"}},
	} {
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(w); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(buf.String(), "\n")
		if got := string(encodeHook(w)); got != want {
			t.Errorf("encodeHook(%+v)\n got %s\nwant %s", w, got, want)
		}
	}
}
