package render

import (
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/recorder"
)

func TestRowCells(t *testing.T) {
	api := recorder.Summary{Kind: recorder.KindAPI, Method: "GET", Target: "http://127.0.0.1:8484/api/v2/webhooks?limit=2", Status: 200}
	if e, tg := EventTarget(&api); e != "api" || tg != "GET /api/v2/webhooks?limit=2" {
		t.Errorf("api call: %q %q", e, tg)
	}
	bare := recorder.Summary{Kind: recorder.KindAPI, Method: "GET", Target: "http://127.0.0.1:8484"}
	if _, tg := EventTarget(&bare); tg != "GET /" {
		t.Errorf("api call without a path: %q", tg)
	}
	dl := recorder.Summary{Kind: recorder.KindDelivery, Target: "http://r/h", Attempt: 2, ReplayOf: "dlv_1"}
	if e, tg := EventTarget(&dl); e != "-" || tg != "http://r/h" || Attempt(&dl) != "2 (replay)" {
		t.Errorf("delivery without event: %q %q %q", e, tg, Attempt(&dl))
	}
	for _, c := range []struct {
		status       int
		reason       string
		result, code string
	}{
		{200, "", "200", "200"},
		{503, recorder.ReasonStatus, "503", "503"},
		{0, recorder.ReasonRefused, "connection_refused", "refused"},
		{0, recorder.ReasonTimeout, "timeout", "timeout"},
		{0, "", "no answer", "ERR"},
		{200, "invalid_body", "200 invalid_body", "200"},
	} {
		if r, k := Result(c.status, c.reason), Code(c.status, c.reason); r != c.result || k != c.code || len(k) > 7 {
			t.Errorf("(%d, %q): Result %q Code %q; want %q %q", c.status, c.reason, r, k, c.result, c.code)
		}
	}
}

func TestExchange(t *testing.T) {
	ex := recorder.Exchange{ID: "ex_1", Kind: recorder.KindDelivery, DeliveryID: "dlv_1", Attempt: 1, Event: "e",
		Target: "http://r/h", Start: time.Now(), Duration: 1500 * time.Microsecond,
		Request: recorder.Request{Method: "POST", URL: "http://r/h", Headers: map[string][]string{"B": {"2"}, "A": {"1", "3"}},
			Body: recorder.Body("\xff\xfe"), Truncated: true},
		Error: "connection refused", ErrorReason: recorder.ReasonRefused}
	got := Exchange(&ex, Style{Section: func(s string) string { return "## " + s }})
	for _, w := range []string{"Delivery   dlv_1, attempt 1", "Latency    1.5ms", "Result     failed (connection_refused): connection refused",
		"## Request\nPOST http://r/h\nA: 1\nA: 3\nB: 2\n", "(2 bytes of binary data;", "(truncated: psbox keeps the first",
		"## Response\n(none: the attempt failed before an answer came)\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("lacks %q:\n%s", w, got)
		}
	}
	ex.Error, ex.ErrorReason = "", ""
	ex.Response = &recorder.Response{Status: 404, Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: recorder.Body(`{"a":1}`)}
	got = Exchange(&ex, Style{})
	for _, w := range []string{"failed: answered 404", "Response\n404 Not Found\nContent-Type: application/json\n", "Response body\n{\n  \"a\": 1\n}\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("lacks %q:\n%s", w, got)
		}
	}
}
