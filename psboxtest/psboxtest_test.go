package psboxtest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/psboxtest"
)

const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// got is what a receiver saw of one request.
type got struct {
	header http.Header
	body   []byte
}

// receiver answers status with {"ok":true} and sends what it got on a channel.
func receiver(t *testing.T, status int) (*httptest.Server, <-chan got) {
	ch := make(chan got, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Header.Clone(), b}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func TestSandbox_SubscribeFireDeliveries(t *testing.T) {
	srv, ch := receiver(t, 200)
	sb := psboxtest.Start(t, psboxtest.WithSeed(7), psboxtest.WithHeader("X-Team", "growth"))
	if !strings.HasPrefix(sb.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %s, want loopback", sb.URL())
	}
	key := sb.Subscribe(t, srv.URL, "application_created", "application_approved")
	if !strings.HasPrefix(key, "whook_") {
		t.Errorf("key = %q", key)
	}
	ds := sb.Fire(t, "application_created", "content.email=jane@example.com", "+meta.campaign=spring", "-decline_reason")
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	d := ds[0]
	r := <-ch
	if d.Status != 200 || d.Err != "" || d.Event != "application_created" || d.Target != srv.URL || !strings.HasPrefix(d.ID, "dlv_") {
		t.Errorf("delivery = %+v", d)
	}
	if !bytes.Equal(d.Body, r.body) || string(d.Answer) != `{"ok":true}` {
		t.Errorf("Body is not what was sent, or Answer not what came back:\n%s\n%s\n%s", d.Body, r.body, d.Answer)
	}
	var p map[string]any
	json.Unmarshal(d.Body, &p)
	if p["content"].(map[string]any)["email"] != "jane@example.com" || p["meta"].(map[string]any)["campaign"] != "spring" {
		t.Errorf("edits not applied: %s", d.Body)
	}
	if _, ok := p["decline_reason"]; ok {
		t.Errorf("-decline_reason did not remove the field: %s", d.Body)
	}
	if r.header.Get("X-Team") != "growth" || r.header.Get(delivery.HeaderEvent) != "application_created" || r.header.Get(delivery.HeaderDelivery) != d.ID {
		t.Errorf("headers = %v", r.header)
	}

	// A failed delivery is reported, not a test failure; Deliveries lists both, oldest first.
	bad, _ := receiver(t, 503)
	sb.Subscribe(t, bad.URL, "application_approved")
	ds = sb.Fire(t, "application_approved")
	if len(ds) != 2 {
		t.Fatalf("%d deliveries, want 2 (two subscriptions)", len(ds))
	}
	var failed psboxtest.Delivery
	for _, d := range ds {
		if d.Target == bad.URL {
			failed = d
		}
	}
	if failed.Status != 503 || failed.Err == "" {
		t.Errorf("failed delivery = %+v", failed)
	}
	all := sb.Deliveries()
	if len(all) != 3 || all[0].ID != d.ID {
		t.Errorf("Deliveries = %d, first %s; want 3, first %s", len(all), all[0].ID, d.ID)
	}

	// The same seed gives the same payload in another sandbox.
	sb2 := psboxtest.Start(t, psboxtest.WithSeed(7), psboxtest.WithTarget(srv.URL))
	d2 := sb2.Fire(t, "application_created", "content.email=jane@example.com", "+meta.campaign=spring", "-decline_reason")[0]
	<-ch
	if !bytes.Equal(d2.Body, d.Body) {
		t.Errorf("WithSeed(7) twice, two payloads:\n%s\n%s", d.Body, d2.Body)
	}
}

func TestSandbox_ClientAndAPI(t *testing.T) {
	sb := psboxtest.Start(t)
	resp, err := http.Get(sb.URL() + "/api/v2/webhooks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("without auth: %d, want 401", resp.StatusCode)
	}
	resp, err = sb.Client().Get(sb.URL() + "/api/v2/webhooks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("Client(): %d, want 200", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", sb.URL()+"/api/v2/webhooks", nil)
	req.SetBasicAuth(sb.PublicKey(), sb.SecretKey())
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("the keys: %v %v", resp, err)
	}
}

func TestSandbox_SigningVerifies(t *testing.T) {
	srv, ch := receiver(t, 200)
	for _, scheme := range []string{"standard-webhooks", "hmac-sha256"} {
		secret := whsec
		if scheme == "hmac-sha256" {
			secret = "shh"
		}
		sb := psboxtest.Start(t, psboxtest.WithSigning(scheme, secret), psboxtest.WithTarget(srv.URL))
		sb.Fire(t, "partnership_created")
		r := <-ch
		if err := psboxtest.Verify(scheme, secret, r.header, r.body); err != nil {
			t.Errorf("%s: a delivery does not verify: %v", scheme, err)
		}
		wrong := "whsec_" + strings.Repeat("A", 32)
		if scheme == "hmac-sha256" {
			wrong = "other"
		}
		if err := psboxtest.Verify(scheme, wrong, r.header, r.body); err == nil {
			t.Errorf("%s: verifies with the wrong secret", scheme)
		}
		if err := psboxtest.Verify(scheme, secret, r.header, append(r.body, ' ')); err == nil {
			t.Errorf("%s: verifies a changed body", scheme)
		}
	}
}

