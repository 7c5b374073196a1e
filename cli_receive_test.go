package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the handler and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func postTo(t *testing.T, url, event, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if event != "" {
		req.Header.Set("X-Psbox-Event", event)
		req.Header.Set("X-Psbox-Delivery", "dlv_test")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestReceiver_LogsAndAcknowledges(t *testing.T) {
	var log syncBuffer
	srv := httptest.NewServer(newReceiver(&log, receiveOptions{status: 200}))
	defer srv.Close()

	resp, body := postTo(t, srv.URL+"/webhooks", "application_created", `{"key":"appl_1","content":{"email":"jane@example.com"},"event":"application_created"}`)
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"received": true}` {
		t.Errorf("answer %d %q, want 200 {\"received\": true}", resp.StatusCode, body)
	}
	got := log.String()
	for _, want := range []string{"POST /webhooks", "application_created", "dlv_test", "key=appl_1", "email=jane@example.com", "\n    \"key\": \"appl_1\""} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}

	// Event from the body when the header is absent; V2 envelope key under data.
	postTo(t, srv.URL, "", `{"event":"customer.created","test":false,"data":{"key":"cus_9"}}`)
	if got := log.String(); !strings.Contains(got, "customer.created") || !strings.Contains(got, "key=cus_9") {
		t.Errorf("log lacks the body's event and data.key:\n%s", got)
	}
	postTo(t, srv.URL, "", `not json`)
	if got := log.String(); !strings.Contains(got, "not JSON") {
		t.Errorf("a non-JSON body is not logged as such:\n%s", got)
	}
}

func TestReceiver_SimulatedStatusAndDelay(t *testing.T) {
	srv := httptest.NewServer(newReceiver(io.Discard, receiveOptions{status: 503, delay: 150 * time.Millisecond}))
	defer srv.Close()
	start := time.Now()
	resp, body := postTo(t, srv.URL, "application_created", `{}`)
	if resp.StatusCode != 503 || !strings.Contains(body, `"received": false`) {
		t.Errorf("answer %d %q, want 503", resp.StatusCode, body)
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("answered after %s, want at least the 150ms delay", took)
	}
}

func TestReceiver_BodyBound(t *testing.T) {
	srv := httptest.NewServer(newReceiver(io.Discard, receiveOptions{status: 200}))
	defer srv.Close()
	resp, _ := postTo(t, srv.URL, "x", `{"a":"`+strings.Repeat("x", 1<<20)+`"}`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over 1 MiB answered %d, want 413", resp.StatusCode)
	}
}

// TestReceive_TriggerEndToEnd runs psbox receive, fires psbox trigger at it,
// and stops it with a cancel (Ctrl-C).
func TestReceive_TriggerEndToEnd(t *testing.T) {
	var out, errb syncBuffer
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runReceive(ctx, receiveOptions{addr: "127.0.0.1:0", status: 200}, &out, &errb, ready)
	}()
	addr := <-ready
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", "http://"+addr+"/webhooks", "--no-record")
	if code != 0 || !strings.Contains(stdout, "  200  ") {
		t.Errorf("trigger exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if !strings.Contains(out.String(), "application_created") {
		t.Errorf("receiver log lacks the event:\n%s", out.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("receive returned %v", err)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("receive did not stop after cancel")
	}
	if !strings.Contains(errb.String(), "stopped") {
		t.Errorf("stderr %q", errb.String())
	}
}

func TestReceive_UserMistakesExit2(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", l.Addr().String()}, "already in use"},
		{[]string{"--addr", "nope"}, "host:port"},
		{[]string{"--status", "42"}, "--status"},
		{[]string{"--delay", "-1s"}, "--delay"},
		{[]string{"--delay", "1h"}, "--delay"},
	} {
		var out, errb bytes.Buffer
		code := run(t.Context(), append([]string{"receive"}, tc.args...), strings.NewReader(""), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 mentioning %q", tc.args, code, errb.String(), tc.want)
		}
		assertOneSentence(t, errb.String())
	}
}
