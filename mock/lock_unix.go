//go:build unix

package mock

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// lockFolder takes an exclusive advisory lock on path (created 0600) and
// writes this process's pid into it; the lock lasts until the returned
// file is closed, or the process ends. A lock held elsewhere is an
// *InUseError.
func lockFolder(dir, path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &InUseError{Dir: dir, PID: pid}
		}
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}
