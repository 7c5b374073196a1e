package mock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
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

func TestServer_CreateReturnsWebhook(t *testing.T) {
	a := newTestAPI(t)
	rr := a.sendRequest(t, "POST", "/api/v2/webhooks", `{"target":"https://example.com/hooks?x=1&y=2","events":["application_created","customer.created"]}`)
	if rr.Code != 200 {
		t.Fatalf("create answered %d (PartnerStack answers 200 with the envelope): %s", rr.Code, rr.Body)
	}
	body := rr.Body.String()
	if !strings.Contains(body, `"message":"Webhook created"`) || !strings.Contains(body, `x=1&y=2`) {
		t.Errorf("body %s lacks the message or escapes the URL", body)
	}
	w := wantHook(t, rr)
	if !keyRE.MatchString(w.Key) {
		t.Errorf("key %q is not whook_ + 14 base-62 characters", w.Key)
	}
	if w.Target != "https://example.com/hooks?x=1&y=2" || !slices.Equal(w.Events, []string{"application_created", "customer.created"}) || w.Archived {
		t.Errorf("created %+v", w)
	}
	if w.CreatedAt < 1_600_000_000_000 || w.UpdatedAt != w.CreatedAt {
		t.Errorf("timestamps created_at=%d updated_at=%d, want equal epoch ms", w.CreatedAt, w.UpdatedAt)
	}
	got, ok := a.store.Get(w.Key)
	if !ok || got.Target != w.Target {
		t.Errorf("store has %+v, %v", got, ok)
	}
}

func TestServer_CreateAcceptsTargetURLAlias(t *testing.T) {
	a := newTestAPI(t)
	w := wantHook(t, a.sendRequest(t, "POST", "/api/v2/webhooks", `{"target_url":"http://localhost:3000/wh","events":["application_approved"]}`))
	if w.Target != "http://localhost:3000/wh" {
		t.Errorf("target = %q", w.Target)
	}
}

func TestServer_CreateRejectsBadBodies(t *testing.T) {
	tests := []struct {
		name, body string
		fragments  []string
	}{
		{"malformed JSON", `{"target": "https://x.test",`, []string{"invalid JSON"}},
		{"syntax error", `{"target" "https://x.test"}`, []string{"invalid JSON", "byte"}},
		{"trailing data", `{"target":"https://x.test","events":["application_created"]} {}`, []string{"trailing data"}},
		{"unknown field", `{"target":"https://x.test","events":["application_created"],"secret":"s"}`, []string{`unknown field "secret"`}},
		{"not an object", `["https://x.test"]`, []string{"want a JSON object"}},
		{"target wrong type", `{"target":42,"events":["application_created"]}`, []string{"target", "want a URL string"}},
		{"target null", `{"target":null,"events":["application_created"]}`, []string{"target", "null"}},
		{"events wrong type", `{"target":"https://x.test","events":"application_created"}`, []string{"events", "want an array"}},
		{"events of numbers", `{"target":"https://x.test","events":[1,2]}`, []string{"events", "want an array"}},
		{"events null", `{"target":"https://x.test","events":null}`, []string{"events"}},
		{"target missing", `{"events":["application_created"]}`, []string{"target", "missing"}},
		{"events missing", `{"target":"https://x.test"}`, []string{"events", "missing"}},
		{"empty object", `{}`, []string{"target", "missing"}},
		{"target not http", `{"target":"ftp://x.test/a","events":["application_created"]}`, []string{"target", "http:// or https://"}},
		{"target relative", `{"target":"/hooks","events":["application_created"]}`, []string{"target", "http:// or https://"}},
		{"target no host", `{"target":"https:///hooks","events":["application_created"]}`, []string{"target", "no host"}},
		{"target user-info", `{"target":"https://u:p@x.test/","events":["application_created"]}`, []string{"target", "user-info"}},
		{"target empty", `{"target":"","events":["application_created"]}`, []string{"target", "empty"}},
		{"both target and alias", `{"target":"https://x.test","target_url":"https://y.test","events":["application_created"]}`, []string{"target_url"}},
		{"events empty", `{"target":"https://x.test","events":[]}`, []string{"events", "empty"}},
		{"events unknown", `{"target":"https://x.test","events":["application_create"]}`, []string{"events", `unknown event "application_create"`, "psbox events"}},
		{"events duplicate", `{"target":"https://x.test","events":["application_created","application_created"]}`, []string{"events", "twice"}},
	}
	a := newTestAPI(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, a.sendRequest(t, "POST", "/api/v2/webhooks", tt.body), http.StatusBadRequest, tt.fragments...)
		})
	}
	t.Run("empty body", func(t *testing.T) {
		wantError(t, a.sendRequest(t, "POST", "/api/v2/webhooks", "", withHeader("Content-Type", "application/json")), http.StatusBadRequest, "empty")
	})
	if n := a.store.Len(); n != 0 {
		t.Errorf("bad bodies created %d webhooks", n)
	}
}

