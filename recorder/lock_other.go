//go:build !unix

package recorder

import (
	"os"
	"path/filepath"
)

// openLock opens the folder's lock file. Where flock(2) does not exist the
// locks below do nothing: there, pruning or rotating while another psbox
// process appends to the same state folder is on the user.
func openLock(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
}

func lockShared(*os.File) error    { return nil }
func lockExclusive(*os.File) error { return nil }
func unlock(*os.File)              {}
