package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/appendlog"
)

// StoreFile is the name of the subscription file inside the state folder.
const StoreFile = "webhooks.json"

// ErrNotFound is returned for a webhook key the store does not hold.
var ErrNotFound = errors.New("webhook not found")

// ErrArchived is returned when updating a webhook that was archived.
var ErrArchived = errors.New("webhook is archived")

// Store holds the webhook subscriptions in memory and in the state folder:
// <dir>/webhooks.json, a snapshot, and <dir>/webhooks.journal, the changes
// made since that snapshot, one JSON line each.
//
// A mutation (Create, Update, Archive) returns after its line is in the
// journal, appended in mutation order; concurrent mutations share one
// write (group commit). From then on the change is visible to any other
// psbox command that opens the store and survives the server being
// killed. The journal is fsynced in the background within about 100 ms,
// many changes sharing one fsync; Close writes the whole snapshot (temp
// file, fsync, rename) and removes the journal, and ClaimWriter folds in a
// journal a crashed server left. If a journal write fails, every change
// not yet written is undone and each of those mutations returns the error;
// if a background fsync fails, every later mutation and Close return that
// error.
//
// Opening a store only reads: read-only users (psbox trigger) start nothing
// and write nothing. A Store is safe for concurrent use.
type Store struct {
	cat         atomic.Pointer[fixtures.Catalog] // the events a webhook may subscribe to; nil: the built-in ones
	dir         string
	path        string // webhooks.json
	journalPath string // webhooks.journal
	now         func() time.Time

	mu    sync.RWMutex
	hooks []Webhook      // creation order, oldest first
	lines [][]byte       // JSON of hooks[i]; replaced, never modified
	index map[string]int // key -> position in hooks
	seq   uint64         // seq of the last change loaded or written

	// The journal as OpenStore saw it: its size and the end of its last
	// readable line (a torn or unreadable last line lies beyond).
	journalSizeAtOpen, journalValidEnd int64

	journal      *appendlog.File   // nil until the first mutation
	journalSize  int64             // bytes in the journal
	journalBatch appendlog.Batch   // the lines of the pending changes; guarded by mu
	lineBuf      []byte            // where queueLocked builds a line; guarded by mu
	queuedSeq    uint64            // seq of the last change queued (seq: of the last written)
	syncer       *appendlog.Syncer // the journal's background fsync; nil until the first mutation

	// Group commit of journal writes: a mutation changes memory and
	// queues its change under mu, then, holding journalMu, writes every queued
	// change at once unless an earlier writer already wrote its own.
	journalMu sync.Mutex // one journal write at a time; taken before mu, never under it
	pending   []change   // changes made in memory, not yet in the journal
	spare     []change   // a written batch's slice, for reuse
	ticket    uint64     // changes made so far; never reused
	settled   uint64     // changes written (or undone after a failed write)
	written   int        // changes this Store wrote to the journal
	lastErr   error      // the last journal write that failed, undoing its changes
	undone    []undoneRange
	failed    error           // a failed fsync or a journal left unusable: sticky
	rnd       randBytes       // for keys; guarded by mu
	lock      *appendlog.Lock // the state folder's lock, held from ClaimWriter to Close
	closed    bool

	closeOnce sync.Once
	closeErr  error

	writes atomic.Uint64 // journal writes, each of one or more changes
}

// Path is the store's snapshot file, <dir>/webhooks.json; the journal,
// JournalFile, lies beside it.
func (s *Store) Path() string { return s.path }

// Create adds an active webhook for target and events.
func (s *Store) Create(target string, events []string) (Webhook, error) {
	w, err := s.create(target, slices.Clone(events))
	if err != nil {
		return Webhook{}, err
	}
	return cloneHook(w), nil
}

// create is Create keeping events as they are (the caller gives them up)
// and returning the stored webhook, which shares them.
func (s *Store) create(target string, events []string) (Webhook, error) {
	if err := ValidateTarget(target); err != nil {
		return Webhook{}, err
	}
	if err := validateEvents(s.Catalog(), events); err != nil {
		return Webhook{}, err
	}
	s.mu.Lock()
	if err := s.writableLocked(); err != nil {
		s.mu.Unlock()
		return Webhook{}, err
	}
	key := s.rnd.key()
	for _, taken := s.index[key]; taken; _, taken = s.index[key] {
		key = s.rnd.key()
	}
	ms := s.now().UnixMilli()
	w := Webhook{Key: key, Target: target, Events: events, CreatedAt: ms, UpdatedAt: ms}
	line := encodeHook(w)
	s.index[key] = len(s.hooks)
	s.hooks = append(s.hooks, w)
	s.lines = append(s.lines, line)
	t := s.queueLocked(change{i: len(s.hooks) - 1, created: true}, line)
	s.mu.Unlock()
	if err := s.commit(t); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

// UseCatalog sets the events a webhook may subscribe to (by default the
// built-in catalog's).
func (s *Store) UseCatalog(c *fixtures.Catalog) { s.cat.Store(c) }

// Catalog returns the events a webhook may subscribe to.
func (s *Store) Catalog() *fixtures.Catalog {
	if c := s.cat.Load(); c != nil {
		return c
	}
	return fixtures.Builtin()
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
		if err := validateEvents(s.Catalog(), events); err != nil {
			return Webhook{}, err
		}
	}
	s.mu.Lock()
	i, ok := s.index[key]
	if !ok {
		s.mu.Unlock()
		return Webhook{}, ErrNotFound
	}
	w := s.hooks[i]
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
	return s.replace(i, w)
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
	w := s.hooks[i]
	if w.Archived {
		s.mu.Unlock()
		return cloneHook(w), nil
	}
	w.Archived = true
	w.UpdatedAt = max(s.now().UnixMilli(), w.UpdatedAt)
	return s.replace(i, w)
}

// replace makes w the new state of hooks[i] and journals it. s.mu is held
// on entry and released.
func (s *Store) replace(i int, w Webhook) (Webhook, error) {
	if err := s.writableLocked(); err != nil {
		s.mu.Unlock()
		return Webhook{}, err
	}
	line := encodeHook(w)
	t := s.queueLocked(change{i: i, prev: s.hooks[i], prevLine: s.lines[i]}, line)
	s.hooks[i] = w
	s.lines[i] = line
	out := cloneHook(w)
	s.mu.Unlock()
	if err := s.commit(t); err != nil {
		return Webhook{}, err
	}
	return out, nil
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

// page returns up to limit webhooks, newest first, after or before a
// cursor key (at most one of them non-empty), and whether more lie beyond
// the page in the direction of travel.
func (s *Store) page(limit int, after, before string) ([]Webhook, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := len(s.hooks)
	lo, hi := 0, min(limit, n) // newest-first positions [lo, hi): hooks[n-1-pos]
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
	out := make([]Webhook, 0, hi-lo)
	for p := lo; p < hi; p++ {
		out = append(out, cloneHook(s.hooks[n-1-p]))
	}
	return out, more, nil
}

// encodeHook is one webhook's JSON, as in webhooks.json and the journal:
// encoding/json with HTML escaping off (a target's & stays &).
func encodeHook(w Webhook) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		panic("mock: a Webhook always encodes: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func cloneHook(w Webhook) Webhook {
	w.Events = slices.Clone(w.Events)
	if w.Events == nil {
		w.Events = []string{}
	}
	return w
}