func TestServer_BodyTooLarge(t *testing.T) {
	a := newTestAPI(t)
	hook := a.create(t, "https://x.test", "application_created")
	big := `{"target":"https://x.test/` + strings.Repeat("a", MaxRequestBytes) + `","events":["application_created"]}`
	wantError(t, a.sendRequest(t, "POST", "/api/v2/webhooks", big), http.StatusRequestEntityTooLarge, "larger than")
	wantError(t, a.sendRequest(t, "PATCH", "/api/v2/webhooks/"+hook.Key, big), http.StatusRequestEntityTooLarge)
	// A small valid object followed by more than 1 MiB of padding is too large too.
	padded := `{"target":"https://x.test","events":["application_created"]}` + strings.Repeat(" ", MaxRequestBytes)
	wantError(t, a.sendRequest(t, "POST", "/api/v2/webhooks", padded), http.StatusRequestEntityTooLarge)
	if n := a.store.Len(); n != 1 {
		t.Errorf("store holds %d webhooks, want 1", n)
	}
}

func TestServer_WrongContentType(t *testing.T) {
	a := newTestAPI(t)
	hook := a.create(t, "https://x.test", "application_created")
	body := `{"target":"https://y.test","events":["application_created"]}`
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"} {
		wantError(t, a.sendRequest(t, "POST", "/api/v2/webhooks", body, withHeader("Content-Type", ct)), http.StatusUnsupportedMediaType, "application/json")
		wantError(t, a.sendRequest(t, "PATCH", "/api/v2/webhooks/"+hook.Key, body, withHeader("Content-Type", ct)), http.StatusUnsupportedMediaType)
	}
	// Parameters are fine.
	wantHook(t, a.sendRequest(t, "POST", "/api/v2/webhooks", body, withHeader("Content-Type", "application/json; charset=utf-8")))
}

func TestServer_GetWebhook(t *testing.T) {
	a := newTestAPI(t)
	made := a.create(t, "https://x.test/a", "partnership_created")
	got := wantHook(t, a.sendRequest(t, "GET", "/api/v2/webhooks/"+made.Key, ""))
	if got.Key != made.Key || got.Target != made.Target || !slices.Equal(got.Events, made.Events) || got.CreatedAt != made.CreatedAt {
		t.Errorf("got %+v, want %+v", got, made)
	}
}

func TestServer_UnknownKey(t *testing.T) {
	a := newTestAPI(t)
	for _, m := range []string{"GET", "DELETE"} {
		wantError(t, a.sendRequest(t, m, "/api/v2/webhooks/whook_doesnotexist00", ""), http.StatusNotFound, "whook_doesnotexist00")
	}
	wantError(t, a.sendRequest(t, "PATCH", "/api/v2/webhooks/whook_doesnotexist00", `{"target":"https://x.test"}`), http.StatusNotFound, "whook_doesnotexist00")
}

