package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/recorder"
)

func runTriggerCmd(t *testing.T, state string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), append([]string{"--state", state, "trigger"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// triggerReceiver is a loopback receiver that keeps each body it gets.
type triggerReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	heads  []http.Header
}

func newTriggerReceiver(t *testing.T, status int) *triggerReceiver {
	r := &triggerReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var m map[string]any
		json.Unmarshal(b, &m)
		r.mu.Lock()
		r.bodies = append(r.bodies, m)
		r.heads = append(r.heads, req.Header.Clone())
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *triggerReceiver) got() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.bodies...)
}

func assertOneSentence(t *testing.T, stderr string) {
	t.Helper()
	if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	for _, bad := range []string{"goroutine", "panic", ".go:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr mentions %q: %s", bad, stderr)
		}
	}
}

func TestTrigger_UserMistakesExit2(t *testing.T) {
	state := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown event", []string{"application_create", "--to", "http://127.0.0.1:1/"}, "unknown event"},
		{"no event", []string{"--to", "http://127.0.0.1:1/"}, "name at least one event"},
		{"bad --set", []string{"application_created", "--to", "http://127.0.0.1:1/", "--set", "content.email"}, "--set"},
		{"--set missing path", []string{"application_created", "--to", "http://127.0.0.1:1/", "--set", "no.such.path=1"}, "no.such.path"},
		{"bad --unset", []string{"application_created", "--to", "http://127.0.0.1:1/", "--unset", "a..b"}, "--unset"},
		{"bad URL", []string{"application_created", "--to", "localhost:3000/webhooks"}, "http://"},
		{"user-info URL", []string{"application_created", "--to", "http://u:pw@localhost/"}, "user-info"},
		{"bad count", []string{"application_created", "--to", "http://127.0.0.1:1/", "--count", "0"}, "--count"},
		{"bad concurrency", []string{"application_created", "--to", "http://127.0.0.1:1/", "--concurrency", "0"}, "--concurrency"},
		{"bad timeout", []string{"application_created", "--to", "http://127.0.0.1:1/", "--timeout", "soon"}, "timeout"},
		{"bad backoff", []string{"application_created", "--to", "http://127.0.0.1:1/", "--retry-backoff", "fast"}, "--retry-backoff"},
		{"bad header", []string{"application_created", "--to", "http://127.0.0.1:1/", "--header", "NoColon"}, "--header"},
		{"header value with a line break", []string{"application_created", "--to", "http://127.0.0.1:1/", "--header", "X-Team: a\rInjected: 1"}, "one-line value"},
		{"bad secret", []string{"application_created", "--to", "http://127.0.0.1:1/", "--sign", "standard-webhooks", "--secret", "nope"}, "whsec_"},
		{"bad sign", []string{"application_created", "--to", "http://127.0.0.1:1/", "--sign", "rsa", "--secret", "x"}, "signing scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runTriggerCmd(t, state, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q does not mention %q", stderr, tc.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			assertOneSentence(t, stderr)
		})
	}
}

func TestTrigger_UnreachableReceiverExit1(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/webhooks"
	l.Close()
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", url)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stdout, "connection_refused") || !strings.Contains(stdout, "0 delivered, 1 failed") {
		t.Errorf("stdout %q: want the failed line and summary", stdout)
	}
	if !strings.Contains(stderr, "is the receiver running") {
		t.Errorf("stderr %q does not say what to do", stderr)
	}
	assertOneSentence(t, stderr)
}

