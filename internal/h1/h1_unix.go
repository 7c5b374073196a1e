//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package h1

import (
	"net"
	"syscall"
	"time"
)

// canPeek: connAlive looks at the socket.
const canPeek = true

// connAlive reports whether an idle connection may carry another request:
// the receiver has neither closed it nor sent anything unasked. It peeks
// without blocking, however long it was idle.
func connAlive(c net.Conn, _ time.Duration) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := false
	err = raw.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		// Nothing to read yet is the one good answer: data would be an
		// answer nobody asked for, and 0 bytes with no error a close.
		alive = err == syscall.EAGAIN || err == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && alive
}
