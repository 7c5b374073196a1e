package recorder

import (
	"bytes"
	"fmt"
	"time"
)

func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writer is the one goroutine that writes to the file.
func (s *Store) writer() {
	defer close(s.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		s.qmu.Lock()
		n, closed := s.batch.Len(), s.closed
		urgent := closed || n >= s.maxBatch || s.flushTarget > s.synced
		wait := s.interval - time.Since(s.firstAt)
		s.qmu.Unlock()
		if n == 0 {
			if closed {
				s.qmu.Lock()
				s.writerDone = true
				s.qcond.Broadcast()
				s.qmu.Unlock()
				return
			}
			<-s.wake
			continue
		}
		if !urgent && wait > 0 {
			timer.Reset(wait)
			select {
			case <-s.wake:
				timer.Stop()
				continue
			case <-timer.C:
			}
		}

		// The writer takes everything queued (appendlog.Batch swaps the
		// buffer for a spare one).
		s.qmu.Lock()
		lines, count := s.batch.Take()
		nl := s.needNL
		s.qcond.Broadcast() // room in the queue
		s.qmu.Unlock()

		buf := lines
		if nl {
			buf = append([]byte{'\n'}, lines...)
		}
		n, err := s.writeBatch(buf)
		lost := 0
		cutOK := true
		if err != nil {
			// The lines written whole are recorded; a line cut short (a
			// full disk) is cut off again, so the log stays whole.
			lost = count - max(0, bytes.Count(buf[:n], []byte{'\n'})-btoi(nl))
			if n < len(buf) {
				cutOK = s.cutPartial() == nil
			}
			if s.lost == 0 {
				s.logf("recorder: writing to %s failed: %v; what cannot be written is not recorded (counted at the end)", s.path, unwrapPath(err))
			}
		}

		s.qmu.Lock()
		s.batch.Recycle(lines)
		if err != nil {
			s.needNL = !cutOK
			s.lost += uint64(lost)
			if s.writeErr == nil {
				s.writeErr = err
			}
		} else {
			s.needNL = false
		}
		s.synced += uint64(count)
		s.qcond.Broadcast()
		s.qmu.Unlock()
	}
}

// writeBatch writes one batch to the live file under the folder's shared
// lock (a prune or rotation holds it exclusively while it swaps the file),
// following the live file to its new inode when another process rotated
// or pruned it, then fsyncs. A batch that takes the file past MaxSize
// rotates it.
func (s *Store) writeBatch(buf []byte) (int, error) {
	if err := s.lock.Shared(); err != nil {
		return 0, err
	}
	_, err := s.f.Follow()
	var size int64
	var n int
	if err == nil {
		n, err = s.f.Write(buf)
		if err == nil && s.maxSize > 0 {
			if sz, serr := s.f.Size(); serr == nil {
				size = sz
			}
		}
	}
	s.lock.Unlock()
	if err != nil {
		return n, err
	}
	if err := s.f.Sync(); err != nil {
		return 0, err // written, but not known to be on disk: none counts as recorded
	}
	if s.maxSize > 0 && size >= s.maxSize {
		if err := s.rotate(); err != nil {
			s.logf("recorder: rotating %s failed: %v (the log keeps growing)", s.path, err)
		}
	}
	return n, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cutPartial cuts a write that failed part-way (a full disk) back to the
// last whole line, under the exclusive lock so no other writer is in the
// middle of a line. The lines cut were counted as not recorded.
func (s *Store) cutPartial() error {
	if err := s.lock.Exclusive(); err != nil {
		return err
	}
	defer s.lock.Unlock()
	return s.f.CutPartial()
}

// NotRecordedError is a log that could not record everything appended to
// it: Lost of the Total exchanges appended are not in the file (the rest
// are, whole), because of Err, the first write error.
type NotRecordedError struct {
	Path        string
	Lost, Total uint64
	Err         error
}

func (e *NotRecordedError) Error() string {
	return fmt.Sprintf("%d of %d exchanges were not recorded in %s: %v", e.Lost, e.Total, e.Path, unwrapPath(e.Err))
}

func (e *NotRecordedError) Unwrap() error { return e.Err }

// recordErrLocked is the result of Flush and Close: a *NotRecordedError
// when a write failed. s.qmu is held.
func (s *Store) recordErrLocked() error {
	if s.writeErr == nil {
		return nil
	}
	return &NotRecordedError{Path: s.path, Lost: s.lost, Total: s.enqueued, Err: s.writeErr}
}

// Flush waits until every exchange appended so far is written and fsynced.
// It returns the first write error the store met, if any.
func (s *Store) Flush() error {
	s.qmu.Lock()
	target := s.enqueued
	if s.flushTarget < target {
		s.flushTarget = target
	}
	s.qmu.Unlock()
	s.signal()
	s.qmu.Lock()
	defer s.qmu.Unlock()
	for s.synced < target && !s.writerDone {
		s.qcond.Wait()
	}
	return s.recordErrLocked()
}

// flushPending makes what this Store appended visible to its own reads.
func (s *Store) flushPending() {
	s.qmu.Lock()
	pending := s.enqueued > s.synced && !s.writerDone
	s.qmu.Unlock()
	if pending {
		s.Flush()
	}
}
