package mock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func openTestStore(t testing.TB, dir string) *Store {
	t.Helper()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStore_CreatesFolderAndFilePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "nested")
	st := openTestStore(t, dir)
	if _, err := os.Stat(st.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("opening wrote %s before any change (err %v)", st.Path(), err)
	}
	if _, err := st.Create("https://x.test", []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	di, err := os.Stat(dir)
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v (%v), want 0700", di.Mode().Perm(), err)
	}
	fi, err := os.Stat(st.Path())
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

func TestStore_AtomicWriteLeavesNoTempFiles(t *testing.T) {
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
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"webhooks.json"}) {
		t.Errorf("state folder holds %v, want only webhooks.json", names)
	}
	// Every acknowledged change is on disk.
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

func TestValidateTarget(t *testing.T) {
	for _, ok := range []string{"http://localhost:3000/webhooks", "https://example.com", "http://127.0.0.1:8485/", "https://[::1]:9/x?y=1"} {
		if err := ValidateTarget(ok); err != nil {
			t.Errorf("ValidateTarget(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "   ", "example.com/hooks", "ftp://example.com", "https://", "http://:80/x", "https://user:pw@example.com", "https://user@example.com", "http://exa mple.com", "javascript:alert(1)", "%zz"} {
		err := ValidateTarget(bad)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "target" {
			t.Errorf("ValidateTarget(%q) = %v, want a target FieldError", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error %q leaks the URL password", err)
		}
	}
}

func TestValidateEvents(t *testing.T) {
	if err := ValidateEvents([]string{"application_created", "agreement.accepted", "deal.created"}); err != nil {
		t.Errorf("known events rejected: %v", err)
	}
	for _, bad := range [][]string{nil, {}, {"nope"}, {"application_created", ""}, {"customer_created", "customer_created"}} {
		err := ValidateEvents(bad)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "events" {
			t.Errorf("ValidateEvents(%q) = %v, want an events FieldError", bad, err)
		}
	}
	if err := ValidateEvents([]string{"customer.create"}); err == nil || !strings.Contains(err.Error(), "did you mean") {
		t.Errorf("near miss gives %v, want a suggestion", err)
	}
}
