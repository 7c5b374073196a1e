package mock

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/psbox-dev/psbox/fixtures"

	"github.com/psbox-dev/psbox/internal/atomicfile"
)

// StoreFile is the name of the subscription file inside the state folder.
const StoreFile = "webhooks.json"

// ErrNotFound is returned for a webhook key the store does not hold.
var ErrNotFound = errors.New("webhook not found")

// ErrArchived is returned when updating a webhook that was archived.
var ErrArchived = errors.New("webhook is archived")

// FieldError is a bad value in one field of a create or update request.
type FieldError struct {
	Field string // JSON name of the field, e.g. "target"
	Msg   string // what is wrong and how to fix it
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// CorruptStoreError is a webhooks.json psbox cannot read. psbox never
// resets such a file on its own: the user moves it away.
type CorruptStoreError struct {
	Path string
	Err  error
}

func (e *CorruptStoreError) Error() string {
	return fmt.Sprintf("%s is not a valid psbox webhooks file (%v); move it away (e.g. mv %s %s.bad) to start with no webhooks, or fix it by hand",
		e.Path, e.Err, e.Path, e.Path)
}

func (e *CorruptStoreError) Unwrap() error { return e.Err }

// ValidateTarget checks a webhook target: an absolute http or https URL with
// a host and no user-info (credentials in URLs end up in logs).
func ValidateTarget(s string) error {
	const hint = "use an http or https URL such as https://example.com/webhooks"
	if strings.TrimSpace(s) == "" {
		return &FieldError{"target", "is empty; " + hint}
	}
	u, err := url.Parse(s)
	if err != nil {
		return &FieldError{"target", fmt.Sprintf("%q is not a URL; %s", s, hint)}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return &FieldError{"target", fmt.Sprintf("%q is not an http or https URL; %s", s, hint)}
	}
	if u.Host == "" || u.Hostname() == "" {
		return &FieldError{"target", fmt.Sprintf("%q has no host; %s", s, hint)}
	}
	if u.User != nil {
		return &FieldError{"target", fmt.Sprintf("%s carries user-info (user:password@); remove it and authenticate in your receiver another way", u.Redacted())}
	}
	return nil
}

// ValidateEvents checks a subscription's event list: not empty, no
// duplicates, and every name in psbox's catalog.
func ValidateEvents(names []string) error {
	if len(names) == 0 {
		return &FieldError{"events", `is empty; list at least one event name, e.g. ["application_created"] (run psbox events for the list)`}
	}
	for i, n := range names {
		if _, ok := fixtures.Lookup(n); !ok {
			return &FieldError{"events", fixtures.UnknownEventError(n).Error()}
		}
		if slices.Contains(names[:i], n) {
			return &FieldError{"events", fmt.Sprintf("lists %q twice; list each event once", n)}
		}
	}
	return nil
}

// Store holds the webhook subscriptions in memory and in <dir>/webhooks.json.
// Every mutation is on disk (temp file, fsync, rename, fsync of the folder)
// before the method returns. Concurrent mutations share one write (group
// commit). If a write fails, the method returns the error and the change
// stays in memory; the next successful write persists it. A Store is safe
// for concurrent use.
type Store struct {
	path string
	now  func() time.Time

	mu    sync.RWMutex
	hooks []Webhook      // creation order, oldest first
	lines [][]byte       // JSON of hooks[i]; replaced, never modified
	index map[string]int // key -> position in hooks
	gen   uint64         // bumped by every mutation

	wmu     sync.Mutex // one writer at a time
	durable uint64     // highest gen known to be on disk; guarded by wmu
	wbuf    []byte     // file contents being written; guarded by wmu
}

// storeFile is the on-disk shape of webhooks.json.
type storeFile struct {
	Version  int       `json:"version"`
	Webhooks []Webhook `json:"webhooks"` // oldest first
}

// OpenStore loads <dir>/webhooks.json, creating dir (0700) if missing. A
// missing file is an empty store; a corrupt one is a *CorruptStoreError.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create state folder %s: %w; pick another with --state", dir, err)
	}
	s := &Store{
		path:  filepath.Join(dir, StoreFile),
		now:   time.Now,
		index: map[string]int{},
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", s.path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &CorruptStoreError{s.path, errors.New("the file is empty")}
	}
	var f storeFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &CorruptStoreError{s.path, err}
	}
	if dec.More() {
		return nil, &CorruptStoreError{s.path, errors.New("trailing data after the JSON object")}
	}
	for i, w := range f.Webhooks {
		if !strings.HasPrefix(w.Key, "whook_") {
			return nil, &CorruptStoreError{s.path, fmt.Errorf("webhook %d has key %q; keys start with whook_", i, w.Key)}
		}
		if _, dup := s.index[w.Key]; dup {
			return nil, &CorruptStoreError{s.path, fmt.Errorf("key %s appears twice", w.Key)}
		}
		if w.Events == nil {
			w.Events = []string{}
		}
		s.index[w.Key] = len(s.hooks)
		s.hooks = append(s.hooks, w)
		s.lines = append(s.lines, encodeHook(w))
	}
	return s, nil
}

