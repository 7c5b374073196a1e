package appendlog

import (
	"os"
	"strconv"
	"strings"
)

// Lock is a state folder's advisory lock file (flock(2)). Where flock does
// not exist its methods do nothing: there, keeping two writers apart is on
// the user.
type Lock struct{ f *os.File }

// OpenLock opens the lock file at path, creating it (mode 0600).
func OpenLock(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	return &Lock{f}, nil
}

// Shared waits for the lock in shared mode: writers that may share the
// file hold it so around each write.
func (l *Lock) Shared() error { return flock(l.f, lockShared) }

// Exclusive waits for the lock alone: to repair a tail, cut a part line or
// change which file is live.
func (l *Lock) Exclusive() error { return flock(l.f, lockExclusive) }

// Unlock lets go of a shared or exclusive hold.
func (l *Lock) Unlock() { _ = flock(l.f, lockUnlock) }

// Close closes the lock file, letting go of any hold.
func (l *Lock) Close() error { return l.f.Close() }

// BusyError is ClaimLock's answer while another process holds the lock.
type BusyError struct {
	PID int // the holder's, as it wrote it; 0 when unknown
}

func (e *BusyError) Error() string {
	if e.PID > 0 {
		return "the lock is held by pid " + strconv.Itoa(e.PID)
	}
	return "the lock is held by another process"
}

// ClaimLock takes the lock at path exclusively without waiting, for a
// store's one writer, and writes this process's pid into it; the hold
// lasts until Close, or the process ends. A lock held elsewhere is a
// *BusyError naming the holder's pid.
func ClaimLock(path string) (*Lock, error) {
	l, err := OpenLock(path)
	if err != nil {
		return nil, err
	}
	busy, err := tryExclusive(l.f)
	if err != nil || busy {
		b, _ := os.ReadFile(path)
		l.f.Close()
		if busy {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			return nil, &BusyError{PID: pid}
		}
		return nil, err
	}
	if err := l.f.Truncate(0); err == nil {
		l.f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return l, nil
}
