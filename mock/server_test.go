package mock

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	testPublic = "pk_test_public"
	testSecret = "sk_test_secret"
)

var keyRE = regexp.MustCompile(`^whook_[0-9A-Za-z]{14}$`)

// testAPI is a Server over a store in a fresh temp folder.
type testAPI struct {
	srv   *Server
	store *Store
	dir   string
}

func newTestAPI(t testing.TB) *testAPI {
	t.Helper()
	dir := t.TempDir()
	st, err := OpenStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, st)
	return &testAPI{srv: NewServer(st, Options{PublicKey: testPublic, SecretKey: testSecret, Version: "9.9.9-test"}), store: st, dir: dir}
}

// reqOpt adjusts a test request before it is sent.
type reqOpt func(*http.Request)

func noAuth() reqOpt { return func(r *http.Request) { r.Header.Del("Authorization") } }
func withHeader(k, v string) reqOpt {
	return func(r *http.Request) { r.Header.Set(k, v) }
}
func withBasic(user, pass string) reqOpt {
	return func(r *http.Request) { r.SetBasicAuth(user, pass) }
}

// sendRequest sends one request through the handler with valid Basic
// credentials and, when body is not empty, Content-Type: application/json.
func (a *testAPI) sendRequest(t testing.TB, method, path, body string, opts ...reqOpt) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.SetBasicAuth(testPublic, testSecret)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(r)
	}
	rr := httptest.NewRecorder()
	a.srv.ServeHTTP(rr, r)
	checkAnswer(t, method, path, rr)
	return rr
}

type testEnvelope struct {
	Data    json.RawMessage `json:"data"`
	Message string          `json:"message"`
	Status  int             `json:"status"`
}

// envelopeOf checks the envelope invariants every answer shares and
// returns it: JSON content type, version header, status mirrored.
func envelopeOf(t testing.TB, rr *httptest.ResponseRecorder) testEnvelope {
	t.Helper()
	if ct := rr.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if v := rr.Header().Get(VersionHeader); v != "9.9.9-test" {
		t.Errorf("%s = %q, want 9.9.9-test", VersionHeader, v)
	}
	var env testEnvelope
	dec := json.NewDecoder(rr.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("body is not the envelope: %v", err)
	}
	if env.Status != rr.Code {
		t.Errorf("envelope status %d, HTTP status %d", env.Status, rr.Code)
	}
	if env.Message == "" {
		t.Error("envelope message is empty")
	}
	return env
}

// wantError checks an error answer: code, "data": null and a message
// containing every fragment.
func wantError(t testing.TB, rr *httptest.ResponseRecorder, code int, fragments ...string) {
	t.Helper()
	if rr.Code != code {
		t.Fatalf("status %d, want %d; body %s", rr.Code, code, rr.Body)
	}
	env := envelopeOf(t, rr)
	if string(env.Data) != "null" {
		t.Errorf("error data = %s, want null", env.Data)
	}
	for _, f := range fragments {
		if !strings.Contains(env.Message, f) {
			t.Errorf("message %q does not mention %q", env.Message, f)
		}
	}
}

func wantHook(t testing.TB, rr *httptest.ResponseRecorder) Webhook {
	t.Helper()
	if rr.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", rr.Code, rr.Body)
	}
	env := envelopeOf(t, rr)
	var w Webhook
	if err := json.Unmarshal(env.Data, &w); err != nil {
		t.Fatalf("data is not a webhook: %v: %s", err, env.Data)
	}
	return w
}

func wantList(t testing.TB, rr *httptest.ResponseRecorder) ([]string, bool) {
	t.Helper()
	if rr.Code != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", rr.Code, rr.Body)
	}
	env := envelopeOf(t, rr)
	var l struct {
		Items   []Webhook `json:"items"`
		HasMore *bool     `json:"has_more"`
	}
	if err := json.Unmarshal(env.Data, &l); err != nil || l.Items == nil || l.HasMore == nil {
		t.Fatalf("data is not {items, has_more}: %v: %s", err, env.Data)
	}
	keys := make([]string, len(l.Items))
	for i, w := range l.Items {
		keys[i] = w.Key
	}
	return keys, *l.HasMore
}