// Path is the file the store persists to.
func (s *Store) Path() string { return s.path }

// Create adds an active webhook for target and events.
func (s *Store) Create(target string, events []string) (Webhook, error) {
	if err := ValidateTarget(target); err != nil {
		return Webhook{}, err
	}
	if err := ValidateEvents(events); err != nil {
		return Webhook{}, err
	}
	s.mu.Lock()
	key := newKey()
	for _, taken := s.index[key]; taken; _, taken = s.index[key] {
		key = newKey()
	}
	ms := s.now().UnixMilli()
	w := Webhook{Key: key, Target: target, Events: slices.Clone(events), CreatedAt: ms, UpdatedAt: ms}
	s.index[key] = len(s.hooks)
	s.hooks = append(s.hooks, w)
	s.lines = append(s.lines, encodeHook(w))
	s.gen++
	gen := s.gen
	s.mu.Unlock()
	return cloneHook(w), s.sync(gen)
}

// Get returns the webhook with key, archived or not.
func (s *Store) Get(key string) (Webhook, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.index[key]
	if !ok {
		return Webhook{}, false
	}
	return cloneHook(s.hooks[i]), true
}

// Update changes the target and/or the events of an active webhook; a nil
// target or nil events leaves that field as it was.
func (s *Store) Update(key string, target *string, events []string) (Webhook, error) {
	if target != nil {
		if err := ValidateTarget(*target); err != nil {
			return Webhook{}, err
		}
	}
	if events != nil {
		if err := ValidateEvents(events); err != nil {
			return Webhook{}, err
		}
	}
	s.mu.Lock()
	i, ok := s.index[key]
	if !ok {
		s.mu.Unlock()
		return Webhook{}, ErrNotFound
	}
	w := &s.hooks[i]
	if w.Archived {
		s.mu.Unlock()
		return Webhook{}, ErrArchived
	}
	if target != nil {
		w.Target = *target
	}
	if events != nil {
		w.Events = slices.Clone(events)
	}
	w.UpdatedAt = max(s.now().UnixMilli(), w.UpdatedAt)
	s.lines[i] = encodeHook(*w)
	out := cloneHook(*w)
	s.gen++
	gen := s.gen
	s.mu.Unlock()
	return out, s.sync(gen)
}

// Archive marks a webhook archived: it stays in List and Get with
// archived=true and never receives events again. Archiving an archived
// webhook changes nothing.
func (s *Store) Archive(key string) (Webhook, error) {
	s.mu.Lock()
	i, ok := s.index[key]
	if !ok {
		s.mu.Unlock()
		return Webhook{}, ErrNotFound
	}
	w := &s.hooks[i]
	if w.Archived {
		out := cloneHook(*w)
		s.mu.Unlock()
		return out, nil
	}
	w.Archived = true
	w.UpdatedAt = max(s.now().UnixMilli(), w.UpdatedAt)
	s.lines[i] = encodeHook(*w)
	out := cloneHook(*w)
	s.gen++
	gen := s.gen
	s.mu.Unlock()
	return out, s.sync(gen)
}

