package mock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/psbox-dev/psbox/internal/appendlog"
)

// ErrClosed is returned by a mutation of a closed Store.
var ErrClosed = errors.New("the webhook store is closed")

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
		lock, err := appendlog.ClaimLock(filepath.Join(s.dir, LockFile))
		if err != nil {
			var busy *appendlog.BusyError
			if errors.As(err, &busy) {
				return &InUseError{Dir: s.dir, PID: busy.PID}
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
	s.syncer.Stop()
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
