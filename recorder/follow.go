package recorder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Follower reads a delivery log in the order it was written, then each
// record appended to it, from any process, as it arrives. Each call reads
// only what was added since the last one, from the byte offset it had
// reached, so following a log of a million lines costs what is appended,
// never a rescan. A line whose '\n' has not arrived yet is kept until it
// does.
//
// It reads the rotated segments first (oldest first, see LogFiles), then
// the live file. When the live file is rotated, the Follower reads the old
// one to its end and goes on with the new live file. When the log is
// rewritten instead (the live file replaced by one that is not a rotation,
// or cut shorter than what was read), it starts again from the oldest
// segment and Reset reports it once.
//
// A Follower is not safe for concurrent use.
type Follower struct {
	dir, live string
	segments  []string // still to read, oldest first
	f         *os.File
	path      string // of f
	off       int64  // the next byte of f to read
	partial   []byte // the start of a line whose end has not been read yet
	buf       []byte
	reset     bool
	logf      func(string, ...any)
}

// followChunk is how much one read takes from the file.
const followChunk = 256 << 10

// Follow follows the log in the state folder dir: from its oldest record,
// or with fromEnd only what is appended from now on. A missing log (or
// folder) is waited for. logf receives warnings about unreadable lines;
// nil discards them.
func Follow(dir string, fromEnd bool, logf func(string, ...any)) (*Follower, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	fl := &Follower{dir: dir, live: filepath.Join(dir, FileName), logf: logf}
	if !fromEnd {
		if err := fl.listSegments(); err != nil {
			return nil, err
		}
		return fl, nil
	}
	f, err := os.Open(fl.live)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fl, nil
	case err != nil:
		return nil, fmt.Errorf("cannot read the delivery log %s: %w", fl.live, unwrapPath(err))
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read the delivery log %s: %w", fl.live, unwrapPath(err))
	}
	fl.f, fl.path, fl.off = f, fl.live, fi.Size()
	return fl, nil
}

// listSegments queues every rotated segment for reading.
func (fl *Follower) listSegments() error {
	files, err := LogFiles(fl.dir)
	if err != nil {
		return fmt.Errorf("cannot list the delivery log in %s: %w", fl.dir, unwrapPath(err))
	}
	fl.segments = fl.segments[:0]
	for _, p := range files {
		if p != fl.live {
			fl.segments = append(fl.segments, p)
		}
	}
	return nil
}

// Reset reports, once, that the log was rewritten and reading started
// again from its oldest record: a list built from earlier lines should be
// dropped.
func (fl *Follower) Reset() bool {
	r := fl.reset
	fl.reset = false
	return r
}

// Close releases the file being read.
func (fl *Follower) Close() error {
	if fl.f == nil {
		return nil
	}
	err := fl.f.Close()
	fl.f = nil
	return err
}

// Lines calls fn with each complete line appended since the last call
// (without its '\n'), the file it is in and the offset where it starts, up
// to max lines (0: no limit), and returns how many it read; 0 means
// nothing new. The line is only valid during the call.
func (fl *Follower) Lines(max int, fn func(path string, off int64, line []byte)) (int, error) {
	n := 0
	for max <= 0 || n < max {
		got, err := fl.fill()
		if err != nil || !got {
			return n, err
		}
		// fl.buf holds the kept partial line and the new bytes, starting
		// at this offset of fl.path.
		base := fl.off - int64(len(fl.buf))
		data := fl.buf
		for len(data) > 0 && (max <= 0 || n < max) {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				break
			}
			if ln := data[:i]; len(bytes.TrimSpace(ln)) > 0 {
				fn(fl.path, base, ln)
				n++
			}
			base += int64(i) + 1
			data = data[i+1:]
		}
		if max > 0 && n >= max && len(data) > 0 {
			// Stopped at max: what is left is read again next time.
			fl.off -= int64(len(data))
			data = nil
		}
		fl.partial = append(fl.partial[:0], data...)
	}
	return n, nil
}

// fill reads the next chunk into fl.buf, behind the kept partial line;
// false when nothing new is there.
func (fl *Follower) fill() (bool, error) {
	for {
		if fl.f == nil {
			path := fl.live
			if len(fl.segments) > 0 {
				path = fl.segments[0]
			}
			f, err := os.Open(path)
			if errors.Is(err, os.ErrNotExist) {
				if path != fl.live {
					fl.segments = fl.segments[1:] // pruned meanwhile
					continue
				}
				return false, nil
			}
			if err != nil {
				return false, fmt.Errorf("cannot read the delivery log %s: %w", path, unwrapPath(err))
			}
			if path != fl.live {
				fl.segments = fl.segments[1:]
			}
			fl.f, fl.path, fl.off = f, path, 0
			fl.partial = fl.partial[:0]
		}
		if cap(fl.buf) < len(fl.partial)+followChunk {
			fl.buf = make([]byte, 0, 2*len(fl.partial)+followChunk)
		}
		fl.buf = append(fl.buf[:0], fl.partial...)
		k, err := fl.f.ReadAt(fl.buf[len(fl.partial):len(fl.partial)+followChunk], fl.off)
		if err != nil && err != io.EOF {
			return false, fmt.Errorf("cannot read the delivery log %s at byte %d: %w", fl.path, fl.off, err)
		}
		if k > 0 {
			fl.buf = fl.buf[:len(fl.partial)+k]
			fl.off += int64(k)
			return true, nil
		}
		switch fl.atEnd() {
		case endWait:
			return false, nil
		case endNext:
			fl.Close() // a torn end of a finished file is no record
		case endRestart:
			fl.Close()
			if err := fl.listSegments(); err != nil {
				return false, err
			}
			fl.reset = true
		}
	}
}

