package mock

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestListen_FreePortWhenBusy(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	if _, err := Listen(addr, false); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Listen(busy, false) = %v, want EADDRINUSE", err)
	}
	ln, err := Listen(addr, true)
	if err != nil {
		t.Fatalf("Listen(busy, true): %v", err)
	}
	defer ln.Close()
	if ln.Addr().String() == addr || !strings.HasPrefix(ln.Addr().String(), "127.0.0.1:") {
		t.Errorf("fell back to %s, want another loopback port", ln.Addr())
	}
}

// TestServe_StopsWhenTheListenerFails: a server whose listener dies says
// so through Stopped and Err; one shut down answered what it had, and its
// URL is one a local client can dial even when it listens on every
// interface.
func TestServe_StopsWhenTheListenerFails(t *testing.T) {
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }), time.Second)
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s, want a loopback address", s.URL)
	}
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Errorf("answer %q", b)
	}
	ln.Close()
	select {
	case <-s.Stopped():
	case <-time.After(5 * time.Second):
		t.Fatal("Stopped not closed after the listener failed")
	}
	if s.Err() == nil || errors.Is(s.Err(), http.ErrServerClosed) {
		t.Errorf("Err = %v, want the listener's error", s.Err())
	}
	if err := s.Shutdown(); err != nil {
		t.Errorf("Shutdown after the stop: %v", err)
	}
}