func TestFire_Failures(t *testing.T) {
	for name, tc := range map[string]struct {
		edits []string
		event string
		want  string
	}{
		"unknown event":   {nil, "no_such_event", "unknown event"},
		"bad path":        {[]string{"nope.deeper=1"}, "application_created", "nope"},
		"no one receives": {nil, "application_created", "no active webhook"},
		"edit not a pair": {[]string{"content.email"}, "application_created", "PATH=VALUE"},
	} {
		f := run(func(t testing.TB) {
			sb := psboxtest.Start(t)
			sb.Fire(t, tc.event, tc.edits...)
			t.Errorf("Fire returned")
		})
		if !f.Failed() || !strings.Contains(f.messages(), tc.want) || strings.Contains(f.messages(), "Fire returned") {
			t.Errorf("%s: %q; want a fatal failure mentioning %q", name, f.messages(), tc.want)
		}
	}
	if f := run(func(t testing.TB) { psboxtest.Start(t, psboxtest.WithSigning("rot13", "x")) }); !strings.Contains(f.messages(), "rot13") {
		t.Errorf("a bad signing scheme: %q", f.messages())
	}
}

func TestWaitFor(t *testing.T) {
	srv, _ := receiver(t, 200)
	sb := psboxtest.Start(t, psboxtest.WithTarget(srv.URL))
	var wg sync.WaitGroup
	wg.Go(func() {
		time.Sleep(100 * time.Millisecond)
		// What the code under test might do: fire through the HTTP API.
		resp, err := sb.Client().Post(sb.URL()+"/_psbox/events", "application/json", strings.NewReader(`{"event":"customer_created","seed":3}`))
		if err == nil {
			resp.Body.Close()
		}
	})
	d := sb.WaitFor(t, func(d psboxtest.Delivery) bool { return d.Event == "customer_created" }, 10*time.Second)
	wg.Wait()
	if d.Status != 200 || len(d.Body) == 0 {
		t.Errorf("WaitFor = %+v", d)
	}
	start := time.Now()
	f := run(func(t testing.TB) {
		sb.WaitFor(t, func(d psboxtest.Delivery) bool { return d.Event == "deal.created" }, 200*time.Millisecond)
	})
	if !strings.Contains(f.messages(), "no matching delivery within 200ms") || time.Since(start) > 5*time.Second {
		t.Errorf("WaitFor timing out: %q after %s", f.messages(), time.Since(start))
	}
}

func TestSignedRequest(t *testing.T) {
	var seen http.Header
	var body []byte
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		seen = r.Header
		if err := psboxtest.Verify("standard-webhooks", whsec, r.Header, body); err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
		w.WriteHeader(204)
	})
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, psboxtest.SignedRequest(t, "application_approved", "standard-webhooks", whsec, "content.first_name=Ada"))
	if rr.Code != 204 {
		t.Fatalf("handler answered %d: %s", rr.Code, rr.Body)
	}
	if !strings.Contains(string(body), `"first_name":"Ada"`) || seen.Get("Content-Type") != "application/json" ||
		seen.Get(delivery.HeaderEvent) != "application_approved" || !strings.HasPrefix(seen.Get(delivery.HeaderDelivery), "dlv_") {
		t.Errorf("request: %v %s", seen, body)
	}
	a := psboxtest.SignedRequest(t, "application_approved", "", "")
	b := psboxtest.SignedRequest(t, "application_approved", "", "")
	ab, _ := io.ReadAll(a.Body)
	bb, _ := io.ReadAll(b.Body)
	if !bytes.Equal(ab, bb) || a.Header.Get("Webhook-Signature") != "" {
		t.Error("unsigned requests: not the same payload, or signed anyway")
	}
	rr = httptest.NewRecorder()
	h.ServeHTTP(rr, psboxtest.SignedRequest(t, "application_approved", "standard-webhooks", "whsec_"+strings.Repeat("B", 32)))
	if rr.Code != 401 {
		t.Errorf("a request signed with another secret passed: %d", rr.Code)
	}
}

func TestVerify_Refuses(t *testing.T) {
	req := psboxtest.SignedRequest(t, "deal.created", "standard-webhooks", whsec)
	body, _ := io.ReadAll(req.Body)
	if err := psboxtest.Verify("standard-webhooks", whsec, req.Header, body); err != nil {
		t.Fatal(err)
	}
	stale := req.Header.Clone()
	stale.Set("Webhook-Timestamp", "1000")
	for name, tc := range map[string]struct {
		scheme, secret string
		h              http.Header
	}{
		"stale":          {"standard-webhooks", whsec, stale},
		"no headers":     {"standard-webhooks", whsec, http.Header{}},
		"bad secret":     {"standard-webhooks", "nope", req.Header},
		"unknown scheme": {"md5", whsec, req.Header},
		"hmac missing":   {"hmac-sha256", "s", req.Header},
	} {
		if err := psboxtest.Verify(tc.scheme, tc.secret, tc.h, body); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestRunCasesHandler_Passes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cases.json"), []byte(`[
	  {"name": "created is acknowledged", "event": "application_created", "seed": 1, "expect": {"status": 200, "body": {"ok": true}}},
	  {"name": "approved is acknowledged", "event": "application_approved", "seed": 2, "expect": {"status": 200}}
	]`), 0o644)
	psboxtest.RunCasesHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}), dir)
}

// TestRunCases_FailsWithTheDiff runs a failing case in a child test
// process: the subtest named after the case fails with -want +got.
func TestRunCases_FailsWithTheDiff(t *testing.T) {
	if os.Getenv("PSBOXTEST_CHILD") == "1" {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "c.json"), []byte(`{"name": "wants a key", "event": "application_created", "expect": {"status": 200, "body": {"ok": true}}}`), 0o644)
		psboxtest.RunCasesHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"ok":false}`)
		}), dir)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunCases_FailsWithTheDiff$", "-test.v")
	cmd.Env = append(os.Environ(), "PSBOXTEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child passed:\n%s", out)
	}
	for _, want := range []string{"--- FAIL: TestRunCases_FailsWithTheDiff/wants_a_key", "-want +got", "-", "+"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}
