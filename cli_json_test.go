package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --json has one shape: trigger, replay, test and deliveries use the same
// names for the same things, and docs/json.md lists every name they print.
func TestJSON_OneShapeDocumented(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	state := t.TempDir()
	lines := map[string]string{}
	_, out, _ := runTriggerCmd(t, state, "application_created", "--to", srv.URL, "--json")
	lines["trigger"] = out
	id := newestDelivery(t, state).DeliveryID
	_, out, _ = runDeliveries(t, "deliveries", "replay", id, "--json", "--state", state)
	lines["replay"] = out
	_, out, _ = runDeliveries(t, "deliveries", "--json", "--kind", "delivery", "--limit", "1", "--state", state)
	lines["deliveries"] = out
	cases := filepath.Join(t.TempDir(), "c.json")
	writeFile(t, cases, `{"name": "c", "event": "application_created", "expect": {"status": 200}}`)
	_, out, _ = runContractCmd(t, cases, "--target", srv.URL, "--json")
	lines["test"] = out

	doc, err := os.ReadFile("docs/json.md")
	if err != nil {
		t.Fatal(err)
	}
	for cmd, text := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(strings.SplitN(strings.TrimSpace(text), "\n", 2)[0]), &obj); err != nil {
			t.Fatalf("%s --json: %v in %q", cmd, err, text)
		}
		for _, want := range []string{"event", "error_reason", "error", "duration_ns"} {
			if _, ok := obj[want]; !ok && !(cmd == "deliveries" && want == "error") { // the log keeps no text for a status failure
				t.Errorf("%s --json lacks %q: %v", cmd, want, obj)
			}
		}
		for _, old := range []string{"reason", "latency_ms", "total_ms"} {
			if _, ok := obj[old]; ok {
				t.Errorf("%s --json still prints %q", cmd, old)
			}
		}
		for k := range obj {
			if !strings.Contains(string(doc), "`"+k+"`") {
				t.Errorf("%s --json prints %q, which docs/json.md does not list", cmd, k)
			}
		}
	}
	var rep map[string]any
	json.Unmarshal([]byte(lines["replay"]), &rep)
	if rep["replay_of"] != id {
		t.Errorf("replay --json: replay_of %v, want %s", rep["replay_of"], id)
	}
}
