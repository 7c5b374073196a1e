package recorder

import (
	"encoding/json"
	"testing"
)

func TestScanSummary_AgreesWithEncodingJSON(t *testing.T) {
	ex := sampleExchange(10)
	ex.ID = "ex_x"
	ex.ReplayOf = "ex_y"
	ex.ErrorReason = ReasonStatus
	ex.Request.Body = Body(`{"quote":"a\"b\\","nested":{"x":[1,2,{"y":"}"}]}}`)
	line := appendLine(nil, &ex)
	var full Exchange
	var b Summary
	if err := json.Unmarshal(line, &full); err != nil {
		t.Fatal(err)
	}
	if err := scanSummary(line[:len(line)-1], &b); err != nil {
		t.Fatal(err)
	}
	if a := SummaryOf(&full); a.ID != b.ID || a.Kind != b.Kind || a.DeliveryID != b.DeliveryID || a.Event != b.Event || a.Attempt != b.Attempt ||
		a.ReplayOf != b.ReplayOf || a.Target != b.Target || a.ErrorReason != b.ErrorReason || !a.Start.Equal(b.Start) ||
		a.Duration != b.Duration || a.Status != b.Status || a.Method != b.Method {
		t.Fatalf("scan %+v\njson %+v", b, a)
	}
	// Every cut of the line fails, as a torn write must.
	for n := 0; n < len(line)-1; n++ {
		var s Summary
		if err := scanSummary(line[:n], &s); err == nil {
			t.Fatalf("a line cut at %d of %d bytes scanned as complete", n, len(line)-1)
		}
	}
	for _, bad := range []string{`[]`, `{"id":"x"} x`, `{"id":}`, `{"id":"x",}`, `{"id" "x"}`, `nul`, `{"id":"x"`} {
		var s Summary
		if err := scanSummary([]byte(bad), &s); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}
