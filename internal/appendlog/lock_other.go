//go:build !unix

package appendlog

import "os"

const (
	lockShared = iota
	lockExclusive
	lockUnlock
)

func flock(*os.File, int) error           { return nil }
func tryExclusive(*os.File) (bool, error) { return false, nil }
