package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FileName is the delivery log inside the state folder.
const FileName = "deliveries.jsonl"

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("recorder: store is closed")

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
	// AppendOnly opens the log for appending only, as psbox trigger does:
	// Open reads nothing of the existing file but its last byte (so a torn
	// last line is not glued to the next one) and the Store keeps no
	// index, so its cost does not grow with the log or the run. Append,
	// Flush, Close and Subscribe work as usual; List, Get and Matches find
	// nothing, and Len counts the exchanges this Store appended.
	AppendOnly bool
}

// Filter selects exchanges for List. Zero fields match everything.
type Filter struct {
	Event      string
	Failed     bool // only exchanges that did not end in a 2xx answer
	Kind       Kind
	DeliveryID string
	Limit      int // at most this many, newest first; 0 means all
}

// maxQueued bounds the exchanges waiting for the writer; Append blocks
// (briefly) when the disk falls this far behind.
const maxQueued = 1 << 16

// subBuffer is how many exchanges a live subscriber may fall behind before
// it misses some.
const subBuffer = 1024

// Store is the durable, indexed delivery log: <dir>/deliveries.jsonl.
//
// Appends are group-committed by one writer goroutine: each batch
// (everything queued once MaxBatch exchanges wait or the oldest has waited
// FlushInterval) is written with one write in append mode, so other
// processes may append to the same file, then fsynced. A crash loses at
// most the last batch and may leave a torn last line, which the next Open
// skips with a warning.
//
// The in-memory index holds a small summary of each exchange and where its
// line is in the file; full exchanges are read back from the file when List
// or Get returns them, so memory stays small for large logs. Exchanges
// appended by another process after Open are seen on the next Open.
type Store struct {
	path     string
	f        *os.File
	logf     func(string, ...any)
	names    map[string]bool // canonical secret header names
	nameList []string        // the same, for the line encoder
	interval time.Duration
	maxBatch int
	ids      idGen
	noIndex  bool // Options.AppendOnly: queued entries are nil

	mu      sync.RWMutex
	entries []*entry // in ID order; empty when noIndex

	qmu         sync.Mutex
	qcond       *sync.Cond
	queue       []*entry  // waiting for the writer, in append order
	qbuf        []byte    // their lines, back to back
	qbase       int64     // where qbuf starts in the stream of queued bytes
	inflight    []byte    // the lines the writer is writing now
	inBase      int64     // where inflight starts in that stream
	spare       []byte    // a written batch's buffer, for reuse
	bufCap      int       // the largest batch buffer so far: new ones start this big
	firstAt     time.Time // when the oldest queued exchange arrived
	enqueued    uint64
	synced      uint64 // written (or failed) so far
	flushTarget uint64
	closed      bool
	writerDone  bool
	writeErr    error
	needNL      bool // the file does not end in '\n'
	wake        chan struct{}
	done        chan struct{}

	subMu sync.Mutex
	subs  map[*subscriber]struct{}
	nsubs atomic.Int32

	closeOnce sync.Once
	closeErr  error
}

// entry is the in-memory summary of one exchange.
type entry struct {
	id, deliveryID, event, replayOf, target, reason string
	kind                                            Kind
	attempt, status                                 int32
	start                                           time.Time
	duration                                        time.Duration
	off                                             int64  // where the line starts in the file
	n                                               int32  // line length without '\n'
	qoff                                            int64  // while off < 0: where the line is in the stream of queued bytes
	line                                            []byte // the line (without '\n') when writing it failed
}

func (e *entry) failed() bool {
	return e.reason != "" || e.status < 200 || e.status > 299
}

func (e *entry) matches(f *Filter) bool {
	return (f.Event == "" || e.event == f.Event) &&
		(!f.Failed || e.failed()) &&
		(f.Kind == "" || e.kind == f.Kind) &&
		(f.DeliveryID == "" || e.deliveryID == f.DeliveryID)
}

func newEntry(ex *Exchange) *entry {
	return &entry{
		id: ex.ID, deliveryID: ex.DeliveryID, event: ex.Event, replayOf: ex.ReplayOf,
		target: ex.Target, reason: ex.ErrorReason, kind: ex.Kind,
		attempt: int32(ex.Attempt), status: int32(ex.Status()),
		start: ex.Start, duration: ex.Duration, off: -1,
	}
}

