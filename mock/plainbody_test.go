package mock

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzPlainWebhookBody holds the short path to the strict one: whenever
// plainWebhookBody accepts a body, encoding/json (decodeStrict plus
// webhookBody.fields) accepts it too and reads the same target and events.
func FuzzPlainWebhookBody(f *testing.F) {
	for _, s := range []string{
		`{"target":"https://example.com/hooks","events":["application_created"]}`,
		` { "target_url" : "http://localhost:3000" , "events" : [ "a" , "b" ] } `,
		`{"events":[]}`, `{}`, `{"target":"x"}`,
		`{"target":"https://x.test","events":["application_created"],"events":[]}`,
		`{"Target":"https://x.test"}`, `{"target":"\u00e9"}`, `{"target":"é"}`,
		`{"target":"a\tb"}`, `{"target":"\xff"}`, `{"events":["a",]}`, `{"events":null}`,
		`{"target":"x"} {}`, `{"target":"x",}`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		target, events, ok := plainWebhookBody(b)
		if !ok {
			return
		}
		var body webhookBody
		if err := decodeStrict(b, &body); err != nil {
			t.Fatalf("short path accepted %q, encoding/json refused it: %v", b, err)
		}
		wt, we, err := body.fields()
		if err != nil {
			t.Fatalf("short path accepted %q, fields refused it: %v", b, err)
		}
		if diff := cmp.Diff(wt, target); diff != "" {
			t.Errorf("target of %q (-encoding/json +short path):\n%s", b, diff)
		}
		if diff := cmp.Diff(we, events); diff != "" || (we == nil) != (events == nil) {
			t.Errorf("events of %q (-encoding/json +short path):\n%s (nil: %v vs %v)", b, diff, we == nil, events == nil)
		}
	})
}

// TestPlainWebhookBody_TakesTheUsualBodies: the bodies the README and
// clients send take the short path (else the fuzz test above proves nothing
// about them).
func TestPlainWebhookBody_TakesTheUsualBodies(t *testing.T) {
	for _, s := range []string{
		`{"target":"https://example.com/webhooks","events":["application_created","customer.created"]}`,
		"{\n  \"target_url\": \"http://127.0.0.1:8485/webhooks\",\n  \"events\": []\n}\n",
		`{"events":["application_approved"]}`,
	} {
		if _, _, ok := plainWebhookBody([]byte(s)); !ok {
			t.Errorf("short path refused %s", s)
		}
	}
}