// List returns every webhook, newest first, archived ones included.
func (s *Store) List() []Webhook {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Webhook, len(s.hooks))
	for i, w := range s.hooks {
		out[len(s.hooks)-1-i] = cloneHook(w)
	}
	return out
}

// Len is the number of webhooks, archived ones included.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.hooks)
}

// Subscribed returns the active webhooks subscribed to event, oldest first.
func (s *Store) Subscribed(event string) []Webhook {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Webhook
	for _, w := range s.hooks {
		if w.Matches(event) {
			out = append(out, cloneHook(w))
		}
	}
	return out
}

// page returns up to limit webhooks, newest first, after or before a cursor
// key (at most one of them non-empty), and whether more lie beyond the page
// in the direction of travel.
func (s *Store) page(limit int, after, before string) ([]json.RawMessage, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := len(s.hooks)
	// pos is the position in newest-first order: lines[n-1-pos], the
	// webhook's JSON, encoded once per change.
	at := func(pos int) json.RawMessage { return s.lines[n-1-pos] }
	lo, hi := 0, min(limit, n) // newest-first positions [lo, hi)
	more := false
	switch {
	case after != "":
		i, ok := s.index[after]
		if !ok {
			return nil, false, &FieldError{"starting_after", fmt.Sprintf("no webhook has key %q; pass the key of an item from a previous page", after)}
		}
		lo = n - i // the item right after the cursor
		hi = min(lo+limit, n)
		more = hi < n
	case before != "":
		i, ok := s.index[before]
		if !ok {
			return nil, false, &FieldError{"ending_before", fmt.Sprintf("no webhook has key %q; pass the key of an item from a previous page", before)}
		}
		hi = n - 1 - i // the cursor's position, exclusive
		lo = max(hi-limit, 0)
		more = lo > 0
	default:
		more = hi < n
	}
	out := make([]json.RawMessage, 0, hi-lo)
	for p := lo; p < hi; p++ {
		out = append(out, at(p))
	}
	return out, more, nil
}

// sync makes sure the state at generation gen is on disk. Callers that
// arrive while a write is in flight wait for it, and the next writer's
// snapshot covers all of them: one write for many mutations.
func (s *Store) sync(gen uint64) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.durable >= gen {
		return nil
	}
	// Each webhook's JSON is kept from its last change, so a write only
	// joins lines: one webhook per line, oldest first.
	s.mu.RLock()
	lines := slices.Clone(s.lines)
	cur := s.gen
	s.mu.RUnlock()
	b := append(s.wbuf[:0], "{\n  \"version\": 1,\n  \"webhooks\": ["...)
	for i, l := range lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = append(b, l...)
	}
	if len(lines) > 0 {
		b = append(b, "\n  "...)
	}
	b = append(b, "]\n}\n"...)
	s.wbuf = b
	if err := atomicfile.WriteFile(s.path, b, 0o600); err != nil {
		return fmt.Errorf("cannot write %s: %w", s.path, err)
	}
	s.durable = cur
	return nil
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newKey returns "whook_" and 14 base-62 characters from crypto/rand.
func newKey() string {
	const n = 14
	out := make([]byte, 0, len("whook_")+n)
	out = append(out, "whook_"...)
	var buf [32]byte
	for len(out) < cap(out) {
		rand.Read(buf[:]) // never fails (crypto/rand panics instead)
		for _, c := range buf {
			if c < 248 && len(out) < cap(out) { // 248 = 4*62: no modulo bias
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

// encodeHook is one webhook's line in webhooks.json.
func encodeHook(w Webhook) []byte {
	if w.Events == nil {
		w.Events = []string{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)              // as the API answers: a target's & stays &
	if err := enc.Encode(w); err != nil { // a struct of strings, bools and ints always encodes
		panic("mock: encode webhook: " + err.Error())
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func cloneHook(w Webhook) Webhook {
	w.Events = slices.Clone(w.Events)
	if w.Events == nil {
		w.Events = []string{}
	}
	return w
}
