package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/psbox-dev/psbox/internal/appendlog"
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
	if err := s.lock.Exclusive(); err != nil {
		return err
	}
	defer s.lock.Unlock()
	fi, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	if mine, err := s.f.Stat(); err != nil || !os.SameFile(fi, mine) || fi.Size() < s.maxSize {
		_, err := s.f.Follow()
		return err
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
	_, err = s.f.Follow()
	appendlog.SyncDir(s.dir)
	return err
}

// repairTail cuts a torn last line (a crash mid-write) off the live file,
// keeping the fragment in TornFileName, so every later read finds whole
// lines only. It runs under the exclusive lock: no other writer is in the
// middle of a write then.
func (s *Store) repairTail() error {
	if err := s.lock.Exclusive(); err != nil {
		return err
	}
	defer s.lock.Unlock()
	if _, err := s.f.Follow(); err != nil {
		return err
	}
	torn := filepath.Join(s.dir, TornFileName)
	t, err := s.f.RepairTail(func(frag []byte) error { return appendFragment(torn, frag) })
	switch {
	case t.Fragment == nil:
		return err
	case t.KeepErr != nil:
		// Cannot keep it: leave it, and start the next batch on a new line.
		s.needNL = true
		s.logf("recorder: %s ends in a torn record of %d bytes (cut off mid-write, likely by a crash); it stays, as it could not be saved to %s: %v", s.path, len(t.Fragment), torn, unwrapPath(t.KeepErr))
		return nil
	case !t.Cut:
		s.needNL = true
		return nil
	case err != nil:
		return err
	}
	s.logf("recorder: %s ended in a torn record of %d bytes (cut off mid-write, likely by a crash); it was cut off the log and kept in %s", s.path, len(t.Fragment), torn)
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
