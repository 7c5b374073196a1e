package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

// runDeliveries runs one psbox command line in-process.
func runDeliveries(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// seedDeliveries records three deliveries and one API call in a fresh state
// folder and returns it with the stored exchanges, oldest first.
func seedDeliveries(t *testing.T, target string) (string, []recorder.Exchange) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	s, err := recorder.Open(dir, recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	in := []recorder.Exchange{
		{Kind: recorder.KindDelivery, DeliveryID: "dlv_a", Event: "application_created", Attempt: 1, Target: target,
			Request:  recorder.Request{Method: "POST", URL: target, Headers: map[string][]string{"Content-Type": {"application/json"}, "Authorization": {"Bearer s3cr3t"}}, Body: recorder.Body(`{"key":"appl_1","approved":null}`)},
			Response: &recorder.Response{Status: 200, Headers: map[string][]string{"Content-Type": {"text/plain"}}, Body: recorder.Body("thanks")},
			Start:    start, Duration: 3 * time.Millisecond},
		{Kind: recorder.KindDelivery, DeliveryID: "dlv_b", Event: "application_approved", Attempt: 1, Target: target,
			Request:     recorder.Request{Method: "POST", URL: target, Body: recorder.Body(`{"key":"appl_1","approved":true}`)},
			ErrorReason: recorder.ReasonRefused, Error: "connection refused: is the receiver running?",
			Start: start.Add(time.Second), Duration: time.Millisecond},
		{Kind: recorder.KindDelivery, DeliveryID: "dlv_c", Event: "application_created", Attempt: 2, Target: target,
			Request:     recorder.Request{Method: "POST", URL: target, Body: recorder.Body(`{"key":"appl_2"}`)},
			Response:    &recorder.Response{Status: 503, Body: recorder.Body(`{"error":"busy"}`)},
			ErrorReason: recorder.ReasonStatus, Start: start.Add(2 * time.Second), Duration: 12 * time.Millisecond},
		{Kind: recorder.KindAPI, Target: "http://127.0.0.1:8484/api/v2/webhooks",
			Request:  recorder.Request{Method: "GET", URL: "http://127.0.0.1:8484/api/v2/webhooks"},
			Response: &recorder.Response{Status: 200, Body: recorder.Body(`{"data":{"items":[]},"status":200}`)},
			Start:    start.Add(3 * time.Second), Duration: time.Millisecond},
	}
	var out []recorder.Exchange
	for _, ex := range in {
		stored, err := s.Append(ex)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, stored)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, out
}

func TestDeliveries_ListTableAndJSON(t *testing.T) {
	dir, exs := seedDeliveries(t, "http://127.0.0.1:3000/hooks")
	code, out, stderr := runDeliveries(t, "deliveries", "--state", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "TIME") {
		t.Fatalf("table:\n%s", out)
	}
	// Newest first; status or reason; latency; attempt.
	for i, want := range [][]string{
		{exs[3].ID, "api", "GET /api/v2/webhooks", "200"},
		{exs[2].ID, "application_created", "503", "12.0ms", "2"},
		{exs[1].ID, "application_approved", "connection_refused"},
		{exs[0].ID, "application_created", "200", "3.0ms", "1"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("row %d lacks %q: %s", i+1, w, lines[i+1])
			}
		}
	}

	code, out, _ = runDeliveries(t, "deliveries", "--state", dir, "--json", "--failed", "--kind", "delivery")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var ex recorder.Exchange
		if err := json.Unmarshal([]byte(l), &ex); err != nil {
			t.Fatalf("--json line does not parse: %v: %s", err, l)
		}
		ids = append(ids, ex.ID)
	}
	if strings.Join(ids, ",") != exs[2].ID+","+exs[1].ID {
		t.Fatalf("failed deliveries: %v", ids)
	}
	if strings.Contains(out, "s3cr3t") {
		t.Fatal("a secret is in the output")
	}
	code, out, _ = runDeliveries(t, "deliveries", "--state", dir, "--event", "application_created", "--limit", "1")
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, exs[2].ID) {
		t.Fatalf("event+limit: %d\n%s", code, out)
	}
}