func TestServer_PatchPartialUpdate(t *testing.T) {
	a := newTestAPI(t)
	made := a.create(t, "https://x.test/a", "application_created", "application_approved")
	path := "/api/v2/webhooks/" + made.Key

	onlyTarget := wantHook(t, a.sendRequest(t, "PATCH", path, `{"target":"https://x.test/b"}`))
	if onlyTarget.Target != "https://x.test/b" || !slices.Equal(onlyTarget.Events, made.Events) {
		t.Errorf("target-only PATCH gave %+v", onlyTarget)
	}
	if onlyTarget.CreatedAt != made.CreatedAt || onlyTarget.UpdatedAt < made.UpdatedAt {
		t.Errorf("timestamps after PATCH %+v, before %+v", onlyTarget, made)
	}

	onlyEvents := wantHook(t, a.sendRequest(t, "PATCH", path, `{"events":["customer_created"]}`))
	if onlyEvents.Target != "https://x.test/b" || !slices.Equal(onlyEvents.Events, []string{"customer_created"}) {
		t.Errorf("events-only PATCH gave %+v", onlyEvents)
	}

	alias := wantHook(t, a.sendRequest(t, "PATCH", path, `{"target_url":"https://x.test/c"}`))
	if alias.Target != "https://x.test/c" {
		t.Errorf("target_url PATCH gave %+v", alias)
	}

	for _, bad := range []struct{ body, frag string }{
		{`{"target":null}`, "target"},
		{`{"events":null}`, "events"},
		{`{"events":[]}`, "events"},
		{`{"events":["nope"]}`, "events"},
		{`{"target":"mailto:a@b.c"}`, "target"},
		{`{}`, "nothing to update"},
		{`{"key":"whook_x"}`, "unknown field"},
	} {
		wantError(t, a.sendRequest(t, "PATCH", path, bad.body), http.StatusBadRequest, bad.frag)
	}
	got, _ := a.store.Get(made.Key)
	if got.Target != "https://x.test/c" || !slices.Equal(got.Events, []string{"customer_created"}) {
		t.Errorf("rejected PATCHes changed the webhook: %+v", got)
	}
}

func TestServer_ArchiveSoftDeletes(t *testing.T) {
	a := newTestAPI(t)
	keep := a.create(t, "https://x.test/keep", "application_created")
	gone := a.create(t, "https://x.test/gone", "application_created")
	path := "/api/v2/webhooks/" + gone.Key

	archived := wantHook(t, a.sendRequest(t, "DELETE", path, ""))
	if !archived.Archived || archived.Key != gone.Key || archived.UpdatedAt < gone.UpdatedAt {
		t.Errorf("DELETE answered %+v", archived)
	}
	if got := wantHook(t, a.sendRequest(t, "GET", path, "")); !got.Archived {
		t.Errorf("GET after archive: %+v, want archived:true", got)
	}
	keys, _ := wantList(t, a.sendRequest(t, "GET", "/api/v2/webhooks", ""))
	if !slices.Equal(keys, []string{gone.Key, keep.Key}) {
		t.Errorf("list after archive = %v, want both (archived still listed)", keys)
	}
	subs := a.store.Subscribed("application_created")
	if len(subs) != 1 || subs[0].Key != keep.Key {
		t.Errorf("Subscribed = %+v, want only %s", subs, keep.Key)
	}
	wantError(t, a.sendRequest(t, "PATCH", path, `{"target":"https://x.test/back"}`), http.StatusConflict, "archived")
	again := wantHook(t, a.sendRequest(t, "DELETE", path, ""))
	if !again.Archived || again.UpdatedAt != archived.UpdatedAt {
		t.Errorf("second DELETE = %+v, want unchanged %+v", again, archived)
	}
}

func TestServer_ListPagination(t *testing.T) {
	a := newTestAPI(t)
	var created []string
	for i := range 25 {
		created = append(created, a.create(t, fmt.Sprintf("https://x.test/%d", i), "application_created").Key)
	}
	newest := slices.Clone(created)
	slices.Reverse(newest) // the API lists newest first

	page := func(query string) ([]string, bool) {
		t.Helper()
		return wantList(t, a.sendRequest(t, "GET", "/api/v2/webhooks?"+query, ""))
	}
	check := func(name string, gotKeys []string, gotMore bool, want []string, wantMore bool) {
		t.Helper()
		if !slices.Equal(gotKeys, want) || gotMore != wantMore {
			t.Errorf("%s: keys %v has_more %v; want %v has_more %v", name, gotKeys, gotMore, want, wantMore)
		}
	}

	// Forward with starting_after to the end.
	k, m := page("limit=10")
	check("page 1", k, m, newest[0:10], true)
	k, m = page("limit=10&starting_after=" + newest[9])
	check("page 2", k, m, newest[10:20], true)
	k, m = page("limit=10&starting_after=" + newest[19])
	check("page 3", k, m, newest[20:25], false)
	k, m = page("limit=10&starting_after=" + newest[24])
	check("past the end", k, m, []string{}, false)

	// Back with ending_before to the start.
	k, m = page("limit=10&ending_before=" + newest[20])
	check("back to page 2", k, m, newest[10:20], true)
	k, m = page("limit=10&ending_before=" + newest[10])
	check("back to page 1", k, m, newest[0:10], false)
	k, m = page("limit=10&ending_before=" + newest[0])
	check("before the start", k, m, []string{}, false)

	// Default limit is 10; limit 250 takes everything.
	k, m = page("")
	check("default limit", k, m, newest[0:10], true)
	k, m = page("limit=250")
	check("limit 250", k, m, newest, false)
}

