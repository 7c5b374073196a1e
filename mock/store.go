package mock

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/atomicfile"
	"github.com/psbox-dev/psbox/mock/delivery"
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

// CorruptStoreError is a webhooks.json or webhooks.journal psbox cannot
// read. psbox never resets such a file on its own: the user moves it away.
type CorruptStoreError struct {
	Path string
	Line int // the journal's unreadable line (from 1); 0 for webhooks.json
	Err  error
}

func (e *CorruptStoreError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s is not a valid psbox webhooks journal (line %d: %v); fix or delete that line by hand, or move the file away (e.g. mv %s %s.bad) to keep only the webhooks saved in %s at the last clean shutdown",
			e.Path, e.Line, e.Err, e.Path, e.Path, StoreFile)
	}
	return fmt.Sprintf("%s is not a valid psbox webhooks file (%v); move it away (e.g. mv %s %s.bad) to start with no webhooks, or fix it by hand",
		e.Path, e.Err, e.Path, e.Path)
}

func (e *CorruptStoreError) Unwrap() error { return e.Err }

// ValidateTarget checks a webhook target with the one target check of
// every delivery (delivery.ValidateTarget) and reports it as a FieldError
// on "target".
func ValidateTarget(s string) error {
	var te *delivery.TargetError
	if err := delivery.ValidateTarget(s); errors.As(err, &te) {
		if te.URL == "" {
			return &FieldError{"target", "is empty; give a URL like http://localhost:3000/webhooks"}
		}
		return &FieldError{"target", fmt.Sprintf("%q %s", te.URL, te.Problem)}
	} else if err != nil {
		return &FieldError{"target", err.Error()}
	}
	return nil
}

// ValidateEvents checks a subscription's event list: not empty, no
// duplicates, and every name in psbox's catalog.
func ValidateEvents(names []string) error { return validateEvents(fixtures.Builtin(), names) }

func validateEvents(cat *fixtures.Catalog, names []string) error {
	if len(names) == 0 {
		return &FieldError{"events", `is empty; list at least one event name, e.g. ["application_created"] (run psbox events for the list)`}
	}
	for i, n := range names {
		if _, ok := cat.Lookup(n); !ok {
			return &FieldError{"events", cat.UnknownEventError(n).Error()}
		}
		if slices.Contains(names[:i], n) {
			return &FieldError{"events", fmt.Sprintf("lists %q twice; list each event once", n)}
		}
	}
	return nil
}

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

	journal     *os.File // nil until the first mutation
	journalSize int64    // bytes in the journal
	journalBuf  []byte   // the lines being written; guarded by journalMu

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
	failed    error     // a failed fsync or a journal left unusable: sticky
	rnd       randBytes // for keys; guarded by mu
	lock      *os.File  // the state folder's lock, held from ClaimWriter to Close
	closed    bool

	kick      chan struct{} // a line awaits fsync (capacity 1)
	stop      chan struct{} // closed by Close
	done      chan struct{} // closed when the flusher has returned
	closeOnce sync.Once
	closeErr  error

	fsyncs atomic.Uint64 // fsyncs of the journal, for tests and benchmarks
	writes atomic.Uint64 // journal writes, each of one or more changes
}

// change is one mutation waiting for its journal write: enough to write
// it and, should the write fail, to undo it.
type change struct {
	ticket   uint64
	i        int     // position in hooks
	created  bool    // undo by dropping hooks[i], the last one
	prev     Webhook // else undo by restoring prev and prevLine
	prevLine []byte
}

// undoneRange is a run of tickets undone because their write failed.
type undoneRange struct {
	from, to uint64
	err      error
}

// JournalFile is the name of the journal of changes not yet compacted into
// webhooks.json, beside it in the state folder.
const JournalFile = "webhooks.journal"

// ErrClosed is returned by a mutation of a closed Store.
var ErrClosed = errors.New("the webhook store is closed")

// storeFile is the on-disk shape of webhooks.json.
type storeFile struct {
	Version  int       `json:"version"`
	Seq      uint64    `json:"seq"`      // the last journal change the snapshot holds; 0 when absent
	Webhooks []Webhook `json:"webhooks"` // oldest first
}

// journalLine is one line of webhooks.journal: the whole webhook after a
// change, so replay is put-by-key.
type journalLine struct {
	Seq     uint64   `json:"seq"`
	Webhook *Webhook `json:"webhook"`
}

