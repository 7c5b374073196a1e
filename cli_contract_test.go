package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"time"

	"github.com/charmbracelet/x/exp/golden"
)

func runContractCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"test", "--state", t.TempDir()}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

var latencyRE = regexp.MustCompile(`  [0-9.]+(µs|ms|s)\n`)

// contractReceiver answers like the receiver the shared case file expects;
// status and header change one thing about it.
func contractReceiver(status int, header string, stall time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Content struct {
				Email string `json:"email"`
			} `json:"content"`
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		if stall > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(stall):
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Receiver", header)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{
			"ok": true, "event": r.Header.Get("X-Psbox-Event"), "email": p.Content.Email,
			"received_at": time.Now().UnixMilli(), "items": []any{map[string]any{"id": time.Now().UnixNano(), "name": "welcome"}},
		})
	})
}

const sharedCases = "fixtures/testdata/cases/receiver.json"

func TestContract_Report(t *testing.T) {
	tests := []struct {
		name    string
		h       http.Handler
		timeout string
		code    int
	}{
		{"pass", contractReceiver(200, "v1", 0), "5s", 0},
		{"answers500", contractReceiver(500, "v1", 0), "5s", 1},
		{"changesHeader", contractReceiver(200, "v2", 0), "5s", 1},
		{"timesOut", contractReceiver(200, "v1", 3*time.Second), "150ms", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.h)
			defer srv.Close()
			code, stdout, stderr := runContractCmd(t, sharedCases, "--target", srv.URL, "--timeout", tt.timeout, "--concurrency", "2")
			if code != tt.code || stderr != "" {
				t.Errorf("exit %d (stderr %q), want %d", code, stderr, tt.code)
			}
			if strings.Contains(stdout, "\x1b[") {
				t.Error("report colored although stdout is not a terminal")
			}
			golden.RequireEqual(t, latencyRE.ReplaceAll([]byte(stdout), []byte("  LATENCY\n")))
		})
	}
}

func TestContract_UpdateJUnitJSON(t *testing.T) {
	srv := httptest.NewServer(contractReceiver(202, "v1", 0))
	defer srv.Close()
	dir := t.TempDir()
	src, err := os.ReadFile(sharedCases)
	if err != nil {
		t.Fatal(err)
	}
	cases := filepath.Join(dir, "cases.json")
	if err := os.WriteFile(cases, src, 0o644); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(dir, "junit.xml")

	code, stdout, _ := runContractCmd(t, dir, "--target", srv.URL, "--json", "--junit", junit)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the receiver answers 202)", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("--json printed %d lines, want 2:\n%s", len(lines), stdout)
	}
	for _, l := range lines {
		var r struct {
			Name   string   `json:"name"`
			Pass   bool     `json:"pass"`
			Status int      `json:"status"`
			Diff   []string `json:"diff"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil || r.Pass || r.Status != 202 || len(r.Diff) != 1 || r.Diff[0] != "status: -200 +202" {
			t.Errorf("--json line %s: %+v, %v", l, r, err)
		}
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil || doc.Tests != 2 || doc.Failures != 2 || !bytes.Contains(raw, []byte("status: -200 +202")) {
		t.Errorf("junit: tests=%d failures=%d err=%v\n%s", doc.Tests, doc.Failures, err, raw)
	}

	code, stdout, stderr := runContractCmd(t, cases, "--target", srv.URL, "--update")
	if code != 0 || strings.Count(stdout, "\nupdated "+cases) != 2 || !strings.Contains(stdout, `"application is acknowledged": status 200 -> 202`) {
		t.Fatalf("--update: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runContractCmd(t, cases, "--target", srv.URL)
	if code != 0 || !strings.Contains(stdout, "2 passed, 0 failed") {
		t.Errorf("after --update: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runContractCmd(t, cases, "--target", srv.URL, "--update", "--run", "declined")
	if code != 0 || !strings.Contains(stdout, "0 of 1 case updated, 1 already matched") || !strings.Contains(stdout, "1 passed, 0 failed, 1 skipped") {
		t.Errorf("--update with nothing to do: exit %d\n%s", code, stdout)
	}
}

func TestContract_BadInputExit2(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "cases")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "outside.json"), []byte(`{"name":"o","event":"application_created","expect":{"status":200}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(base, "outside.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	bad := `[
  {"name": "a", "event": "application_created", "colour": "red", "expect": {"status": 200}},
  {"name": "b", "event": "no_such_event", "expect": {"status": 200}},
  {"name": "c", "event": "application_created", "set": {"content.nope": 1}, "expect": {"status": 200}}
]`
	if err := os.WriteFile(filepath.Join(dir, "bad.json"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	target := "http://127.0.0.1:1/hook"
	tests := []struct {
		name string
		args []string
		want []string // on stderr
	}{
		{"no target", []string{sharedCases}, []string{"psbox: --target is required"}},
		{"bad target", []string{sharedCases, "--target", "ftp://x"}, []string{"--target: target \"ftp://x\" must start with http:// or https://"}},
		{"no case files", []string{empty, "--target", target}, []string{"no case files found in " + empty}},
		{"missing path", []string{filepath.Join(empty, "nope"), "--target", target}, []string{"no such file or folder"}},
		{"bad --run", []string{sharedCases, "--target", target, "--run", "("}, []string{"--run \"(\" is not a valid regular expression"}},
		{"--run matches nothing", []string{sharedCases, "--target", target, "--run", "zzz"}, []string{"matches none of the 2 cases"}},
		{"bad flag value", []string{sharedCases, "--target", target, "--concurrency", "0"}, []string{"--concurrency must be 1 or more"}},
		{"every case problem at once", []string{dir, "--target", target}, []string{
			"the case files have 4 problems; fix them and run again:",
			"bad.json:2:49: unknown field \"colour\" in a case",
			"bad.json:3:26: unknown event \"no_such_event\"",
			"bad.json:4:57: set content.nope: ",
			"link.json: refused: the path leads outside the folder",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runContractCmd(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout on bad input: %q", stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr:\n%s", stderr)
			}
		})
	}
}

func TestContract_DefaultFolder(t *testing.T) {
	srv := httptest.NewServer(contractReceiver(200, "v1", 0))
	defer srv.Close()
	src, err := os.ReadFile(sharedCases)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, defaultCaseDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, defaultCaseDir, "receiver.json"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	code, stdout, stderr := runContractCmd(t, "--target", srv.URL)
	if code != 0 || !strings.Contains(stdout, "2 passed, 0 failed") {
		t.Errorf("psbox test with ./psbox-cases: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Chdir(t.TempDir())
	if code, _, stderr := runContractCmd(t, "--target", srv.URL); code != 2 || !strings.Contains(stderr, "or put *.json cases in ./psbox-cases/") {
		t.Errorf("no PATH and no ./psbox-cases: exit %d, %s", code, stderr)
	}
}
