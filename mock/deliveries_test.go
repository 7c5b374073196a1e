package mock

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/openapi"
	"github.com/psbox-dev/psbox/mock/openapi/openapitest"
	"github.com/psbox-dev/psbox/recorder"
)

func TestDeliveriesHandler(t *testing.T) {
	store, err := recorder.Open(t.TempDir(), recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	for i, ev := range []string{"application_created", "application_approved", "application_created"} {
		status := 200
		if i == 2 {
			status = 500
		}
		store.Append(recorder.Exchange{Kind: recorder.KindDelivery, Event: ev, Target: "http://r", Request: recorder.Request{Method: "POST", URL: "http://r", Body: recorder.Body(`{"n":1}`)}, Response: &recorder.Response{Status: status}})
	}
	h := DeliveriesHandler(store)
	doc, err := openapi.Document(fixtures.Builtin(), "test")
	if err != nil {
		t.Fatal(err)
	}
	v, err := openapitest.New(doc)
	if err != nil {
		t.Fatal(err)
	}
	get := func(q string) (int, map[string]any) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/_psbox/deliveries"+q, nil))
		checkAnswer(t, "GET", "/_psbox/deliveries", rec)
		if err := v.Answer("GET", "/_psbox/deliveries", rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Errorf("answer does not match the OpenAPI document: %v", err)
		}
		var env map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
			t.Fatalf("%s: %v: %s", q, err, rec.Body)
		}
		return rec.Code, env
	}
	items := func(env map[string]any) []any { return env["data"].(map[string]any)["items"].([]any) }
	if code, env := get(""); code != 200 || len(items(env)) != 3 || env["status"].(float64) != 200 {
		t.Fatalf("all: %d %v", code, env)
	}
	if _, env := get("?event=application_created&failed=true"); len(items(env)) != 1 {
		t.Fatalf("filtered: %v", env)
	}
	if _, env := get("?limit=1"); len(items(env)) != 1 || items(env)[0].(map[string]any)["request"].(map[string]any)["body"] != `{"n":1}` {
		t.Fatalf("limit/body as text: %v", env)
	}
	for _, q := range []string{"?limit=0", "?failed=maybe", "?kind=other"} {
		if code, env := get(q); code != 400 || env["status"].(float64) != 400 || env["message"] == "" {
			t.Errorf("%s: %d %v", q, code, env)
		}
	}
}
