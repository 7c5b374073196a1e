package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/mock"
)

// TestServe_CutAtShutdownLimitExits1 holds a request in flight (its body
// never finishes) across Ctrl-C: serve cuts it at the shutdown limit and
// exits 1 with one sentence saying so, not the usage text of exit 2.
func TestServe_CutAtShutdownLimitExits1(t *testing.T) {
	defer func(d time.Duration) { serveShutdownWait = d }(serveShutdownWait)
	serveShutdownWait = 300 * time.Millisecond

	base, cancel, code, stdout, stderr := startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir())
	defer cancel()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Headers and half the announced body: the handler waits for the rest.
	if _, err := c.Write([]byte("POST /api/v2/webhooks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + defaultSecretKey +
		"\r\nContent-Type: application/json\r\nContent-Length: 60\r\n\r\n{\"target\":")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the request is being served
	cancel()
	select {
	case got := <-code:
		if got != 1 {
			t.Errorf("exit %d, want 1", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not stop")
	}
	msg := stderr.String()
	if !strings.Contains(msg, "did not stop within 300ms") || strings.Contains(msg, "--help") {
		t.Errorf("stderr %q: want one sentence about the cut request, no usage text", msg)
	}
	assertOneSentence(t, msg)
	if strings.Contains(stdout.String(), "mock API stopped\n") {
		t.Errorf("stdout claims a clean stop: %s", stdout)
	}
}

// TestServe_AnnouncedTooLargeGets413AtOnce: a request whose Content-Length
// is over 1 MiB is answered 413 from its header, before any of the body is
// sent, on every body-taking route (the recorded API and the control API).
func TestServe_AnnouncedTooLargeGets413AtOnce(t *testing.T) {
	base, cancel, code, _, _ := startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir())
	defer func() { cancel(); <-code }()
	for _, path := range []string{"/api/v2/webhooks", "/_psbox/events"} {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		start := time.Now()
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{",
			path, defaultSecretKey, mock.MaxRequestBytes+1)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("%s: no answer to an announced %d-byte body within 3s: %v", path, mock.MaxRequestBytes+1, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "larger than") {
			t.Errorf("%s: %d %s, want 413 saying the body is too large", path, resp.StatusCode, body)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: the 413 took %s, want it at once", path, d)
		}
	}
}

// TestServe_CorruptLastJournalLineStops: a complete but unreadable last line
// of webhooks.journal stops serve with the file and the line (exit 2), and
// the journal is kept for the user to look at, as for any other line.
func TestServe_CorruptLastJournalLineStops(t *testing.T) {
	state := t.TempDir()
	path := filepath.Join(state, mock.JournalFile)
	content := `{"seq":1,"webhook":{"key":"whook_AAAAAAAAAAAAAA","target":"https://a.test","events":["application_created"],"archived":false,"created_at":1,"updated_at":1}}` + "\n" +
		`{"seq":2,"webhook":{"key":"whook_BBBBBBBBBBBBBB","target":"https://b.test","events":["application_created"],"archived":false,"created_at":2,"updated_at":2}}` + "\n" +
		`{"seq":3,"webhook":{"key":"whook_CC` + "\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	c, stderr := serveExit(t, "--addr", "127.0.0.1:0", "--state", state)
	if c != 2 || !strings.Contains(stderr, path) || !strings.Contains(stderr, "line 3") {
		t.Errorf("exit %d, stderr %q; want 2 naming %s line 3", c, stderr, path)
	}
	assertOneSentence(t, stderr)
	if b, err := os.ReadFile(path); err != nil || string(b) != content {
		t.Errorf("the journal was changed or removed (%v)", err)
	}
}
