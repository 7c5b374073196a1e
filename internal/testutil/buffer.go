// Package testutil holds helpers that tests of several packages share.
// Nothing outside a _test.go file imports it.
package testutil

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer that a handler or a command running in a
// goroutine and the test polling its output can share.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
