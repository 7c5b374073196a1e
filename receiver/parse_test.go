package receiver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/psbox-dev/psbox/internal/testutil"
)

// TestReceiver_ObjectsOnly: a body that is not a JSON object is answered
// 400 and not acted on; an object whose fields have unexpected types is
// still an object, acted on under the event it names.
func TestReceiver_ObjectsOnly(t *testing.T) {
	rc := New(&testutil.Buffer{}, Options{Quiet: true})
	srv := httptest.NewServer(rc)
	defer srv.Close()
	for _, body := range []string{``, `not json`, `[1]`, `null`, `"s"`, `7`, `{"key": "a"} x`, `{"key": "a"`, ` [{"key": "a"}]`} {
		if resp, got := postTo(t, srv.URL, "", body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("body %q answered %d %s; want 400", body, resp.StatusCode, got)
		}
	}
	for _, c := range []struct{ body, event, key string }{
		{` {"event": "customer_created", "data": {"key": "cus_1"}}`, "customer_created", "cus_1"},
		{`{"event": "deal_created", "data": "x", "key": 5, "partner_key": "part_1"}`, "deal_created", "part_1"},
		{`{"event": 7, "team": {"key": "team_1"}}`, "", "team_1"},
	} {
		if resp, got := postTo(t, srv.URL, "", c.body); resp.StatusCode != http.StatusOK {
			t.Errorf("body %s answered %d %s; want 200", c.body, resp.StatusCode, got)
		}
		if n := rc.Count(c.event, c.key); n != 1 {
			t.Errorf("body %s: acted on %q/%q %d times; want 1", c.body, c.event, c.key, n)
		}
	}
}
