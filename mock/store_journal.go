package mock

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"time"

	"github.com/psbox-dev/psbox/internal/appendlog"
)

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

// queueLocked queues a change just made in memory for the journal, line
// the webhook's JSON after it, and returns its ticket for commit. Its
// journal line, with the next seq, joins the batch the next write takes
// whole. s.mu is held.
func (s *Store) queueLocked(c change, line []byte) uint64 {
	s.ticket++
	c.ticket = s.ticket
	s.pending = append(s.pending, c)
	s.queuedSeq++
	b := s.lineBuf[:0]
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, s.queuedSeq, 10)
	b = append(b, `,"webhook":`...)
	b = append(b, line...)
	b = append(b, "}\n"...)
	s.journalBatch.Add(b)
	s.lineBuf = b
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

// writePendingLocked writes the queued changes to the journal in one
// write and kicks the background fsync. If the write fails it cuts the
// journal back to where the write started and undoes every change not yet
// written, newest first, so memory matches the journal again, and records
// the error for their mutations. journalMu and mu are held; mu is let go
// during the write so that changes keep queueing.
func (s *Store) writePendingLocked() {
	batch := s.pending
	if len(batch) == 0 {
		return
	}
	s.pending = s.spare[:0]
	s.spare = nil
	lines, _ := s.journalBatch.Take()
	seq := s.queuedSeq
	f, size := s.journal, s.journalSize
	s.mu.Unlock()
	s.writes.Add(1)
	n, err := f.Write(lines)
	werr := err // the cause alone, for Close's account
	var pe *fs.PathError
	if errors.As(err, &pe) {
		werr = pe.Err
	}
	if err != nil && n > 0 {
		// A part of a line would glue itself to the next one, and whole
		// lines of the batch are undone below: cut the write off, or
		// refuse further changes if even that fails.
		if terr := f.CutTo(size); terr != nil {
			err = fmt.Errorf("%w; it may end with a partial line, restart psbox to recover", err)
			s.mu.Lock()
			s.failed = fmt.Errorf("cannot write %s: %w", s.journalPath, err)
			s.mu.Unlock()
		}
	}
	s.mu.Lock()
	s.journalBatch.Recycle(lines)
	if err != nil {
		err = fmt.Errorf("cannot write %s: %w", s.journalPath, err)
		// Changes queued during the write were made on top of this batch:
		// undo them first, and never write their lines.
		for i := len(s.pending) - 1; i >= 0; i-- {
			s.undoLocked(s.pending[i])
		}
		for i := len(batch) - 1; i >= 0; i-- {
			s.undoLocked(batch[i])
		}
		s.journalBatch.Drop()
		s.queuedSeq = s.seq
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
	s.syncer.Kick()
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

// startLocked opens the journal for appending and starts the background
// fsync, at the first mutation. A torn tail OpenStore skipped is cut off
// first, so that new lines do not follow it; if the journal grew since
// OpenStore, another psbox wrote it and it is left as it is.
func (s *Store) startLocked() error {
	f, err := appendlog.Open(s.journalPath)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w; check the state folder's permissions or pick another with --state", s.journalPath, err)
	}
	size, err := f.Size()
	if err != nil {
		f.Close()
		return fmt.Errorf("cannot open %s: %w", s.journalPath, err)
	}
	if size == s.journalSizeAtOpen && s.journalValidEnd < size {
		if err := f.CutTo(s.journalValidEnd); err != nil {
			f.Close()
			return fmt.Errorf("cannot cut the torn last line of %s: %w", s.journalPath, err)
		}
		size = s.journalValidEnd
	}
	s.journal, s.journalSize = f, size
	s.syncer = appendlog.StartSyncer(f, syncInterval, func(err error) {
		s.mu.Lock()
		if s.failed == nil {
			s.failed = fmt.Errorf("cannot save %s to disk: %w; changes since the last clean shutdown may be lost", s.journalPath, err)
		}
		s.mu.Unlock()
	})
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

// fsyncs is how many fsyncs of the journal this Store made, for tests and
// benchmarks.
func (s *Store) fsyncs() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.syncer == nil {
		return 0
	}
	return s.syncer.Fsyncs()
}