// OpenStore loads <dir>/webhooks.json and replays <dir>/webhooks.journal,
// creating dir (0700) if missing. Missing files are an empty store; a
// corrupt one is a *CorruptStoreError. OpenStore never writes: another
// process (a running psbox serve) may own the folder.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create state folder %s: %w; pick another with --state", dir, err)
	}
	s := &Store{
		dir:         dir,
		path:        filepath.Join(dir, StoreFile),
		journalPath: filepath.Join(dir, JournalFile),
		now:         time.Now,
	}
	// A writer's Close rewrites the snapshot and then removes the journal.
	// Reading between those two steps would miss changes, so the snapshot's
	// seq is read again after the journal and the load retried if it moved.
	const attempts = 3
	for range attempts {
		snap, err := readSnapshot(s.path)
		if err != nil {
			return nil, err
		}
		jb, err := os.ReadFile(s.journalPath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot read %s: %w", s.journalPath, err)
		}
		again, err := readSnapshot(s.path)
		if err != nil {
			return nil, err
		}
		if again.Seq != snap.Seq {
			continue
		}
		if err := s.load(snap, jb); err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("%s changed %d times while psbox read it; another psbox is writing it, try again", s.path, attempts)
}

// readSnapshot reads and checks webhooks.json; a missing file is an empty
// snapshot.
func readSnapshot(path string) (*storeFile, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &storeFile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &CorruptStoreError{Path: path, Err: errors.New("the file is empty")}
	}
	var f storeFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &CorruptStoreError{Path: path, Err: err}
	}
	if dec.More() {
		return nil, &CorruptStoreError{Path: path, Err: errors.New("trailing data after the JSON object")}
	}
	seen := make(map[string]bool, len(f.Webhooks))
	for i, w := range f.Webhooks {
		if !strings.HasPrefix(w.Key, "whook_") {
			return nil, &CorruptStoreError{Path: path, Err: fmt.Errorf("webhook %d has key %q; keys start with whook_", i, w.Key)}
		}
		if seen[w.Key] {
			return nil, &CorruptStoreError{Path: path, Err: fmt.Errorf("key %s appears twice", w.Key)}
		}
		seen[w.Key] = true
	}
	return &f, nil
}

// load fills s from a snapshot and the journal's bytes: journal lines with
// seq above the snapshot's are put by key, a new key going after the
// others. Only a torn tail is ignored: bytes after the last newline (a
// write cut short, never acknowledged, as each change is written with its
// newline in one write) or a last line of zero bytes (a write the
// filesystem had sized but not filled when the machine stopped). Any other
// unreadable line, the last included, is a *CorruptStoreError naming it.
func (s *Store) load(snap *storeFile, jb []byte) error {
	s.hooks, s.lines = nil, nil
	s.index = make(map[string]int, len(snap.Webhooks))
	s.seq = snap.Seq
	put := func(w Webhook) {
		if w.Events == nil {
			w.Events = []string{}
		}
		if i, ok := s.index[w.Key]; ok {
			s.hooks[i] = w
			return
		}
		s.index[w.Key] = len(s.hooks)
		s.hooks = append(s.hooks, w)
	}
	for _, w := range snap.Webhooks {
		put(w)
	}
	s.journalSizeAtOpen = int64(len(jb))
	for off, n := 0, 1; off < len(jb); n++ {
		nl := bytes.IndexByte(jb[off:], '\n')
		if nl < 0 {
			break // torn last line
		}
		rec, err := decodeJournalLine(jb[off : off+nl])
		if err != nil {
			if off+nl+1 == len(jb) && allZero(jb[off:off+nl]) {
				break // a zero-filled tail
			}
			return &CorruptStoreError{Path: s.journalPath, Line: n, Err: err}
		}
		off += nl + 1
		s.journalValidEnd = int64(off)
		if rec.Seq > snap.Seq {
			put(*rec.Webhook)
		}
		s.seq = max(s.seq, rec.Seq)
	}
	s.lines = make([][]byte, len(s.hooks))
	for i, w := range s.hooks {
		s.lines[i] = encodeHook(w)
	}
	return nil
}

// allZero reports whether b is all zero bytes (and not empty).
func allZero(b []byte) bool {
	return len(b) > 0 && len(bytes.Trim(b, "\x00")) == 0
}