func TestServer_ListRejectsBadQuery(t *testing.T) {
	a := newTestAPI(t)
	h := a.create(t, "https://x.test", "application_created")
	for _, q := range []string{"limit=0", "limit=251", "limit=-1", "limit=ten", "limit=", "limit=1.5"} {
		wantError(t, a.sendRequest(t, "GET", "/api/v2/webhooks?"+q, ""), http.StatusBadRequest, "limit", "1 to 250")
	}
	wantError(t, a.sendRequest(t, "GET", "/api/v2/webhooks?starting_after="+h.Key+"&ending_before="+h.Key, ""), http.StatusBadRequest, "starting_after", "ending_before")
	wantError(t, a.sendRequest(t, "GET", "/api/v2/webhooks?starting_after=whook_nope", ""), http.StatusBadRequest, "starting_after", "whook_nope")
	wantError(t, a.sendRequest(t, "GET", "/api/v2/webhooks?ending_before=whook_nope", ""), http.StatusBadRequest, "ending_before")
}

func TestServer_ListEmpty(t *testing.T) {
	a := newTestAPI(t)
	rr := a.sendRequest(t, "GET", "/api/v2/webhooks", "")
	if !strings.Contains(rr.Body.String(), `"items":[]`) {
		t.Errorf("empty list body %s, want items as [] (not null)", rr.Body)
	}
	k, m := wantList(t, rr)
	if len(k) != 0 || m {
		t.Errorf("empty store listed %v has_more %v", k, m)
	}
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

func TestServer_HTTPServerBoundsEverything(t *testing.T) {
	srv := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if srv.ReadHeaderTimeout != ReadHeaderTimeout || srv.ReadTimeout != ReadTimeout || srv.WriteTimeout != WriteTimeout ||
		srv.IdleTimeout != IdleTimeout || srv.MaxHeaderBytes != MaxHeaderBytes {
		t.Errorf("NewHTTPServer leaves a bound unset: %+v", srv)
	}
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": ReadHeaderTimeout, "ReadTimeout": ReadTimeout, "WriteTimeout": WriteTimeout, "IdleTimeout": IdleTimeout} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %v, want a bound between 0 and 2 minutes", name, d)
		}
	}
}

func TestServer_SlowlorisIsCutOff(t *testing.T) {
	a := newTestAPI(t)
	srv := NewHTTPServer("127.0.0.1:0", a.srv)
	srv.ReadHeaderTimeout = 200 * time.Millisecond // the real bound is 5 s; same mechanism
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() { srv.Close(); <-done }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	io.WriteString(conn, "GET /_psbox/health HTTP/1.1\r\nHost: x\r\n")
	// Trickle a header byte at a time and never finish.
	var closed bool
	for time.Since(start) < 3*time.Second {
		if _, err := io.WriteString(conn, "X"); err != nil {
			closed = true
			break
		}
		conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := conn.Read(make([]byte, 512)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			closed = true
			break
		}
	}
	if !closed {
		t.Fatal("a client trickling its headers was never cut off")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cut off after %v, want about the 200 ms header timeout", d)
	}
}

func TestServer_LargeHeadersRefused(t *testing.T) {
	a := newTestAPI(t)
	ts := httptest.NewUnstartedServer(a.srv)
	ts.Config = NewHTTPServer("", a.srv)
	ts.Start()
	defer ts.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/_psbox/health", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 2*MaxHeaderBytes))
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("headers of %d bytes answered %d, want 431", 2*MaxHeaderBytes, resp.StatusCode)
	}
}
