package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// bodyCatcher is a receiver that keeps every body it is sent.
func bodyCatcher(t *testing.T) (*httptest.Server, <-chan string) {
	t.Helper()
	got := make(chan string, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// A number beyond float64's exact integers is sent as written, whether it
// comes from a case file, a --set flag or POST /_psbox/events: all three
// go through fixtures' one edit decoder.
func TestEdits_LargeNumbersStayExact(t *testing.T) {
	const big = "9007199254740993" // 2^53 + 1: a float64 makes it ...992
	const want = `"psbox_big":` + big
	srv, got := bodyCatcher(t)

	cases := filepath.Join(t.TempDir(), "big.json")
	writeFile(t, cases, `{"name": "big", "event": "application_created", "seed": 1, "set": {"+psbox_big": `+big+`}, "expect": {"status": 200}}`)
	if code, out, stderr := runContractCmd(t, cases, "--target", srv.URL); code != 0 {
		t.Fatalf("psbox test: exit %d\n%s%s", code, out, stderr)
	}
	if b := <-got; !strings.Contains(b, want) {
		t.Errorf("the case sent %s; want %s", b, want)
	}

	if code, _, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", srv.URL, "--set", "+psbox_big="+big); code != 0 {
		t.Fatalf("trigger: %s", stderr)
	}
	if b := <-got; !strings.Contains(b, want) {
		t.Errorf("--set sent %s; want %s", b, want)
	}

	base, cancel, code, _, _ := startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir())
	defer func() { cancel(); <-code }()
	basic := func(r *http.Request) { r.SetBasicAuth(defaultPublicKey, defaultSecretKey) }
	if c, b := serveCall(t, "POST", base+"/_psbox/events", `{"event": "application_created", "target": "`+srv.URL+`", "set": {"+psbox_big": `+big+`}}`, basic); c != 200 {
		t.Fatalf("fire: %d %s", c, b)
	}
	if b := <-got; !strings.Contains(b, want) {
		t.Errorf("POST /_psbox/events sent %s; want %s", b, want)
	}
}
