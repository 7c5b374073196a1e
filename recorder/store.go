package recorder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psbox-dev/psbox/internal/appendlog"
)

// FileName is the delivery log inside the state folder: the live file that
// appends go to. Rotated segments sit beside it (see LogFiles).
const FileName = "deliveries.jsonl"

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("recorder: store is closed")

// ErrReadOnly is returned by Append on a Store opened with ReadOnly.
var ErrReadOnly = errors.New("recorder: store is open read-only")

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// RedactHeaders are header names (case-insensitive) whose values are
	// replaced by "[redacted]", on top of the built-in list (see Redact).
	RedactHeaders []string
	// Logf receives warnings (a skipped torn line, a failed write). Nil
	// discards them.
	Logf func(format string, args ...any)
	// FlushInterval is the longest an appended exchange waits before it is
	// written and fsynced. Default 100ms.
	FlushInterval time.Duration
	// MaxBatch is how many waiting exchanges start a write at once, before
	// FlushInterval is up; each write takes everything queued. Default 256.
	MaxBatch int
	// ReadOnly opens the log for reading only: nothing is created, locked
	// or repaired, so it works on a state folder psbox may not write to; a
	// missing log reads as empty. Append returns ErrReadOnly.
	ReadOnly bool
	// MaxSize, when over 0, caps the live file: once a write takes it to
	// MaxSize bytes or more, it is rotated into a numbered segment and a
	// new live file starts. Readers follow every segment (LogFiles).
	MaxSize int64
	// AppendOnly is kept for callers that only add to the log (trigger,
	// test). Every Store now reads the file on demand instead of loading it
	// at Open, so it changes nothing.
	AppendOnly bool
}

// Filter selects exchanges for List. Zero fields match everything.
type Filter struct {
	Event      string
	Failed     bool // only exchanges that did not end in a 2xx answer
	Kind       Kind
	DeliveryID string
	// DeliveryPrefix selects the exchanges whose delivery id starts with it.
	DeliveryPrefix string
	Limit          int // at most this many, newest first; 0 means all
}

// maxQueued bounds the exchanges waiting for the writer; Append blocks
// (briefly) when the disk falls this far behind.
const maxQueued = 1 << 16

// subBuffer is how many exchanges a live subscriber may fall behind before
// it misses some.
const subBuffer = 1024

// Store is the durable delivery log: <dir>/deliveries.jsonl and its rotated
// segments.
//
// Appends are group-committed by one writer goroutine: each batch
// (everything queued once MaxBatch exchanges wait or the oldest has waited
// FlushInterval) is written with one write in append mode, so other
// processes may append to the same file, then fsynced. A crash loses at
// most the last batch and may leave a torn last line, which the next
// writer to open the log cuts off (keeping the fragment in TornFileName).
//
// The Store keeps no index: List, Get and the exports read the files when
// they are called (List from the end, Get by a search on the time-ordered
// IDs, exports line by line), so Open costs the same for any size of log,
// memory does not grow with it, and what other processes append is seen at
// once.
type Store struct {
	dir      string
	path     string
	f        *appendlog.File // the live file as this Store last opened it; nil when read-only
	lock     *appendlog.Lock // the folder's deliveries.lock, shared while writing
	logf     func(string, ...any)
	redactor *redactor // the secret header names, built once
	interval time.Duration
	maxBatch int
	maxSize  int64
	readOnly bool
	ids      idGen

	qmu         sync.Mutex
	qcond       *sync.Cond
	batch       appendlog.Batch // the lines of the exchanges waiting for the writer
	firstAt     time.Time       // when the oldest queued exchange arrived
	enqueued    uint64
	synced      uint64 // written (or failed) so far
	flushTarget uint64
	closed      bool
	writerDone  bool
	writeErr    error
	lost        uint64 // exchanges a failed write did not record
	needNL      bool   // the file does not end in '\n'
	wake        chan struct{}
	done        chan struct{}

	subMu sync.Mutex
	subs  map[*subscriber]struct{}
	nsubs atomic.Int32

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating when needed) the log in dir, which is created with
// mode 0700; the file is created with mode 0600. Nothing of the existing
// log is read but its last line: a torn last line (from a crash mid-write)
// is cut off and kept in TornFileName, with a warning through o.Logf.
func Open(dir string, o Options) (*Store, error) {
	s := &Store{
		dir:      dir,
		path:     filepath.Join(dir, FileName),
		logf:     o.Logf,
		interval: o.FlushInterval,
		maxBatch: o.MaxBatch,
		maxSize:  o.MaxSize,
		readOnly: o.ReadOnly,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		subs:     map[*subscriber]struct{}{},
		redactor: newRedactor(o.RedactHeaders),
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	if s.interval <= 0 {
		s.interval = 100 * time.Millisecond
	}
	if s.maxBatch <= 0 {
		s.maxBatch = 256
	}
	s.qcond = sync.NewCond(&s.qmu)
	if s.readOnly {
		if fi, err := os.Stat(dir); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("cannot read the state folder %s: %w", dir, unwrapPath(err))
			}
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("cannot open the state folder %s: not a directory", dir)
		}
		if f, err := os.Open(s.path); err == nil {
			fi, err := f.Stat()
			f.Close() // readers open the files themselves; this only checks access
			if err == nil && fi.IsDir() {
				return nil, fmt.Errorf("cannot open the delivery log %s: is a directory", s.path)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("cannot open the delivery log %s: %w", s.path, unwrapPath(err))
		}
		close(s.done)
		s.writerDone = true
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the state folder %s: %w", dir, unwrapPath(err))
	}
	lock, err := appendlog.OpenLock(filepath.Join(dir, lockFileName))
	if err != nil {
		return nil, fmt.Errorf("cannot open the delivery log's lock %s: %w", filepath.Join(dir, lockFileName), unwrapPath(err))
	}
	s.lock = lock
	f, err := appendlog.Open(s.path)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("cannot open the delivery log %s: %w", s.path, unwrapPath(err))
	}
	s.f = f
	cleanStaleTemps(dir)
	if err := s.repairTail(); err != nil {
		f.Close()
		lock.Close()
		return nil, fmt.Errorf("cannot read the delivery log %s: %w", s.path, unwrapPath(err))
	}
	go s.writer()
	return s, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Path is the live log file's path.