func decodeJournalLine(b []byte) (journalLine, error) {
	var rec journalLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return rec, err
	}
	if dec.More() {
		return rec, errors.New("trailing data after the JSON object")
	}
	if rec.Seq == 0 {
		return rec, errors.New(`no "seq" above 0`)
	}
	if rec.Webhook == nil {
		return rec, errors.New(`no "webhook"`)
	}
	if !strings.HasPrefix(rec.Webhook.Key, "whook_") {
		return rec, fmt.Errorf("webhook key %q does not start with whook_", rec.Webhook.Key)
	}
	return rec, nil
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
	t := s.queueLocked(change{i: len(s.hooks) - 1, created: true})
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
	t := s.queueLocked(change{i: i, prev: s.hooks[i], prevLine: s.lines[i]})
	s.hooks[i] = w
	s.lines[i] = encodeHook(w)
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

// writableLocked reports why the store takes no change, starting the
// journal at the first one. s.mu is held.
func (s *Store) writableLocked() error {
	if s.closed {
		return ErrClosed
	}
	if s.failed != nil {
		return s.failed
	}
	if s.journal == nil {
		return s.startLocked()
	}
	return nil
}

// queueLocked queues a change just made in memory for the journal and
// returns its ticket for commit. s.mu is held.
func (s *Store) queueLocked(c change) uint64 {
	s.ticket++
	c.ticket = s.ticket
	s.pending = append(s.pending, c)
	return c.ticket
}

// commit returns once the change with ticket t is in the journal, or with
// the error that undid it. The first caller to get journalMu writes every
// change queued so far in one write; the callers whose changes it wrote
// find them settled and return at once.
func (s *Store) commit(t uint64) error {
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settled < t {
		s.writePendingLocked()
	}
	for _, u := range s.undone {
		if u.from <= t && t <= u.to {
			return u.err
		}
	}
	return nil
}

