//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package h1

import (
	"net"
	"time"
)

// canPeek: connAlive cannot look at the socket.
const canPeek = false

// connAlive cannot look at the socket without blocking here. A connection
// idle under a second is reused unchecked (a receiver that closed it in
// that second fails one delivery, reported as a reset); one idle longer is
// replaced, since keep-alive timeouts are counted in seconds.
func connAlive(_ net.Conn, idle time.Duration) bool { return idle < time.Second }