type endKind int

const (
	endWait    endKind = iota // more may be appended to this file
	endNext                   // this file is finished: go on with the next
	endRestart                // the log was rewritten: read it again
)

// atEnd decides what reaching the end of the open file means.
func (fl *Follower) atEnd() endKind {
	if fl.path != fl.live {
		return endNext // segments are never written again
	}
	cur, err := fl.f.Stat()
	if err != nil {
		return endWait
	}
	fi, err := os.Stat(fl.live)
	if err != nil {
		return endWait // being replaced: look again later
	}
	if os.SameFile(fi, cur) {
		if fi.Size() < fl.off {
			return endRestart // cut in place
		}
		return endWait
	}
	// Replaced: by a rotation when the file read so far is now a segment.
	files, _ := LogFiles(fl.dir)
	for _, p := range files {
		if p == fl.live {
			continue
		}
		if si, err := os.Stat(p); err == nil && os.SameFile(si, cur) {
			return endNext
		}
	}
	return endRestart
}

// Summaries appends to dst the summary of each record appended since the
// last call, up to max (0: no limit). Unreadable lines are skipped with a
// warning.
func (fl *Follower) Summaries(dst []Summary, max int) ([]Summary, error) {
	_, err := fl.Records(max, func(_ []byte, sm *Summary) { dst = append(dst, *sm) })
	return dst, err
}

// Records calls fn with each record appended since the last call, up to
// max (0: no limit): its line as the log holds it (the --json shape,
// without '\n') and its summary, both valid only during the call; it
// returns how many lines it read. Unreadable lines are skipped with a
// warning.
func (fl *Follower) Records(max int, fn func(line []byte, sm *Summary)) (int, error) {
	var sm Summary
	return fl.Lines(max, func(path string, off int64, line []byte) {
		if err := recordSummary(line, &sm); err != nil {
			skipped(fl.logf, path, off, err)
			return
		}
		fn(line, &sm)
	})
}

// FollowInterval is how often Wait looks for appended records.
const FollowInterval = 100 * time.Millisecond

// Wait returns when the log may have grown (it looks every interval,
// FollowInterval when 0), or when ctx ends, with ctx.Err().
func (fl *Follower) Wait(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = FollowInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if len(fl.segments) > 0 || (fl.f != nil && fl.path != fl.live) {
			return nil // not at the live file's end: there is more to read
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		fi, err := os.Stat(fl.live)
		if err != nil {
			continue
		}
		if fl.f == nil || fi.Size() != fl.off {
			return nil
		}
		if cur, err := fl.f.Stat(); err == nil && !os.SameFile(fi, cur) {
			return nil
		}
	}
}

// Batch is a run of summaries read from a followed log, in log order.
// Reset says the log was rewritten and is read again from its start: drop
// what came before. CaughtUp says the batch reached the end of the log:
// what follows was appended after.
type Batch struct {
	Summaries []Summary
	Reset     bool
	CaughtUp  bool
}

// LogView is a delivery log as a viewer holds it: the newest records for
// a first screen, every record followed live as summaries in log order,
// and one read back in full when opened. It writes nothing: any number of
// Stores, in this process or others, append while it follows.
type LogView struct {
	s *Store
}

// NewLogView views the log s reads (s may be opened ReadOnly).
func NewLogView(s *Store) *LogView { return &LogView{s} }

// Recent returns the summaries of up to n of the newest exchanges, newest
// first, without reading the rest of the log.
func (v *LogView) Recent(n int) []Summary { return v.s.Summaries(Filter{Limit: n}) }

// Get reads the full exchange with this ID.
func (v *LogView) Get(id string) (Exchange, bool) { return v.s.Get(id) }

// followBatch is the most summaries one Batch carries, so a long history
// arrives in pieces a screen takes between frames.
const followBatch = 4096

// Follow sends every record of the log in batches, the oldest first, then
// each one appended, within about FollowInterval of its write. It waits
// while the receiver is behind, so nothing is dropped; the channel is
// closed when ctx ends.
func (v *LogView) Follow(ctx context.Context) <-chan Batch {
	ch := make(chan Batch, 4)
	go func() {
		defer close(ch)
		fl, err := Follow(v.s.Dir(), false, v.s.logf)
		if err != nil {
			v.s.logf("%v", err)
			return
		}
		defer fl.Close()
		caughtUp := false
		for {
			list, err := fl.Summaries(nil, followBatch)
			if err != nil {
				v.s.logf("%v", err)
			}
			reset := fl.Reset()
			end := len(list) < followBatch
			if len(list) > 0 || reset || (end && !caughtUp) {
				select {
				case ch <- Batch{Summaries: list, Reset: reset, CaughtUp: end}:
				case <-ctx.Done():
					return
				}
				caughtUp = caughtUp || end
			}
			if end && fl.Wait(ctx, 0) != nil {
				return
			}
		}
	}()
	return ch
}

// Match reports whether f selects the exchange sm summarises (f.Limit
// aside), as List does.
func (f *Filter) Match(sm *Summary) bool { return sm.matches(f) }
