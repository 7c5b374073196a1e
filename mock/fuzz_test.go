package mock

import (
	"encoding/json"
	"net/http"
	"testing"
)

// FuzzServer_CreateUpdate sends arbitrary bodies to POST /api/v2/webhooks
// and PATCH /api/v2/webhooks/{key}: the server never panics, never answers
// 5xx, and always answers with the JSON envelope.
func FuzzServer_CreateUpdate(f *testing.F) {
	seeds := []string{
		`{"target":"https://example.com/hooks","events":["application_created"]}`,
		`{"target_url":"http://localhost:3000","events":["customer.created","deal.created"]}`,
		`{"target":"https://example.com"}`,
		`{"events":["partnership_created"]}`,
		`{"target":null,"events":null}`,
		`{"target":1,"events":{}}`,
		`{"target":"https://u:p@x.test","events":["application_created"]}`,
		`{"target":"ftp://x","events":["nope"]}`,
		`{"target":"https://x.test","events":[]}`,
		`{"target":"https://x.test","target_url":"https://y.test","events":["application_created"]}`,
		`{"target":"https://x.test","events":["application_created"]} trailing`,
		`{"unknown":true}`,
		`{"target":"\u0000","events":["\ud800"]}`,
		`[]`, `null`, `"x"`, `0`, `{`, ``, `{"target":`, `{"events":[1e999]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	a := newTestAPI(f)
	hook, err := a.store.Create("https://seed.test", []string{"application_created"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, req := range []struct{ method, path string }{
			{"POST", "/api/v2/webhooks"},
			{"PATCH", "/api/v2/webhooks/" + hook.Key},
		} {
			rr := a.sendRequest(t, req.method, req.path, string(body), withHeader("Content-Type", "application/json"))
			if rr.Code >= 500 {
				t.Fatalf("%s %q answered %d: %s", req.method, body, rr.Code, rr.Body)
			}
			var env testEnvelope
			if err := json.Unmarshal(rr.Body.Bytes(), &env); err != nil || env.Status != rr.Code || env.Message == "" {
				t.Fatalf("%s %q: answer is not the envelope (%v): %s", req.method, body, err, rr.Body)
			}
			if rr.Code == http.StatusOK {
				var w Webhook
				if err := json.Unmarshal(env.Data, &w); err != nil || ValidateTarget(w.Target) != nil || ValidateEvents(w.Events) != nil {
					t.Fatalf("%s %q accepted an invalid webhook: %s", req.method, body, env.Data)
				}
			}
		}
	})
}