func (s *Store) Path() string { return s.path }

// Dir is the state folder the log is in.
func (s *Store) Dir() string { return s.dir }

// Append assigns the exchange its ID (time-sortable, from the time it is
// recorded; an ID already on ex is replaced), redacts
// secrets, encodes the exchange as its log line, hands it to live
// subscribers, and queues the line for the next group commit. It returns
// the stored (redacted) copy, which shares ex's header maps and bodies where
// redaction left them unchanged; the store itself keeps no reference to
// them once Append returns. Call Flush to wait until it is on disk.
//
// IDs come from the clock when the exchange is appended, not from its
// Start, so the order of lines in the file follows the order of IDs up to
// the few hundred milliseconds a batch waits: Get relies on that to find
// an ID without reading the whole log.
func (s *Store) Append(ex Exchange) (Exchange, error) {
	if s.readOnly {
		return ex, ErrReadOnly
	}
	ex.ID = s.ids.next(time.Now())
	// Redacted while encoded; the exchange itself is copied (redactor.exchange)
	// only when something in it is secret.
	bp := linePool.Get().(*[]byte)
	line, ex := encodeRedacted((*bp)[:0], ex, s.redactor)

	s.qmu.Lock()
	for s.batch.Len() >= maxQueued && !s.closed {
		s.qcond.Wait()
	}
	if s.closed {
		s.qmu.Unlock()
		putLine(bp, line)
		return ex, ErrClosed
	}
	// The line joins the pending batch buffer, which the writer writes
	// (and reuses) as a whole.
	n := s.batch.Add(line)
	putLine(bp, line)
	if n == 1 {
		s.firstAt = time.Now()
	}
	s.enqueued++
	s.qmu.Unlock()
	if n == 1 || n >= s.maxBatch {
		s.signal()
	}
	if s.nsubs.Load() > 0 {
		s.publish(ex.Clone())
	}
	return ex, nil
}

// linePool holds the buffers Append encodes a line into before copying it
// into the pending batch.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func putLine(bp *[]byte, line []byte) {
	if cap(line) <= 64<<10 {
		*bp = line[:0]
		linePool.Put(bp)
	}
}

// Close flushes, stops the writer, closes the file and every subscription.
// Calling it again returns the first result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.qmu.Lock()
		s.closed = true
		s.qcond.Broadcast()
		s.qmu.Unlock()
		s.signal()
		<-s.done
		s.qmu.Lock()
		err := s.recordErrLocked()
		s.qmu.Unlock()
		if s.f != nil {
			if cerr := s.f.Close(); err == nil {
				err = cerr
			}
		}
		if s.lock != nil {
			s.lock.Close()
		}
		s.closeErr = err
		s.subMu.Lock()
		for sub := range s.subs {
			close(sub.ch)
			delete(s.subs, sub)
			s.nsubs.Add(-1)
		}
		s.subMu.Unlock()
	})
	return s.closeErr
}
