package h1

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a loopback TCP server whose handler writes answers byte by
// byte as the test says; it counts the connections clients open.
type rawServer struct {
	url   string
	conns atomic.Int32
}

func newRawServer(t testing.TB, handle func(c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{url: "http://" + ln.Addr().String() + "/webhooks"}
	var (
		mu   sync.Mutex
		open []net.Conn
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns.Add(1)
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				handle(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return s
}

// readRequest reads one request and its body from br.
func readRequest(br *bufio.Reader) error {
	req, err := http.ReadRequest(br)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, req.Body)
	return err
}

// answerEach answers every request on a connection with answer, closing the
// connection after it when closeAfter is set.
func answerEach(answer string, closeAfter bool) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		for readRequest(br) == nil {
			if _, err := io.WriteString(c, answer); err != nil || closeAfter {
				return
			}
		}
	}
}

// testCtx ends a test's request after 5s, so a transport that waits
// forever fails the test instead of hanging it.
// userAgent and body are what a delivery sends.
const (
	userAgent = "psbox"
	body      = `{"event":"application_created","key":"appl_8WePUs6tWFsW4h"}`
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newTestH1(t *testing.T) *Transport {
	tr := New(Options{
		Dial: (&net.Dialer{Timeout: 5 * time.Second}).DialContext, Fallback: &http.Transport{},
		MaxIdlePerHost: 4, MaxIdle: 8,
	})
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// post sends one delivery-shaped request through rt and reads the answer.
func post(ctx context.Context, rt http.RoundTripper, url string) (status int, body string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"event":"application_created"}`))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestH1_SameBytesAsHTTPTransport: a delivery's bytes on the wire are the
// ones http.Transport (as psbox configures it) sends.
func TestH1_SameBytesAsHTTPTransport(t *testing.T) {
	got := make(chan []byte, 2)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		var raw bytes.Buffer
		req, err := http.ReadRequest(bufio.NewReader(io.TeeReader(br, &raw)))
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		got <- raw.Bytes()
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	for _, rt := range []http.RoundTripper{newTestH1(t), &http.Transport{DisableCompression: true}} {
		req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost, srv.url+"?a=1", bytes.NewReader([]byte(body)))
		req.Header = http.Header{
			"Content-Type": {"application/json"}, "User-Agent": {userAgent},
			"X-Psbox-Event": {"application_created"}, "X-Psbox-Delivery": {"dlv_1"}, "X-Custom": {"a", "b"},
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatalf("%T: %v", rt, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	h1, std := <-got, <-got
	if !bytes.Equal(h1, std) {
		t.Errorf("request bytes differ:\nh1Transport:\n%s\nhttp.Transport:\n%s", h1, std)
	}
}

// TestH1_Answers: every way a receiver may frame its answer is read in
// full, and the connection is reused exactly when HTTP/1.1 allows it.
func TestH1_Answers(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		closeAfter   bool
		status       int
		body         string
		conns        int32 // opened by 3 requests
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", 1},
		{"chunked with a trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n1\r\no\r\n1\r\nk\r\n0\r\nX-T: 1\r\n\r\n", false, 200, "ok", 1},
		{"no body", "HTTP/1.1 204 No Content\r\n\r\n", false, 204, "", 1},
		{"empty body", "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", false, 202, "", 1},
		{"an error status", "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy", false, 503, "busy", 1},
		{"early hints first", "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, 200, "ok", 1},
		{"connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true, 200, "ok", 3},
		{"body until close", "HTTP/1.1 200 OK\r\n\r\nok", true, 200, "ok", 3},
		{"HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true, 200, "ok", 3},
		{"bytes after the answer", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n", false, 200, "ok", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, answerEach(tc.answer, tc.closeAfter))
			tr := newTestH1(t)
			for i := range 3 {
				status, body, err := post(testCtx(t), tr, srv.url)
				if err != nil || status != tc.status || body != tc.body {
					t.Fatalf("request %d: %d %q, %v; want %d %q", i+1, status, body, err, tc.status, tc.body)
				}
			}
			if n := srv.conns.Load(); n != tc.conns {
				t.Errorf("3 requests opened %d connections, want %d", n, tc.conns)
			}
		})
	}
}

// TestH1_BadAnswers: answers psbox refuses are errors that say why, and
// their connections are not reused.
func TestH1_BadAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, answer, want string
	}{
		{"headers beyond the bound", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", maxResponseHeaderBytes) + "\r\n\r\n", "more than 1048576 bytes of headers"},
		{"too many 1xx", strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", max1xx+1) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "more than 5 1xx answers"},
		{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n\r\n", "malformed HTTP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, answerEach(tc.answer, false))
			tr := newTestH1(t)
			for i := range 2 {
				if _, _, err := post(testCtx(t), tr, srv.url); err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("request %d: err %v, want one containing %q", i+1, err, tc.want)
				}
			}
			if n := srv.conns.Load(); n != 2 {
				t.Errorf("2 failed requests opened %d connections, want 2 (none reused)", n)
			}
		})
	}
}

// TestH1_StaleConnection: a connection the receiver closed while it was
// idle (a keep-alive timeout, a restart) is noticed and replaced before a
// delivery is written to it.
func TestH1_StaleConnection(t *testing.T) {
	if !canPeek {
		t.Skip("idle connections cannot be checked on this platform (see h1_other.go)")
	}
	closing := make(chan struct{}, 3)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
		time.Sleep(20 * time.Millisecond) // then an idle timeout closes it
		c.Close()
		closing <- struct{}{}
	})
	tr := newTestH1(t)
	for i := range 3 {
		if status, _, err := post(testCtx(t), tr, srv.url); err != nil || status != 200 {
			t.Fatalf("request %d: %d, %v; want 200", i+1, status, err)
		}
		// The next request goes out only once the receiver has closed the
		// idle connection (a sleep alone loses that race on a busy machine).
		select {
		case <-closing:
		case <-time.After(10 * time.Second):
			t.Fatal("the server never closed the connection")
		}
		time.Sleep(20 * time.Millisecond) // let the FIN reach the client
	}
	if n := srv.conns.Load(); n != 3 {
		t.Errorf("opened %d connections, want 3 (each closed by the receiver while idle)", n)
	}
}

// TestH1_ContextEnds: a cancel or the deadline ends a request waiting for
// its answer or its body, with the context's error, and closes the
// connection.
func TestH1_ContextEnds(t *testing.T) {
	stall := func(answer string) func(net.Conn, *bufio.Reader) {
		return func(c net.Conn, br *bufio.Reader) {
			if readRequest(br) == nil {
				io.WriteString(c, answer)
			}
			br.ReadByte() // until the client closes
		}
	}
	for _, tc := range []struct {
		name, answer string
		cancel       bool
		want         error
	}{
		{"cancel before the answer", "", true, context.Canceled},
		{"deadline before the answer", "", false, context.DeadlineExceeded},
		{"cancel in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", true, context.Canceled},
		{"deadline in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", false, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, stall(tc.answer))
			tr := newTestH1(t)
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			if tc.cancel {
				ctx, cancel = context.WithCancel(t.Context())
				defer cancel()
				time.AfterFunc(100*time.Millisecond, cancel)
			}
			start := time.Now()
			_, _, err := post(ctx, tr, srv.url)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s to end, want about 100ms", d)
			}
			if tr.nidle != 0 {
				t.Errorf("%d idle connections after a failed request, want 0", tr.nidle)
			}
		})
	}
}

// TestH1_BodyClosedEarly: a body closed before its end closes the
// connection (the rest would be read as the next answer).
func TestH1_BodyClosedEarly(t *testing.T) {
	srv := newRawServer(t, answerEach("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false))
	tr := newTestH1(t)
	for range 2 {
		req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost, srv.url, strings.NewReader("{}"))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		resp.Body.Read(b[:])
		resp.Body.Close()
		if n, err := resp.Body.Read(b[:]); n != 0 || err == nil {
			t.Errorf("Read after Close: %d, %v; want 0 and an error", n, err)
		}
	}
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("opened %d connections, want 2", n)
	}
}

// TestH1_CloseIdleConnections: the receiver sees idle connections closed.
func TestH1_CloseIdleConnections(t *testing.T) {
	closed := make(chan struct{})
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		answerEach("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false)(c, br)
		close(closed)
	})
	tr := newTestH1(t)
	if _, _, err := post(testCtx(t), tr, srv.url); err != nil {
		t.Fatal(err)
	}
	tr.CloseIdleConnections()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the receiver's connection is still open 5s after CloseIdleConnections")
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("opened %d connections, want 1", n)
	}
}

// TestH1_Concurrent: many goroutines share one transport; every request
// gets its own answer and no more connections are opened than goroutines.
func TestH1_Concurrent(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			b, _ := io.ReadAll(req.Body)
			// Echo the body, so a mixed-up answer shows.
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(b))+"\r\n\r\n"+string(b)); err != nil {
				return
			}
		}
	})
	tr := newTestH1(t)
	tr.maxIdle, tr.maxTotal = 16, 32
	const workers, each = 16, 50
	var wg sync.WaitGroup
	var bad atomic.Int32
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				want := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
				req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost, srv.url, strings.NewReader(want))
				resp, err := tr.RoundTrip(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(got) != want {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 {
		t.Errorf("%d of %d requests failed or got another's answer", bad.Load(), workers*each)
	}
	if n := srv.conns.Load(); n > workers {
		t.Errorf("%d workers opened %d connections, want at most %d", workers, n, workers)
	}
}

// TestH1_UnaskedAnswer: an answer that arrives after the connection went
// back to the pool is never taken for the next request's answer.
func TestH1_UnaskedAnswer(t *testing.T) {
	if !canPeek {
		t.Skip("idle connections cannot be checked on this platform (see h1_other.go)")
	}
	strayWritten := make(chan struct{}, 3)
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		for readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			time.Sleep(20 * time.Millisecond)
			io.WriteString(c, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nstray")
			strayWritten <- struct{}{}
		}
	})
	tr := newTestH1(t)
	for i := range 3 {
		status, body, err := post(testCtx(t), tr, srv.url)
		if err != nil || status != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q, %v; want 200 \"ok\"", i+1, status, body, err)
		}
		// The next request goes out only once the stray answer was sent
		// (a sleep alone loses that race on a busy machine).
		select {
		case <-strayWritten:
		case <-time.After(10 * time.Second):
			t.Fatal("the server never wrote its unasked answer")
		}
		time.Sleep(10 * time.Millisecond) // let it reach the client's socket
	}
	if n := srv.conns.Load(); n != 3 {
		t.Errorf("opened %d connections, want 3 (none reused after the unasked answer)", n)
	}
}

// TestH1_SwitchingProtocols: after a 101 the connection speaks something
// else and is never reused.
func TestH1_SwitchingProtocols(t *testing.T) {
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if readRequest(br) != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: upgrade\r\n\r\n")
		// The other protocol answers whatever comes next.
		if _, err := br.ReadByte(); err == nil {
			io.WriteString(c, "\x00\x01frame")
		}
	})
	tr := newTestH1(t)
	for i := range 2 {
		if status, _, err := post(testCtx(t), tr, srv.url); err != nil || status != 101 {
			t.Fatalf("request %d: %d, %v; want 101", i+1, status, err)
		}
	}
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("opened %d connections, want 2", n)
	}
}

// TestH1_ReuseAfterDeadline: a connection whose last request's deadline
// has passed is still reused (the check runs under the new deadline).
func TestH1_ReuseAfterDeadline(t *testing.T) {
	srv := newRawServer(t, answerEach("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false))
	tr := newTestH1(t)
	for i := range 2 {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		status, _, err := post(ctx, tr, srv.url)
		cancel()
		if err != nil || status != 200 {
			t.Fatalf("request %d: %d, %v", i+1, status, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("opened %d connections, want 1", n)
	}
}

// TestH1_BadHeaderValue: a line break in a header value is refused before
// anything is sent, as http.Transport does.
func TestH1_BadHeaderValue(t *testing.T) {
	srv := newRawServer(t, answerEach("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false))
	tr := newTestH1(t)
	req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost, srv.url, strings.NewReader("{}"))
	req.Header.Set("X-Team", "a\r\nInjected: 1")
	if _, err := tr.RoundTrip(req); err == nil || !strings.Contains(err.Error(), `invalid header field value for "X-Team"`) {
		t.Fatalf("err %v, want an invalid header value error", err)
	}
	if n := srv.conns.Load(); n != 0 {
		t.Errorf("opened %d connections, want none", n)
	}
}

// TestH1_PoolBounds: a full pool closes its oldest connection, the sweep
// closes connections idle too long, and after close a connection in use
// is closed when its request is done.
func TestH1_PoolBounds(t *testing.T) {
	closedBy := func(name string, done chan<- string) func(net.Conn, *bufio.Reader) {
		return func(c net.Conn, br *bufio.Reader) {
			answerEach("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false)(c, br)
			done <- name
		}
	}
	wait := func(t *testing.T, done <-chan string, want string) {
		t.Helper()
		select {
		case got := <-done:
			if got != want {
				t.Errorf("%s's connection was closed, want %s's", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s's connection still open after 5s", want)
		}
	}

	t.Run("oldest evicted", func(t *testing.T) {
		done := make(chan string, 2)
		a, b := newRawServer(t, closedBy("a", done)), newRawServer(t, closedBy("b", done))
		tr := newTestH1(t)
		tr.maxTotal = 1
		post(testCtx(t), tr, a.url)
		post(testCtx(t), tr, b.url)
		wait(t, done, "a")
		if tr.nidle != 1 || len(tr.idle[hostPort(mustURL(t, b.url))]) != 1 {
			t.Errorf("pool holds %d connections (%v), want b's only", tr.nidle, tr.idle)
		}
	})
	t.Run("idle too long", func(t *testing.T) {
		done := make(chan string, 1)
		a := newRawServer(t, closedBy("a", done))
		tr := newTestH1(t)
		tr.maxIdleTime = 50 * time.Millisecond
		post(testCtx(t), tr, a.url)
		wait(t, done, "a")
	})
	t.Run("closed while in use", func(t *testing.T) {
		done := make(chan string, 1)
		a := newRawServer(t, closedBy("a", done))
		tr := newTestH1(t)
		req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost, a.url, strings.NewReader("{}"))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		tr.Close()
		io.ReadAll(resp.Body)
		resp.Body.Close()
		wait(t, done, "a")
	})
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestH1_EarlyAnswer: a receiver that answers 413 without reading a large
// body, then closes, fails the write; its answer is still what is
// reported, as with http.Transport.
func TestH1_EarlyAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20)); err != nil {
			http.Error(w, "too big", http.StatusRequestEntityTooLarge)
		}
	}))
	defer srv.Close()
	big := bytes.Repeat([]byte("a"), 8<<20) // beyond what socket buffers hold
	tr := newTestH1(t)
	for i := range 2 {
		req, _ := http.NewRequestWithContext(testCtx(t), http.MethodPost, srv.URL, bytes.NewReader(big))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("request %d: %v, want the 413", i+1, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || string(b) != "too big\n" {
			t.Errorf("request %d: %d %q, want 413 \"too big\\n\"", i+1, resp.StatusCode, b)
		}
	}
}
