//go:build unix

package recorder

import (
	"os"
	"path/filepath"
	"syscall"
)

// openLock opens the folder's lock file (created 0600). Writers hold it
// shared while they write a batch; Prune, rotation and the torn-tail repair
// hold it exclusively while they change which file is live.
func openLock(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
}

func lockShared(f *os.File) error    { return flock(f, syscall.LOCK_SH) }
func lockExclusive(f *os.File) error { return flock(f, syscall.LOCK_EX) }
func unlock(f *os.File)              { _ = flock(f, syscall.LOCK_UN) }

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			return err
		}
	}
}
