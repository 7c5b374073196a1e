package mock

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// TestServer_ListBytesMatchTheEnvelopeEncoder checks that the list answer,
// assembled from each webhook's stored JSON, is byte for byte what the
// generic envelope encoder writes for the same page, before and after an
// update re-encodes one webhook, with a target holding characters JSON
// encoders like to escape.
func TestServer_ListBytesMatchTheEnvelopeEncoder(t *testing.T) {
	a := newTestAPI(t)
	for _, target := range []string{"https://example.com/a?x=1&y=<2>", "http://127.0.0.1:3000/hook", "https://example.org/\u00e9"} {
		if _, err := a.store.Create(target, []string{"application_created"}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(path string, n int, more bool) {
		t.Helper()
		got := a.sendRequest(t, "GET", path, "")
		items := a.store.List()[:n]
		want := httptest.NewRecorder()
		WriteJSON(want, http.StatusOK, webhookList{Items: items, HasMore: more}, "Webhooks retrieved")
		if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Errorf("GET %s:\n got %s\nwant %s", path, got.Body, want.Body)
		}
		if got.Header().Get("Content-Length") != want.Header().Get("Content-Length") {
			t.Errorf("Content-Length %q, want %q", got.Header().Get("Content-Length"), want.Header().Get("Content-Length"))
		}
	}
	check("/api/v2/webhooks", 3, false)
	check("/api/v2/webhooks?limit=2", 2, true)

	oldest := slices.Clone(a.store.List())[2]
	if _, err := a.store.Update(oldest.Key, nil, []string{"application_approved", "customer.created"}); err != nil {
		t.Fatal(err)
	}
	check("/api/v2/webhooks", 3, false)
	if _, err := a.store.Archive(oldest.Key); err != nil {
		t.Fatal(err)
	}
	check("/api/v2/webhooks", 3, false)
}