// Reading commands never create a state folder: they say there is no
// psbox state there (listing exits 0, an id to show or export exits 2).
func TestDeliveries_EmptyStateIsNotCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "state")
	code, out, stderr := runDeliveries(t, "deliveries", "--state", dir)
	if code != 0 || out != "" || !strings.Contains(stderr, "there is no psbox state in "+dir) {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	for _, args := range [][]string{{"deliveries", "show", "ex_1"}, {"deliveries", "export", "--format", "jsonl"}, {"deliveries", "replay", "ex_1"}} {
		code, _, stderr := runDeliveries(t, append(args, "--state", dir)...)
		if code != 2 || !strings.Contains(stderr, "there is no psbox state in "+dir) {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
	cases := filepath.Join(t.TempDir(), "a.json")
	os.WriteFile(cases, []byte(`{"name":"a","event":"application_created","expect":{"status":200}}`), 0o600)
	runDeliveries(t, "test", cases, "--target", "http://127.0.0.1:1/x", "--state", dir)
	runDeliveries(t, "events", "--state", dir)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a reading command created the state folder: %v", err)
	}
}

func TestDeliveriesShow(t *testing.T) {
	dir, exs := seedDeliveries(t, "http://127.0.0.1:3000/hooks")
	code, out, stderr := runDeliveries(t, "deliveries", "show", exs[0].ID[:20], "--state", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{exs[0].ID, "dlv_a, attempt 1", "ok: answered 200", "POST http://127.0.0.1:3000/hooks",
		"Authorization: [redacted]", "{\n  \"key\": \"appl_1\",\n  \"approved\": null\n}", "200 OK", "Content-Type: text/plain", "thanks"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runDeliveries(t, "deliveries", "show", exs[1].ID, "--state", dir)
	if code != 0 || !strings.Contains(out, "failed (connection_refused): connection refused") || !strings.Contains(out, "(none: the attempt failed") {
		t.Fatalf("failed attempt:\n%s", out)
	}
}

func TestDeliveries_UserMistakesExit2(t *testing.T) {
	dir, _ := seedDeliveries(t, "http://127.0.0.1:3000/hooks")
	file := filepath.Join(t.TempDir(), "afile")
	os.WriteFile(file, []byte("x"), 0o600)
	logIsDir := t.TempDir()
	os.Mkdir(filepath.Join(logIsDir, recorder.FileName), 0o700)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deliveries", "show", "ex_zzzzzz", "--state", dir}, `no recorded exchange has the id "ex_zzzzzz"; run 'psbox deliveries' to list them`},
		{[]string{"deliveries", "show", "ex_", "--state", dir}, "matches several recorded exchanges"},
		{[]string{"deliveries", "show", "--state", dir}, "give one exchange or delivery id"},
		{[]string{"deliveries", "replay", "ex_zzzzzz", "--state", dir}, `no recorded exchange has the id "ex_zzzzzz"`},
		{[]string{"deliveries", "export", "--format", "csv", "--state", dir}, `unknown export format "csv"; use --format har or --format jsonl`},
		{[]string{"deliveries", "export", "--state", dir}, "choose an export format"},
		{[]string{"deliveries", "export", "--format", "har", "-o", filepath.Join(dir, "no", "such", "x.har"), "--state", dir}, "cannot write"},
		{[]string{"deliveries", "--kind", "webhook", "--state", dir}, `--kind must be delivery, api or audit, not "webhook"`},
		{[]string{"deliveries", "--event", "application_create", "--state", dir}, `unknown event "application_create"`},
		{[]string{"deliveries", "--limit", "-1", "--state", dir}, "--limit must be 0 (all) or more"},
		{[]string{"deliveries", "--state", file}, "not a directory; pass --state with a folder psbox can read"},
		{[]string{"deliveries", "--state", logIsDir}, "is a directory; pass --state"},
	} {
		code, out, stderr := runDeliveries(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", tc.args, code, out, stderr, tc.want)
		}
	}
}

func TestDeliveriesExport_HARFileAndJSONL(t *testing.T) {
	dir, exs := seedDeliveries(t, "http://127.0.0.1:3000/hooks")
	harPath := filepath.Join(t.TempDir(), "out.har")
	code, _, stderr := runDeliveries(t, "deliveries", "export", "--format", "har", "-o", harPath, "--kind", "delivery", "--state", dir)
	if code != 0 || !strings.Contains(stderr, "exported 3 exchanges") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(harPath)
	if err != nil {
		t.Fatal(err)
	}
	var har struct {
		Log struct {
			Version string `json:"version"`
			Creator struct{ Name, Version string }
			Entries []struct {
				ID       string `json:"_id"`
				Error    string `json:"_error"`
				Response struct {
					Status int `json:"status"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(raw, &har); err != nil {
		t.Fatal(err)
	}
	if har.Log.Version != "1.2" || har.Log.Creator.Name != "psbox" || len(har.Log.Entries) != 3 || har.Log.Entries[0].ID != exs[0].ID {
		t.Fatalf("HAR: %+v", har.Log)
	}
	if e := har.Log.Entries[1]; e.Response.Status != 0 || !strings.Contains(e.Error, "connection refused") {
		t.Fatalf("failed attempt in HAR: %+v", e)
	}
	if bytes.Contains(raw, []byte("s3cr3t")) {
		t.Fatal("secret in HAR")
	}
	if fi, _ := os.Stat(harPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("export mode %v", fi.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(harPath), ".*tmp*"))
	if len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}

	code, out, _ := runDeliveries(t, "deliveries", "export", "--format", "jsonl", "--failed", "--state", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], exs[1].ID) || !strings.Contains(lines[1], exs[2].ID) {
		t.Fatalf("jsonl export (oldest first): %d\n%s", code, out)
	}
}

func TestDeliveriesReplay(t *testing.T) {
	got := make(chan []byte, 4)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
		w.Write([]byte("ok"))
	}))
	defer ok.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(500)
	}))
	defer failing.Close()

	dir, exs := seedDeliveries(t, ok.URL)
	code, out, stderr := runDeliveries(t, "deliveries", "replay", exs[0].ID, "--state", dir)
	if code != 0 || !strings.Contains(out, "replayed "+exs[0].ID+" to "+ok.URL+": 200") || !strings.Contains(out, "recorded as ex_") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	if b := <-got; string(b) != `{"key":"appl_1","approved":null}` {
		t.Fatalf("receiver got %s", b)
	}
	code, out, _ = runDeliveries(t, "deliveries", "replay", exs[0].ID, "--to", failing.URL, "--state", dir)
	if code != 1 || !strings.Contains(out, "replay of "+exs[0].ID+" to "+failing.URL+" failed: the receiver answered 500") {
		t.Fatalf("failing replay: exit %d\n%s", code, out)
	}

	s, err := recorder.Open(dir, recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	replays := 0
	for _, ex := range s.List(recorder.Filter{Kind: recorder.KindDelivery}) {
		if ex.ReplayOf == exs[0].DeliveryID {
			replays++
			if ex.DeliveryID == exs[0].DeliveryID || ex.Attempt != 1 || string(ex.Request.Body) != string(exs[0].Request.Body) {
				t.Errorf("replay exchange: %+v", ex)
			}
		}
	}
	if replays != 2 {
		t.Fatalf("%d replays recorded, want 2", replays)
	}
	code, _, stderr = runDeliveries(t, "deliveries", "replay", s.List(recorder.Filter{Kind: recorder.KindAPI})[0].ID, "--state", dir)
	if code != 2 || !strings.Contains(stderr, "only deliveries can be replayed") {
		t.Fatalf("replaying an API call: %d %s", code, stderr)
	}
}

// makeReadOnly makes dir and everything in it unwritable for this process:
// chmod for an ordinary user, the immutable attribute for root (whom
// permissions do not stop). It reports false when neither works here.
func makeReadOnly(t *testing.T, dir string) bool {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	paths := []string{dir}
	for _, e := range ents {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	if os.Geteuid() != 0 {
		for _, p := range paths[1:] {
			os.Chmod(p, 0o400)
		}
		os.Chmod(dir, 0o500)
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
		return true
	}
	if _, err := exec.LookPath("chattr"); err != nil {
		return false
	}
	for _, p := range paths {
		if err := exec.Command("chattr", "+i", p).Run(); err != nil {
			return false
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", p).Run() })
	}
	return true
}

// Reading commands open the log read-only: they work on a state folder
// psbox may not write to.
func TestDeliveries_ReadOnlyStateFolder(t *testing.T) {
	dir, exs := seedDeliveries(t, "http://127.0.0.1:3000/hooks")
	if !makeReadOnly(t, dir) {
		t.Skip("cannot make a folder read-only here (neither chmod nor chattr takes effect)")
	}
	if f, err := os.OpenFile(filepath.Join(dir, recorder.FileName), os.O_RDWR, 0); err == nil {
		f.Close()
		t.Fatal("the log is still writable; the test would prove nothing")
	}
	for _, args := range [][]string{
		{"deliveries"},
		{"deliveries", "--json"},
		{"deliveries", "show", exs[0].ID},
		{"deliveries", "export", "--format", "jsonl"},
		{"deliveries", "export", "--format", "har"},
	} {
		code, out, stderr := runDeliveries(t, append(args, "--state", dir)...)
		if code != 0 || stderr != "" || !strings.Contains(out, exs[0].ID) {
			t.Errorf("%v on a read-only state folder: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestDeliveriesPrune(t *testing.T) {
	dir, exs := seedDeliveries(t, "http://127.0.0.1:3000/hooks")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"deliveries", "prune"}, "say what to remove: --before DURATION|TIME"},
		{[]string{"deliveries", "prune", "--before", "last week"}, `--before must be a duration back from now (90m, 24h, 7d) or a time (2026-03-01 or 2026-03-01T12:00:00Z), not "last week"`},
		{[]string{"deliveries", "prune", "--keep", "-3"}, "--keep must be 1 or more, not -3"},
	} {
		code, out, stderr := runDeliveries(t, append(tc.args, "--state", dir)...)
		if code != 2 || !strings.Contains(stderr, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, stderr, tc.want)
		}
	}
	// Of the four seeded exchanges --keep 2 keeps the newest two; they
	// started in 2026-03, after 2000 and before now.
	code, out, stderr := runDeliveries(t, "deliveries", "prune", "--keep", "2", "--state", dir)
	if code != 0 || out != "removed 2 exchanges, kept 2\n" {
		t.Fatalf("prune --keep 2: exit %d %q %q", code, out, stderr)
	}
	code, out, _ = runDeliveries(t, "deliveries", "--json", "--state", dir)
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.Contains(out, exs[3].ID) || strings.Contains(out, exs[0].ID) {
		t.Fatalf("after prune --keep 2:\n%s", out)
	}
	code, out, _ = runDeliveries(t, "deliveries", "prune", "--before", "2000-01-01", "--state", dir)
	if code != 0 || out != "removed 0 exchanges, kept 2\n" {
		t.Fatalf("prune --before 2000-01-01: exit %d %q", code, out)
	}
	code, out, _ = runDeliveries(t, "deliveries", "prune", "--before", "0s", "--state", dir)
	if code != 0 || out != "removed 2 exchanges, kept 0\n" {
		t.Fatalf("prune --before 0s: exit %d %q", code, out)
	}
}

// show and replay take a delivery id (or a unique prefix) as well as an
// exchange id: show lists every attempt, replay sends the payload again and
// the replay points to the original delivery.
func TestDeliveries_ShowAndReplayByDeliveryID(t *testing.T) {
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if attempts++; attempts < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	state := t.TempDir()
	code, out, stderr := runTriggerCmd(t, state, "application_created", "--to", srv.URL, "--retries", "2", "--retry-backoff", "none", "--json")
	if code != 0 {
		t.Fatalf("trigger: exit %d\n%s%s", code, out, stderr)
	}
	var res struct {
		DeliveryID string `json:"delivery_id"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out, "\n", 2)[0]), &res); err != nil || !strings.HasPrefix(res.DeliveryID, "dlv_") {
		t.Fatalf("no delivery id in %q: %v", out, err)
	}
	dlv := res.DeliveryID

	for _, id := range []string{dlv, dlv[:8]} {
		code, out, stderr = runDeliveries(t, "deliveries", "show", id, "--state", state)
		if code != 0 || strings.Count(out, "== attempt ") != 3 || !strings.Contains(out, "== attempt 3 of 3") || strings.Count(out, dlv) < 3 {
			t.Errorf("show %s: exit %d; want its 3 attempts\n%s%s", id, code, out, stderr)
		}
	}
	code, out, stderr = runDeliveries(t, "deliveries", "replay", dlv[:9], "--state", state)
	if code != 0 || !strings.Contains(out, "replayed ") || attempts != 4 {
		t.Fatalf("replay %s: exit %d, %d requests\n%s%s", dlv[:9], code, attempts, out, stderr)
	}
	if ex := newestDelivery(t, state); ex.ReplayOf != dlv || ex.DeliveryID == dlv || ex.Attempt != 1 {
		t.Errorf("the replay recorded replay_of %q delivery %q attempt %d; want replay_of %q, a new delivery", ex.ReplayOf, ex.DeliveryID, ex.Attempt, dlv)
	}

	// A prefix two deliveries share, and an id nobody has: exit 2, one sentence each.
	code, _, stderr = runDeliveries(t, "deliveries", "show", "dlv_", "--state", state)
	if code != 2 || !strings.Contains(stderr, "matches several recorded deliveries") {
		t.Errorf("ambiguous prefix: exit %d %s", code, stderr)
	}
	code, _, stderr = runDeliveries(t, "deliveries", "replay", "dlv_nobodyhasthis", "--state", state)
	if code != 2 || !strings.Contains(stderr, "no recorded delivery has the id") {
		t.Errorf("unknown delivery: exit %d %s", code, stderr)
	}
}
