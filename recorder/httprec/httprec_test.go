package httprec

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

func openStore(t testing.TB) *recorder.Store {
	t.Helper()
	s, err := recorder.Open(t.TempDir(), recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return b
}

func only(t *testing.T, s *recorder.Store) recorder.Exchange {
	t.Helper()
	all := s.List(recorder.Filter{})
	if len(all) != 1 {
		t.Fatalf("recorded %d exchanges, want 1", len(all))
	}
	return all[0]
}

func TestTransport_CallerGetsServerBytesAndExchangeIsRecorded(t *testing.T) {
	for _, size := range []int{0, 17, recorder.MaxBodyBytes, 3 << 20} {
		t.Run("size_"+strconv.Itoa(size), func(t *testing.T) {
			payload := randomBytes(size, uint64(size))
			gotReq := make(chan []byte, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				gotReq <- b
				w.Header().Set("X-Answer", "yes")
				w.Write(payload)
			}))
			defer srv.Close()
			store := openStore(t)
			client := &http.Client{Transport: Transport(srv.Client().Transport, store)}
			reqBody := []byte(`{"event":"application_created","secret":"whsec_c2VjcmV0"}`)
			ctx := recorder.WithMeta(context.Background(), recorder.Meta{DeliveryID: "dlv_1", Event: "application_created", Attempt: 2, ReplayOf: "ex_old"})
			req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/hook?x=1", bytes.NewReader(reqBody))
			req.Header.Set("Authorization", "Bearer topsecret")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, payload) {
				t.Fatalf("caller read %d bytes (sha %x), server sent %d (sha %x)", len(got), sha256.Sum256(got), len(payload), sha256.Sum256(payload))
			}
			if sent := <-gotReq; !bytes.Equal(sent, reqBody) {
				t.Fatalf("server got %q, want %q", sent, reqBody)
			}
			ex := only(t, store)
			if ex.Kind != recorder.KindDelivery || ex.DeliveryID != "dlv_1" || ex.Event != "application_created" || ex.Attempt != 2 || ex.ReplayOf != "ex_old" {
				t.Errorf("meta not copied: %+v", ex)
			}
			if ex.Response == nil || ex.Response.Status != 200 || ex.Response.Headers["X-Answer"][0] != "yes" {
				t.Fatalf("response: %+v", ex.Response)
			}
			wantBody := payload[:min(len(payload), recorder.MaxBodyBytes)]
			if !bytes.Equal(ex.Response.Body, wantBody) || ex.Response.Truncated != (size > recorder.MaxBodyBytes) {
				t.Errorf("recorded %d bytes truncated=%v; want %d truncated=%v", len(ex.Response.Body), ex.Response.Truncated, len(wantBody), size > recorder.MaxBodyBytes)
			}
			if ex.Request.Method != "POST" || ex.Request.URL != srv.URL+"/hook?x=1" || !strings.Contains(string(ex.Request.Body), `"event":"application_created"`) {
				t.Errorf("request: %+v", ex.Request)
			}
			if strings.Contains(string(ex.Request.Body), "whsec_c2VjcmV0") || ex.Request.Headers["Authorization"][0] != recorder.Redacted {
				t.Errorf("secrets were recorded: %q %v", ex.Request.Body, ex.Request.Headers["Authorization"])
			}
			if ex.Failed() || ex.Duration <= 0 {
				t.Errorf("failed=%v duration=%v", ex.Failed(), ex.Duration)
			}
		})
	}
}

func TestTransport_StreamedRequestBodyIsRecorded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(204)
	}))
	defer srv.Close()
	store := openStore(t)
	client := &http.Client{Transport: Transport(nil, store)}
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("part one, "))
		pw.Write([]byte("part two"))
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", srv.URL, pr)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ex := only(t, store)
	if string(ex.Request.Body) != "part one, part two" || ex.Response.Status != 204 {
		t.Fatalf("got body %q status %d", ex.Request.Body, ex.Response.Status)
	}
	client.CloseIdleConnections()
}

func TestTransport_StatusReasons(t *testing.T) {
	for _, tc := range []struct {
		status int
		reason string
	}{{200, ""}, {302, recorder.ReasonRedirect}, {404, recorder.ReasonStatus}, {503, recorder.ReasonStatus}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.status == 302 {
				w.Header().Set("Location", "/elsewhere")
			}
			w.WriteHeader(tc.status)
		}))
		store := openStore(t)
		client := &http.Client{
			Transport:     Transport(nil, store),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
		resp, err := client.Post(srv.URL, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ex := only(t, store)
		if ex.ErrorReason != tc.reason || ex.Status() != tc.status || ex.Failed() != (tc.status != 200) {
			t.Errorf("status %d: reason %q failed %v", tc.status, ex.ErrorReason, ex.Failed())
		}
		client.CloseIdleConnections()
		srv.Close()
	}
}