// writePendingLocked writes the queued changes to the journal, one line
// each with the next seqs, and wakes the flusher. If the write fails it
// undoes them, newest first, so memory matches the journal again, and
// records the error for their mutations. journalMu and mu are held; mu is let go
// during the write so that changes keep queueing.
func (s *Store) writePendingLocked() {
	batch := s.pending
	if len(batch) == 0 {
		return
	}
	s.pending = s.spare[:0]
	s.spare = nil
	b := s.journalBuf[:0]
	seq := s.seq
	for _, c := range batch {
		seq++
		b = append(b, `{"seq":`...)
		b = strconv.AppendUint(b, seq, 10)
		b = append(b, `,"webhook":`...)
		b = append(b, s.lines[c.i]...)
		b = append(b, "}\n"...)
	}
	s.journalBuf = b
	f, size := s.journal, s.journalSize
	s.mu.Unlock()
	s.writes.Add(1)
	n, err := f.Write(b)
	werr := err // the cause alone, for Close's account
	var pe *fs.PathError
	if errors.As(err, &pe) {
		werr = pe.Err
	}
	if err != nil && n > 0 {
		// A part of a line would glue itself to the next one: cut it off,
		// or refuse further changes if even that fails.
		if terr := f.Truncate(size); terr != nil {
			err = fmt.Errorf("%w; it may end with a partial line, restart psbox to recover", err)
			s.mu.Lock()
			s.failed = fmt.Errorf("cannot write %s: %w", s.journalPath, err)
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	if err != nil {
		err = fmt.Errorf("cannot write %s: %w", s.journalPath, err)
		// Changes queued during the write were made on top of this batch:
		// undo them first.
		for i := len(s.pending) - 1; i >= 0; i-- {
			s.undoLocked(s.pending[i])
		}
		for i := len(batch) - 1; i >= 0; i-- {
			s.undoLocked(batch[i])
		}
		s.undone = append(s.undone, undoneRange{from: batch[0].ticket, to: s.ticket, err: err})
		s.lastErr = werr
		s.pending = s.pending[:0]
		s.settled = s.ticket
		return
	}
	s.journalSize += int64(n)
	s.written += len(batch)
	s.seq = seq
	s.settled = batch[len(batch)-1].ticket
	clear(batch)
	s.spare = batch[:0]
	select {
	case s.kick <- struct{}{}:
	default: // the flusher is already due to run
	}
}

// undoLocked reverts one change; changes are undone newest first.
func (s *Store) undoLocked(c change) {
	if c.created {
		delete(s.index, s.hooks[c.i].Key)
		s.hooks = s.hooks[:c.i]
		s.lines = s.lines[:c.i]
		return
	}
	s.hooks[c.i] = c.prev
	s.lines[c.i] = c.prevLine
}

// startLocked opens the journal for appending and starts the flusher, at
// the first mutation. A torn tail OpenStore skipped is cut off first, so that new lines do not follow it; if the journal grew
// since OpenStore, another psbox wrote it and it is left as it is.
func (s *Store) startLocked() error {
	f, err := os.OpenFile(s.journalPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w; check the state folder's permissions or pick another with --state", s.journalPath, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("cannot open %s: %w", s.journalPath, err)
	}
	size := fi.Size()
	if size == s.journalSizeAtOpen && s.journalValidEnd < size {
		if err := f.Truncate(s.journalValidEnd); err != nil {
			f.Close()
			return fmt.Errorf("cannot cut the torn last line of %s: %w", s.journalPath, err)
		}
		size = s.journalValidEnd
	}
	s.journal, s.journalSize = f, size
	s.kick = make(chan struct{}, 1)
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go s.flush(f)
	return nil
}

// syncInterval is the least time between two fsyncs of the journal: the
// lines appended meanwhile share the next one (group commit), so a change
// is on disk within about syncInterval plus one fsync; a change after a
// quiet spell is fsynced at once. An fsync costs CPU in the kernel and its
// journal thread, not only the disk's latency: a burst of creates ran about
// 6 points closer to a bare handler at 50-100 ms than at 5 ms
// (bench/mock.sh). 100 ms is the delivery log's group commit too.
const syncInterval = 100 * time.Millisecond

// flush fsyncs the journal whenever lines were appended since the last
// fsync, at most once per syncInterval, so many changes share one (group
// commit). It returns after a last fsync once stop is closed. The first
// fsync also syncs the folder, which holds the journal's name.
func (s *Store) flush(f *os.File) {
	defer close(s.done)
	var synced uint64
	var last time.Time
	dirSynced := false
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		stopping := false
		select {
		case <-s.kick:
			if wait := syncInterval - time.Since(last); wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-s.stop:
					stopping = true
				}
			}
		case <-s.stop:
			stopping = true
		}
		s.mu.RLock()
		seq := s.seq
		s.mu.RUnlock()
		if seq > synced {
			last = time.Now()
			s.fsyncs.Add(1)
			// os.File.Sync is fsync; on an append-only file it costs the
			// same as fdatasync, since the size changes on every write.
			if err := f.Sync(); err != nil {
				s.mu.Lock()
				if s.failed == nil {
					s.failed = fmt.Errorf("cannot save %s to disk: %w; changes since the last clean shutdown may be lost", s.journalPath, err)
				}
				s.mu.Unlock()
			} else {
				synced = seq
			}
			if !dirSynced {
				syncDir(s.dir)
				dirSynced = true
			}
		}
		if stopping {
			return
		}
	}
}

// LockFile is the lock a writing Store holds in the state folder (see ClaimWriter).
const LockFile = "webhooks.lock"

// InUseError is ClaimWriter's answer while another psbox serve or UI writes the
// same state folder.
type InUseError struct {
	Dir string
	PID int // 0 when unknown
}

func (e *InUseError) Error() string {
	who := "another psbox serve or UI"
	if e.PID > 0 {
		who += " (pid " + strconv.Itoa(e.PID) + ")"
	}
	return fmt.Sprintf("the state folder %s is in use by %s; stop it, or pass --state with another folder", e.Dir, who)
}

// ClaimWriter makes this Store the state folder's one writer until Close (psbox
// serve and the UI call it before serving): it takes <dir>/webhooks.lock,
// an *InUseError while another process holds it, so two servers never
// compact each other's changes away; then it folds a journal left by a
// writer that stopped without Close (a crash, kill -9) into webhooks.json
// and removes it, so a clean start leaves one file, as a clean stop does.
// Readers (psbox trigger) never call it.
func (s *Store) ClaimWriter() error {
	s.journalMu.Lock()
	defer s.journalMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.lock == nil {
		lock, err := lockFolder(s.dir, filepath.Join(s.dir, LockFile))
		if err != nil {
			var inUse *InUseError
			if errors.As(err, &inUse) {
				return err
			}
			return fmt.Errorf("cannot lock %s: %w", filepath.Join(s.dir, LockFile), err)
		}
		s.lock = lock
	}
	if s.journal != nil || s.journalSizeAtOpen == 0 {
		return nil
	}
	if err := s.writeSnapshot(); err != nil {
		return fmt.Errorf("cannot write %s: %w; the changes stay in %s", s.path, err, s.journalPath)
	}
	if err := os.Remove(s.journalPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot remove %s: %w", s.journalPath, err)
	}
	s.journalSizeAtOpen, s.journalValidEnd = 0, 0
	return nil
}

