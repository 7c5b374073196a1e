package recorder

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/psbox-dev/psbox/internal/appendlog"
	"github.com/psbox-dev/psbox/internal/atomicfile"
)

// PruneOptions say which exchanges Prune removes: those that started
// before Before (when set) and those beyond the newest Keep (when over 0).
// At least one must be set.
type PruneOptions struct {
	Before time.Time
	Keep   int
	Logf   func(format string, args ...any) // warnings; nil discards them
}

// PruneResult counts what Prune did.
type PruneResult struct {
	Removed, Kept int
	Files         int // segment files removed whole
}

// Prune removes old exchanges from the log in dir, while other processes
// may be appending to it. It reads the log as it is when it starts (the
// snapshot) and decides from that; whatever is appended meanwhile is kept.
//
// Each file is replaced whole or not at all: the kept records are written
// to a temp file in the folder, fsynced, and renamed over the old one, so
// a crash mid-prune leaves each file as it was or as pruned, never half.
// For the live file the last step (copying what writers appended since
// the snapshot, then the rename) runs under the folder's exclusive lock,
// which every writer takes shared for each batch it writes: no batch can
// land in the old file after its tail was copied. Writers then notice the
// new file and append to it. Segments that lose every record are deleted.
//
// Where flock(2) does not exist (Windows) the lock does nothing: there,
// prune while nothing else records.
func Prune(dir string, o PruneOptions) (PruneResult, error) {
	var res PruneResult
	if o.Before.IsZero() && o.Keep <= 0 {
		return res, errors.New("recorder: Prune needs Before or Keep")
	}
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	lock, err := appendlog.OpenLock(filepath.Join(dir, lockFileName))
	if err != nil {
		return res, fmt.Errorf("cannot open the delivery log's lock in %s: %w", dir, unwrapPath(err))
	}
	defer lock.Close()
	cleanStaleTemps(dir)
	s := &Store{dir: dir, path: filepath.Join(dir, FileName), logf: logf, readOnly: true, writerDone: true}
	files, err := s.openFiles()
	if err != nil {
		return res, err
	}
	defer closeFiles(files)

	// With Keep, find where the newest Keep records start: every record
	// before (file, offset) goes.
	cutFile, cutOff := -1, int64(0)
	if o.Keep > 0 {
		n := 0
		for i := len(files) - 1; i >= 0 && cutFile < 0; i-- {
			err := scanBackward(files[i].f, files[i].end, func(off int64, line []byte) error {
				if !looksLikeRecord(line) {
					return nil
				}
				if n++; n == o.Keep {
					cutFile, cutOff = i, off
					return errStop
				}
				return nil
			})
			if err != nil && err != errStop {
				return res, err
			}
		}
	}
	keep := func(i int, off int64, line []byte) bool {
		if !looksLikeRecord(line) {
			return true // not ours to judge: an unreadable line stays where it is
		}
		if o.Keep > 0 && cutFile >= 0 && (i < cutFile || (i == cutFile && off < cutOff)) {
			return false
		}
		if !o.Before.IsZero() {
			var sm Summary
			if scanSummary(line, &sm) == nil && sm.Start.Before(o.Before) {
				return false
			}
		}
		return true
	}

	for i, lf := range files {
		live := filepath.Base(lf.path) == FileName
		kept, removed := 0, 0
		tmp, err := atomicfile.CreateTemp(dir, filepath.Base(lf.path))
		if err != nil {
			return res, fmt.Errorf("cannot write in %s: %w", dir, unwrapPath(err))
		}
		bw := bufio.NewWriterSize(tmp, 1<<20)
		err = scanForward(lf.f, 0, lf.end, func(off int64, line []byte) error {
			if !keep(i, off, line) {
				removed++
				return nil
			}
			if kept++; kept%1000 == 0 {
				pruneAt("copying")
			}
			bw.Write(line)
			return bw.WriteByte('\n')
		})
		if err == nil {
			err = bw.Flush()
		}
		if err == nil && removed == 0 {
			err = errUnchanged
		}
		if err == nil {
			pruneAt("written")
			if live {
				err = replaceLive(s, lock, lf, tmp)
			} else if kept == 0 {
				err = os.Remove(lf.path)
				res.Files++
			} else {
				err = commitTemp(tmp, lf.path)
			}
		}
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			if err == errUnchanged {
				res.Kept += kept
				continue
			}
			return res, err
		}
		res.Kept += kept
		res.Removed += removed
	}
	pruneAt("renamed")
	appendlog.SyncDir(dir)
	return res, nil
}

// pruneAt marks a point of a prune ("copying", "written", "locked",
// "renamed") for the crash test, which stops a prune there and kills it.
var pruneAt = func(point string) {}

var errUnchanged = errors.New("unchanged")

// replaceLive finishes the live file's prune under the exclusive lock:
// appends to tmp what writers added after lf's snapshot, then renames tmp
// over the live file.
func replaceLive(s *Store, lock *appendlog.Lock, lf logFile, tmp *os.File) error {
	if err := lock.Exclusive(); err != nil {
		return err
	}
	defer lock.Unlock()
	pruneAt("locked")
	cur, err := os.Stat(lf.path)
	if err != nil {
		return err
	}
	mine, err := lf.f.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(cur, mine) {
		return errors.New("the log was rotated or pruned by another psbox while this prune ran; run it again")
	}
	if _, err := io.Copy(tmp, io.NewSectionReader(lf.f, lf.end, mine.Size()-lf.end)); err != nil {
		return err
	}
	return commitTemp(tmp, lf.path)
}

// commitTemp fsyncs tmp and renames it over path.
func commitTemp(tmp *os.File, path string) error {
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// cleanStaleTemps removes the temp files a prune (or any replacement of
// a state file) killed midway left in dir; those of running psbox
// processes stay.
func cleanStaleTemps(dir string) { atomicfile.CleanStale(dir, "") }