// Open opens (creating when needed) the log in dir, which is created with
// mode 0700; the file is created with mode 0600. Existing lines are loaded
// into the index: unreadable ones are skipped with a warning through
// o.Logf naming the line, and a torn last line (from a crash mid-write) is
// skipped the same way; the next append starts on a fresh line.
func Open(dir string, o Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the state folder %s: %w", dir, unwrapPath(err))
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the delivery log %s: %w", path, unwrapPath(err))
	}
	s := &Store{
		path:     path,
		f:        f,
		logf:     o.Logf,
		interval: o.FlushInterval,
		maxBatch: o.MaxBatch,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		subs:     map[*subscriber]struct{}{},
		names:    map[string]bool{},
		noIndex:  o.AppendOnly,
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
	for _, h := range append(slices.Clone(secretHeaders), o.RedactHeaders...) {
		if h = strings.TrimSpace(h); h != "" {
			s.names[textproto.CanonicalMIMEHeaderKey(h)] = true
		}
	}
	for n := range s.names {
		s.nameList = append(s.nameList, n)
	}
	s.qcond = sync.NewCond(&s.qmu)
	load := s.load
	if s.noIndex {
		load = s.checkTail
	}
	if err := load(); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read the delivery log %s: %w", path, unwrapPath(err))
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

// Path is the log file's path.
func (s *Store) Path() string { return s.path }

// Append assigns an ID when ex has none (time-sortable), redacts secrets,
// encodes the exchange as its log line, adds it to the index and to live
// subscribers, and queues the line for the next group commit. It returns
// the stored (redacted) copy, which shares ex's header maps and bodies where
// redaction left them unchanged; the store itself keeps no reference to
// them once Append returns. Call Flush to wait until it is on disk.
func (s *Store) Append(ex Exchange) (Exchange, error) {
	if ex.ID == "" {
		at := ex.Start // when set, saves reading the clock; IDs still increase
		if at.IsZero() {
			at = time.Now()
		}
		ex.ID = s.ids.next(at)
	}
	// Redacted while encoded; the exchange itself is copied (redactWith)
	// only when something in it is secret.
	bp := linePool.Get().(*[]byte)
	line, ex := encodeRedacted((*bp)[:0], ex, s.nameList, s.names)
	var e *entry // stays nil without an index: the queue then only counts
	if !s.noIndex {
		e = newEntry(&ex)
	}

	s.qmu.Lock()
	for len(s.queue) >= maxQueued && !s.closed {
		s.qcond.Wait()
	}
	if s.closed {
		s.qmu.Unlock()
		putLine(bp, line)
		return ex, ErrClosed
	}
	// The line joins the pending batch buffer, which the writer writes
	// (and reuses) as a whole.
	at := len(s.qbuf)
	if s.qbuf == nil {
		s.qbuf = make([]byte, 0, max(64<<10, s.bufCap))
	}
	s.qbuf = append(s.qbuf, line...)
	putLine(bp, line)
	ok := true
	if e != nil {
		e.qoff = s.qbase + int64(at)
		e.n = int32(len(line) - 1)
		s.mu.Lock()
		ok = s.insert(e)
		s.mu.Unlock()
	}
	if !ok {
		s.qbuf = s.qbuf[:at]
		s.qmu.Unlock()
		return ex, fmt.Errorf("recorder: exchange %s is already recorded", ex.ID)
	}
	if len(s.queue) == 0 {
		s.firstAt = time.Now()
	}
	s.queue = append(s.queue, e)
	s.enqueued++
	n := len(s.queue)
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

func marshalLine(ex *Exchange) ([]byte, error) {
	return appendLine(make([]byte, 0, 1024+len(ex.Request.Body)), ex), nil
}

// insert adds e in ID order; false when the ID is taken. Callers hold mu.
func (s *Store) insert(e *entry) bool {
	n := len(s.entries)
	if n == 0 || s.entries[n-1].id < e.id {
		s.entries = append(s.entries, e)
		return true
	}
	i, found := slices.BinarySearchFunc(s.entries, e.id, func(x *entry, id string) int { return strings.Compare(x.id, id) })
	if found {
		return false
	}
	s.entries = slices.Insert(s.entries, i, e)
	return true
}

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
	var batch []*entry
	for {
		s.qmu.Lock()
		n, closed := len(s.queue), s.closed
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

		// The writer takes everything queued: the queue and its buffer
		// are swapped for the spare ones, so after the first few batches
		// no buffer grows or is copied again.
		s.qmu.Lock()
		batch, s.queue = s.queue, batch[:0]
		lines := s.qbuf
		s.inflight, s.inBase = lines, s.qbase
		s.qbase += int64(len(lines))
		s.qbuf, s.spare = s.spare[:0], nil
		nl := s.needNL
		s.qcond.Broadcast() // room in the queue
		s.qmu.Unlock()

		buf := lines
		if nl {
			buf = append([]byte{'\n'}, lines...)
		}
		err := s.writeBatch(buf)
		if !s.noIndex {
			var end int64
			if err == nil {
				end, err = s.f.Seek(0, io.SeekCurrent)
			}
			s.setOffsets(batch, lines, end, err)
		}
		if err != nil {
			s.logf("recorder: writing %d exchanges to %s failed: %v (they stay in memory only)", len(batch), s.path, err)
		}

		s.qmu.Lock()
		s.inflight = nil // readers now find these lines in the file (or e.line)
		if cap(lines) <= 16<<20 {
			s.bufCap = max(s.bufCap, cap(lines)) // a new buffer starts this big
			if len(s.qbuf) == 0 && cap(s.qbuf) < cap(lines) {
				s.qbuf, s.spare = lines[:0], s.qbuf[:0] // nothing queued since: reuse it at once
			} else {
				s.spare = lines[:0]
			}
		}
		clear(batch) // the entries are the index's, not the writer's
		if err != nil {
			s.needNL = true
			if s.writeErr == nil {
				s.writeErr = err
			}
		} else {
			s.needNL = false
		}
		s.synced += uint64(len(batch))
		s.qcond.Broadcast()
		s.qmu.Unlock()
	}
}

// setOffsets notes where each entry of a written batch now is in the file,
// or keeps its line in memory when the write failed.
func (s *Store) setOffsets(batch []*entry, lines []byte, end int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	off, pos := end-int64(len(lines)), 0
	for _, e := range batch {
		if err == nil {
			e.off = off
		} else {
			e.line = bytes.Clone(lines[pos : pos+int(e.n)]) // kept in memory only
		}
		off += int64(e.n) + 1
		pos += int(e.n) + 1
	}
}

func (s *Store) writeBatch(buf []byte) error {
	if _, err := s.f.Write(buf); err != nil {
		return err
	}
	return s.f.Sync()
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
	return s.writeErr
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
		err := s.writeErr
		s.qmu.Unlock()
		if cerr := s.f.Close(); err == nil {
			err = cerr
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

// Len is the number of exchanges in the index.
func (s *Store) Len() int {
	if s.noIndex {
		s.qmu.Lock()
		defer s.qmu.Unlock()
		return int(s.enqueued)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries)
}

// List returns the exchanges f selects, newest first. With f.Limit set it
// stops after that many and reads only those from the file.
func (s *Store) List(f Filter) []Exchange {
	type ref struct {
		e    *entry
		off  int64
		n    int32
		line []byte
	}
	var refs []ref
	s.mu.RLock()
	for i := len(s.entries) - 1; i >= 0; i-- {
		e := s.entries[i]
		if !e.matches(&f) {
			continue
		}
		refs = append(refs, ref{e, e.off, e.n, e.line})
		if f.Limit > 0 && len(refs) >= f.Limit {
			break
		}
	}
	s.mu.RUnlock()
	out := make([]Exchange, len(refs))
	oks := make([]bool, len(refs))
	fill := func(lo, hi int) {
		var buf []byte
		for i := lo; i < hi; i++ {
			r := refs[i]
			ex, err := s.read(r.e, r.off, r.n, r.line, &buf)
			if err != nil {
				s.logf("recorder: %v", err)
				continue
			}
			out[i], oks[i] = ex, true
		}
	}
	// Large lists are read back on every core.
	if workers := runtime.GOMAXPROCS(0); len(refs) >= 4096 && workers > 1 {
		var wg sync.WaitGroup
		per := (len(refs) + workers - 1) / workers
		for lo := 0; lo < len(refs); lo += per {
			wg.Go(func() { fill(lo, min(lo+per, len(refs))) })
		}
		wg.Wait()
	} else {
		fill(0, len(refs))
	}
	n := 0
	for i := range out {
		if oks[i] {
			out[n] = out[i]
			n++
		}
	}
	clear(out[n:])
	return out[:n]
}

// Get returns the exchange with this ID. A unique prefix of an ID is
// enough, with or without the "ex_" start, in any letter case.
func (s *Store) Get(id string) (Exchange, bool) {
	id = normalizeID(id)
	if id == "" {
		return Exchange{}, false
	}
	s.mu.RLock()
	i, _ := slices.BinarySearchFunc(s.entries, id, func(x *entry, id string) int { return strings.Compare(x.id, id) })
	var e *entry
	if i < len(s.entries) && strings.HasPrefix(s.entries[i].id, id) {
		e = s.entries[i]
		if e.id != id && i+1 < len(s.entries) && strings.HasPrefix(s.entries[i+1].id, id) {
			e = nil // ambiguous
		}
	}
	var off int64
	var n int32
	var line []byte
	if e != nil {
		off, n, line = e.off, e.n, e.line
	}
	s.mu.RUnlock()
	if e == nil {
		return Exchange{}, false
	}
	var buf []byte
	ex, err := s.read(e, off, n, line, &buf)
	if err != nil {
		s.logf("recorder: %v", err)
		return Exchange{}, false
	}
	return ex, true
}

// Matches returns how many indexed IDs start with the given ID or prefix
// (normalized as in Get), up to max; it tells "unknown" from "ambiguous".
func (s *Store) Matches(prefix string, max int) []string {
	prefix = normalizeID(prefix)
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, _ := slices.BinarySearchFunc(s.entries, prefix, func(x *entry, id string) int { return strings.Compare(x.id, id) })
	var ids []string
	for ; i < len(s.entries) && len(ids) < max && strings.HasPrefix(s.entries[i].id, prefix); i++ {
		ids = append(ids, s.entries[i].id)
	}
	return ids
}

// read decodes e, whose off, n and line were read under mu: from the
// queue or the batch being written when it is not on disk yet, else from
// line (kept in memory after a failed write) or the file.
func (s *Store) read(e *entry, off int64, n int32, line []byte, buf *[]byte) (Exchange, error) {
	if off < 0 && line == nil {
		if line = s.pendingLine(e.qoff, n); line == nil {
			// Written meanwhile: the writer sets off before it lets go
			// of the batch.
			s.mu.RLock()
			off, line = e.off, e.line
			s.mu.RUnlock()
		}
	}
	return s.readLine(off, n, line, buf)
}

// pendingLine copies the queued line at qoff, or returns nil when it is no
// longer queued or being written.
func (s *Store) pendingLine(qoff int64, n int32) []byte {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	end := qoff + int64(n)
	switch {
	case qoff >= s.qbase && end <= s.qbase+int64(len(s.qbuf)):
		return bytes.Clone(s.qbuf[qoff-s.qbase : end-s.qbase])
	case s.inflight != nil && qoff >= s.inBase && end <= s.inBase+int64(len(s.inflight)):
		return bytes.Clone(s.inflight[qoff-s.inBase : end-s.inBase])
	}
	return nil
}

func (s *Store) readLine(off int64, n int32, line []byte, buf *[]byte) (Exchange, error) {
	var ex Exchange
	if line != nil {
		if err := decodeLine(line, &ex); err != nil {
			return ex, fmt.Errorf("an exchange waiting to be written no longer parses: %w", err)
		}
		return ex, nil
	}
	if off < 0 {
		return ex, errors.New("exchange was never written")
	}
	if cap(*buf) < int(n) {
		*buf = make([]byte, n)
	}
	b := (*buf)[:n]
	if _, err := s.f.ReadAt(b, off); err != nil {
		return ex, fmt.Errorf("reading %s at byte %d: %w", s.path, off, err)
	}
	if err := decodeLine(b, &ex); err != nil {
		return ex, fmt.Errorf("%s at byte %d no longer parses: %w", s.path, off, err)
	}
	return ex, nil
}

// checkTail notes whether the file ends in the middle of a line (a torn
// last line), so the next batch starts on a fresh one; it is all an
// append-only Open reads.
func (s *Store) checkTail() error {
	fi, err := s.f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	var last [1]byte
	if _, err := s.f.ReadAt(last[:], fi.Size()-1); err != nil {
		return err
	}
	s.needNL = last[0] != '\n'
	return nil
}

// load reads the whole file into the index, decoding lines in parallel.
func (s *Store) load() error {
	fi, err := s.f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	const chunkSize = 4 << 20
	type chunk struct {
		idx       int
		base      int64
		firstLine int
		data      []byte
		last      bool // the tail after the final '\n'
	}
	type result struct {
		entries []*entry
		warns   []string
	}
	var (
		results []result
		rmu     sync.Mutex
		wg      sync.WaitGroup
	)
	jobs := make(chan chunk)
	workers := max(1, runtime.GOMAXPROCS(0))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				r := decodeChunk(c.data, c.base, c.firstLine, c.last, s.path)
				rmu.Lock()
				results[c.idx] = result{r.entries, r.warns}
				rmu.Unlock()
			}
		}()
	}
	var (
		pos, lineNo int64 = 0, 1
		carry       []byte
		idx         int
		readErr     error
	)
	send := func(c chunk) {
		rmu.Lock()
		results = append(results, result{})
		rmu.Unlock()
		jobs <- c
	}
	for pos < size && readErr == nil {
		n := min(int64(chunkSize), size-pos)
		data := make([]byte, len(carry)+int(n))
		copy(data, carry)
		if _, err := s.f.ReadAt(data[len(carry):], pos); err != nil && err != io.EOF {
			readErr = err
			break
		}
		base := pos - int64(len(carry))
		pos += n
		cut := bytes.LastIndexByte(data, '\n')
		if cut < 0 && pos < size {
			carry = data
			continue
		}
		complete := data[:cut+1]
		carry = data[cut+1:]
		if len(complete) > 0 {
			send(chunk{idx: idx, base: base, firstLine: int(lineNo), data: complete})
			idx++
			lineNo += int64(bytes.Count(complete, []byte{'\n'}))
		}
	}
	if readErr == nil && len(carry) > 0 {
		send(chunk{idx: idx, base: size - int64(len(carry)), firstLine: int(lineNo), data: carry, last: true})
		s.needNL = true
	}
	close(jobs)
	wg.Wait()
	if readErr != nil {
		return readErr
	}
	total := 0
	for _, r := range results {
		total += len(r.entries)
	}
	s.entries = make([]*entry, 0, total)
	for _, r := range results {
		for _, w := range r.warns {
			s.logf("%s", w)
		}
		s.entries = append(s.entries, r.entries...)
	}
	cmp := func(a, b *entry) int { return strings.Compare(a.id, b.id) }
	if !slices.IsSortedFunc(s.entries, cmp) {
		slices.SortStableFunc(s.entries, cmp)
	}
	// Drop repeated IDs, keeping the first.
	s.entries = slices.CompactFunc(s.entries, func(a, b *entry) bool {
		if a.id == b.id {
			s.logf("recorder: %s: exchange %s appears twice; keeping the first", s.path, a.id)
			return true
		}
		return false
	})
	return nil
}

