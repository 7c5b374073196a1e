package recorder

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestAppendLine_DecodesToTheSameExchange(t *testing.T) {
	full := sampleExchange(3)
	full.ID, full.ReplayOf, full.ErrorReason, full.Error, full.InsecureTLS = "ex_1", "ex_0", ReasonStatus, "boom \"quoted\"\n\ttab", true
	full.Request.Headers["Odd\x01Name"] = []string{"a\u2028b", "<&>", "\xff\xfe"}
	full.Request.Headers["Nil"] = nil
	full.Request.Truncated = true
	full.Response.Body = Body{0xff, 0x00, 0x01}
	full.Response.Truncated = true
	full.Start = time.Date(2026, 2, 3, 4, 5, 6, 789, time.FixedZone("x", 3600))
	bare := Exchange{ID: "ex_2", Kind: KindAPI}
	for _, ex := range []Exchange{full, bare} {
		line := appendLine(nil, &ex)
		if line[len(line)-1] != '\n' {
			t.Fatal("no newline")
		}
		var fast, std Exchange
		if err := json.Unmarshal(line, &fast); err != nil {
			t.Fatalf("%v\n%s", err, line)
		}
		ref, _ := json.Marshal(&ex)
		if err := json.Unmarshal(ref, &std); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("hand-written line decodes differently:\n%s\n%s", line, ref)
		}
		var m1, m2 map[string]any
		json.Unmarshal(line, &m1)
		json.Unmarshal(ref, &m2)
		if !reflect.DeepEqual(m1, m2) {
			t.Fatalf("documents differ:\n%s\n%s", line, ref)
		}
	}
}

// FuzzLineRoundTrip: whatever an exchange holds, encoding/json reads the
// hand-written encoder's line, and what it reads survives a second round
// (encode, read) unchanged.
func FuzzLineRoundTrip(f *testing.F) {
	f.Add("application_created", "Bearer x", []byte(`{"a":"b\"c"}`), 200)
	f.Add("\u2028\x00\xff", "\xed\xa0\x80", []byte{0xff, 0}, 0)
	f.Add("é\"\\/\b\f\n\r\t", "💡", []byte("\\u0041"), -1)
	f.Fuzz(func(t *testing.T, s, h string, body []byte, status int) {
		ex := Exchange{ID: "ex_" + s, Kind: Kind(s), DeliveryID: h, Event: s, Attempt: status, Target: h,
			Request:  Request{Method: s, URL: h, Headers: map[string][]string{s: {h, s}, h: nil}, Body: body},
			Error:    s + h,
			Start:    time.Unix(int64(status), int64(len(s))).UTC(),
			Duration: time.Duration(status)}
		if status%2 == 0 {
			ex.Response = &Response{Status: status, Headers: map[string][]string{h: {}}, Body: Body(s), Truncated: true}
		}
		line := appendLine(nil, &ex)
		var std Exchange
		if err := json.Unmarshal(line, &std); err != nil {
			t.Fatalf("encoding/json rejects the line: %v\n%s", err, line)
		}
		again := appendLine(nil, &std)
		var back Exchange
		if err := json.Unmarshal(again, &back); err != nil {
			t.Fatalf("encoding/json rejects the second line: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(std, back) {
			t.Fatalf("a second round changed the exchange:\n%s\n%s", line, again)
		}
	})
}

// Timestamps are written exactly as time.RFC3339Nano (and encoding/json) writes them, in any
// location and with any fraction, also when many share a second.
func TestAppendTime_MatchesRFC3339Nano(t *testing.T) {
	zones := []*time.Location{time.UTC, time.Local, time.FixedZone("x", 3600), time.FixedZone("y", -(5*3600 + 30*60))}
	base := time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC)
	for i := range 2000 {
		tm := base.Add(time.Duration(i) * 1234567 * time.Nanosecond).In(zones[i%len(zones)])
		if i%7 == 0 {
			tm = tm.Truncate(time.Second)
		}
		for _, x := range []time.Time{tm, time.Date(10000, 1, 1, 0, 0, 0, 5, time.UTC), {}} {
			want := x.AppendFormat(nil, time.RFC3339Nano)
			if got := appendTime(nil, x); string(got) != string(want) {
				t.Fatalf("%v: wrote %s, want %s", x, got, want)
			}
		}
	}
}

// A body buffer reused with other content of the same length is encoded
// afresh each time.
func TestAppendLine_RepeatedAndChangedBodies(t *testing.T) {
	body := []byte(`{"event":"application_created","data":{"key":"appl_1","email":"a@example.com","n":1}}`)
	ex := sampleExchange(1)
	ex.Request.Body = body
	for i := range 5 {
		if i == 3 {
			copy(body[10:], "XXXX\"YYYY") // same length, other bytes
		}
		line := appendLine(nil, &ex)
		ref, _ := json.Marshal(&ex)
		var m1, m2 map[string]any
		json.Unmarshal(line, &m1)
		json.Unmarshal(ref, &m2)
		if !reflect.DeepEqual(m1, m2) {
			t.Fatalf("round %d: documents differ:\n%s\n%s", i, line, ref)
		}
	}
}
