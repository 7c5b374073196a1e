package mock

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// capture is a receiver that remembers the events it got.
type capture struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []string // X-Psbox-Event of each request
	body [][]byte
}

func newCapture(t *testing.T) *capture {
	c := &capture{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.got = append(c.got, r.Header.Get(delivery.HeaderEvent))
		c.body = append(c.body, b)
		c.mu.Unlock()
		io.WriteString(w, `{"received":true}`)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *capture) events() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

func newDispatcher(t *testing.T) (*Dispatcher, *Store) {
	t.Helper()
	store, err := OpenStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, store)
	s, err := delivery.New(delivery.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return &Dispatcher{Subs: store, Sender: s}, store
}

// TestDispatcher_FanOut: two webhooks with different events each get only
// their events; an archived one gets none.
func TestDispatcher_FanOut(t *testing.T) {
	d, store := newDispatcher(t)
	apps, partners, archived := newCapture(t), newCapture(t), newCapture(t)
	if _, err := store.Create(apps.srv.URL, []string{"application_created", "application_approved"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Create(partners.srv.URL, []string{"partnership_created"}); err != nil {
		t.Fatal(err)
	}
	gone, err := store.Create(archived.srv.URL, []string{"application_created", "partnership_created"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Archive(gone.Key); err != nil {
		t.Fatal(err)
	}

	for _, ev := range []string{"application_created", "partnership_created", "application_approved"} {
		res, err := d.Fire(t.Context(), ev, 7, nil, "")
		if err != nil {
			t.Fatalf("Fire(%s): %v", ev, err)
		}
		if len(res) != 1 || !res[0].OK || res[0].Event != ev {
			t.Errorf("Fire(%s) = %+v, want one delivered result", ev, res)
		}
	}
	if got, want := strings.Join(apps.events(), ","), "application_created,application_approved"; got != want {
		t.Errorf("application webhook got %s, want %s", got, want)
	}
	if got, want := strings.Join(partners.events(), ","), "partnership_created"; got != want {
		t.Errorf("partnership webhook got %s, want %s", got, want)
	}
	if got := archived.events(); len(got) != 0 {
		t.Errorf("archived webhook got %v, want nothing", got)
	}
}

func TestDispatcher_NoSubscriptions(t *testing.T) {
	d, _ := newDispatcher(t)
	_, err := d.Fire(t.Context(), "customer_created", 1, nil, "")
	var none NoSubscriptionsError
	if !errors.As(err, &none) || none.Event != "customer_created" {
		t.Fatalf("err = %v, want NoSubscriptionsError for customer_created", err)
	}
	if !strings.Contains(err.Error(), "/api/v2/webhooks") {
		t.Errorf("error %q does not say how to create a subscription", err)
	}
}

func TestDispatcher_TargetAndEdits(t *testing.T) {
	d, _ := newDispatcher(t)
	c := newCapture(t)
	set, err := fixtures.ParseSet("content.email=jane@example.com")
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Fire(t.Context(), "application_created", 3, []fixtures.Edit{set}, c.srv.URL)
	if err != nil || len(res) != 1 || !res[0].OK {
		t.Fatalf("Fire = %+v, %v", res, err)
	}
	if !strings.Contains(string(c.body[0]), `"jane@example.com"`) {
		t.Errorf("body %s lacks the --set value", c.body[0])
	}
	want, _ := fixtures.NewBuilder(3).Build("application_created", set)
	if string(c.body[0]) != string(want) {
		t.Errorf("sent body differs from the builder's for the same seed")
	}
}

func TestDispatcher_BadInput(t *testing.T) {
	d, _ := newDispatcher(t)
	for name, tc := range map[string]struct {
		event, target, field string
		edits                []fixtures.Edit
	}{
		"unknown event": {event: "application_create", target: "http://127.0.0.1:1/", field: "event"},
		"bad target":    {event: "application_created", target: "ftp://x", field: "target"},
		"bad path":      {event: "application_created", target: "http://127.0.0.1:1/", field: "set", edits: []fixtures.Edit{{Path: "no.such.path", Value: 1}}},
	} {
		_, err := d.Fire(t.Context(), tc.event, 1, tc.edits, tc.target)
		var bad *BadInputError
		if !errors.As(err, &bad) || bad.Field != tc.field {
			t.Errorf("%s: err = %v, want a BadInputError on %s", name, err, tc.field)
		}
	}
}

func postEvents(t *testing.T, h http.Handler, body string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/_psbox/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, req)
	checkAnswer(t, http.MethodPost, "/_psbox/events", rr)
	var env map[string]any
	if err := json.Unmarshal(rr.Body.Bytes(), &env); err != nil {
		t.Fatalf("answer is not JSON: %q", rr.Body.String())
	}
	return rr, env
}

func TestDispatcher_Handler(t *testing.T) {
	d, store := newDispatcher(t)
	c := newCapture(t)
	if _, err := store.Create(c.srv.URL, []string{"application_approved"}); err != nil {
		t.Fatal(err)
	}
	h := d.Handler()

	rr, env := postEvents(t, h, `{"event":"application_approved","seed":42,"set":{"content.email":"jane@example.com","+meta.n":12345678901234567890},"unset":[]}`)
	if rr.Code != 200 || env["status"] != float64(200) {
		t.Fatalf("answer %d %s, want 200", rr.Code, rr.Body)
	}
	data := env["data"].(map[string]any)
	dels := data["deliveries"].([]any)
	if len(dels) != 1 || data["seed"] != float64(42) {
		t.Fatalf("data = %v, want one delivery and seed 42", data)
	}
	first := dels[0].(map[string]any)
	if first["ok"] != true || first["status"] != float64(200) || first["target"] != c.srv.URL || !strings.HasPrefix(first["delivery_id"].(string), "dlv_") {
		t.Errorf("delivery = %v", first)
	}
	if b := string(c.body[0]); !strings.Contains(b, `12345678901234567890`) || !strings.Contains(b, "jane@example.com") {
		t.Errorf("sent body %s lacks the set values (large integers exact)", b)
	}

	// A failed delivery is still a 200; its result says why.
	rr, env = postEvents(t, h, `{"event":"application_created","target":"http://127.0.0.1:1/hook"}`)
	if rr.Code != 200 {
		t.Fatalf("failed delivery answered %d, want 200 with the result", rr.Code)
	}
	res := env["data"].(map[string]any)["deliveries"].([]any)[0].(map[string]any)
	if res["ok"] != false || res["error_reason"] != "connection_refused" {
		t.Errorf("result = %v, want connection_refused", res)
	}

	for body, want := range map[string]string{
		`{"event":"nope"}`: "event",
		`{}`:               "event",
		`{"event":"application_created","target":"x"}`:        "target",
		`{"event":"application_created","set":{"a..b":1}}`:    "set",
		`{"event":"application_created","unset":["[x"]}`:      "unset",
		`{"event":"application_created","seed":"x"}`:          "seed",
		`{"event":"application_created","bogus":1}`:           "bogus",
		`{"event":"application_created","set":{"no.such":1}}`: "set",
	} {
		rr, env := postEvents(t, h, body)
		if rr.Code != 400 || !strings.Contains(env["message"].(string), want) {
			t.Errorf("%s: answered %d %q, want 400 naming %s", body, rr.Code, env["message"], want)
		}
	}
	rr, env = postEvents(t, h, `{"event":"customer_deleted"}`)
	if rr.Code != http.StatusConflict || !strings.Contains(env["message"].(string), "customer_deleted") {
		t.Errorf("no subscription: answered %d %v, want 409 naming the event", rr.Code, env["message"])
	}
}

// fixedSubs is a Subscriptions with fixed webhooks.
type fixedSubs []Webhook

func (f fixedSubs) Subscribed(event string) []Webhook {
	var out []Webhook
	for _, w := range f {
		if w.Matches(event) {
			out = append(out, w)
		}
	}
	return out
}

// Recipients is the one rule of who receives an event.
func TestRecipients(t *testing.T) {
	subs := fixedSubs{
		{Key: "whook_a", Target: "http://a.test/", Events: []string{"application_created"}},
		{Key: "whook_b", Target: "http://b.test/", Events: []string{"application_created", "application_approved"}},
		{Key: "whook_c", Target: "http://c.test/", Events: []string{"application_created"}, Archived: true},
	}
	for _, tc := range []struct {
		name                    string
		subs                    Subscriptions
		event, target, fallback string
		want                    []string
		wantErr                 string
	}{
		{"explicit target wins over subscriptions", subs, "application_created", "http://t.test/", "http://f.test/", []string{"http://t.test/"}, ""},
		{"every active subscription in order", subs, "application_created", "", "", []string{"http://a.test/", "http://b.test/"}, ""},
		{"subscriptions win over the fallback", subs, "application_approved", "", "http://f.test/", []string{"http://b.test/"}, ""},
		{"fallback when nobody subscribes", subs, "customer_created", "", "http://f.test/", []string{"http://f.test/"}, ""},
		{"nobody and no fallback", subs, "customer_created", "", "", nil, "no active webhook subscribes to customer_created"},
		{"no store, a target", nil, "customer_created", "http://t.test/", "", []string{"http://t.test/"}, ""},
		{"bad target", subs, "application_created", "ftp://t.test/", "", nil, "http:// or https://"},
	} {
		got, err := Recipients(tc.subs, tc.event, tc.target, tc.fallback)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err %v, want one saying %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