func (a *testAPI) create(t testing.TB, target string, events ...string) Webhook {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"target": target, "events": events})
	return wantHook(t, a.sendRequest(t, "POST", "/api/v2/webhooks", string(b)))
}

func TestServer_Auth(t *testing.T) {
	a := newTestAPI(t)
	tests := []struct {
		name string
		opt  reqOpt
		ok   bool
	}{
		{"basic", withBasic(testPublic, testSecret), true},
		{"bearer", withHeader("Authorization", "Bearer "+testSecret), true},
		{"bearer lower case scheme", withHeader("Authorization", "bearer "+testSecret), true},
		{"none", noAuth(), false},
		{"wrong secret", withBasic(testPublic, "sk_test_secreT"), false},
		{"wrong public", withBasic("pk_other", testSecret), false},
		{"swapped", withBasic(testSecret, testPublic), false},
		{"short secret", withBasic(testPublic, "s"), false},
		{"long secret", withBasic(testPublic, testSecret+strings.Repeat("x", 500)), false},
		{"empty basic", withBasic("", ""), false},
		{"bearer public key", withHeader("Authorization", "Bearer "+testPublic), false},
		{"bearer empty", withHeader("Authorization", "Bearer "), false},
		{"other scheme", withHeader("Authorization", "Token "+testSecret), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, req := range []struct{ method, path, body string }{
				{"GET", "/api/v2/webhooks", ""},
				{"POST", "/api/v2/webhooks", `{"target":"https://x.test","events":["application_created"]}`},
				{"GET", "/api/v2/webhooks/whook_any", ""},
			} {
				rr := a.sendRequest(t, req.method, req.path, req.body, tt.opt)
				if tt.ok {
					if rr.Code == http.StatusUnauthorized {
						t.Errorf("%s %s: 401 with good credentials", req.method, req.path)
					}
					continue
				}
				wantError(t, rr, http.StatusUnauthorized, "credentials", "curl -u")
				if got := rr.Header().Get("WWW-Authenticate"); got != `Basic realm="psbox"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if strings.Contains(rr.Body.String(), testSecret) {
					t.Error("401 body echoes the secret")
				}
			}
		})
	}
}

func TestServer_HealthNeedsNoAuth(t *testing.T) {
	a := newTestAPI(t)
	a.create(t, "https://x.test", "application_created")
	rr := a.sendRequest(t, "GET", "/_psbox/health", "", noAuth())
	if rr.Code != 200 {
		t.Fatalf("health answered %d", rr.Code)
	}
	env := envelopeOf(t, rr)
	var h struct {
		Status   string `json:"status"`
		Version  string `json:"version"`
		Webhooks int    `json:"webhooks"`
	}
	if err := json.Unmarshal(env.Data, &h); err != nil || h.Status != "ok" || h.Version != "9.9.9-test" || h.Webhooks != 1 {
		t.Errorf("health data %s (%v)", env.Data, err)
	}
}

func TestServer_WrongMethod(t *testing.T) {
	a := newTestAPI(t)
	tests := []struct{ method, path, allow string }{
		{"PUT", "/api/v2/webhooks", "GET, HEAD, POST"},
		{"DELETE", "/api/v2/webhooks", "GET, HEAD, POST"},
		{"POST", "/api/v2/webhooks/whook_x", "DELETE, GET, HEAD, PATCH"},
		{"PUT", "/api/v2/webhooks/whook_x", "DELETE, GET, HEAD, PATCH"},
		{"POST", "/_psbox/health", "GET, HEAD"},
	}
	for _, tt := range tests {
		rr := a.sendRequest(t, tt.method, tt.path, "")
		wantError(t, rr, http.StatusMethodNotAllowed, tt.method, tt.path)
		if got := rr.Header().Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
		}
	}
}

func TestServer_UnknownPath(t *testing.T) {
	a := newTestAPI(t)
	for _, p := range []string{"/", "/api/v2/webhook", "/api/v2/webhooks/whook_x/extra", "/api/v1/webhooks", "/api/v2/webhooks/"} {
		wantError(t, a.sendRequest(t, "GET", p, ""), http.StatusNotFound, "/api/v2/webhooks")
	}
	// Unknown paths need credentials too: nothing is learned without them.
	wantError(t, a.sendRequest(t, "GET", "/nope", "", noAuth()), http.StatusUnauthorized)
}

func TestServer_HandleMountsExtraRoute(t *testing.T) {
	a := newTestAPI(t)
	a.srv.Handle("POST /_psbox/extra", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Event string `json:"event"`
		}
		if err := DecodeJSON(w, r, &body); err != nil {
			WriteError(w, err)
			return
		}
		WriteJSON(w, http.StatusOK, map[string]string{"fired": body.Event}, "Event fired")
	}))
	rr := a.sendRequest(t, "POST", "/_psbox/extra", `{"event":"application_created"}`)
	if rr.Code != 200 || !strings.Contains(rr.Body.String(), `"fired":"application_created"`) {
		t.Errorf("mounted route answered %d %s", rr.Code, rr.Body)
	}
	envelopeOf(t, rr)
	wantError(t, a.sendRequest(t, "POST", "/_psbox/extra", `{"event":"x"}`, noAuth()), http.StatusUnauthorized)
	wantError(t, a.sendRequest(t, "POST", "/_psbox/extra", `{"evnt":"x"}`), http.StatusBadRequest, "unknown field")
	wantError(t, a.sendRequest(t, "GET", "/_psbox/extra", ""), http.StatusMethodNotAllowed)
}

func TestServer_PanicBecomesJSON500(t *testing.T) {
	a := newTestAPI(t)
	a.srv.Handle("GET /_psbox/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	wantError(t, a.sendRequest(t, "GET", "/_psbox/boom", ""), http.StatusInternalServerError, "internal error")
}

func TestServer_RestartPersistence(t *testing.T) {
	a := newTestAPI(t)
	var want []Webhook
	for i := range 5 {
		want = append(want, a.create(t, fmt.Sprintf("https://x.test/%d", i), "application_created", "customer_created"))
	}
	want[1] = wantHook(t, a.sendRequest(t, "PATCH", "/api/v2/webhooks/"+want[1].Key, `{"events":["deal.created"]}`))
	want[2] = wantHook(t, a.sendRequest(t, "DELETE", "/api/v2/webhooks/"+want[2].Key, ""))

	// A second server on the same folder, as after a restart.
	st2, err := OpenStore(a.dir)
	if err != nil {
		t.Fatal(err)
	}
	closeAtEnd(t, st2)
	b := &testAPI{srv: NewServer(st2, Options{PublicKey: testPublic, SecretKey: testSecret, Version: "9.9.9-test"}), store: st2, dir: a.dir}
	for _, w := range want {
		got := wantHook(t, b.sendRequest(t, "GET", "/api/v2/webhooks/"+w.Key, ""))
		if got.Key != w.Key || got.Target != w.Target || !slices.Equal(got.Events, w.Events) ||
			got.Archived != w.Archived || got.CreatedAt != w.CreatedAt || got.UpdatedAt != w.UpdatedAt {
			t.Errorf("after restart %+v, want %+v", got, w)
		}
	}
	keys, _ := wantList(t, b.sendRequest(t, "GET", "/api/v2/webhooks", ""))
	if !slices.Equal(keys, []string{want[4].Key, want[3].Key, want[2].Key, want[1].Key, want[0].Key}) {
		t.Errorf("order after restart %v", keys)
	}
}
