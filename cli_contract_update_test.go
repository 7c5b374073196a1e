package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// pinReceiver answers every delivery 201 with a JSON body naming the event,
// a received_at that changes every time, and two headers.
func pinReceiver(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Receiver", "v2")
		w.Header().Set("X-Request-Time", time.Now().String())
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "event": r.Header.Get("X-Psbox-Event"), "received_at": time.Now().UnixNano()})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// outsideExpect blanks every "expect" value of a case file (found by
// brace matching; the test files hold no braces in strings), leaving the
// bytes --update must not touch.
func outsideExpect(t *testing.T, data []byte) string {
	t.Helper()
	var b strings.Builder
	rest := string(data)
	for {
		i := strings.Index(rest, `"expect":`)
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		j := i + strings.Index(rest[i:], "{")
		depth := 0
		k := j
		for ; k < len(rest); k++ {
			if rest[k] == '{' {
				depth++
			} else if rest[k] == '}' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		b.WriteString(rest[:j] + "<expect>")
		rest = rest[k+1:]
	}
}

// --update pins every case's answer: a status-only case gets the body, a
// case with a body and an ignored path gets the new body and keeps its
// ignore, every case of a list is updated, a case that already matches
// and every byte outside the expects stay as they were; the rerun passes
// and a second --update changes nothing.
func TestContract_UpdateRoundTrip(t *testing.T) {
	srv := pinReceiver(t)
	dir := t.TempDir()
	files := map[string]string{
		"status.json": `{"name": "status only", "event": "application_created", "seed": 1, "expect": {"status": 201}, "ignore": ["body.received_at"]}
`,
		"body.json": `{
  "name": "body with an ignored path",
  "event": "application_approved",
  "seed": 2,
  "expect": {
    "status": 200,
    "headers": {"X-Receiver": "v1"},
    "body": {"ok": false, "event": "application_approved", "received_at": 0}
  },
  "ignore": ["body.received_at"]
}
`,
	}
	files["list.json"] = `[
  {"name": "list: status only", "event": "application_declined", "seed": 3, "expect": {"status": 200}, "ignore": ["body.received_at"]},
  {"name": "list: already pinned", "event": "application_created", "seed": 4,
   "expect": {"status": 201, "body": {"ok": true, "event": "application_created", "received_at": 1}},
   "ignore": ["body.received_at"]},
  {"name": "list: wrong status", "event": "customer_created", "seed": 5, "expect": {"status": 500, "body": "nope"}, "ignore": ["body.received_at"]}
]
`
	names := []string{"status.json", "body.json", "list.json"}
	before := map[string][]byte{}
	for name, text := range files {
		writeFile(t, filepath.Join(dir, name), text)
		before[name] = []byte(text)
	}

	code, out, stderr := runContractCmd(t, dir, "--target", srv.URL, "--update")
	if code != 0 {
		t.Fatalf("--update: exit %d\n%s%s", code, out, stderr)
	}
	if !strings.Contains(out, "4 of 5 cases updated, 1 already matched") {
		t.Errorf("--update did not report its count:\n%s", out)
	}
	after := map[string][]byte{}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		after[name] = b
		if got, want := outsideExpect(t, b), outsideExpect(t, before[name]); got != want {
			t.Errorf("%s: bytes outside the expects changed:\n--- before\n%s\n--- after\n%s", name, want, got)
		}
	}
	// What each case now expects.
	var status struct{ Expect map[string]json.RawMessage }
	if err := json.Unmarshal(after["status.json"], &status); err != nil {
		t.Fatal(err)
	}
	if string(status.Expect["status"]) != "201" || !bytes.Contains(status.Expect["body"], []byte(`"event":"application_created"`)) || status.Expect["headers"] != nil {
		t.Errorf("status-only case now expects %s; want 201, the body, and no headers (it listed none)", after["status.json"])
	}
	if !bytes.Contains(after["body.json"], []byte(`"X-Receiver": "v2"`)) || bytes.Contains(after["body.json"], []byte("X-Request-Time")) ||
		!bytes.Contains(after["body.json"], []byte(`"ok": true`)) || !bytes.Contains(after["body.json"], []byte(`"status": 201`)) {
		t.Errorf("body case not pinned to the answer (status 201, ok true, only the listed header):\n%s", after["body.json"])
	}
	pinned := `"expect": {"status": 201, "body": {"ok": true, "event": "application_created", "received_at": 1}}`
	if !bytes.Contains(after["list.json"], []byte(pinned)) {
		t.Errorf("the case that already matched was rewritten:\n%s", after["list.json"])
	}
	if bytes.Count(after["list.json"], []byte(`"status": 201`)) != 3 {
		t.Errorf("every case of the list should expect 201 now:\n%s", after["list.json"])
	}

	code, out, _ = runContractCmd(t, dir, "--target", srv.URL)
	if code != 0 || !strings.Contains(out, "5 passed, 0 failed") {
		t.Errorf("rerun after --update: exit %d\n%s", code, out)
	}
	code, out, _ = runContractCmd(t, dir, "--target", srv.URL, "--update")
	if code != 0 || !strings.Contains(out, "0 of 5 cases updated, 5 already matched") {
		t.Errorf("second --update: exit %d\n%s", code, out)
	}
	for name := range files {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if !bytes.Equal(b, after[name]) {
			t.Errorf("%s changed on a second --update:\n%s", name, b)
		}
	}
}

