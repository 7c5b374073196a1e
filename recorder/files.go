package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The log on disk is one or more JSON Lines files in the state folder:
//
//	deliveries.000001.jsonl   rotated segments, oldest first (MaxSize)
//	deliveries.000002.jsonl
//	deliveries.jsonl          the live file, where appends go
//	deliveries.lock           writers share it; prune and rotation take it alone
//	deliveries.torn           fragments of torn last lines, cut off by the next writer
//
// A segment is never written again once rotated. Readers list the files
// once (LogFiles) and read each up to the size it had then.

// TornFileName is where a writer keeps the fragment of a torn last line it
// cuts off the log, one fragment a line.
const TornFileName = "deliveries.torn"

const lockFileName = "deliveries.lock"

const segmentPrefix = "deliveries."

// LogFiles lists the files of the log in dir, oldest first: the rotated
// segments in the order they were rotated, then the live file (when it
// exists). A reader that follows the log reads them in this order; when
// the live file is rotated, the path names a new, empty file and the old
// one is the newest segment; when it is pruned, the path names a new file
// holding what was kept (see Prune).
func LogFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	type seg struct {
		n    int
		path string
	}
	var segs []seg
	live := false
	for _, e := range ents {
		name := e.Name()
		if name == FileName {
			live = true
			continue
		}
		if n, ok := segmentNumber(name); ok {
			segs = append(segs, seg{n, filepath.Join(dir, name)})
		}
	}
	slices.SortFunc(segs, func(a, b seg) int { return a.n - b.n })
	out := make([]string, 0, len(segs)+1)
	for _, s := range segs {
		out = append(out, s.path)
	}
	if live {
		out = append(out, filepath.Join(dir, FileName))
	}
	return out, nil
}

// segmentNumber reads n out of "deliveries.<n>.jsonl".
func segmentNumber(name string) (int, bool) {
	mid, ok := strings.CutPrefix(name, segmentPrefix)
	if !ok {
		return 0, false
	}
	mid, ok = strings.CutSuffix(mid, ".jsonl")
	if !ok || mid == "" {
		return 0, false
	}
	n, err := strconv.Atoi(mid)
	return n, err == nil && n > 0
}

func segmentName(n int) string { return fmt.Sprintf("%s%06d.jsonl", segmentPrefix, n) }

// rotate moves a live file at or over MaxSize to the next segment and
// starts a new live file, under the folder's exclusive lock. Another
// process may have rotated first: then this one only follows.
func (s *Store) rotate() error {
	if err := lockExclusive(s.lock); err != nil {
		return err
	}
	defer unlock(s.lock)
	fi, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	if mine, err := s.f.Stat(); err != nil || !os.SameFile(fi, mine) || fi.Size() < s.maxSize {
		return s.followLive()
	}
	files, err := LogFiles(s.dir)
	if err != nil {
		return err
	}
	next := 1
	for _, p := range files {
		if n, ok := segmentNumber(filepath.Base(p)); ok {
			next = max(next, n+1)
		}
	}
	if err := os.Rename(s.path, filepath.Join(s.dir, segmentName(next))); err != nil {
		return err
	}
	err = s.followLive()
	syncDir(s.dir)
	return err
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // some filesystems refuse; the data is safe then
		d.Close()
	}
}

// repairTail cuts a torn last line (a crash mid-write) off the live file,
// keeping the fragment in TornFileName, so every later read finds whole
// lines only. It runs under the exclusive lock: no other writer is in the
// middle of a write then.
func (s *Store) repairTail() error {
	if err := lockExclusive(s.lock); err != nil {
		return err
	}
	defer unlock(s.lock)
	if err := s.followLive(); err != nil {
		return err
	}
	fi, err := s.f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	size := fi.Size()
	end, err := wholeEnd(s.f, size)
	if err != nil || end == size {
		return err
	}
	frag := make([]byte, size-end)
	if _, err := s.f.ReadAt(frag, end); err != nil && err != io.EOF {
		return err
	}
	torn := filepath.Join(s.dir, TornFileName)
	if err := appendFragment(torn, frag); err != nil {
		// Cannot keep it: leave it, and start the next batch on a new line.
		s.needNL = true
		s.logf("recorder: %s ends in a torn record of %d bytes (cut off mid-write, likely by a crash); it stays, as it could not be saved to %s: %v", s.path, len(frag), torn, unwrapPath(err))
		return nil
	}
	if err := s.f.Truncate(end); err != nil {
		s.needNL = true
		return nil
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	s.logf("recorder: %s ended in a torn record of %d bytes (cut off mid-write, likely by a crash); it was cut off the log and kept in %s", s.path, len(frag), torn)
	return nil
}

func appendFragment(path string, frag []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(bytes.Clone(frag), '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// wholeEnd is where the last whole line of the first size bytes of f
// ends: size when they end in '\n', else just after the last '\n' (0 when
// there is none).
func wholeEnd(f io.ReaderAt, size int64) (int64, error) {
	if size == 0 {
		return 0, nil
	}
	buf := make([]byte, min(size, 64<<10))
	for hi := size; hi > 0; {
		lo := max(0, hi-int64(len(buf)))
		b := buf[:hi-lo]
		if _, err := f.ReadAt(b, lo); err != nil && err != io.EOF {
			return 0, err
		}
		if hi == size && b[len(b)-1] == '\n' {
			return size, nil
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			return lo + int64(i) + 1, nil
		}
		hi = lo
	}
	return 0, nil
}