func TestTransport_ErrorsAreClassified(t *testing.T) {
	// refused: a port that was just freed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + ln.Addr().String()
	ln.Close()

	// reset: the server accepts and aborts the connection with RST.
	resetSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}))
	defer resetSrv.Close()

	// timeout: the server never answers until the client gives up.
	release := make(chan struct{})
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slowSrv.Close()
	defer close(release)

	for _, tc := range []struct {
		name, url, reason string
		timeout           time.Duration
	}{
		{"refused", refusedURL, recorder.ReasonRefused, 0},
		{"reset", resetSrv.URL, recorder.ReasonReset, 0},
		{"timeout", slowSrv.URL, recorder.ReasonTimeout, 100 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := openStore(t)
			tr := &http.Transport{}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: Transport(tr, store), Timeout: tc.timeout}
			ctx := recorder.WithMeta(context.Background(), recorder.Meta{DeliveryID: "dlv_" + tc.name, Attempt: 1})
			req, _ := http.NewRequestWithContext(ctx, "POST", tc.url, strings.NewReader(`{"a":1}`))
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("want an error")
			}
			ex := only(t, store)
			if ex.ErrorReason != tc.reason || ex.Response != nil || ex.Error == "" || ex.DeliveryID != "dlv_"+tc.name || string(ex.Request.Body) != `{"a":1}` {
				t.Fatalf("got reason %q (want %q), response %v, error %q, delivery %q", ex.ErrorReason, tc.reason, ex.Response, ex.Error, ex.DeliveryID)
			}
		})
	}
}

func TestMiddleware_HandlerSeesFullBodyClientSameResponse(t *testing.T) {
	big := randomBytes(recorder.MaxBodyBytes+5000, 7)
	for _, body := range [][]byte{[]byte(`{"target":"http://x","events":["application_created"]}`), big} {
		store := openStore(t)
		var sawLen int
		var sawSum [32]byte
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			sawLen, sawSum = len(b), sha256.Sum256(b)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			w.Write([]byte(`{"data":{"key":"whook_1"},`))
			w.(http.Flusher).Flush()
			w.Write([]byte(`"status":201}`))
		})
		srv := httptest.NewServer(Middleware(store)(h))
		req, _ := http.NewRequest("POST", srv.URL+"/api/v2/webhooks?limit=3", bytes.NewReader(body))
		req.SetBasicAuth("public", "secret")
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		srv.Close()
		want := `{"data":{"key":"whook_1"},"status":201}`
		if string(got) != want || resp.StatusCode != 201 {
			t.Fatalf("client got %d %q", resp.StatusCode, got)
		}
		if sawLen != len(body) || sawSum != sha256.Sum256(body) {
			t.Fatalf("handler saw %d bytes, want %d identical", sawLen, len(body))
		}
		ex := only(t, store)
		if ex.Kind != recorder.KindAPI || ex.Request.Method != "POST" || !strings.HasSuffix(ex.Request.URL, "/api/v2/webhooks?limit=3") {
			t.Errorf("request: %+v", ex.Request.URL)
		}
		wantRec := body[:min(len(body), recorder.MaxBodyBytes)]
		if !bytes.Equal(ex.Request.Body, wantRec) || ex.Request.Truncated != (len(body) > recorder.MaxBodyBytes) {
			t.Errorf("recorded request body %d bytes truncated=%v", len(ex.Request.Body), ex.Request.Truncated)
		}
		if ex.Response.Status != 201 || string(ex.Response.Body) != want || ex.Response.Headers["Content-Type"][0] != "application/json" {
			t.Errorf("recorded response %d %q", ex.Response.Status, ex.Response.Body)
		}
		if ex.Request.Headers["Authorization"][0] != recorder.Redacted {
			t.Errorf("Authorization recorded: %v", ex.Request.Headers["Authorization"])
		}
	}
}

func TestMiddleware_PanicIsRecordedAndRethrown(t *testing.T) {
	store := openStore(t)
	h := Middleware(store)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }))
	defer func() {
		if p := recover(); p != "boom" {
			t.Fatalf("recovered %v, want the handler's panic", p)
		}
		ex := only(t, store)
		if ex.Status() != 500 || !strings.Contains(ex.Error, "boom") {
			t.Fatalf("recorded %d %q", ex.Status(), ex.Error)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
}

// The URL text is remembered for the last URL, but a URL changed in place
// between two requests is recorded as it is at each request.
func TestTransport_URLChangedInPlace(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	store := openStore(t)
	rt := Transport(http.DefaultTransport, store)
	u, err := url.Parse(srv.URL + "/first")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/first", "/first", "/second"} {
		u.Path = path
		req := &http.Request{Method: "GET", URL: u, Header: http.Header{}, Host: u.Host}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	exs := store.List(recorder.Filter{})
	var got []string
	for i := len(exs) - 1; i >= 0; i-- {
		got = append(got, exs[i].Request.URL)
	}
	want := []string{srv.URL + "/first", srv.URL + "/first", srv.URL + "/second"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("recorded URLs %q, want %q", got, want)
	}
}
