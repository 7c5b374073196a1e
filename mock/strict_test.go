package mock

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestServer_StrictDecoding: field names match exactly, a key appears at
// most once (also spelled with escapes), and every string is valid UTF-8
// with no lone surrogate. Each is a 400 naming the field, on create and on
// update, and nothing is stored.
func TestServer_StrictDecoding(t *testing.T) {
	const ev = `"events":["application_created"]`
	tests := []struct{ name, body, field, why string }{
		{"upper-case name", `{"TARGET":"https://x.test",` + ev + `}`, "TARGET", "case"},
		{"mixed-case alias", `{"Target_Url":"https://x.test",` + ev + `}`, "Target_Url", "case"},
		{"mixed-case events", `{"target":"https://x.test","Events":["application_created"]}`, "Events", "case"},
		{"duplicate, other case", `{"target":"http://a.b/",` + ev + `,"TaRgEt":"http://evil/"}`, "TaRgEt", "case"},
		{"duplicate key", `{"target":"http://a.b/",` + ev + `,"target":"http://evil/"}`, "target", "twice"},
		{"duplicate by escape", `{"target":"http://a.b/",` + ev + `,"t\u0061rget":"http://evil/"}`, "target", "twice"},
		{"duplicate events", `{"target":"http://a.b/",` + ev + `,` + ev + `}`, "events", "twice"},
		{"invalid UTF-8", "{\"target\":\"https://x.test/\xff\"," + ev + "}", "target", "UTF-8"},
		{"invalid UTF-8 in events", "{\"target\":\"https://x.test/\",\"events\":[\"application_created\",\"\xc3\x28\"]}", "events[1]", "UTF-8"},
		{"lone high surrogate", `{"target":"https://x.test/\ud800",` + ev + `}`, "target", "surrogate"},
		{"lone low surrogate", `{"target":"https://x.test/\udc00x",` + ev + `}`, "target", "surrogate"},
		{"high then not low", `{"target":"https://x.test/\ud800\u0041",` + ev + `}`, "target", "surrogate"},
		{"invalid UTF-8 in a name", "{\"target\":\"https://x.test/\"," + ev + ",\"\xff\":1}", "a field name", "UTF-8"},
	}
	a := newTestAPI(t)
	hook := a.create(t, "https://seed.test/", "application_created")
	for _, tt := range tests {
		for _, req := range []struct{ method, path string }{{"POST", "/api/v2/webhooks"}, {"PATCH", "/api/v2/webhooks/" + hook.Key}} {
			t.Run(tt.name+" "+req.method, func(t *testing.T) {
				wantError(t, a.sendRequest(t, req.method, req.path, tt.body), http.StatusBadRequest, tt.field, tt.why)
			})
		}
	}
	if got, _ := a.store.Get(hook.Key); got.Target != "https://seed.test/" || a.store.Len() != 1 {
		t.Errorf("bad bodies changed the store: %d webhooks, target %s", a.store.Len(), got.Target)
	}
	// A valid pair and a literal U+FFFD stay accepted.
	ok := `{"target":"https://x.test/\ud83d\ude00/\ufffd/` + "\xef\xbf\xbd" + `",` + ev + `}`
	if rr := a.sendRequest(t, "POST", "/api/v2/webhooks", ok); rr.Code != http.StatusOK {
		t.Errorf("a surrogate pair and U+FFFD: %d %s", rr.Code, rr.Body)
	}
}

// TestFireRequest_StrictDecoding: POST /_psbox/events decodes the same way.
func TestFireRequest_StrictDecoding(t *testing.T) {
	for body, field := range map[string]string{
		`{"EVENT":"application_created"}`:                               "EVENT",
		`{"event":"application_created","event":"partnership_created"}`: "event",
		`{"event":"application_created","set":{"a":1,"a":2}}`:           "set.a",
		`{"event":"application_created\udfff"}`:                         "event",
	} {
		var req fireRequest
		err := decodeStrict([]byte(body), &req)
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: %v, want an error naming %s", body, err, field)
		}
	}
}

// FuzzServer_StrictDecoding holds create and update to the three rules on
// any body: a top-level key sent twice (after unescaping), a top-level key
// that matches a field only when case is ignored, or a string that is not
// valid UTF-8 (raw, or a lone surrogate escape decoded to U+FFFD) is never
// accepted. The oracle is encoding/json's own token stream, not psbox's
// scanner.
func FuzzServer_StrictDecoding(f *testing.F) {
	for _, s := range []string{
		`{"target":"https://x.test/","events":["application_created"]}`,
		`{"target":"http://a.b/","events":["application_created"],"TaRgEt":"http://evil/"}`,
		`{"target":"http://a.b/","events":["application_created"],"t\u0061rget":"http://evil/"}`,
		`{"Target_Url":"https://x.test/","events":["application_created"]}`,
		`{"target":"https://x.test/\ud800","events":["application_created"]}`,
		"{\"target\":\"https://x.test/\xff\",\"events\":[\"application_created\"]}",
		`{"target":"https://x.test/\ud83d\ude00","events":["application_created"]}`,
		`{"target":"https://x.test/\\ud800","events":["application_created"]}`,
	} {
		f.Add([]byte(s))
	}
	a := newTestAPI(f)
	hook, err := a.store.Create("https://seed.test", []string{"application_created"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		broken := breaksStrictRules(body)
		for _, req := range []struct{ method, path string }{{"POST", "/api/v2/webhooks"}, {"PATCH", "/api/v2/webhooks/" + hook.Key}} {
			rr := a.sendRequest(t, req.method, req.path, string(body), withHeader("Content-Type", "application/json"))
			if broken != "" && rr.Code < 400 {
				t.Fatalf("%s %q breaks a rule (%s) but was answered %d: %s", req.method, body, broken, rr.Code, rr.Body)
			}
			if broken != "" && rr.Code != http.StatusBadRequest {
				t.Fatalf("%s %q breaks a rule (%s): answered %d, want 400", req.method, body, broken, rr.Code)
			}
		}
	})
}

// breaksStrictRules says which rule a JSON object body breaks, read through
// encoding/json's tokens; "" when none (or when it is not a JSON object).
func breaksStrictRules(body []byte) string {
	if !json.Valid(body) {
		return ""
	}
	if !utf8.Valid(body) {
		return "invalid UTF-8"
	}
	// U+FFFD in a decoded string that the body neither holds literally nor
	// as an escape came from a lone surrogate.
	legit := bytes.Contains(body, []byte("\uFFFD")) || bytes.Contains(bytes.ToLower(body), []byte("fffd"))
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, _ := dec.Token()
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return ""
	}
	seen := map[string]bool{}
	depth := 1
	expectKey := true
	for depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if s, ok := tok.(string); ok && strings.ContainsRune(s, utf8.RuneError) && !legit {
			return "lone surrogate"
		}
		if k, ok := tok.(string); ok && depth == 1 && expectKey {
			if seen[k] {
				return "duplicate key " + k
			}
			seen[k] = true
			for _, f := range []string{"target", "target_url", "events"} {
				if k != f && strings.EqualFold(k, f) {
					return "case of " + k
				}
			}
			expectKey = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 1 {
			expectKey = true
		}
	}
	return ""
}
