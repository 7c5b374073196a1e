package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/testutil"
	"github.com/psbox-dev/psbox/mock"
)

var serveURLRE = regexp.MustCompile(`listening on (http://[^ /]+)/api/v2`)

// startServe runs `psbox serve` in-process and returns its base URL, a
// cancel that acts as Ctrl-C, and a channel with run's exit code.
func startServe(t *testing.T, args ...string) (string, context.CancelFunc, <-chan int, *testutil.Buffer, *testutil.Buffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testutil.Buffer{}, &testutil.Buffer{}
	code := make(chan int, 1)
	go func() { code <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), stdout, stderr) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := serveURLRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], cancel, code, stdout, stderr
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("serve exited %d before listening: %s", c, stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-code
	t.Fatalf("serve never printed its address; stdout %q stderr %q", stdout, stderr)
	return "", nil, nil, nil, nil
}

func serveCall(t *testing.T, method, url, body string, auth func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServe_ServesAndShutsDownOnCancel(t *testing.T) {
	state := t.TempDir()
	base, cancel, code, stdout, stderr := startServe(t, "--addr", "127.0.0.1:0", "--state", state)
	defer cancel()

	out := stdout.String()
	for _, want := range []string{"pk_psbox_test", "sk_psbox_test", `curl -u "pk_psbox_test:sk_psbox_test" ` + base + "/api/v2/webhooks", filepath.Join(state, "webhooks.json")} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	basic := func(r *http.Request) { r.SetBasicAuth(defaultPublicKey, defaultSecretKey) }

	if st, body := serveCall(t, "GET", base+"/_psbox/health", "", nil); st != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("health: %d %s", st, body)
	}
	if st, _ := serveCall(t, "GET", base+"/api/v2/webhooks", "", nil); st != 401 {
		t.Errorf("no credentials: %d, want 401", st)
	}
	st, body := serveCall(t, "POST", base+"/api/v2/webhooks", `{"target":"http://127.0.0.1:1/hook","events":["application_created"]}`, basic)
	if st != 200 {
		t.Fatalf("create: %d %s", st, body)
	}
	var created struct {
		Data mock.Webhook `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil {
		t.Fatal(err)
	}
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+defaultSecretKey) }
	if st, body := serveCall(t, "GET", base+"/api/v2/webhooks", "", bearer); st != 200 || !strings.Contains(body, created.Data.Key) {
		t.Errorf("list: %d %s", st, body)
	}

	// http.DefaultClient now holds idle keep-alive connections: they must
	// not hold up the shutdown.
	start := time.Now()
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit code %d after Ctrl-C, want 0; stderr %s", c, stderr)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("serve did not stop within 6 s of Ctrl-C")
	}
	if d := time.Since(start); d > serveShutdownWait {
		t.Errorf("shutdown took %v", d)
	}
	if !strings.Contains(stdout.String(), "mock API stopped") {
		t.Errorf("no stop message: %s", stdout)
	}
	if _, err := http.Get(base + "/_psbox/health"); err == nil {
		t.Error("still answering after shutdown")
	}
	// Shutdown compacted the journal into webhooks.json.
	if _, err := os.Stat(filepath.Join(state, mock.StoreFile)); err != nil {
		t.Errorf("no %s after shutdown: %v", mock.StoreFile, err)
	}
	if _, err := os.Stat(filepath.Join(state, mock.JournalFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s left after shutdown (%v), want it compacted", mock.JournalFile, err)
	}
	// The webhook survived: a fresh store on the same folder has it.
	st2, err := mock.OpenStore(state)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	if _, ok := st2.Get(created.Data.Key); !ok {
		t.Errorf("webhook %s not in %s after shutdown", created.Data.Key, st2.Path())
	}
}

func TestServe_OwnKeysAreHiddenAndRequired(t *testing.T) {
	base, cancel, code, stdout, _ := startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir(), "--public-key", "pk_mine", "--secret-key", "sk_very_secret")
	defer func() { cancel(); <-code }()
	if strings.Contains(stdout.String(), "sk_very_secret") {
		t.Errorf("banner prints the secret key:\n%s", stdout)
	}
	if st, _ := serveCall(t, "GET", base+"/api/v2/webhooks", "", func(r *http.Request) { r.SetBasicAuth(defaultPublicKey, defaultSecretKey) }); st != 401 {
		t.Errorf("default keys: %d, want 401", st)
	}
	if st, _ := serveCall(t, "GET", base+"/api/v2/webhooks", "", func(r *http.Request) { r.SetBasicAuth("pk_mine", "sk_very_secret") }); st != 200 {
		t.Errorf("own keys: %d, want 200", st)
	}
}

func TestServe_EnvKeys(t *testing.T) {
	t.Setenv("PSBOX_PUBLIC_KEY", "pk_env")
	t.Setenv("PSBOX_SECRET_KEY", "sk_env")
	base, cancel, code, _, _ := startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir())
	defer func() { cancel(); <-code }()
	if st, _ := serveCall(t, "GET", base+"/api/v2/webhooks", "", func(r *http.Request) { r.SetBasicAuth("pk_env", "sk_env") }); st != 200 {
		t.Errorf("env keys: %d, want 200", st)
	}
}

// serveExit runs `psbox serve` expecting it to fail before listening.
func serveExit(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	c := run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), &stdout, &stderr)
	return c, stderr.String()
}

func TestServe_NonLoopbackWithoutKeysIsRefused(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		c, stderr := serveExit(t, "--addr", addr, "--state", t.TempDir())
		if c != 2 || !strings.Contains(stderr, "default keys") || !strings.Contains(stderr, "--secret-key") {
			t.Errorf("--addr %s: exit %d, stderr %q; want 2 and why", addr, c, stderr)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("--addr %s: want one line, got %q", addr, stderr)
		}
	}
	// Passing the default secret explicitly is still a default credential.
	c, _ := serveExit(t, "--addr", "0.0.0.0:0", "--secret-key", defaultSecretKey, "--state", t.TempDir())
	if c != 2 {
		t.Errorf("explicit default secret off loopback: exit %d, want 2", c)
	}
}

func TestServe_PortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, stderr := serveExit(t, "--addr", ln.Addr().String(), "--state", t.TempDir())
	if c != 2 || !strings.Contains(stderr, "already in use") || !strings.Contains(stderr, "--addr") {
		t.Errorf("exit %d, stderr %q; want 2 and 'already in use'", c, stderr)
	}
}

// A second server on the same state folder is refused, naming the first
// one's pid and --state, while the first keeps serving.
func TestServe_StateFolderInUse(t *testing.T) {
	state := t.TempDir()
	base, cancel, _, _, _ := startServe(t, "--addr", "127.0.0.1:0", "--state", state)
	defer cancel()
	c, stderr := serveExit(t, "--addr", "127.0.0.1:0", "--state", state)
	if c != 2 || !strings.Contains(stderr, "in use") || !strings.Contains(stderr, fmt.Sprintf("pid %d", os.Getpid())) || !strings.Contains(stderr, "--state") {
		t.Errorf("exit %d, stderr %q; want 2, 'in use', the pid and --state", c, stderr)
	}
	if st, _ := serveCall(t, "GET", base+"/_psbox/health", "", nil); st != 200 {
		t.Errorf("the first server answers %d after the second was refused", st)
	}
}

func TestServe_CorruptStateFile(t *testing.T) {
	state := t.TempDir()
	path := filepath.Join(state, "webhooks.json")
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, stderr := serveExit(t, "--addr", "127.0.0.1:0", "--state", state)
	if c != 2 || !strings.Contains(stderr, path) || !strings.Contains(stderr, "move it away") {
		t.Errorf("exit %d, stderr %q; want 2 naming the file and the fix", c, stderr)
	}
	if b, _ := os.ReadFile(path); string(b) != "{not json" {
		t.Error("the corrupt file was changed")
	}
}

func TestServeOptions_Validate(t *testing.T) {
	tests := []struct {
		name string
		o    serveOptions
		bad  string // fragment of the error; "" = valid
	}{
		{"defaults", serveOptions{addr: defaultServeAddr, publicKey: defaultPublicKey, secretKey: defaultSecretKey}, ""},
		{"localhost", serveOptions{addr: "localhost:0", publicKey: "p", secretKey: "s"}, ""},
		{"ipv6 loopback", serveOptions{addr: "[::1]:8484", publicKey: "p", secretKey: "s"}, ""},
		{"all interfaces with keys", serveOptions{addr: "0.0.0.0:8484", publicKey: "p", secretKey: "s", keysGiven: true}, ""},
		{"all interfaces default keys", serveOptions{addr: "0.0.0.0:8484", publicKey: defaultPublicKey, secretKey: defaultSecretKey}, "default keys"},
		{"hostname default keys", serveOptions{addr: "myhost:8484", publicKey: defaultPublicKey, secretKey: defaultSecretKey}, "default keys"},
		{"no port", serveOptions{addr: "127.0.0.1", publicKey: "p", secretKey: "s"}, "host:port"},
		{"bad port", serveOptions{addr: "127.0.0.1:99999", publicKey: "p", secretKey: "s"}, "port"},
		{"empty secret", serveOptions{addr: defaultServeAddr, publicKey: "p", secretKey: ""}, "must not be empty"},
	}
	for _, tt := range tests {
		err := tt.o.validate()
		switch {
		case tt.bad == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.bad != "" && (err == nil || !strings.Contains(err.Error(), tt.bad)):
			t.Errorf("%s: %v, want an error mentioning %q", tt.name, err, tt.bad)
		}
	}
}

func TestServe_Help(t *testing.T) {
	cmd := newServeCmd(&globals{})
	if cmd.Short == "" || strings.Contains(cmd.Short, "\n") || cmd.Example == "" {
		t.Errorf("serve needs a one-line Short and an Example: %q / %q", cmd.Short, cmd.Example)
	}
	for _, choice := range []string{"Bearer", "archived", "psbox's own choices", "loopback"} {
		if !strings.Contains(cmd.Long, choice) {
			t.Errorf("help does not explain %q", choice)
		}
	}
}

// TestServe_ControlRoutesFireAndRecord drives psbox serve the way a test
// suite in another language would: register a webhook, fire an event
// through POST /_psbox/events, then read both the API call and the delivery
// back from GET /_psbox/deliveries and from the log on disk.
func TestServe_ControlRoutesFireAndRecord(t *testing.T) {
	got := make(chan string, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r.Header.Get("X-Psbox-Event") + " " + string(b)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer receiver.Close()

	state := t.TempDir()
	base, cancel, code, _, stderr := startServe(t, "--addr", "127.0.0.1:0", "--state", state)
	basic := func(r *http.Request) { r.SetBasicAuth(defaultPublicKey, defaultSecretKey) }

	if st, body := serveCall(t, "POST", base+"/_psbox/events", `{"event":"application_approved","seed":3}`, basic); st != http.StatusConflict {
		t.Errorf("fire with no subscription: %d %s, want 409", st, body)
	}
	if st, body := serveCall(t, "POST", base+"/api/v2/webhooks", `{"target":"`+receiver.URL+`/hook","events":["application_approved"]}`, basic); st != 200 {
		t.Fatalf("create: %d %s", st, body)
	}
	if st, _ := serveCall(t, "POST", base+"/_psbox/events", `{"event":"application_approved"}`, nil); st != http.StatusUnauthorized {
		t.Errorf("fire without credentials: %d, want 401", st)
	}
	st, body := serveCall(t, "POST", base+"/_psbox/events", `{"event":"application_approved","seed":3,"set":{"content.email":"jane@example.com"}}`, basic)
	if st != 200 || !strings.Contains(body, `"status":202`) {
		t.Fatalf("fire: %d %s; want 200 with one delivery answered 202", st, body)
	}
	select {
	case delivered := <-got:
		if !strings.HasPrefix(delivered, "application_approved {") || !strings.Contains(delivered, `"jane@example.com"`) || !strings.Contains(delivered, `"approved":true`) {
			t.Errorf("receiver got %s", delivered)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the subscription's receiver got nothing")
	}

	var list struct {
		Data struct {
			Items []struct {
				Kind, Event, Target string
				Response            *struct{ Status int }
			} `json:"items"`
		} `json:"data"`
	}
	st, body = serveCall(t, "GET", base+"/_psbox/deliveries?kind=delivery", "", basic)
	if err := json.Unmarshal([]byte(body), &list); st != 200 || err != nil || len(list.Data.Items) != 1 {
		t.Fatalf("deliveries: %d %s (%v); want exactly one delivery", st, body, err)
	}
	if it := list.Data.Items[0]; it.Event != "application_approved" || it.Target != receiver.URL+"/hook" || it.Response == nil || it.Response.Status != 202 {
		t.Errorf("recorded delivery %+v", it)
	}
	st, body = serveCall(t, "GET", base+"/_psbox/deliveries?kind=api", "", basic)
	if st != 200 || !strings.Contains(body, `/api/v2/webhooks`) || !strings.Contains(body, `/_psbox/events`) || strings.Contains(body, "/_psbox/deliveries") {
		t.Errorf("api calls: %d %s; want the create and the fires, not the log reads", st, body)
	}
	if strings.Contains(body, defaultSecretKey) {
		t.Errorf("the secret key appears in the recorded API calls: %s", body)
	}

	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d: %s", c, stderr)
	}
	log, err := os.ReadFile(filepath.Join(state, "deliveries.jsonl"))
	if err != nil || !bytes.Contains(log, []byte(`"application_approved"`)) || bytes.Contains(log, []byte(defaultSecretKey)) {
		t.Errorf("deliveries.jsonl after shutdown (%v): want the delivery, no secret:\n%s", err, log)
	}
}

// TestServe_HelpNeverShowsEnvSecret: a key taken from the environment must
// not end up in --help output (terminal scrollback, CI logs).
func TestServe_HelpNeverShowsEnvSecret(t *testing.T) {
	t.Setenv("PSBOX_SECRET_KEY", "sk_from_env_5f2a")
	for _, args := range [][]string{{"serve", "--help"}, {"--help"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		if strings.Contains(out.String()+errb.String(), "sk_from_env_5f2a") {
			t.Errorf("%v prints the secret key from the environment", args)
		}
	}
}

// psbox serve prints one line per request once it is answered (time,
// method, path without the query, status, latency); --quiet prints none.
func TestServe_RequestLines(t *testing.T) {
	base, cancel, code, stdout, _ := startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir())
	serveCall(t, "GET", base+"/api/v2/webhooks?limit=5", "", nil)
	serveCall(t, "GET", base+"/_psbox/health", "", nil)
	cancel()
	<-code
	line := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{3} GET    /api/v2/webhooks 401 [\d.]+(µs|ms|s)$`)
	if out := stdout.String(); !line.MatchString(out) || !strings.Contains(out, "GET    /_psbox/health 200 ") || strings.Contains(out, "limit=5") {
		t.Errorf("no request lines (or the query shown) in:\n%s", out)
	}

	base, cancel, code, stdout, _ = startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir(), "--quiet")
	serveCall(t, "GET", base+"/api/v2/webhooks", "", nil)
	cancel()
	<-code
	if out := stdout.String(); strings.Contains(out, "/api/v2/webhooks 401") {
		t.Errorf("--quiet still printed a request line:\n%s", out)
	}
}
