package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/psbox-dev/psbox/internal/atomicfile"
)

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
	s.queuedSeq = s.seq
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
