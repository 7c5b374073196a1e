// Package appendlog is the append-only log of JSON lines under both of
// psbox's stores (the webhook journal and the delivery log): the file
// opened in append mode, one write per batch of lines (group commit), a
// write cut short cut back to the last whole line, fsync with the folder
// synced once, torn-tail detection and repair with a hook for what the
// store keeps of the tail, a background fsync that many writes share, the
// batch buffer appends queue into, and the state folder's advisory lock.
//
// What a store decides stays in the store: when to write (at once, or
// after a short wait for company), what a failed write undoes or counts,
// and what a torn or unreadable line means when the log is read.
package appendlog

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// File is an append-only file of lines, as its one writer in this process
// sees it. Other processes may append to the same file (each write of
// whole lines lands whole in append mode); a caller that shares the file
// holds a Lock around what must not interleave.
type File struct {
	path      string
	f         *os.File
	dirSynced bool
}

// Open opens path for appending, creating it (mode 0600) when missing.
func Open(path string) (*File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &File{path: path, f: f}, nil
}

// Wrap makes a File of one opened otherwise (tests open the log read-only
// so that its writes fail).
func Wrap(f *os.File) *File { return &File{path: f.Name(), f: f} }

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Fd is the file's descriptor (tests swap it to make writes or fsyncs fail).
func (f *File) Fd() uintptr { return f.f.Fd() }

// Write appends b, whole lines, with one write(2): the group commit of
// every line in b. On an error n bytes may be in the file; CutPartial
// removes a part line they end in.
func (f *File) Write(b []byte) (n int, err error) { return f.f.Write(b) }

// Size is the file's size now.
func (f *File) Size() (int64, error) {
	fi, err := f.f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Sync fsyncs the file; the first time it succeeds it fsyncs the folder
// too, which holds the file's name. On an append-only file fsync costs what
// fdatasync does, since the size changes on every write.
func (f *File) Sync() error {
	if err := f.f.Sync(); err != nil {
		return err
	}
	if !f.dirSynced {
		SyncDir(filepath.Dir(f.path))
		f.dirSynced = true
	}
	return nil
}

// CutTo truncates the file to end bytes.
func (f *File) CutTo(end int64) error { return f.f.Truncate(end) }

// CutPartial cuts a write that failed part-way (a full disk) back to the
// end of the file's last whole line and fsyncs, so the next line does not
// glue itself to a part of one. A caller sharing the file holds its
// Lock exclusively, so that no other writer is in the middle of a line.
func (f *File) CutPartial() error {
	size, err := f.Size()
	if err != nil {
		return err
	}
	end, err := WholeEnd(f.f, size)
	if err != nil || end == size {
		return err
	}
	if err := f.f.Truncate(end); err != nil {
		return err
	}
	return f.f.Sync()
}

// TornTail is what RepairTail found after the file's last newline.
type TornTail struct {
	Fragment []byte // the torn bytes; nil when the file ends in a whole line
	Cut      bool   // cut off the file
	KeepErr  error  // keep refused the fragment, so it stays in the file
}

// RepairTail cuts a torn last line (a write a crash cut short, never
// acknowledged) off the file, after handing it to keep, the store's policy
// for what it keeps of it (nil keeps nothing). When keep fails the tail
// stays and TornTail says why; when the cut fails the tail stays too. The
// error is one of reading the file or of the fsync after the cut. A caller
// sharing the file holds its Lock exclusively.
func (f *File) RepairTail(keep func(fragment []byte) error) (TornTail, error) {
	var t TornTail
	size, err := f.Size()
	if err != nil || size == 0 {
		return t, err
	}
	end, err := WholeEnd(f.f, size)
	if err != nil || end == size {
		return t, err
	}
	frag := make([]byte, size-end)
	if _, err := f.f.ReadAt(frag, end); err != nil && err != io.EOF {
		return t, err
	}
	t.Fragment = frag
	if keep != nil {
		if t.KeepErr = keep(t.Fragment); t.KeepErr != nil {
			return t, nil
		}
	}
	if err := f.f.Truncate(end); err != nil {
		return t, nil
	}
	t.Cut = true
	return t, f.f.Sync()
}

// Follow reopens the file when its path no longer names the file open
// here (another process rotated or renamed it away), creating a new one
// when the path names nothing. It reports whether it reopened.
func (f *File) Follow() (bool, error) {
	fi, err := os.Stat(f.path)
	if err == nil {
		mine, merr := f.f.Stat()
		if merr == nil && os.SameFile(fi, mine) {
			return false, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	nf, err := os.OpenFile(f.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return false, err
	}
	f.f.Close()
	f.f = nf
	return true, nil
}

// Stat describes the file open here (which, after a rename by another
// process, may no longer be the one at Path).
func (f *File) Stat() (os.FileInfo, error) { return f.f.Stat() }

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// WholeEnd is where the last whole line of the first size bytes of r
// ends: size when they end in '\n', else just after the last '\n' (0 when
// there is none).
func WholeEnd(r io.ReaderAt, size int64) (int64, error) {
	if size == 0 {
		return 0, nil
	}
	buf := make([]byte, min(size, 64<<10))
	for hi := size; hi > 0; {
		lo := max(0, hi-int64(len(buf)))
		b := buf[:hi-lo]
		if _, err := r.ReadAt(b, lo); err != nil && err != io.EOF {
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

// SyncDir fsyncs a folder, so that a file created or renamed in it is
// durable. Some filesystems refuse; the files' content is safe then.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