// junitDoc is the part of a JUnit report the tests read.
type junitDoc struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Cases []struct {
			Name    string `xml:"name,attr"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no JUnit report: %v", err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("JUnit report does not parse: %v\n%s", err, raw)
	}
	return doc
}

// Invalid case files still give a JUnit report, one <error> per problem
// named by its file:line, and exit 2.
func TestContract_JUnitOnInvalidCases(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.json"), `{"name": "x", "event": "application_created",
 "expect": {"status": 200}, "nmae": 1}
`)
	writeFile(t, filepath.Join(dir, "b.json"), `{"name": "y", "event": "no_such_event", "expect": {"status": 200}}`)
	writeFile(t, filepath.Join(dir, "c.json"), `{"name": "z", "event": "application_created", "headers": {"X-A": "a\r\nB: 1"}, "expect": {"status": 200}}`)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, _, stderr := runContractCmd(t, dir, "--target", "http://127.0.0.1:1/", "--junit", junit)
	if code != 2 || !strings.Contains(stderr, "3 problems") {
		t.Fatalf("exit %d, stderr %s; want 2 naming the 3 problems", code, stderr)
	}
	doc := readJUnit(t, junit)
	if doc.Tests != 3 || doc.Errors != 3 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 3 {
		t.Fatalf("JUnit: %+v; want 3 tests, 3 errors", doc)
	}
	at := regexp.MustCompile(`^.+\.json:\d+$`)
	for _, c := range doc.Suites[0].Cases {
		if !at.MatchString(c.Name) || c.Error == nil || c.Error.Type != "invalid_case" || !strings.HasPrefix(c.Error.Message, c.Name+":") {
			t.Errorf("testcase %q: %+v; want one named file:line with an <error> giving the problem", c.Name, c.Error)
		}
	}
	for _, want := range []string{"a.json:2", "b.json:1", "c.json:1"} {
		if !strings.Contains(stderr, filepath.Join(dir, want)) {
			t.Errorf("stderr lacks %s:\n%s", want, stderr)
		}
	}
}

// Cases --run leaves out are skipped in the JUnit report, not dropped.
func TestContract_RunFilterSkippedInJUnit(t *testing.T) {
	srv := pinReceiver(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cases.json"), `[
 {"name": "alpha", "event": "application_created", "expect": {"status": 201}},
 {"name": "beta", "event": "application_approved", "expect": {"status": 201}},
 {"name": "gamma", "event": "application_declined", "expect": {"status": 201}}]`)
	junit := filepath.Join(t.TempDir(), "junit.xml")
	code, out, stderr := runContractCmd(t, dir, "--target", srv.URL, "--run", "^beta$", "--junit", junit)
	if code != 0 || !strings.Contains(out, "1 passed, 0 failed, 2 skipped") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	doc := readJUnit(t, junit)
	if doc.Tests != 3 || doc.Skipped != 2 || doc.Failures != 0 {
		t.Fatalf("JUnit: tests %d skipped %d failures %d; want 3, 2, 0", doc.Tests, doc.Skipped, doc.Failures)
	}
	for _, c := range doc.Suites[0].Cases {
		if (c.Skipped != nil) != (c.Name != "beta") {
			t.Errorf("testcase %q skipped=%v", c.Name, c.Skipped != nil)
		}
	}
}

// A case's own headers are sent over the configuration's: the case's token
// replaces a wrong --header one, and the strict receiver accepts it.
func TestContract_CaseHeadersOverConfiguration(t *testing.T) {
	r := newStrictReceiver(t)
	dir := t.TempDir()
	name, value, _ := strings.Cut(strictToken, ": ")
	writeFile(t, filepath.Join(dir, "cases.json"), `[
 {"name": "own token", "event": "application_created", "headers": {"`+name+`": "`+value+`"}, "expect": {"status": 200}},
 {"name": "flag token", "event": "application_created", "expect": {"status": 200}}]`)
	code, out, stderr := runContractCmd(t, dir, "--target", r.URL, "--header", name+": wrong", "--sign", "standard-webhooks", "--secret", strictSecret)
	if a, f := r.counts(); code != 1 || a != 1 || f != 1 || !strings.Contains(out, "PASS  own token") || !strings.Contains(out, "FAIL  flag token") {
		t.Errorf("exit %d, accepted %d, refused %d; want the case's header to win\n%s%s", code, a, f, out, stderr)
	}
}