func TestTrigger_DeliversAndSharesIdentity(t *testing.T) {
	rcv := newTriggerReceiver(t, 200)
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "application_approved", "--to", rcv.URL+"/hook", "--seed", "7",
		"--set", "content.email=jane@example.com", "--header", "Authorization: Bearer t0k")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "application_created  "+rcv.URL+"/hook  200  ") ||
		!strings.HasPrefix(lines[1], "application_approved  ") || !strings.Contains(lines[2], "2 delivered, 0 failed (seed 7; repeat with --seed 7)") {
		t.Errorf("stdout:\n%s", stdout)
	}
	got := rcv.got()
	if len(got) != 2 {
		t.Fatalf("receiver got %d deliveries, want 2", len(got))
	}
	if got[0]["key"] == nil || got[0]["key"] != got[1]["key"] {
		t.Errorf("application keys %v and %v differ: one call's events share identity", got[0]["key"], got[1]["key"])
	}
	if got[1]["approved"] != true {
		t.Errorf("application_approved body has approved=%v", got[1]["approved"])
	}
	if c := got[0]["content"].(map[string]any); c["email"] != "jane@example.com" {
		t.Errorf("--set not applied: %v", c)
	}
	h := rcv.heads[0]
	if h.Get("User-Agent") != "psbox/"+version || h.Get("X-Psbox-Event") != "application_created" || h.Get("Authorization") != "Bearer t0k" {
		t.Errorf("headers %v", h)
	}

	// Same seed, same bytes: a second run repeats the payloads.
	rcv2 := newTriggerReceiver(t, 200)
	runTriggerCmd(t, t.TempDir(), "application_created", "--to", rcv2.URL, "--seed", "7", "--set", "content.email=jane@example.com")
	if a, b := rcv.got()[0]["key"], rcv2.got()[0]["key"]; a != b {
		t.Errorf("--seed 7 twice gave keys %v and %v", a, b)
	}
}

func TestTrigger_RandomSeedPrinted(t *testing.T) {
	rcv := newTriggerReceiver(t, 200)
	code, stdout, _ := runTriggerCmd(t, t.TempDir(), "application_created", "--to", rcv.URL)
	if code != 0 || !strings.Contains(stdout, "repeat with --seed ") {
		t.Errorf("exit %d, stdout %q: want the seed printed", code, stdout)
	}
}

func TestTrigger_FailedStatusExit1AndJSON(t *testing.T) {
	rcv := newTriggerReceiver(t, 500)
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", rcv.URL, "--json", "--seed", "3",
		"--retries", "2", "--retry-backoff", "1ms")
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(stdout)), &line); err != nil {
		t.Fatalf("stdout is not one JSON object: %q", stdout)
	}
	if line["status"] != float64(500) || line["error_reason"] != recorder.ReasonStatus || line["attempts"] != float64(3) || line["seed"] != float64(3) || line["ok"] != false {
		t.Errorf("JSON line = %v", line)
	}
	if len(rcv.got()) != 3 {
		t.Errorf("receiver got %d attempts, want 3", len(rcv.got()))
	}
	if !strings.Contains(stderr, "0 delivered, 1 failed") || !strings.Contains(stderr, "500") {
		t.Errorf("stderr %q: want the summary and the failure", stderr)
	}
}

func TestTrigger_CountConcurrencySummary(t *testing.T) {
	rcv := newTriggerReceiver(t, 200)
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "partnership_created", "--to", rcv.URL,
		"--count", "50", "--concurrency", "4", "--rate", "2000")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if n := len(rcv.got()); n != 100 {
		t.Errorf("receiver got %d, want 100", n)
	}
	if !strings.Contains(stdout, "100 deliveries: 100 delivered, 0 failed") || !strings.Contains(stdout, "latency p50 ") || !strings.Contains(stdout, "events/s") {
		t.Errorf("stdout summary:\n%s", stdout[max(0, len(stdout)-400):])
	}
	if got := strings.Count(stdout, "\n"); got != 102 {
		t.Errorf("%d lines, want 100 deliveries + 2 summary lines", got)
	}
}

