package mock

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/recorder"
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

// TestStart_OwnsTheStateFolderUntilClose: Start claims the folder (a
// second Start there is an *InUseError), a failed listen is a *ListenError
// that leaves nothing claimed, and Close writes what was created into
// webhooks.json and lets the folder go.
func TestStart_OwnsTheStateFolderUntilClose(t *testing.T) {
	dir := t.TempDir()
	rec, err := recorder.Open(dir, recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	o := StartOptions{Options: Options{PublicKey: testPublic, SecretKey: testSecret}, Dir: dir, Addr: "127.0.0.1:0", Recorder: rec, Wait: time.Second}
	m, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", m.URL+"/api/v2/webhooks", strings.NewReader(`{"target":"http://127.0.0.1:9/hook","events":["application_created"]}`))
	req.SetBasicAuth(testPublic, testSecret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("create answered %d", resp.StatusCode)
	}

	var inUse *InUseError
	if _, err := Start(o); !errors.As(err, &inUse) {
		t.Errorf("a second Start on the folder: %v, want an *InUseError", err)
	}
	busy := o
	busy.Dir, busy.Addr = t.TempDir(), strings.TrimPrefix(m.URL, "http://")
	var le *ListenError
	if _, err := Start(busy); !errors.As(err, &le) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Start on a taken address: %v, want a *ListenError wrapping EADDRINUSE", err)
	}
	busy.Addr = "127.0.0.1:0"
	if m2, err := Start(busy); err != nil {
		t.Errorf("the folder of the failed Start is still claimed: %v", err)
	} else {
		m2.Close()
	}

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	snap, err := os.ReadFile(filepath.Join(dir, StoreFile))
	if err != nil || !strings.Contains(string(snap), "127.0.0.1:9/hook") {
		t.Errorf("after Close, webhooks.json = %q, %v; want the webhook created", snap, err)
	}
	m, err = Start(o)
	if err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	if n := m.Store.Len(); n != 1 {
		t.Errorf("the restarted store holds %d webhooks, want 1", n)
	}
	m.Close()
}
