package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRedactHeader_KeepsNamedHeadersOutOfTheLog sends a delivery carrying a
// custom secret header and an Authorization header; with --redact-header
// neither value reaches deliveries.jsonl, list output or a HAR export,
// while the receiver still gets both.
func TestRedactHeader_KeepsNamedHeadersOutOfTheLog(t *testing.T) {
	const custom, auth = "tok-4f1c9a77", "Bearer sk_live_0d2e"
	seen := make(chan string, 1)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-Custom-Token") + "|" + r.Header.Get("Authorization")
	}))
	defer rcv.Close()
	state := t.TempDir()

	runCmd := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"--state", state}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String() + errb.String()
	}
	code, out := runCmd("trigger", "application_created", "--to", rcv.URL, "--seed", "1",
		"--header", "X-Custom-Token: "+custom, "--header", "Authorization: "+auth, "--redact-header", "x-custom-token")
	if code != 0 {
		t.Fatalf("trigger exit %d: %s", code, out)
	}
	if got := <-seen; got != custom+"|"+auth {
		t.Errorf("receiver got %q; redaction must not change what goes over the wire", got)
	}
	_, list := runCmd("deliveries", "--json")
	har := filepath.Join(t.TempDir(), "d.har")
	if code, out := runCmd("deliveries", "export", "--format", "har", "-o", har); code != 0 {
		t.Fatalf("export exit %d: %s", code, out)
	}
	logBytes, _ := os.ReadFile(filepath.Join(state, "deliveries.jsonl"))
	harBytes, _ := os.ReadFile(har)
	for name, text := range map[string]string{"deliveries.jsonl": string(logBytes), "deliveries --json": list, "HAR export": string(harBytes)} {
		if !strings.Contains(text, "application_created") {
			t.Errorf("%s does not hold the delivery:\n%s", name, text)
		}
		if strings.Contains(text, custom) || strings.Contains(text, "sk_live_0d2e") {
			t.Errorf("%s leaks a redacted header value:\n%s", name, text)
		}
	}
}
