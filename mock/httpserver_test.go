package mock

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestServer_HTTPServerBoundsEverything(t *testing.T) {
	srv := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if srv.ReadHeaderTimeout != ReadHeaderTimeout || srv.ReadTimeout != ReadTimeout || srv.WriteTimeout != WriteTimeout ||
		srv.IdleTimeout != IdleTimeout || srv.MaxHeaderBytes != MaxHeaderBytes {
		t.Errorf("NewHTTPServer leaves a bound unset: %+v", srv)
	}
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": ReadHeaderTimeout, "ReadTimeout": ReadTimeout, "WriteTimeout": WriteTimeout, "IdleTimeout": IdleTimeout} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %v, want a bound between 0 and 2 minutes", name, d)
		}
	}
}

func TestServer_SlowlorisIsCutOff(t *testing.T) {
	a := newTestAPI(t)
	srv := NewHTTPServer("127.0.0.1:0", a.srv)
	srv.ReadHeaderTimeout = 200 * time.Millisecond // the real bound is 5 s; same mechanism
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "GET /_psbox/health HTTP/1.1\r\nHost: x\r\n")
	// Trickle a header byte at a time and never finish.
	var closed bool
	for time.Since(start) < 3*time.Second {
		if _, err := io.WriteString(conn, "X"); err != nil {
			closed = true
			break
		}
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := conn.Read(make([]byte, 512)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			closed = true
			break
		}
	}
	if !closed {
		t.Fatal("a client trickling its headers was never cut off")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cut off after %v, want about the 200 ms header timeout", d)
	}
}

func TestServer_LargeHeadersRefused(t *testing.T) {
	a := newTestAPI(t)
	ts := httptest.NewUnstartedServer(a.srv)
	ts.Config = NewHTTPServer("", a.srv)
	ts.Start()
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/_psbox/health", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2*MaxHeaderBytes))
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("headers of %d bytes answered %d, want 431", 2*MaxHeaderBytes, resp.StatusCode)
	}
}
