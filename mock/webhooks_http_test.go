package mock

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

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
