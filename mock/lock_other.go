//go:build !unix

package mock

import "os"

// lockFolder does nothing where flock(2) does not exist: there, running
// two writers on one state folder is on the user.
func lockFolder(dir, path string) (*os.File, error) { return nil, nil }
