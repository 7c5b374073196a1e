package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// leakyReceiver answers every delivery with secrets of its own: a session
// cookie, an API key, a whsec_ value in a header and in the body.
func leakyReceiver(t *testing.T) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Set-Cookie", "sid=cookie-9a7f1e; HttpOnly")
		w.Header().Set("X-Api-Key", "rk_live_apikey_51c2")
		w.Header().Set("X-Echo", "whsec_EchoedBackSecret42")
		io.WriteString(w, `{"ok":true,"hint":"whsec_BodySecret77"}`)
	}))
	t.Cleanup(s.Close)
	return s
}

var receiverSecrets = []string{"cookie-9a7f1e", "rk_live_apikey_51c2", "EchoedBackSecret42", "BodySecret77", "qtok-3f9d", "qkey-8e1a"}

func assertNoSecrets(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s leaks %q:\n%.600s", where, s, text)
		}
	}
}

// TestServe_ReceiverSecretsNeverLeave fires an event through
// POST /_psbox/events at a receiver that answers with secrets, to a target
// whose query carries a token: neither the answer, the control API, the
// log, deliveries --json / show nor an export holds any of them.
func TestServe_ReceiverSecretsNeverLeave(t *testing.T) {
	rcv := leakyReceiver(t)
	state := t.TempDir()
	base, cancel, code, stdout, stderr := startServe(t, "--addr", "127.0.0.1:0", "--state", state)
	basic := func(r *http.Request) { r.SetBasicAuth(defaultPublicKey, defaultSecretKey) }
	target := rcv.URL + "/hook?token=qtok-3f9d&api_key=qkey-8e1a&team=blue"
	if st, body := serveCall(t, "POST", base+"/api/v2/webhooks", `{"target":"`+target+`","events":["application_created"]}`, basic); st != 200 {
		t.Fatalf("create: %d %s", st, body)
	}
	st, answer := serveCall(t, "POST", base+"/_psbox/events", `{"event":"application_created","seed":1}`, basic)
	if st != 200 || !strings.Contains(answer, `"status":200`) || !strings.Contains(answer, "team=blue") {
		t.Fatalf("fire: %d %s", st, answer)
	}
	assertNoSecrets(t, "the POST /_psbox/events answer", answer, receiverSecrets...)
	for _, kind := range []string{"delivery", "api"} {
		_, list := serveCall(t, "GET", base+"/_psbox/deliveries?kind="+kind, "", basic)
		assertNoSecrets(t, "GET /_psbox/deliveries?kind="+kind, list, receiverSecrets...)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("serve exit %d: %s", c, stderr)
	}
	assertNoSecrets(t, "serve's output", stdout.String()+stderr.String(), receiverSecrets...)
	logBytes, _ := os.ReadFile(filepath.Join(state, "deliveries.jsonl"))
	if !bytes.Contains(logBytes, []byte("team=blue")) {
		t.Fatalf("the log lacks the delivery:\n%s", logBytes)
	}
	assertNoSecrets(t, "deliveries.jsonl", string(logBytes), receiverSecrets...)
	runCmd := func(args ...string) string {
		var out, errb bytes.Buffer
		if c := run(context.Background(), append([]string{"--state", state}, args...), strings.NewReader(""), &out, &errb); c != 0 {
			t.Fatalf("%v: exit %d: %s", args, c, errb.String())
		}
		return out.String() + errb.String()
	}
	list := runCmd("deliveries", "--json")
	assertNoSecrets(t, "deliveries --json", list, receiverSecrets...)
	assertNoSecrets(t, "deliveries (table)", runCmd("deliveries"), receiverSecrets...)
	for _, id := range idRE.FindAllString(list, -1) {
		assertNoSecrets(t, "deliveries show "+id, runCmd("deliveries", "show", id), receiverSecrets...)
	}
	for _, format := range []string{"har", "jsonl"} {
		out := filepath.Join(t.TempDir(), "export."+format)
		runCmd("deliveries", "export", "--format", format, "-o", out)
		b, _ := os.ReadFile(out)
		assertNoSecrets(t, format+" export", string(b), receiverSecrets...)
	}
}

// TestTrigger_JSONAndErrorsRedacted: trigger --json prints each delivery
// through the same redaction as the log (receiver's secret headers, whsec_
// values, secret query parameters), and so do the delivery lines and the
// sentence on stderr.
func TestTrigger_JSONAndErrorsRedacted(t *testing.T) {
	rcv := leakyReceiver(t)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	target := rcv.URL + "/hook?token=qtok-3f9d&api_key=qkey-8e1a&team=blue"
	for _, args := range [][]string{
		{"application_created", "--to", target, "--json", "--sign", "standard-webhooks", "--secret", secret, "--no-record"},
		{"application_created", "--to", target, "--sign", "standard-webhooks", "--secret", secret},
		{"application_created", "--to", "http://127.0.0.1:1/h?token=qtok-3f9d&api_key=qkey-8e1a&team=blue", "--json"},
		{"application_created", "--to", "http://127.0.0.1:1/h?token=qtok-3f9d&api_key=qkey-8e1a&team=blue"},
	} {
		_, stdout, stderr := runTriggerCmd(t, t.TempDir(), args...)
		if !strings.Contains(stdout+stderr, "team=blue") {
			t.Errorf("%v: the output lacks the target:\n%s%s", args, stdout, stderr)
		}
		assertNoSecrets(t, strings.Join(args, " "), stdout+stderr, append(receiverSecrets, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")...)
	}
}

// TestTrigger_HeaderValueNeverEchoed: a --header value psbox refuses is
// never printed back: it may be a credential.
func TestTrigger_HeaderValueNeverEchoed(t *testing.T) {
	for _, h := range []string{"Authorization: Bearer sek\x01ret-d41c", "Authorization: Bearer sek\nret-d41c", "Authorization Bearer sekret-d41c"} {
		code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", "http://127.0.0.1:1/", "--header", h)
		if code != 2 || !strings.Contains(stderr, "--header") && !strings.Contains(stderr, "header") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 about the header", h, code, stderr)
		}
		assertNoSecrets(t, "trigger --header "+h, stdout+stderr, "ret-d41c", "sekret")
	}
}

var idRE = regexp.MustCompile(`ex_[0-9A-Za-z]+`)
