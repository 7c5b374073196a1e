package receiver

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/testutil"
)

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

// flushed waits until the receiver's buffered log (flushed at least every
// 100 ms) holds want, or 3 s, and returns it.
func flushed(log *testutil.Buffer, want string) string {
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(log.String(), want) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return log.String()
}

func TestReceiver_LogsAndAcknowledges(t *testing.T) {
	var log testutil.Buffer
	rc := New(&log, Options{Status: 200})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	defer rc.Close()

	resp, body := postTo(t, srv.URL+"/webhooks", "application_created", `{"key":"appl_1","content":{"email":"jane@example.com"},"event":"application_created"}`)
	if resp.StatusCode != 200 || strings.TrimSpace(body) != `{"received": true}` {
		t.Errorf("answer %d %q, want 200 {\"received\": true}", resp.StatusCode, body)
	}
	got := flushed(&log, "key=appl_1")
	for _, want := range []string{"POST /webhooks", "application_created", "dlv_test", "key=appl_1", "email=jane@example.com", "\n    \"key\": \"appl_1\""} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}

	// Event from the body when the header is absent; V2 envelope key under data.
	postTo(t, srv.URL, "", `{"event":"customer.created","test":false,"data":{"key":"cus_9"}}`)
	if got := flushed(&log, "key=cus_9"); !strings.Contains(got, "customer.created") || !strings.Contains(got, "key=cus_9") {
		t.Errorf("log lacks the body's event and data.key:\n%s", got)
	}
	postTo(t, srv.URL, "", `not json`)
	if got := flushed(&log, "not JSON"); !strings.Contains(got, "not JSON") {
		t.Errorf("a non-JSON body is not logged as such:\n%s", got)
	}
}

func TestReceiver_SimulatedStatusAndDelay(t *testing.T) {
	srv := httptest.NewServer(New(io.Discard, Options{Status: 503, Delay: 150 * time.Millisecond}))
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
	srv := httptest.NewServer(New(io.Discard, Options{Status: 200}))
	defer srv.Close()
	resp, _ := postTo(t, srv.URL, "x", `{"a":"`+strings.Repeat("x", 1<<20)+`"}`)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a body over 1 MiB answered %d, want 413", resp.StatusCode)
	}
}

// Past FullPerSecond deliveries in a second the rest are counted on one
// line by event, and every delivery is still answered and counted.
func TestReceiver_CoalescesAFastStream(t *testing.T) {
	var log testutil.Buffer
	rc := New(&log, Options{})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	const n = 200
	start := time.Now()
	for i := range n {
		ev := "application_created"
		if i%4 == 0 {
			ev = "customer_created"
		}
		if resp, _ := postTo(t, srv.URL, ev, `{"key":"appl_1"}`); resp.StatusCode != 200 {
			t.Fatalf("delivery %d answered %d", i, resp.StatusCode)
		}
	}
	seconds := int(time.Since(start)/time.Second) + 1
	if got := rc.Close(); got != n {
		t.Fatalf("Close counted %d deliveries, want %d", got, n)
	}
	out := log.String()
	full := strings.Count(out, "POST / ")
	if full > FullPerSecond*(seconds+1) || full < FullPerSecond {
		t.Fatalf("%d deliveries printed in full over %d s, want %d a second at most", full, seconds, FullPerSecond)
	}
	counted := 0
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, "... and "); ok {
			var k int
			fmt.Sscanf(rest, "%d more deliveries", &k)
			counted += k
			if !strings.Contains(line, "application_created ") || !strings.Contains(line, "customer_created ") {
				t.Errorf("summary line without counts by event: %s", line)
			}
		}
	}
	if full+counted != n {
		t.Fatalf("%d printed + %d counted, want all %d:\n%s", full, counted, n, out)
	}
}

func TestReceiver_Quiet(t *testing.T) {
	var log testutil.Buffer
	rc := New(&log, Options{Quiet: true})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	for range 5 {
		postTo(t, srv.URL, "application_created", `{}`)
	}
	if got := rc.Close(); got != 5 || log.String() != "" {
		t.Fatalf("quiet: counted %d, printed %q", got, log.String())
	}
}