// syncDir fsyncs a folder, so that a file created in it is durable. Some
// filesystems refuse; the file's content is safe then.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Close stops the background fsync and, if this Store changed anything,
// writes the full snapshot to webhooks.json (temp file, fsync, rename) and
// removes the journal. It returns an error if the snapshot could not be
// written (the journal is then kept and replayed by the next OpenStore) or
// if a background fsync failed. Mutations after Close return ErrClosed.
// Close is idempotent; a Store that never changed writes nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	s.journalMu.Lock()
	s.mu.Lock()
	s.writePendingLocked() // changes whose mutation has not committed yet
	s.closed = true
	f, lock := s.journal, s.lock
	s.mu.Unlock()
	s.journalMu.Unlock()
	if lock != nil {
		defer lock.Close() // last: the next owner finds webhooks.json written
	}
	if f == nil {
		return nil
	}
	close(s.stop)
	<-s.done
	// Closed: nothing changes any more, so no lock is needed below.
	if s.written == 0 {
		// Every change was refused (the journal could not be written, e.g.
		// a full disk): webhooks.json already holds everything.
		cerr := f.Close()
		if s.journalSize == 0 {
			os.Remove(s.journalPath) // the empty journal the first change opened
		}
		switch {
		case s.lastErr != nil:
			return fmt.Errorf("no change was saved: writing %s failed (%v), so every create, update or archive was refused; %s is as it was", s.journalPath, s.lastErr, s.path)
		case s.failed != nil:
			return s.failed
		case cerr != nil:
			return fmt.Errorf("cannot close %s: %w", s.journalPath, cerr)
		}
		return nil
	}
	werr := s.writeSnapshot()
	cerr := f.Close()
	if werr != nil {
		return fmt.Errorf("cannot write %s: %w; the changes accepted (%d) stay in %s and load on the next start",
			s.path, werr, s.written, s.journalPath)
	}
	if err := os.Remove(s.journalPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		// The snapshot holds every line (their seq is not above its own),
		// so a journal left behind is skipped on load.
		return fmt.Errorf("cannot remove %s: %w", s.journalPath, err)
	}
	if s.failed != nil {
		return fmt.Errorf("%w (every change was then written to %s at shutdown)", s.failed, s.path)
	}
	if cerr != nil {
		return fmt.Errorf("cannot close %s: %w", s.journalPath, cerr)
	}
	return nil
}

// writeSnapshot replaces webhooks.json with every webhook and the seq of
// the last change: one webhook per line, oldest first, each from the JSON
// kept since its last change.
func (s *Store) writeSnapshot() error {
	b := make([]byte, 0, 64+len(s.lines)*256)
	b = append(b, "{\n  \"version\": 1,\n  \"seq\": "...)
	b = strconv.AppendUint(b, s.seq, 10)
	b = append(b, ",\n  \"webhooks\": ["...)
	for i, l := range s.lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		b = append(b, l...)
	}
	if len(s.lines) > 0 {
		b = append(b, "\n  "...)
	}
	b = append(b, "]\n}\n"...)
	return atomicfile.WriteFile(s.path, b, 0o600)
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randBytes hands out crypto/rand bytes read 512 at a time (one read per
// ~30 keys).
type randBytes struct {
	buf [512]byte
	n   int // bytes of buf not handed out yet, at its end
}

func (r *randBytes) next() byte {
	if r.n == 0 {
		rand.Read(r.buf[:]) // never fails (crypto/rand panics instead)
		r.n = len(r.buf)
	}
	r.n--
	return r.buf[r.n]
}

// key returns "whook_" and 14 base-62 characters from crypto/rand.
func (r *randBytes) key() string {
	const n = 14
	var out [len("whook_") + n]byte
	copy(out[:], "whook_")
	for i := len("whook_"); i < len(out); {
		if c := r.next(); c < 248 { // 248 = 4*62: no modulo bias
			out[i] = base62[c%62]
			i++
		}
	}
	return string(out[:])
}

// encodeHook is one webhook's JSON, as in webhooks.json, the journal and
// list answers: encoding/json with HTML escaping off (a target's & stays &).
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
