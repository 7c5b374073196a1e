// Package atomicfile replaces whole files so that a crash leaves either the
// old file or the new one, never a part: a temp file in the same folder,
// fsync, rename, then an fsync of the folder so the rename itself is
// durable. psbox writes webhooks.json, updated case files, JUnit reports and
// exports this way.
//
//	err := atomicfile.WriteFile("state/webhooks.json", data, 0o600)
package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CreateTemp creates the temp file a replacement of dir/base is written
// to: ".<base>.tmp-<pid>-<random>", so that CleanStale can tell the
// leftovers of a process that died (kill -9 mid-write) from the files of
// one still writing.
func CreateTemp(dir, base string) (*os.File, error) {
	return os.CreateTemp(dir, "."+base+".tmp-"+strconv.Itoa(os.Getpid())+"-*")
}

// CleanStale removes from dir the temp files of CreateTemp whose process
// is gone: those for base, or for any base when base is "". Errors are
// ignored: a leftover that cannot be removed is only untidy.
func CleanStale(dir, base string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, ".") || (base != "" && !strings.HasPrefix(name, "."+base+".tmp-")) {
			continue
		}
		i := strings.LastIndex(name, ".tmp-")
		if i < 0 {
			continue
		}
		pidText, _, ok := strings.Cut(name[i+len(".tmp-"):], "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || alive(pid) {
			continue
		}
		os.Remove(filepath.Join(dir, name))
	}
}

// WriteFile replaces path with data; the file gets perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// KeepPerm returns the permissions of the file at path, or def when there
// is none: for rewriting a user's own file without changing its mode.
func KeepPerm(path string, def os.FileMode) os.FileMode {
	if fi, err := os.Stat(path); err == nil {
		return fi.Mode().Perm()
	}
	return def
}

// Write replaces path with what write produces. Errors are the underlying
// cause (e.g. "no such file or directory"), without the temp file's name.
func Write(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	CleanStale(dir, filepath.Base(path))
	f, err := CreateTemp(dir, filepath.Base(path))
	if err != nil {
		return unwrapPath(err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return unwrapPath(err)
	}
	if err = f.Sync(); err != nil {
		return unwrapPath(err)
	}
	if err = f.Close(); err != nil {
		return unwrapPath(err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return unwrapPath(err)
	}
	if d, derr := os.Open(dir); derr == nil {
		// Some filesystems refuse to sync a folder; the content is safe then.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
