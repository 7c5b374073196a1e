package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/mock/openapi/openapitest"
	"github.com/psbox-dev/psbox/recorder"
)

// captured is a delivery as a real account might send it: real-looking
// people, businesses and keys.
const captured = `{"event":"invoice.paid","data":{"key":"invc_Q8fK2mQ9xLp3Rt","amount":4200,
 "partner":{"first_name":"Margaret","last_name":"Hamilton","email":"margaret@apollo-guidance.com"},
 "customer":{"name":"Katherine Johnson","email":"kj@langley.example","customer_key":"cust-77123"},
 "partner_key":"margarethamilton42","company_name":"Apollo Guidance","created_at":1712345678901}}`

var personal = []string{"Margaret", "Hamilton", "apollo", "Apollo", "Katherine", "Johnson", "langley", "Q8fK2mQ9xLp3Rt", "margarethamilton42", "cust-77123"}

func noPersonalData(t *testing.T, what, s string) {
	t.Helper()
	for _, p := range personal {
		if strings.Contains(s, p) {
			t.Errorf("%s still holds %q:\n%s", what, p, s)
		}
	}
}

// TestEventsImport_RoundTrip: a captured body, imported, becomes an event
// every command sends with a seed, personal data replaced.
func TestEventsImport_RoundTrip(t *testing.T) {
	dir := t.TempDir()
	catalog := filepath.Join(dir, "events")
	capture := filepath.Join(dir, "caught.json")
	writeFile(t, capture, captured)

	code, out, stderr := runEvents(t, "events", "import", capture, "--name", "invoice.paid", "--catalog", catalog)
	if code != 0 || !strings.Contains(out, "invoice.paid.json") {
		t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
	}
	file, err := os.ReadFile(filepath.Join(catalog, "invoice.paid.json"))
	if err != nil {
		t.Fatal(err)
	}
	noPersonalData(t, "the written file", string(file))
	if !strings.Contains(string(file), `"{{email}}"`) {
		t.Errorf("the addresses are not the {{email}} placeholder the other fields' are like:\n%s", file)
	}
	var ef struct {
		Name, Group string
		Sample      map[string]any
	}
	if err := json.Unmarshal(file, &ef); err != nil || ef.Name != "invoice.paid" || ef.Group != "invoice" || ef.Sample["data"] == nil {
		t.Fatalf("the file is not {name, group, description, sample}: %v\n%s", err, file)
	}

	// It is listed as the user's, and fires with a seed at a receiver.
	code, out, _ = runEvents(t, "events", "--catalog", catalog)
	if code != 0 || !strings.Contains(out, "invoice.paid") || !strings.Contains(out, "(yours)") {
		t.Errorf("events does not list the imported event as the user's:\n%s", out)
	}
	r := newTriggerReceiver(t, 200)
	state := t.TempDir()
	for range 2 {
		if code, _, stderr := runTriggerCmd(t, state, "invoice.paid", "--to", r.URL, "--seed", "11", "--catalog", catalog); code != 0 {
			t.Fatalf("trigger: exit %d: %s", code, stderr)
		}
	}
	got := r.got()
	a, _ := json.Marshal(got[0])
	b, _ := json.Marshal(got[1])
	if string(a) != string(b) {
		t.Errorf("one seed, two payloads:\n%s\n%s", a, b)
	}
	noPersonalData(t, "the delivered payload", string(a))
	d := got[0]["data"].(map[string]any)
	p, c := d["partner"].(map[string]any), d["customer"].(map[string]any)
	if !strings.Contains(p["email"].(string), "@example.") || !strings.Contains(c["email"].(string), "@example.") ||
		p["first_name"] == "{{first_name}}" || c["name"] == "{{name}}" || !strings.HasPrefix(d["key"].(string), "invc_") ||
		d["amount"] != 4200.0 || got[0]["event"] != "invoice.paid" {
		t.Errorf("the payload is not filled by the builder: %s", a)
	}
	code, show, _ := runEvents(t, "events", "show", "invoice.paid", "--seed", "11", "--catalog", catalog)
	var shown any
	if code != 0 || json.Unmarshal([]byte(show), &shown) != nil {
		t.Fatalf("events show: %d %s", code, show)
	}
	if s, _ := json.Marshal(shown); string(s) != string(a) {
		t.Errorf("events show and trigger disagree at one seed:\n%s\n%s", s, a)
	}

	// The OpenAPI document describes it as the user's, and the payload passes it.
	code, doc, stderr := runEvents(t, "openapi", "--catalog", catalog)
	if code != 0 {
		t.Fatalf("openapi: %d %s", code, stderr)
	}
	v, err := openapitest.New([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Event("invoice.paid", a); err != nil {
		t.Error(err)
	}
	if !strings.Contains(doc, `"x-psbox-user": true`) {
		t.Error("the document does not mark the event as the user's")
	}

	// Importing over an existing file needs --force.
	code, _, stderr = runEvents(t, "events", "import", capture, "--name", "invoice.paid", "--catalog", catalog)
	if code != 2 || !strings.Contains(stderr, "--force") {
		t.Errorf("second import: exit %d %s", code, stderr)
	}
}

// TestEventsImport_FromExchangeAndHAR imports what psbox recorded: by the
// exchange's id, and from a HAR export of the log.
func TestEventsImport_FromExchangeAndHAR(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	s, err := recorder.Open(state, recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.Append(recorder.Exchange{Kind: recorder.KindDelivery, Event: "invoice.paid", Target: "http://127.0.0.1:9/hook",
		Request:  recorder.Request{Method: "POST", URL: "http://127.0.0.1:9/hook", Body: recorder.Body(captured)},
		Response: &recorder.Response{Status: 200}, Start: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	s.Append(recorder.Exchange{Kind: recorder.KindDelivery, Event: "application_created", Target: "http://127.0.0.1:9/hook",
		Request: recorder.Request{Method: "POST", URL: "http://127.0.0.1:9/hook", Body: recorder.Body(`{"a":1}`)}, Start: time.Now()})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	catalog := filepath.Join(t.TempDir(), "events")
	code, out, stderr := runEvents(t, "--state", state, "events", "import", ex.ID, "--name", "from_id", "--catalog", catalog)
	if code != 0 {
		t.Fatalf("import by id: %d %s%s", code, out, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(catalog, "from_id.json"))
	noPersonalData(t, "from_id.json", string(b))

	har := filepath.Join(t.TempDir(), "log.har")
	if code, _, stderr := runEvents(t, "--state", state, "deliveries", "export", "--format", "har", "-o", har); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	code, _, stderr = runEvents(t, "events", "import", har, "--name", "from_har", "--catalog", catalog)
	if code != 2 || !strings.Contains(stderr, "--entry") {
		t.Errorf("a HAR of two bodies without --entry: %d %s", code, stderr)
	}
	for _, entry := range []string{"1", "2"} {
		os.Remove(filepath.Join(catalog, "from_har.json"))
		if code, _, stderr := runEvents(t, "events", "import", har, "--name", "from_har", "--entry", entry, "--catalog", catalog); code != 0 {
			t.Fatalf("--entry %s: %s", entry, stderr)
		}
		b, _ := os.ReadFile(filepath.Join(catalog, "from_har.json"))
		if strings.Contains(string(b), "invoice.paid") {
			noPersonalData(t, "from_har.json", string(b))
			return
		}
	}
	t.Error("no HAR entry gave the captured invoice")
}

// TestCatalog_BadFileIsAClearError: every command that reads the catalog
// refuses a bad event file with one sentence naming it, exit 2.
func TestCatalog_BadFileIsAClearError(t *testing.T) {
	catalog := t.TempDir()
	bad := filepath.Join(catalog, "broken.json")
	writeFile(t, bad, `{"name": "broken", "sample": ["not", "an", "object"]}`)
	for _, args := range [][]string{
		{"events"},
		{"events", "show", "application_created"},
		{"openapi"},
		{"trigger", "application_created", "--to", "http://127.0.0.1:1/"},
		{"serve", "--addr", "127.0.0.1:0"},
	} {
		code, _, stderr := runEvents(t, append([]string{"--state", t.TempDir(), "--catalog", catalog}, args...)...)
		if code != 2 || !strings.Contains(stderr, bad) || !strings.Contains(stderr, "must be a JSON object") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a sentence naming %s", args, code, stderr, bad)
		}
		assertOneSentence(t, stderr)
	}
	t.Setenv("PSBOX_CATALOG", catalog)
	if code, _, stderr := runEvents(t, "events"); code != 2 || !strings.Contains(stderr, bad) {
		t.Errorf("PSBOX_CATALOG: exit %d %s", code, stderr)
	}
	for _, tc := range [][]string{
		{"events", "import", "--name", "x"},
		{"events", "import", "nope.json"},
		{"events", "import", "nope.json", "--name", "bad name"},
		{"openapi", "--format", "xml"},
	} {
		if code, _, stderr := runEvents(t, append([]string{"--state", t.TempDir()}, tc...)...); code != 2 {
			t.Errorf("%v: exit %d %s", tc, code, stderr)
		}
	}
}

// TestServe_UserCatalog: serve takes subscriptions to the user's events,
// fires them, and describes them in /_psbox/openapi.json.
func TestServe_UserCatalog(t *testing.T) {
	catalog := t.TempDir()
	writeFile(t, filepath.Join(catalog, "invoice.paid.json"), `{"name": "invoice.paid", "group": "invoice", "description": "an invoice was paid", "sample": {"event": "invoice.paid", "email": "{{email}}"}}`)
	r := newTriggerReceiver(t, 200)
	base, cancel, code, _, _ := startServe(t, "--addr", "127.0.0.1:0", "--state", t.TempDir(), "--catalog", catalog)
	defer func() { cancel(); <-code }()
	auth := func(req *http.Request) { req.SetBasicAuth(defaultPublicKey, defaultSecretKey) }
	if st, body := serveCall(t, "POST", base+"/api/v2/webhooks", `{"target":"`+r.URL+`","events":["invoice.paid"]}`, auth); st != 200 {
		t.Fatalf("subscribe to the user's event: %d %s", st, body)
	}
	if st, body := serveCall(t, "POST", base+"/_psbox/events", `{"event":"invoice.paid","seed":3}`, auth); st != 200 || len(r.got()) != 1 || strings.Contains(body, `"ok":false`) {
		t.Fatalf("fire the user's event: %d %s", st, body)
	}
	st, doc := serveCall(t, "GET", base+"/_psbox/openapi.json", "", nil)
	if st != 200 || !strings.Contains(doc, `"invoice.paid"`) {
		t.Errorf("openapi.json without auth: %d, has invoice.paid: %v", st, strings.Contains(doc, `"invoice.paid"`))
	}
}

// TestTUI_UserCatalog: the terminal UI's session lists, builds and fires
// the user's events.
func TestTUI_UserCatalog(t *testing.T) {
	catalog := t.TempDir()
	writeFile(t, filepath.Join(catalog, "invoice.paid.json"), `{"name": "invoice.paid", "sample": {"event": "invoice.paid", "email": "{{email}}"}}`)
	r := newTriggerReceiver(t, 200)
	o := &tuiOptions{target: r.URL}
	o.serve.addr, o.serve.publicKey, o.serve.secretKey, o.serve.freeIfBusy = "127.0.0.1:0", defaultPublicKey, defaultSecretKey, true
	sess, err := openTUISession(&globals{state: t.TempDir(), catalogDir: catalog}, *o, t.Logf, nil, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.close(io.Discard)
	evs := sess.deps.Catalog().Events()
	if last := evs[len(evs)-1]; last.Name != "invoice.paid" || !last.User {
		t.Fatalf("the UI's catalog ends with %+v, want the user's invoice.paid", last)
	}
	body, err := sess.deps.Build("invoice.paid", 4)
	if err != nil || strings.Contains(string(body), "{{email}}") {
		t.Fatalf("Build: %s %v", body, err)
	}
	res, err := sess.deps.Fire(t.Context(), "invoice.paid", 4, nil)
	if err != nil || len(res) != 1 || len(r.got()) != 1 || r.got()[0]["event"] != "invoice.paid" {
		t.Fatalf("Fire: %+v %v, receiver got %v", res, err, r.got())
	}
}
