package recorder

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestExportHAR_HasEveryRequiredField(t *testing.T) {
	ok := sampleExchange(1)
	ok.ID = "ex_01"
	ok.Request.URL = "http://127.0.0.1:3000/hooks?a=1&b=2"
	failed := Exchange{
		ID: "ex_02", Kind: KindDelivery, DeliveryID: "dlv_2", Event: "application_approved", Attempt: 3,
		Target:      "http://127.0.0.1:1/",
		Request:     Request{Method: "POST", URL: "http://127.0.0.1:1/", Headers: map[string][]string{"Content-Type": {"application/json"}}, Body: Body(`{}`)},
		ErrorReason: ReasonRefused, Error: "connection refused",
		Start: time.Now(), Duration: time.Millisecond,
	}
	binary := sampleExchange(2)
	binary.ID = "ex_03"
	binary.Response.Body = Body{0xff, 0xfe, 0x00}
	// A document streamed from a real log.
	s := openT(t, t.TempDir(), Options{})
	for _, ex := range []Exchange{ok, failed, binary} {
		if _, err := s.Append(ex); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if n, err := ExportHAR(&buf, s, Filter{}, "psbox/1.2.3"); err != nil || n != 3 {
		t.Fatalf("ExportHAR: %d, %v", n, err)
	}
	checkHAR(t, buf.Bytes())
}

// checkHAR holds a HAR document of the three exchanges above to the
// fields HAR 1.2 requires and to what psbox puts in them.
func checkHAR(t *testing.T, har []byte) {
	t.Helper()
	var buf = bytes.NewBuffer(har)
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("HAR does not parse: %v", err)
	}
	log := doc["log"].(map[string]any)
	if log["version"] != "1.2" {
		t.Errorf("version %v", log["version"])
	}
	creator := log["creator"].(map[string]any)
	if creator["name"] != "psbox" || creator["version"] != "1.2.3" {
		t.Errorf("creator %v", creator)
	}
	entries := log["entries"].([]any)
	if len(entries) != 3 {
		t.Fatalf("%d entries", len(entries))
	}
	need := func(where string, m map[string]any, fields ...string) {
		t.Helper()
		for _, f := range fields {
			if _, ok := m[f]; !ok {
				t.Errorf("%s: missing required field %q", where, f)
			}
		}
	}
	for i, e := range entries {
		e := e.(map[string]any)
		need("entry", e, "startedDateTime", "time", "request", "response", "cache", "timings", "_id")
		if _, err := time.Parse(time.RFC3339Nano, e["startedDateTime"].(string)); err != nil {
			t.Errorf("entry %d startedDateTime: %v", i, err)
		}
		req := e["request"].(map[string]any)
		need("request", req, "method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize")
		if pd, ok := req["postData"].(map[string]any); ok {
			need("postData", pd, "mimeType", "text")
		} else {
			t.Errorf("entry %d: no postData for a POST with a body", i)
		}
		resp := e["response"].(map[string]any)
		need("response", resp, "status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize")
		need("content", resp["content"].(map[string]any), "size", "mimeType")
		need("timings", e["timings"].(map[string]any), "send", "wait", "receive")
		for _, k := range []string{"send", "wait", "receive"} {
			if v := e["timings"].(map[string]any)[k].(float64); v < 0 {
				t.Errorf("timings.%s = %v", k, v)
			}
		}
	}
	first := entries[0].(map[string]any)
	if q := first["request"].(map[string]any)["queryString"].([]any); len(q) != 2 {
		t.Errorf("queryString %v", q)
	}
	if first["_deliveryId"] != "dlv_000001" || first["_event"] != "application_approved" || first["_attempt"] != 1.0 {
		t.Errorf("psbox fields: %v %v %v", first["_deliveryId"], first["_event"], first["_attempt"])
	}
	second := entries[1].(map[string]any)
	if second["response"].(map[string]any)["status"] != 0.0 || second["_error"] != "connection refused" || second["_errorReason"] != ReasonRefused {
		t.Errorf("failed attempt: %v", second)
	}
	c := entries[2].(map[string]any)["response"].(map[string]any)["content"].(map[string]any)
	if c["encoding"] != "base64" || c["text"] != "//4A" {
		t.Errorf("binary content %v", c)
	}
}

func TestExportJSONL_RoundTrips(t *testing.T) {
	in := []Exchange{sampleExchange(1), sampleExchange(2)}
	in[1].Request.Body = Body{0, 1, 2, 0xff}
	s := openT(t, t.TempDir(), Options{})
	for i := range in {
		stored, err := s.Append(in[i])
		if err != nil {
			t.Fatal(err)
		}
		in[i].ID = stored.ID
	}
	var buf bytes.Buffer
	if n, err := ExportJSONL(&buf, s, Filter{}); err != nil || n != 2 {
		t.Fatalf("ExportJSONL: %d, %v", n, err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 4<<20)
	var out []Exchange
	for sc.Scan() {
		var ex Exchange
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			t.Fatal(err)
		}
		out = append(out, ex)
	}
	if len(out) != 2 || out[0].ID != in[0].ID || !bytes.Equal(out[1].Request.Body, in[1].Request.Body) || !out[0].Start.Equal(in[0].Start) {
		t.Fatalf("round trip: %+v", out)
	}
}