// summary is the part of a line the index keeps; the rest is skipped.
type summary struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	DeliveryID  string    `json:"delivery_id"`
	Event       string    `json:"event"`
	Attempt     int       `json:"attempt"`
	ReplayOf    string    `json:"replay_of"`
	Target      string    `json:"target"`
	ErrorReason string    `json:"error_reason"`
	Start       time.Time `json:"start"`
	Duration    int64     `json:"duration_ns"`
	Response    *struct {
		Status int `json:"status"`
	} `json:"response"`
}

type chunkResult struct {
	entries []*entry
	warns   []string
}

func decodeChunk(data []byte, base int64, line int, last bool, path string) chunkResult {
	var r chunkResult
	intern := map[string]string{}
	in := func(s string) string {
		if v, ok := intern[s]; ok {
			return v
		}
		if len(intern) < 4096 {
			intern[s] = s
		}
		return s
	}
	off := base
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var ln []byte
		if i < 0 {
			ln, data = data, nil
		} else {
			ln, data = data[:i], data[i+1:]
		}
		start := off
		off += int64(len(ln)) + 1
		trimmed := bytes.TrimSpace(ln)
		if len(trimmed) == 0 {
			line++
			continue
		}
		var sm summary
		err := scanSummary(ln, &sm)
		if err == nil && sm.ID == "" {
			err = errors.New("the record has no id")
		}
		if err != nil {
			if last && i < 0 {
				r.warns = append(r.warns, fmt.Sprintf("recorder: %s line %d: skipping a torn last record (%d bytes, cut off mid-write, likely by a crash); new records start on the next line", path, line, len(ln)))
			} else {
				r.warns = append(r.warns, fmt.Sprintf("recorder: %s line %d: skipping an unreadable record: %v", path, line, err))
			}
			line++
			continue
		}
		e := &entry{
			id: sm.ID, deliveryID: sm.DeliveryID, event: in(sm.Event), replayOf: sm.ReplayOf,
			target: in(sm.Target), reason: in(sm.ErrorReason), kind: Kind(in(string(sm.Kind))),
			attempt: int32(sm.Attempt), start: sm.Start, duration: time.Duration(sm.Duration),
			off: start, n: int32(len(ln)),
		}
		if sm.Response != nil {
			e.status = int32(sm.Response.Status)
		}
		r.entries = append(r.entries, e)
		line++
	}
	return r
}