// TestTrigger_Subscriptions: without --to, each event goes to the webhooks
// subscribed to it in the state folder; an event nobody subscribes to is
// exit 1 with how to create a subscription.
func TestTrigger_Subscriptions(t *testing.T) {
	state := t.TempDir()
	apps, partners := newTriggerReceiver(t, 200), newTriggerReceiver(t, 200)
	store, err := mock.OpenStore(state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	// Not closed before trigger runs: the creates are in webhooks.journal,
	// as when psbox serve is still running, and trigger must see them.
	if _, err := store.Create(apps.URL, []string{"application_created"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(partners.URL, []string{"partnership_created"}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runTriggerCmd(t, state, "application_created", "partnership_created")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if len(apps.got()) != 1 || apps.got()[0]["event"] != "application_created" || len(partners.got()) != 1 {
		t.Errorf("apps got %v, partners got %d", apps.got(), len(partners.got()))
	}

	code, stdout, stderr := runTriggerCmd(t, state, "customer_created")
	if code != 1 || stdout != "" {
		t.Errorf("no subscription: exit %d stdout %q, want 1 and nothing sent", code, stdout)
	}
	for _, want := range []string{"customer_created", "--to", "psbox serve", "curl"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q does not mention %q", stderr, want)
		}
	}
	assertOneSentence(t, stderr)
}

func TestTrigger_RecordsAttempts(t *testing.T) {
	state := t.TempDir()
	rcv := newTriggerReceiver(t, 200)
	if code, _, stderr := runTriggerCmd(t, state, "application_created", "--to", rcv.URL, "--sign", "standard-webhooks", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(state, "deliveries.jsonl"))
	if err != nil {
		t.Fatalf("nothing recorded: %v", err)
	}
	if !strings.Contains(string(b), `"event":"application_created"`) || !strings.Contains(string(b), `"attempt":1`) {
		t.Errorf("log %s lacks the attempt", b)
	}
	if strings.Contains(string(b), "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") {
		t.Errorf("the signing secret leaked into the log")
	}

	state2 := t.TempDir()
	runTriggerCmd(t, state2, "application_created", "--to", rcv.URL, "--no-record")
	if _, err := os.Stat(filepath.Join(state2, "deliveries.jsonl")); err == nil {
		if b, _ := os.ReadFile(filepath.Join(state2, "deliveries.jsonl")); len(bytes.TrimSpace(b)) > 0 {
			t.Errorf("--no-record still recorded: %s", b)
		}
	}
}

// Ctrl-C ends trigger with exit 130, as a shell reports an interrupted
// command, and the delivery it cut short is not counted as a failure.
func TestTrigger_CtrlCExits130(t *testing.T) {
	stall := make(chan struct{})
	arrived := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case arrived <- struct{}{}:
		default:
		}
		select {
		case <-r.Context().Done():
		case <-stall:
		}
	}))
	defer srv.Close()
	defer close(stall)
	ctx, cancel := context.WithCancel(t.Context())
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"--state", t.TempDir(), "trigger", "application_created", "--to", srv.URL, "--count", "5", "--no-record"}, strings.NewReader(""), &out, &errb)
	}()
	<-arrived
	cancel()
	if code := <-done; code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	if !strings.Contains(errb.String(), "interrupted: 0 of 5 deliveries made; 1 in flight was cancelled, not counted as failed") {
		t.Errorf("stderr %q does not say it was interrupted and what was cut", errb.String())
	}
	if !strings.Contains(out.String(), "0 delivered, 0 failed") || strings.Contains(out.String(), "failed:") {
		t.Errorf("stdout %q counts the cancelled delivery", out.String())
	}
}

func TestTrigger_Help(t *testing.T) {
	var out bytes.Buffer
	if code := run(t.Context(), []string{"trigger", "--help"}, strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"psbox's choices", "X-Psbox-Event", "Example", "standard-webhooks", "--allow-private"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestTrigger_RateLimits(t *testing.T) {
	rcv := newTriggerReceiver(t, 200)
	start := time.Now()
	code, _, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", rcv.URL, "--count", "6", "--concurrency", "3", "--rate", "50", "--no-record")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Six starts at 50/s: the last no earlier than 5 x 20ms after the first.
	if took := time.Since(start); took < 100*time.Millisecond {
		t.Errorf("6 deliveries at --rate 50 took %s, want at least 100ms", took)
	}
	if n := len(rcv.got()); n != 6 {
		t.Errorf("receiver got %d, want 6", n)
	}
}
